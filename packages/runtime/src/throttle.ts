/**
 * Client-side rate limiting, keyed the way the servers count: per token and per datasheet (or space, or the
 * user when the path names neither). See RUNTIME.md, "Rate limits".
 */

export interface RateLimitOptions {
  /** Requests per second per key. Default 5 (the Fusion API's default); plans allow 2, 5, 10 or 20. */
  requestsPerSecond?: number;
  /**
   * Added to the one-second window so that network jitter cannot squeeze N+1 requests into the server's
   * window. Default 50 ms.
   */
  marginMs?: number;
}

import { ConfigurationError } from "./errors.js";

const WINDOW_MS = 1000;

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * At most `requestsPerSecond` starts in any window of one second (plus margin). Callers queue in arrival order;
 * an aborted caller leaves the queue without taking a slot.
 */
export class SlidingWindowLimiter {
  private readonly starts: number[] = [];
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;
  readonly requestsPerSecond: number;
  /** Starts allowed per window; fractional rates (e.g. 0.5/s) become one start per 1/rate seconds. */
  private readonly slots: number;
  private readonly windowMs: number;

  constructor(options: RateLimitOptions = {}, private readonly now: () => number = Date.now) {
    const perSecond = options.requestsPerSecond ?? 5;
    if (!(typeof perSecond === "number" && Number.isFinite(perSecond) && perSecond > 0)) {
      throw new ConfigurationError(`rateLimit.requestsPerSecond must be a positive number, got ${perSecond}`);
    }
    const margin = options.marginMs ?? 50;
    if (!(typeof margin === "number" && Number.isFinite(margin) && margin >= 0)) {
      throw new ConfigurationError(`rateLimit.marginMs must be a non-negative number, got ${margin}`);
    }
    this.requestsPerSecond = perSecond;
    this.slots = Math.max(1, Math.floor(perSecond));
    this.windowMs = (WINDOW_MS + (options.marginMs ?? 50)) / Math.min(1, perSecond);
  }

  /** No start within the window and nobody waiting: the limiter can be dropped without losing anything. */
  isIdle(): boolean {
    const last = this.starts[this.starts.length - 1];
    return this.waiting === 0 && (last === undefined || last <= this.now() - this.windowMs);
  }

  acquire(signal?: AbortSignal): Promise<void> {
    this.waiting += 1;
    const turn = this.tail.then(() => this.waitForSlot(signal)).finally(() => {
      this.waiting -= 1;
    });
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  private async waitForSlot(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw abortReason(signal);
      const now = this.now();
      while (this.starts.length > 0 && this.starts[0]! <= now - this.windowMs) this.starts.shift();
      if (this.starts.length < this.slots) {
        this.starts.push(now);
        return;
      }
      await sleep(this.starts[0]! + this.windowMs - now, signal);
    }
  }
}

/** The server's bucket for a request path: the datasheet, else the space, else the user. */
export function rateLimitKey(pathname: string): string {
  const datasheet = /\/datasheets\/([^/]+)/.exec(pathname);
  if (datasheet) return `datasheet:${datasheet[1]}`;
  const space = /\/spaces\/([^/]+)/.exec(pathname);
  if (space) return `space:${space[1]}`;
  return "user";
}

/** A non-reversible fingerprint, so that tokens are not kept as map keys. */
function fingerprint(token: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < token.length; index += 1) {
    hash ^= token.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}

/**
 * One limiter per (token, bucket, rate), shared by every client in the process that uses the same token: two
 * clients on one token share the server's budget too.
 */
const limiters = new Map<string, SlidingWindowLimiter>();
/** Past this many buckets, idle ones are dropped (an app may touch thousands of datasheets). */
const PRUNE_ABOVE = 256;

export function limiterFor(token: string, pathname: string, options: RateLimitOptions): SlidingWindowLimiter {
  const key = `${fingerprint(token)}|${rateLimitKey(pathname)}|${options.requestsPerSecond ?? 5}|${options.marginMs ?? 50}`;
  let limiter = limiters.get(key);
  if (!limiter) {
    if (limiters.size >= PRUNE_ABOVE) {
      for (const [existingKey, existing] of limiters) if (existing.isIdle()) limiters.delete(existingKey);
    }
    limiter = new SlidingWindowLimiter(options);
    limiters.set(key, limiter);
  }
  return limiter;
}
