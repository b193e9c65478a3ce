// RUNTIME.md "Rate limits".
import { describe, expect, it, vi } from "vitest";
import { slidingWindowLimiter, createApiClient, createCaller, limiterFor, rateLimitKey, ConfigurationError } from "../../src/index.js";

describe("slidingWindowLimiter", () => {
  it("lets N requests start in any window of a second plus margin, in arrival order", async () => {
    const limiter = slidingWindowLimiter({ requestsPerSecond: 4, marginMs: 20 });
    const started = Date.now();
    const starts: Array<{ index: number; at: number }> = [];
    await Promise.all(
      Array.from({ length: 10 }, (_, index) => limiter.acquire().then(() => starts.push({ index, at: Date.now() - started }))),
    );
    expect(starts.map((start) => start.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Of any 5 consecutive starts, the first and the last are at least a window (1000 + 20 ms) apart.
    for (let index = 4; index < starts.length; index += 1) {
      expect(starts[index]!.at - starts[index - 4]!.at).toBeGreaterThanOrEqual(1015);
    }
    // And no slower than it must be: 2 windows for 10 starts at 4 per window. The bound leaves a third window for
    // event-loop stalls on a loaded machine; a limiter that lost a window per batch would need it all.
    expect(starts[9]!.at).toBeLessThan(3 * 1020);
  });

  it("an aborted waiter leaves the queue without taking a slot", async () => {
    const limiter = slidingWindowLimiter({ requestsPerSecond: 1, marginMs: 0 });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow();
    const started = Date.now();
    await limiter.acquire();
    // One window (1000 ms) at most; two if the aborted waiter had taken the slot. The gap is slack for a busy machine.
    expect(Date.now() - started).toBeLessThan(1800);
  });

  it("takes an undefined option as its default: the same bucket as leaving it out", () => {
    const records = "/fusion/v1/datasheets/dstUndefined/records";
    const unset = limiterFor("token-undefined", records, { requestsPerSecond: undefined, marginMs: undefined });
    expect(unset).toBe(limiterFor("token-undefined", records, {}));
    expect(unset).not.toBe(limiterFor("token-undefined", records, { requestsPerSecond: 2 }));
  });

  it("follows the spread of observed round trips with its margin, unless the margin is given", async () => {
    vi.useFakeTimers();
    try {
      /** At 1 request/s, the time between two starts is the window: 1000 ms plus the margin. */
      const gap = async (limiter: ReturnType<typeof slidingWindowLimiter>) => {
        const times: number[] = [];
        const both = Promise.all([limiter.acquire(), limiter.acquire()].map((turn) => turn.then(() => times.push(Date.now()))));
        await vi.advanceTimersByTimeAsync(3000);
        await both;
        return times[1]! - times[0]!;
      };
      // Until 32 round trips have been seen, at least 50 ms: the first requests may all have opened connections,
      // however alike their round trips.
      const warming = slidingWindowLimiter({ requestsPerSecond: 1 });
      for (let index = 0; index < 31; index += 1) warming.observe(150);
      expect(await gap(warming)).toBe(1050);
      // With 32: 10 ms plus their spread, 153 − 150.
      const steady = slidingWindowLimiter({ requestsPerSecond: 1 });
      for (let index = 0; index < 32; index += 1) steady.observe(150 + (index % 4));
      expect(await gap(steady)).toBe(1013);
      // A slow trip among the last window's worth (one, at 1/s) counts: it may be the start about to be replaced
      // (a connection opened after a pause); 10 + 390 − 150 is past the most, 250 ms.
      steady.observe(390);
      expect(await gap(steady)).toBe(1250);
      // Older, the one slowest trip is left out: one slow query does not widen every window.
      steady.observe(152);
      expect(await gap(steady)).toBe(1013);
      // Two slow ones are jitter: 10 + 380 − 150.
      steady.observe(380);
      steady.observe(151);
      expect(await gap(steady)).toBe(1240);
      // Once the slow trips are 32 trips old, it narrows again.
      for (let index = 0; index < 32; index += 1) steady.observe(200 + (index % 3));
      expect(await gap(steady)).toBe(1012);
      // A given margin stays what it is.
      const fixed = slidingWindowLimiter({ requestsPerSecond: 1, marginMs: 30 });
      for (const ms of [100, 900, 100, 900]) fixed.observe(ms);
      expect(await gap(fixed)).toBe(1030);
    } finally {
      vi.useRealTimers();
    }
  });

  it("refuses a rate that is not a positive number", () => {
    expect(() => slidingWindowLimiter({ requestsPerSecond: 0 })).toThrow(ConfigurationError);
    expect(() => slidingWindowLimiter({ requestsPerSecond: Number.NaN })).toThrow(ConfigurationError);
  });
});

describe("buckets follow the server's keys", () => {
  it("picks the datasheet, else the space, else the user", () => {
    expect(rateLimitKey("/fusion/v1/datasheets/dst1/records")).toBe("/datasheets/dst1");
    expect(rateLimitKey("/fusion/v1/spaces/spc1/datasheets/dst2/fields")).toBe("/datasheets/dst2");
    expect(rateLimitKey("/fusion/v2/spaces/spc1/datasheets")).toBe("/spaces/spc1");
    expect(rateLimitKey("/v1/spaces/spc1/resources/databases/dat1/records")).toBe("/spaces/spc1");
    expect(rateLimitKey("/fusion/v1/spaces")).toBe("user");
  });

  it("shares one bucket between clients on the same token, and separates tokens and datasheets", () => {
    const a = limiterFor("tokenA", "/fusion/v1/datasheets/dst1/records", {});
    expect(limiterFor("tokenA", "/fusion/v1/datasheets/dst1/fields", {})).toBe(a);
    expect(limiterFor("tokenB", "/fusion/v1/datasheets/dst1/records", {})).not.toBe(a);
    expect(limiterFor("tokenA", "/fusion/v1/datasheets/dst2/records", {})).not.toBe(a);
  });

  it("paces concurrent calls of a client to the configured rate", async () => {
    const times: number[] = [];
    const fetch = async () => {
      times.push(Date.now());
      return new Response(JSON.stringify({ success: true, code: 200, message: "OK", data: {} }));
    };
    const client = createApiClient<any>({
      token: "uskPaced",
      baseUrl: "https://api.example.test",
      fetch: fetch as typeof globalThis.fetch,
      rateLimit: { requestsPerSecond: 5 },
    });
    const call = createCaller(client, []) as any;
    await Promise.all(
      Array.from({ length: 8 }, () => call("get", "/fusion/v1/datasheets/{id}/records", { params: { path: { id: "dstPaced" } } })),
    );
    expect(times).toHaveLength(8);
    // Unpaced, all 8 would start within a few ms. The times are taken inside fetch, after event-loop jitter on a
    // loaded machine, so the exact window (1050 ms) is asserted on the limiter itself, above; here, that the
    // sixth call waited for the next window at all.
    expect(times[5]! - times[0]!).toBeGreaterThanOrEqual(900);
  });

  it("tells the bucket's limiter how long each request took to be answered", async () => {
    const limiter = limiterFor("uskObserved", "/fusion/v1/datasheets/dstObserved/records", {});
    const observe = vi.spyOn(limiter, "observe");
    const fetch = async () => {
      await new Promise((resolve) => setTimeout(resolve, 40));
      return new Response(JSON.stringify({ success: true, code: 200, message: "OK", data: {} }));
    };
    const client = createApiClient<any>({ token: "uskObserved", baseUrl: "https://api.example.test", fetch: fetch as typeof globalThis.fetch });
    await (createCaller(client, []) as any)("get", "/fusion/v1/datasheets/{id}/records", { params: { path: { id: "dstObserved" } } });
    expect(observe).toHaveBeenCalledTimes(1);
    expect(observe.mock.calls[0]![0]).toBeGreaterThanOrEqual(35);
    expect(observe.mock.calls[0]![0]).toBeLessThan(1000);
  });
});
