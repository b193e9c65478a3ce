/**
 * When a failed attempt is sent again, and after how long. The rules are RUNTIME.md, "Retries".
 */
import { invalid, type Resolved } from "./config.js";

export interface RetryOptions {
  /** Attempts after the first. Default 3. */
  retries?: number | undefined;
  /** Delay before the first retry; doubles each time, with jitter. Default 500 ms. */
  minDelayMs?: number | undefined;
  /** Ceiling of the exponential delay. Default 8000 ms. */
  maxDelayMs?: number | undefined;
  /** A `Retry-After` longer than this is not waited for: the failure is reported instead. Default 60 s. */
  maxRetryAfterMs?: number | undefined;
}

export type ResolvedRetry = Resolved<RetryOptions>;

export const DEFAULT_RETRY: ResolvedRetry = {
  retries: 3,
  minDelayMs: 500,
  maxDelayMs: 8000,
  maxRetryAfterMs: 60_000,
};

/**
 * Layers retry options over the defaults, each over the ones before. `false` sends once (`retries: 0`); an
 * object after it retries again, from the defaults.
 */
export function resolveRetry(...layers: Array<RetryOptions | false | undefined>): ResolvedRetry {
  let resolved = DEFAULT_RETRY;
  let off = false;
  for (const layer of layers) {
    if (layer === false) {
      off = true;
    } else if (layer !== undefined) {
      if (typeof layer !== "object" || layer === null) invalid("retry", "an options object or false", layer);
      const below = off ? DEFAULT_RETRY : resolved;
      resolved = { ...below };
      off = false;
      for (const key of Object.keys(DEFAULT_RETRY) as Array<keyof ResolvedRetry>) {
        // An undefined option keeps the value below it, as an absent one does.
        const value: unknown = layer[key] === undefined ? below[key] : layer[key];
        if (!(typeof value === "number" && value >= 0 && (key !== "retries" || Number.isInteger(value)))) {
          invalid(`retry.${key}`, key === "retries" ? "a non-negative integer" : "a non-negative number of ms", value);
        }
        resolved[key] = value;
      }
    }
  }
  return off ? { ...resolved, retries: 0 } : resolved;
}

/**
 * How a failed attempt ended, as far as the client can tell: the HTTP status the server answered with, or why
 * no answer came. `"connect"`: no connection was made, so the server never saw the request (refused, DNS,
 * unreachable). `"dropped"`: the connection broke after the request may have been sent. `"timeout"`: the
 * attempt ran out of time.
 */
export type Failure = number | "connect" | "dropped" | "timeout";

/**
 * Whether to send again: 429 and connection failures always (the server did not act); 500/502/503/504, drops
 * and timeouts only when repeating the request cannot do harm (`idempotent`).
 */
export function shouldRetry(failure: Failure, idempotent: boolean): boolean {
  return (
    failure === "connect" ||
    failure === 429 ||
    (idempotent && (typeof failure === "string" || [500, 502, 503, 504].includes(failure)))
  );
}

/** Exponential backoff: `minDelayMs × 2^attempt`, capped at `maxDelayMs`, with jitter between half and all of it. */
export function retryDelayMs(retry: ResolvedRetry, attempt: number, random = Math.random): number {
  const ceiling = Math.min(retry.maxDelayMs, retry.minDelayMs * 2 ** attempt);
  return Math.round((ceiling * (1 + random())) / 2);
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. Undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value?.trim()) return undefined;
  const ms = /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  return Number.isNaN(ms) ? undefined : Math.max(0, Math.round(ms));
}

/** Methods whose repetition cannot do harm: reads, updates that set values, deletes. POST creates. */
export function isIdempotentMethod(method: string): boolean {
  return method.toUpperCase() !== "POST";
}

/** Error codes of a failed `fetch` that mean no connection was made. */
const CONNECT_CODES = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|UND_ERR_CONNECT_TIMEOUT)$/;

/** Whether a `fetch` rejection happened before the request reached the server: the first `code` down its causes. */
export function isConnectFailure(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === "string") return CONNECT_CODES.test(code);
    current = cause;
  }
  return false;
}
