/**
 * Client-side rate limiting, keyed the way the servers count: per token and per datasheet (or space, or the
 * user when the path names neither). See RUNTIME.md, "Rate limits".
 */
import { MAX_TIMER_MS, checkDuration, invalid } from "./config.js";

export interface RateLimitOptions {
  /** Requests per second per key. Default 5 (the Fusion API's default); plans allow 2, 5, 10 or 20. */
  requestsPerSecond?: number | undefined;
  /**
   * Added to the one-second window so that requests which reach the server sooner than those before them cannot
   * squeeze N+1 into its window. Default: it follows the network, 10 ms plus the spread of the last 32 round trips
   * (their slowest left out once it is older than a window's worth), at most 250 ms; at least 50 ms until 32 have
   * been seen. A number fixes it.
   */
  marginMs?: number | undefined;
}

/** The least margin until a whole history of round trips has been seen, the history's length, and the most. */
const FIRST_MARGIN_MS = 50;
const HISTORY = 32;
const MAX_ADAPTIVE_MARGIN_MS = 250;

export interface Limiter {
  /** Resolves when the caller may start a request; rejects with the signal's reason if it aborts first. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Told the time from a request's start to its response: their spread sets an adaptive margin. */
  observe(roundTripMs: number): void;
  /** No start within the window and nobody waiting: the limiter can be dropped without losing anything. */
  isIdle(): boolean;
}

/** Waits `ms` (at most MAX_TIMER_MS: a longer timer would fire at once); rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  ms = Math.min(ms, MAX_TIMER_MS);
  return new Promise((resolve, reject) => {
    const abort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", abort);
      resolve();
    }, ms);
    if (signal?.aborted) abort();
    else signal?.addEventListener("abort", abort, { once: true });
  });
}

/**
 * At most `requestsPerSecond` starts in any window of one second (plus margin). Callers queue in arrival order;
 * an aborted caller leaves the queue without taking a slot.
 */
export function slidingWindowLimiter({ requestsPerSecond = 5, marginMs }: RateLimitOptions = {}, now: () => number = Date.now): Limiter {
  if (!(Number.isFinite(requestsPerSecond) && requestsPerSecond > 0)) {
    invalid("rateLimit.requestsPerSecond", "a positive number", requestsPerSecond);
  }
  if (marginMs !== undefined) checkDuration("rateLimit.marginMs", marginMs);
  // Fractional rates (e.g. 0.5/s) become one start per 1/rate seconds.
  const slots = Math.max(1, Math.floor(requestsPerSecond));
  const windowFor = (margin: number) => (1000 + margin) / Math.min(1, requestsPerSecond);
  // A rate so low that one start per window no longer fits in a timer.
  const widest = windowFor(marginMs ?? MAX_ADAPTIVE_MARGIN_MS);
  if (widest > MAX_TIMER_MS) invalid("rateLimit", "a window (1000 ms + marginMs, over requestsPerSecond below 1) a timer can hold", widest);
  const starts: number[] = [];
  // The last round trips, oldest first. A request's delay to the server is unknown, but how much it varies shows
  // in how much round trips vary: a start must be that much later than one window after the start it replaces.
  // The slowest one counts only while it is among the last window's worth (it may be the request a start is about
  // to replace: a connection opened after a pause); older, it is left out, so that one slow query or upload does
  // not widen every window for 32 requests. Until the history is whole the old 50 ms stays the least: the first
  // requests may all have opened connections, and only later ones, on open connections, show how much sooner a
  // request can arrive. Worked out as each round trip comes in, not at every start.
  const trips: number[] = [];
  let adaptive = FIRST_MARGIN_MS;
  const margin = () => marginMs ?? adaptive;
  let tail = Promise.resolve();
  let waiting = 0;

  const waitForSlot = async (signal?: AbortSignal) => {
    for (;;) {
      signal?.throwIfAborted();
      const at = now();
      const windowMs = windowFor(margin());
      while (starts[0]! <= at - windowMs) starts.shift();
      if (starts.length < slots) {
        starts.push(at);
        return;
      }
      await sleep(starts[0]! + windowMs - at, signal);
    }
  };

  return {
    acquire(signal) {
      waiting += 1;
      // An aborted caller's turn still comes, and then passes at once without taking a slot (waitForSlot checks
      // the signal first), so that the queue behind it keeps its order.
      const turn = tail.then(() => waitForSlot(signal)).finally(() => {
        waiting -= 1;
      });
      tail = turn.catch(() => undefined);
      if (!signal) return turn;
      // The caller hears of its abort at once, not when its turn comes.
      return new Promise<void>((resolve, reject) => {
        const abort = () => reject(signal.reason);
        if (signal.aborted) abort();
        else signal.addEventListener("abort", abort, { once: true });
        turn.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
      });
    },
    observe(roundTripMs) {
      trips.push(roundTripMs);
      if (trips.length > HISTORY) trips.shift();
      const sorted = [...trips].sort((a, b) => a - b);
      const slowest = Math.max(sorted[sorted.length - 2] ?? sorted[0]!, ...trips.slice(-slots));
      adaptive = Math.min(MAX_ADAPTIVE_MARGIN_MS, Math.max(trips.length < HISTORY ? FIRST_MARGIN_MS : 0, 10 + slowest - sorted[0]!));
    },
    isIdle: () => waiting === 0 && !(starts[starts.length - 1]! > now() - windowFor(margin())),
  };
}

/** The server's bucket for a request path: the datasheet, else the space, else the user. */
export function rateLimitKey(pathname: string): string {
  return (/\/datasheets\/[^/]+/.exec(pathname) ?? /\/spaces\/[^/]+/.exec(pathname) ?? ["user"])[0];
}

/** A non-reversible fingerprint, so that tokens are not kept as map keys. */
function fingerprint(token: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < token.length; index += 1) {
    hash = Math.imul(hash ^ token.charCodeAt(index), 0x01000193);
  }
  return (hash >>> 0).toString(36);
}

/**
 * One limiter per (token, bucket, rate), shared by every client in the process that uses the same token: two
 * clients on one token share the server's budget too.
 */
const limiters = new Map<string, Limiter>();
/** Past this many buckets, idle ones are dropped (an app may touch thousands of datasheets). */
const PRUNE_ABOVE = 256;

export function limiterFor(token: string, pathname: string, options: RateLimitOptions): Limiter {
  const { requestsPerSecond = 5, marginMs = "adaptive" } = options;
  const key = `${fingerprint(token)}|${rateLimitKey(pathname)}|${requestsPerSecond}|${marginMs}`;
  let limiter = limiters.get(key);
  if (!limiter) {
    if (limiters.size >= PRUNE_ABOVE) {
      for (const [existingKey, existing] of limiters) if (existing.isIdle()) limiters.delete(existingKey);
    }
    limiter = slidingWindowLimiter(options);
    limiters.set(key, limiter);
  }
  return limiter;
}
