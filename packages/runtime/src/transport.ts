/**
 * The fetch the typed clients hand to openapi-fetch. It sits beneath the middleware chain, so auth and user
 * middleware run once per call while this layer owns every attempt: rate limit → timeout → fetch → retry.
 * See RUNTIME.md.
 */
import {
  type Failure,
  type ResolvedRetry,
  type RetryOptions,
  isConnectFailure,
  isIdempotentMethod,
  parseRetryAfter,
  resolveRetry,
  retryDelayMs,
  shouldRetry,
} from "./retry.js";
import { type RateLimitOptions, limiterFor, sleep } from "./throttle.js";

/** Per-call options, carried from openapi-fetch's init to this layer on the Request object. */
export interface RequestOptions {
  /** Retry rules for this call, over the client's; `false` sends once. */
  retry?: RetryOptions | false;
  /** Time allowed for each attempt, in ms; over the client's. */
  timeoutMs?: number;
  /** Treat the call as safe to repeat (or not), whatever its method. */
  idempotent?: boolean;
}

export interface TransportOptions {
  /** The fetch to call; the global one (looked up at call time) when omitted. */
  fetch?: typeof globalThis.fetch;
  /** Used only to pick the rate-limit bucket. */
  token: string;
  retry?: RetryOptions | false;
  rateLimit?: RateLimitOptions | false;
  /** Time allowed for each attempt. Default 60 s; 0 disables. */
  timeoutMs?: number;
}

/** The key under which openapi-fetch copies our per-call options onto the Request. */
export const REQUEST_OPTIONS_KEY = "bikavikaOptions";

/** Why the transport gave up without a response; the caller turns it into an ApiError. */
export class TransportFailure extends Error {
  override name = "TransportFailure";
  constructor(
    readonly kind: "connect" | "dropped" | "timeout" | "abort",
    readonly attempts: number,
    readonly timeoutMs: number | undefined,
    cause: unknown,
    /** For "abort": whether the request was on the wire. */
    readonly requestSent = false,
  ) {
    super(kind, { cause });
  }
}

const attemptsByResponse = new WeakMap<Response, number>();

/** How many attempts produced this response (1 = no retry). */
export function attemptsOf(response: Response): number {
  return attemptsByResponse.get(response) ?? 1;
}

function timeoutSignal(ms: number | undefined, signal: AbortSignal | null): { signal: AbortSignal | undefined; timedOut: () => boolean } {
  if (!ms) return { signal: signal ?? undefined, timedOut: () => false };
  const timeout = AbortSignal.timeout(ms);
  return {
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    timedOut: () => timeout.aborted && !signal?.aborted,
  };
}

function checkTimeout(ms: number | undefined): number | undefined {
  if (ms === undefined || ms === 0) return ms;
  if (!(Number.isFinite(ms) && ms > 0)) throw new RangeError(`timeoutMs must be a positive number of ms, got ${ms}`);
  return ms;
}

export function createTransport(options: TransportOptions): typeof globalThis.fetch {
  const baseRetry = resolveRetry(options.retry);
  const baseTimeout = checkTimeout(options.timeoutMs ?? 60_000);
  const rateLimit = options.rateLimit === false ? false : (options.rateLimit ?? {});

  return async function transport(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const original = input instanceof Request && init === undefined ? input : new Request(input, init);
    const perCall = (input as unknown as Record<string, RequestOptions | undefined>)[REQUEST_OPTIONS_KEY] ?? {};
    const retry: ResolvedRetry | false = perCall.retry === undefined ? baseRetry : resolveRetry(baseRetry || false, perCall.retry);
    const timeoutMs = checkTimeout(perCall.timeoutMs ?? baseTimeout);
    const idempotent = perCall.idempotent ?? isIdempotentMethod(original.method);
    const callerSignal = original.signal;
    const limiter = rateLimit ? limiterFor(options.token, new URL(original.url).pathname, rateLimit) : undefined;
    const fetchImpl = options.fetch ?? globalThis.fetch;

    for (let attempt = 0; ; attempt += 1) {
      if (callerSignal.aborted) throw new TransportFailure("abort", attempt, timeoutMs, callerSignal.reason);
      try {
        await limiter?.acquire(callerSignal);
      } catch (error) {
        throw new TransportFailure("abort", attempt, timeoutMs, error);
      }
      const { signal, timedOut } = timeoutSignal(timeoutMs, callerSignal);
      // Each attempt sends its own copy: a body can be read only once.
      const request = new Request(original.clone(), signal ? { signal } : {});
      let failure: Failure;
      let thrown: unknown;
      let response: Response | undefined;
      try {
        response = await fetchImpl(request);
      } catch (error) {
        thrown = error;
      }
      if (response) {
        const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
        failure = { kind: "status", status: response.status, retryAfterMs };
        if (!retry || attempt >= retry.retries || !shouldRetry(failure, idempotent)) {
          attemptsByResponse.set(response, attempt + 1);
          return response;
        }
        if (retryAfterMs !== undefined && retryAfterMs > retry.maxRetryAfterMs) {
          attemptsByResponse.set(response, attempt + 1);
          return response;
        }
        // The body of a response we will not use still holds the connection open until read.
        await response.body?.cancel().catch(() => undefined);
      } else {
        if (callerSignal.aborted) throw new TransportFailure("abort", attempt + 1, timeoutMs, callerSignal.reason, true);
        failure = timedOut() ? { kind: "timeout" } : isConnectFailure(thrown) ? { kind: "connect" } : { kind: "dropped" };
        if (!retry || attempt >= retry.retries || !shouldRetry(failure, idempotent)) {
          throw new TransportFailure(failure.kind as "connect" | "dropped" | "timeout", attempt + 1, timeoutMs, thrown);
        }
      }
      try {
        await sleep(retryDelayMs(retry, attempt, failure), callerSignal);
      } catch (error) {
        throw new TransportFailure("abort", attempt + 1, timeoutMs, error);
      }
    }
  };
}
