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
import { ConfigurationError } from "./errors.js";
import { type RateLimitOptions, SlidingWindowLimiter, limiterFor, sleep } from "./throttle.js";

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
  if (!(typeof ms === "number" && Number.isFinite(ms) && ms > 0)) {
    throw new ConfigurationError(`timeoutMs must be a positive number of ms (or 0 for none), got ${ms}`);
  }
  return ms;
}

/** Statuses whose responses cannot carry a body (the Response constructor refuses one). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * The response with its body read, inside the attempt: a body that stalls counts against the attempt's timeout
 * and a body cut off mid-way is a dropped connection, both retried like any other failed attempt.
 */
async function buffered(response: Response): Promise<Response> {
  const body = NULL_BODY_STATUSES.has(response.status) ? null : await response.arrayBuffer();
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}


export function createTransport(options: TransportOptions): typeof globalThis.fetch {
  const baseRetry = resolveRetry(options.retry);
  const baseTimeout = checkTimeout(options.timeoutMs ?? 60_000);
  const rateLimit = options.rateLimit === false ? false : (options.rateLimit ?? {});
  if (rateLimit) new SlidingWindowLimiter(rateLimit); // refuses a bad rate now, not at the first request
  if (options.fetch !== undefined && typeof options.fetch !== "function") {
    throw new ConfigurationError(`fetch must be a function, got ${typeof options.fetch}`);
  }

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
        const received = await fetchImpl(request);
        if (!(received instanceof Response)) throw new TypeError(`fetch resolved to ${typeof received}, not a Response`);
        response = await buffered(received);
      } catch (error) {
        // Once fetch has been called, any failure may have happened on the wire: classified below, never local.
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
