/**
 * One error hierarchy for both APIs. Every failure a client reports is an `ApiError`: the server said no
 * (HTTP status and/or business code), the server's answer could not be understood, or no answer arrived.
 * The request's headers are never kept, so the token cannot leak through an error.
 */

export interface ApiErrorDetails {
  /** HTTP method, upper case. */
  method: string;
  /** The operation's path template, e.g. `/v1/spaces/{spaceId}/nodes` (ids are not part of it). */
  path: string;
  message: string;
  /** HTTP status, when a response arrived. Business errors often arrive with 200. */
  status?: number | undefined;
  /** Business code from the `{success:false, code}` envelope, when there was one. */
  code?: number | undefined;
  /** Request id from the response headers, when the server sent one. */
  requestId?: string | undefined;
  /** How many times the request was re-sent before this error. */
  retryCount?: number | undefined;
  /** The parsed response body (or its text), with the token redacted. */
  body?: unknown;
  cause?: unknown;
  /** What the client did about it, appended to `message` (not part of `serverMessage`). */
  note?: string | undefined;
}

export class ApiError extends Error {
  override name = "ApiError";
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  readonly code: number | undefined;
  readonly requestId: string | undefined;
  readonly retryCount: number;
  readonly body: unknown;
  /** The server's own message, without the request summary that `message` adds. */
  readonly serverMessage: string;

  constructor(details: ApiErrorDetails) {
    super(describe(details), details.cause === undefined ? undefined : { cause: details.cause });
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.code = details.code;
    this.requestId = details.requestId;
    this.retryCount = details.retryCount ?? 0;
    this.body = details.body;
    this.serverMessage = details.message;
  }


  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      method: this.method,
      path: this.path,
      status: this.status,
      code: this.code,
      requestId: this.requestId,
      retryCount: this.retryCount,
    };
  }
}

function describe(details: ApiErrorDetails): string {
  const facts = [
    details.status === undefined ? undefined : `HTTP ${details.status}`,
    details.code === undefined || details.code === details.status ? undefined : `code ${details.code}`,
    details.requestId === undefined ? undefined : `request id ${details.requestId}`,
  ].filter((fact) => fact !== undefined);
  return `${details.method} ${details.path}: ${details.message}${facts.length > 0 ? ` (${facts.join(", ")})` : ""}${details.note ? `; ${details.note}` : ""}`;
}

/** 401: the token is missing, malformed or revoked. */
export class AuthenticationError extends ApiError {
  override name = "AuthenticationError";
}
/** 403 / business 602: the token's user may not do this. */
export class PermissionError extends ApiError {
  override name = "PermissionError";
}
/** 404 / business 301: the datasheet, node, record or route does not exist (or is not visible). */
export class NotFoundError extends ApiError {
  override name = "NotFoundError";
}
/** 400 / 422 / enterprise 15xx: the request was refused as invalid; re-sending it unchanged fails again. */
export class ValidationError extends ApiError {
  override name = "ValidationError";
}
/** 429: too many requests in the current second. Safe to retry later: the server did not act. */
export class RateLimitError extends ApiError {
  override name = "RateLimitError";
}
/** Monthly API quota or space capacity exhausted (Vika 403 usage, 426, 428; Bika 429 "quota"). Not retryable. */
export class QuotaError extends ApiError {
  override name = "QuotaError";
}
/** 5xx: the server failed. Whether it acted is unknown. */
export class ServerError extends ApiError {
  override name = "ServerError";
}
/** A response arrived but is not what the API sends: HTML error page, truncated JSON, missing envelope. */
export class InvalidResponseError extends ApiError {
  override name = "InvalidResponseError";
}
/** No response arrived: DNS failure, refused or dropped connection. */
export class NetworkError extends ApiError {
  override name = "NetworkError";
}
/** No connection could be made (refused, DNS, unreachable): the server never saw the request. */
export class ConnectionError extends NetworkError {
  override name = "ConnectionError";
}
/** The request took longer than its timeout. */
export class TimeoutError extends ApiError {
  override name = "TimeoutError";
}
/** The caller aborted the request through its AbortSignal. */
export class AbortError extends ApiError {
  override name = "AbortError";
  /** Whether the request had been sent when it was aborted (the server may have acted on it). */
  readonly requestSent: boolean;

  constructor(details: ApiErrorDetails & { requestSent?: boolean }) {
    super(details);
    this.requestSent = details.requestSent ?? false;
  }
}

/**
 * A write that is not safe to repeat (a create) failed after it may have reached the server: a 5xx, a dropped
 * connection or a timeout. It was not re-sent. `records` are what it carried, so the caller can check which
 * of them exist before trying again. `cause` is the failure itself.
 */
export class OutcomeUnknownError extends ApiError {
  override name = "OutcomeUnknownError";
  readonly records: readonly unknown[];

  constructor(details: ApiErrorDetails & { records: readonly unknown[] }) {
    super(details);
    this.records = details.records;
  }
}

/** The client was configured with something it cannot use (no token, bad base URL). Thrown before any request. */
export class ConfigurationError extends TypeError {
  override name = "ConfigurationError";
}

/** Vika/APITable business codes that arrive with HTTP 200 (room-server api_tip_config), and Bika's equivalents. */
const QUOTA_CODES = new Set([426, 428]);
const NOT_FOUND_CODES = new Set([301, 404]);
const PERMISSION_CODES = new Set([403, 602]);

type ErrorClass = new (details: ApiErrorDetails) => ApiError;

function isQuotaMessage(message: string): boolean {
  return /quota|usage|API_REQUEST|capacity/i.test(message);
}

/**
 * Picks the error class from the business code first (it is what the server meant), then the HTTP status.
 * See RUNTIME.md, "Errors".
 */
export function errorClassFor(status: number | undefined, code: number | undefined, message: string): ErrorClass {
  const key = code ?? status;
  if (key === undefined) return ApiError;
  if (key === 401 || status === 401) return AuthenticationError;
  if (QUOTA_CODES.has(key)) return QuotaError;
  if ((key === 403 || key === 429) && isQuotaMessage(message)) return QuotaError;
  if (key === 429 || status === 429) return RateLimitError;
  if (PERMISSION_CODES.has(key)) return PermissionError;
  if (NOT_FOUND_CODES.has(key)) return NotFoundError;
  if (key === 400 || key === 422 || (key >= 1500 && key < 1600)) return ValidationError;
  if (key >= 500 && key < 600) return ServerError;
  if (status !== undefined && status >= 500) return ServerError;
  return ApiError;
}

export function createApiError(details: ApiErrorDetails): ApiError {
  const ErrorType = errorClassFor(details.status, details.code, details.message);
  return new ErrorType(details);
}
