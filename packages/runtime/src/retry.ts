/**
 * When a failed attempt is sent again, and after how long. The rules are RUNTIME.md, "Retries".
 */
import { ConfigurationError } from "./errors.js";

export interface RetryOptions {
  /** Attempts after the first. Default 3. */
  retries?: number;
  /** Delay before the first retry; doubles each time, with full jitter. Default 500 ms. */
  minDelayMs?: number;
  /** Ceiling of the exponential delay. Default 8000 ms. */
  maxDelayMs?: number;
  /** A `Retry-After` longer than this is not waited for: the failure is reported instead. Default 60 s. */
  maxRetryAfterMs?: number;
}

export type ResolvedRetry = Required<RetryOptions>;

export const DEFAULT_RETRY: ResolvedRetry = {
  retries: 3,
  minDelayMs: 500,
  maxDelayMs: 8000,
  maxRetryAfterMs: 60_000,
};

export function resolveRetry(...layers: Array<RetryOptions | false | undefined>): ResolvedRetry | false {
  let resolved: ResolvedRetry | false = DEFAULT_RETRY;
  for (const layer of layers) {
    if (layer === undefined) continue;
    if (layer !== false && (typeof layer !== "object" || layer === null)) {
      throw new ConfigurationError(`retry must be an options object or false, got ${JSON.stringify(layer)}`);
    }
    resolved = layer === false ? false : { ...(resolved || DEFAULT_RETRY), ...layer };
  }
  if (resolved) {
    if (!(Number.isInteger(resolved.retries) && resolved.retries >= 0)) {
      throw new ConfigurationError(`retry.retries must be a non-negative integer, got ${resolved.retries}`);
    }
    for (const key of ["minDelayMs", "maxDelayMs", "maxRetryAfterMs"] as const) {
      if (!(typeof resolved[key] === "number" && resolved[key] >= 0)) {
        throw new ConfigurationError(`retry.${key} must be a non-negative number of ms, got ${resolved[key]}`);
      }
    }
  }
  return resolved;
}

/** How a failed attempt ended, as far as the client can tell. */
export type Failure =
  /** The server answered with this status. */
  | { kind: "status"; status: number; retryAfterMs?: number | undefined }
  /** The connection was never made (refused, DNS, unreachable): the server did not see the request. */
  | { kind: "connect" }
  /** The connection broke after the request may have been sent (reset, closed socket). */
  | { kind: "dropped" }
  /** The attempt ran out of time. */
  | { kind: "timeout" };

const RETRYABLE_STATUSES = new Set([500, 502, 503, 504]);

/**
 * Whether to send again: 429 and connection failures always (the server did not act); 5xx, drops and
 * timeouts only when repeating the request cannot do harm (`idempotent`).
 */
export function shouldRetry(failure: Failure, idempotent: boolean): boolean {
  switch (failure.kind) {
    case "connect":
      return true;
    case "status":
      return failure.status === 429 || (idempotent && RETRYABLE_STATUSES.has(failure.status));
    case "dropped":
    case "timeout":
      return idempotent;
  }
}

/** Exponential backoff with full jitter; `Retry-After` wins when the server sent one. */
export function retryDelayMs(retry: ResolvedRetry, attempt: number, failure: Failure, random = Math.random): number {
  if (failure.kind === "status" && failure.retryAfterMs !== undefined) return failure.retryAfterMs;
  const ceiling = Math.min(retry.maxDelayMs, retry.minDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. Undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Methods whose repetition cannot do harm: reads, updates that set values, deletes. POST creates. */
export function isIdempotentMethod(method: string): boolean {
  return method.toUpperCase() !== "POST";
}

/** Error codes of a failed `fetch` that mean no connection was made. */
const CONNECT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Whether a `fetch` rejection happened before the request reached the server. */
export function isConnectFailure(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && CONNECT_CODES.has(code);
}
