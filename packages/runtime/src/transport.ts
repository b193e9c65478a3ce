/**
 * The fetch the typed clients hand to openapi-fetch. It sits beneath the middleware chain, so auth and user
 * middleware run once per call while this layer owns every attempt: rate limit → timeout → fetch → retry.
 * See RUNTIME.md.
 */
import { invalid } from "./config.js";
import {
  type Failure,
  type RetryOptions,
  isConnectFailure,
  isIdempotentMethod,
  parseRetryAfter,
  resolveRetry,
  retryDelayMs,
  shouldRetry,
} from "./retry.js";
import { type RateLimitOptions, limiterFor, sleep, slidingWindowLimiter } from "./throttle.js";

/** Per-call options, carried from openapi-fetch's init to this layer on the Request object. */
export interface RequestOptions {
  /** Retry rules for this call, over the client's; `false` sends once. */
  retry?: RetryOptions | false | undefined;
  /** Time allowed for each attempt, in ms; over the client's. */
  timeoutMs?: number | undefined;
  /** Treat the call as safe to repeat (or not), whatever its method. */
  idempotent?: boolean | undefined;
}

export interface TransportOptions {
  /** The fetch to call; the global one (looked up at call time) when omitted. */
  fetch?: typeof globalThis.fetch | undefined;
  /** Used only to pick the rate-limit bucket. */
  token: string;
  retry?: RetryOptions | false | undefined;
  rateLimit?: RateLimitOptions | false | undefined;
  /** Time allowed for each attempt. Default 60 s; 0 disables. */
  timeoutMs?: number | undefined;
}

/** The key under which openapi-fetch copies our per-call options onto the Request. */
export const REQUEST_OPTIONS_KEY = "bikavikaOptions";

/** Why the transport gave up without a response; the caller turns it into an ApiError. */
export class TransportFailure extends Error {
  declare readonly kind: "connect" | "dropped" | "timeout" | "abort";
  declare readonly attempts: number;
  declare readonly timeoutMs: number | undefined;
  /** For "abort": whether the request was on the wire. */
  declare readonly requestSent: boolean;

  constructor(kind: TransportFailure["kind"], attempts: number, timeoutMs: number | undefined, cause: unknown, requestSent = false) {
    super(kind, { cause });
    Object.assign(this, { name: "TransportFailure", kind, attempts, timeoutMs, requestSent });
  }
}

const attemptsByResponse = new WeakMap<Response, number>();

/** How many attempts produced this response (1 = no retry). */
export function attemptsOf(response: Response): number {
  return attemptsByResponse.get(response) ?? 1;
}

function checkTimeout(ms: number | undefined): number | undefined {
  if (!(ms === undefined || ms === 0 || (Number.isFinite(ms) && ms > 0))) {
    invalid("timeoutMs", "a positive number of ms (or 0 for none)", ms);
  }
  return ms;
}

export function createTransport(options: TransportOptions): typeof globalThis.fetch {
  const { token, fetch: customFetch, rateLimit = {} } = options;
  const baseRetry = resolveRetry(options.retry);
  const baseTimeout = checkTimeout(options.timeoutMs ?? 60_000);
  if (rateLimit !== false) {
    if (typeof rateLimit !== "object" || rateLimit === null) invalid("rateLimit", "an options object or false", rateLimit);
    slidingWindowLimiter(rateLimit); // refuses a bad rate now, not at the first request
  }
  if (customFetch !== undefined && typeof customFetch !== "function") invalid("fetch", "a function", customFetch);

  return async (input, init) => {
    const original = input instanceof Request && init === undefined ? input : new Request(input, init);
    const perCall: RequestOptions = (input as unknown as Record<string, RequestOptions | undefined>)[REQUEST_OPTIONS_KEY] ?? {};
    const retry = perCall.retry === undefined ? baseRetry : resolveRetry(options.retry, perCall.retry);
    const timeoutMs = checkTimeout(perCall.timeoutMs ?? baseTimeout);
    const idempotent = perCall.idempotent ?? isIdempotentMethod(original.method);
    const callerSignal = original.signal;
    const limiter = rateLimit ? limiterFor(token, new URL(original.url).pathname, rateLimit) : undefined;
    const giveUp = (failure: Failure, attempt: number) => attempt > retry.retries || !shouldRetry(failure, idempotent);

    for (let attempt = 1; ; attempt += 1) {
      try {
        callerSignal.throwIfAborted();
        await limiter?.acquire(callerSignal);
      } catch (error) {
        throw new TransportFailure("abort", attempt - 1, timeoutMs, error);
      }
      const timeout = timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined;
      let response: Response | undefined;
      let thrown: unknown;
      try {
        // Each attempt sends its own copy: a body can be read only once.
        const request = new Request(original.clone(), timeout ? { signal: AbortSignal.any([callerSignal, timeout]) } : {});
        const received = await (customFetch ?? fetch)(request);
        if (!(received instanceof Response)) throw new TypeError(`fetch resolved to ${typeof received}, not a Response`);
        // The body is read inside the attempt: one that stalls counts against the attempt's timeout, and one cut
        // off mid-way is a dropped connection, both retried like any other failed attempt.
        response = new Response(received.body && (await received.arrayBuffer()), received);
      } catch (error) {
        // Once fetch has been called, any failure may have happened on the wire: classified below, never local.
        thrown = error;
      }
      let retryAfterMs: number | undefined;
      if (response) {
        retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
        if (giveUp(response.status, attempt) || (retryAfterMs ?? 0) > retry.maxRetryAfterMs) {
          attemptsByResponse.set(response, attempt);
          return response;
        }
      } else {
        if (callerSignal.aborted) throw new TransportFailure("abort", attempt, timeoutMs, callerSignal.reason, true);
        const failure = timeout?.aborted ? "timeout" : isConnectFailure(thrown) ? "connect" : "dropped";
        if (giveUp(failure, attempt)) throw new TransportFailure(failure, attempt, timeoutMs, thrown);
      }
      try {
        await sleep(retryAfterMs ?? retryDelayMs(retry, attempt - 1), callerSignal);
      } catch (error) {
        throw new TransportFailure("abort", attempt, timeoutMs, error);
      }
    }
  };
}
