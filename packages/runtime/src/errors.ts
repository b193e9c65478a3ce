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

/** The fields an ApiError copies from its details, in the order `toJSON` lists them after name and message. */
const COPIED_FIELDS = ["method", "path", "status", "code", "requestId", "retryCount"] as const;

export class ApiError extends Error {
  override name = "ApiError";
  // Declared, not defined: the constructor sets every one of them (undefined included), in this order.
  declare readonly method: string;
  declare readonly path: string;
  declare readonly status: number | undefined;
  declare readonly code: number | undefined;
  declare readonly requestId: string | undefined;
  declare readonly retryCount: number;
  declare readonly body: unknown;
  /** The server's own message, without the request summary that `message` adds. */
  declare readonly serverMessage: string;

  constructor(details: ApiErrorDetails) {
    // A server's text is cut before it reaches a message (the whole of it stays in `body`): a 50 MB `message`
    // must not become a 50 MB error message. Callers redact it before this point, so nothing is cut mid-secret.
    details = { ...details, message: cap(details.message, MAX_SERVER_TEXT), requestId: details.requestId && cap(details.requestId, 200) };
    super(describe(details), details.cause === undefined ? undefined : { cause: details.cause });
    for (const key of COPIED_FIELDS) (this as Record<string, unknown>)[key] = details[key];
    this.retryCount ??= 0;
    this.body = details.body;
    this.serverMessage = details.message;
  }

  toJSON(): Record<string, unknown> {
    return Object.fromEntries((["name", "message", ...COPIED_FIELDS] as const).map((key) => [key, this[key]]));
  }
}

/** How much of a server's message an error's `message` and `serverMessage` carry. */
export const MAX_SERVER_TEXT = 1000;

/** `text` cut to `max` characters, saying how much was left out. */
export function cap(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… [${text.length - max} more characters]` : text;
}

function describe({ method, path, message, status, code, requestId, note }: ApiErrorDetails): string {
  const facts = [
    status !== undefined && `HTTP ${status}`,
    code !== undefined && code !== status && `code ${code}`,
    requestId && `request id ${requestId}`,
  ]
    .filter(Boolean)
    .join(", ");
  return `${method} ${path}: ${message}${facts && ` (${facts})`}${note ? `; ${note}` : ""}`;
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
/** Monthly API quota or capacity exhausted (Vika 403 usage, 426, 428, 304 row limit; Bika 429 "quota"). Not retryable. */
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
/**
 * The server answered with a redirect (3xx). None is followed: the APIs never redirect an API call, and
 * following one could send the request's body and headers elsewhere or turn a write into a read. `location`
 * is where it pointed (without credentials or query), when the runtime can see it.
 */
export class RedirectError extends ApiError {
  override name = "RedirectError";
  declare readonly location: string | undefined;

  constructor(details: ApiErrorDetails & { location?: string | undefined }) {
    super(details);
    this.location = details.location;
  }
}
/** The response body was larger than `maxResponseBytes` once decoded; reading stopped there. */
export class ResponseTooLargeError extends InvalidResponseError {
  override name = "ResponseTooLargeError";
  declare readonly limitBytes: number;

  constructor(details: ApiErrorDetails & { limitBytes: number }) {
    super(details);
    this.limitBytes = details.limitBytes;
  }
}
/** The caller aborted the request through its AbortSignal. */
export class AbortError extends ApiError {
  override name = "AbortError";
  /** Whether the request had been sent when it was aborted (the server may have acted on it). */
  declare readonly requestSent: boolean;

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
  declare readonly records: readonly unknown[];

  constructor(details: ApiErrorDetails & { records: readonly unknown[] }) {
    super(details);
    this.records = details.records;
  }
}

/** The client was configured with something it cannot use (no token, bad base URL). Thrown before any request. */
export class ConfigurationError extends TypeError {
  override name = "ConfigurationError";
}

type ErrorClass = new (details: ApiErrorDetails) => ApiError;

/**
 * Picks the error class from the business code first (it is what the server meant), then the HTTP status.
 * The codes are Vika/APITable's (room-server api_tip_config), which arrive with HTTP 200, and Bika's equivalents.
 * See RUNTIME.md, "Errors".
 */
export function errorClassFor(status: number | undefined, code: number | undefined, message: string): ErrorClass {
  // With neither a code nor a status, 0 matches no rule below: a plain ApiError.
  const key = code ?? status ?? 0;
  const keyIs = (...codes: number[]) => codes.includes(key);
  if (keyIs(401) || status === 401) return AuthenticationError;
  // 304: the datasheet's row limit, sent with HTTP 500 on create; permanent, not a server failure.
  // Code 304 only as a business code: HTTP 304 (Not Modified) is no quota.
  if (code === 304 || keyIs(426, 428) || (keyIs(403, 429) && /quota|usage|API_REQUEST|capacity/i.test(message))) return QuotaError;
  if (keyIs(429) || status === 429) return RateLimitError;
  if (keyIs(403, 602)) return PermissionError;
  if (keyIs(301, 404)) return NotFoundError;
  if (keyIs(400, 422) || (key >= 1500 && key < 1600)) return ValidationError;
  if ((key >= 500 && key < 600) || (status ?? 0) >= 500) return ServerError;
  return ApiError;
}

export function createApiError(details: ApiErrorDetails): ApiError {
  const ErrorType = errorClassFor(details.status, details.code, details.message);
  return new ErrorType(details);
}
