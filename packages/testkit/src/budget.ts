// The servers' rate limiter, for fake servers: per datasheet and token, a fixed one-second window that opens with
// the first request after the previous one expired.
import { createHash } from "node:crypto";

export interface RequestBudget {
  /** Counts a request; true when it is over the budget of its window (the real server answers 429). */
  over(bucket: string, token: string): boolean;
}

/** A budget of `qps` requests per window; `undefined` or a non-finite `qps` allows everything. */
export function fixedWindowBudget(qps: number | undefined): RequestBudget {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    over(bucket, token) {
      if (qps === undefined || !Number.isFinite(qps)) return false;
      // The token is kept only as a digest.
      const key = `${bucket}|${createHash("sha1").update(token).digest("hex")}`;
      const now = Date.now();
      let window = windows.get(key);
      if (!window || now - window.start >= 1000) {
        window = { start: now, count: 0 };
        windows.set(key, window);
      }
      window.count += 1;
      return window.count > qps;
    },
  };
}
