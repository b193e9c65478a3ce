/**
 * When a failed attempt is sent again, and after how long. The rules are RUNTIME.md, "Retries".
 */
import { MAX_TIMER_MS, checkDuration, invalid, type Resolved } from "./config.js";

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
        if (key !== "retries") resolved[key] = checkDuration(`retry.${key}`, value);
        else if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) resolved[key] = value;
        else invalid("retry.retries", "a non-negative integer", value);
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
  // maxDelayMs is at most MAX_TIMER_MS (checked in resolveRetry), so no computed delay can overflow a timer.
  const ceiling = Math.min(retry.maxDelayMs, retry.minDelayMs * 2 ** attempt, MAX_TIMER_MS);
  return Math.round((ceiling * (1 + random())) / 2);
}

const DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const MONTH = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
const TIME = "\\d{2}:\\d{2}:\\d{2}";
/** The three HTTP-date forms (RFC 9110 §5.6.7): IMF-fixdate, the obsolete RFC 850 form, and asctime. */
const HTTP_DATE = new RegExp(
  `^(?:${DAY}, \\d{2} ${MONTH} \\d{4} ${TIME} GMT|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, \\d{2}-${MONTH}-\\d{2} ${TIME} GMT|${DAY} ${MONTH} [ \\d]\\d ${TIME} \\d{4})$`,
);

/**
 * `Retry-After` as milliseconds: delta-seconds (digits only) or an HTTP-date; a date in the past is 0.
 * Undefined for anything else ("-1", "+5", "1.5", "soon"), which then gets the ordinary backoff: a lenient
 * date parser would read such values as dates long past and skip the backoff altogether.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed) * 1000, Number.MAX_SAFE_INTEGER);
  return HTTP_DATE.test(trimmed) ? Math.max(0, Date.parse(trimmed) - now) : undefined;
}

/** Methods whose repetition cannot do harm: reads, updates that set values, deletes. POST creates. */
export function isIdempotentMethod(method: string): boolean {
  return method.toUpperCase() !== "POST";
}

/** Error codes of a failed `fetch` that mean it refused to send: nothing went on the wire. */
const LOCAL_CODES = /^(UND_ERR_INVALID_ARG|UND_ERR_NOT_SUPPORTED|ERR_INVALID_ARG_TYPE|ERR_INVALID_ARG_VALUE|ERR_INVALID_URL|ERR_INVALID_CHAR|ERR_INVALID_HTTP_TOKEN|ERR_UNESCAPED_CHARACTERS)$/;

/** The first `code` down an error's causes, if any. */
function codeOf(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === "string") return code;
    current = cause;
  }
  return undefined;
}

/** Whether a `fetch` rejection is fetch refusing to send (an invalid argument), not a failure on the wire. */
export function isLocalFailure(error: unknown): boolean {
  return LOCAL_CODES.test(codeOf(error) ?? "");
}

/** Error codes of a failed `fetch` that mean no connection was made. */
const CONNECT_CODES = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|UND_ERR_CONNECT_TIMEOUT)$/;

/** Whether a `fetch` rejection happened before the request reached the server: the first `code` down its causes. */
export function isConnectFailure(error: unknown): boolean {
  return CONNECT_CODES.test(codeOf(error) ?? "");
}
