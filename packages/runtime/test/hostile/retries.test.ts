// RUNTIME.md "Retries", "Rate limits", "Timeouts and cancellation": Retry-After parsed strictly, long waits
// reported instead of taken, creates never re-sent after an ambiguous failure, and aborts honoured at every wait.
import type http from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import {
  AbortError,
  ConnectionError,
  OutcomeUnknownError,
  RateLimitError,
  ServerError,
} from "../../src/index.js";
import {
  RECORDS,
  callerFor,
  closeAll,
  closedPort,
  httpServer,
  ok,
  on,
  pause,
  rawHead,
  rawServer,
  rejection,
  sendJson,
  since,
} from "./servers.js";

afterAll(closeAll);

const tooMany = (response: http.ServerResponse, retryAfter?: string | string[]) =>
  sendJson(response, { success: false, code: 429, message: "too many requests" }, 429, retryAfter === undefined ? {} : { "retry-after": retryAfter });

/** A server answering 429 (with `retryAfter`) to the first `failures` requests, then success; records arrival times. */
async function throttling(retryAfter: string | string[] | undefined, failures = 1) {
  const times: number[] = [];
  const server = await httpServer((_request, response) => {
    times.push(performance.now());
    if (times.length <= failures) tooMany(response, retryAfter);
    else sendJson(response, ok());
  });
  return { server, times };
}

describe("Retry-After longer than maxRetryAfterMs is reported, not waited for and not looped on", () => {
  for (const value of ["3000000", "61", "99999999999999999999999", "Wed, 21 Oct 2099 07:28:00 GMT"]) {
    it(`Retry-After: ${value} → RateLimitError after one request`, async () => {
      const { server } = await throttling(value, Number.POSITIVE_INFINITY);
      const start = performance.now();
      const error = await rejection(callerFor(server.url, { retry: {} })("get", RECORDS, on()));
      expect(error).toBeInstanceOf(RateLimitError);
      expect(error.status).toBe(429);
      expect(error.retryCount).toBe(0);
      expect(server.requests).toHaveLength(1);
      expect(since(start)).toBeLessThan(5_000);
      await pause(100);
      expect(server.requests).toHaveLength(1);
    });
  }
});

describe("a 429 storm with Retry-After: 0 is bounded by retries, not a tight loop", () => {
  it("RateLimitError after retries + 1 requests", async () => {
    const { server } = await throttling("0", Number.POSITIVE_INFINITY);
    const error = await rejection(callerFor(server.url, { retry: { retries: 3, minDelayMs: 1, maxDelayMs: 1 } })("get", RECORDS, on()));
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.retryCount).toBe(3);
    expect(server.requests).toHaveLength(4);
    await pause(100);
    expect(server.requests).toHaveLength(4);
  });
});

describe("valid Retry-After values are honoured", () => {
  it("Retry-After: 1 → the retry comes about a second later, then success", async () => {
    const { server, times } = await throttling("1");
    const data = await callerFor(server.url, { retry: { retries: 2, minDelayMs: 1, maxDelayMs: 1 } })("get", RECORDS, on());
    expect(data).toEqual({ records: [] });
    expect(server.requests).toHaveLength(2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(900);
  });

  for (const value of ["0", "Thu, 01 Jan 1970 00:00:00 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"]) {
    it(`Retry-After: ${value} (now or in the past) → retried at once, then success`, async () => {
      const { server } = await throttling(value);
      await callerFor(server.url, { retry: { retries: 1, minDelayMs: 5_000, maxDelayMs: 5_000 } })("get", RECORDS, on());
      expect(server.requests).toHaveLength(2);
    });
  }
});

describe("malformed Retry-After falls back to the ordinary backoff (at least half of minDelayMs, with jitter)", () => {
  const minDelayMs = 400;
  for (const value of ["-1", "+5", "1e3", "0x10", " 5s", "1.5", "soon", "Mon, 32 Foo 2020 99:99:99 GMT", "2099-10-21T07:28:00Z", ["0", "100"]]) {
    it(`Retry-After: ${JSON.stringify(value)}`, async () => {
      const { server, times } = await throttling(value);
      await callerFor(server.url, { retry: { retries: 1, minDelayMs, maxDelayMs: minDelayMs } })("get", RECORDS, on());
      expect(server.requests).toHaveLength(2);
      const gap = times[1]! - times[0]!;
      expect(gap).toBeGreaterThanOrEqual(minDelayMs / 2 - 20);
      // Not read as seconds (5 s, 16 s, 1000 s) nor as a date: a generous bound, far below any of those.
      expect(gap).toBeLessThan(4_000);
    });
  }
});

describe("what is re-sent and what is not", () => {
  const fast = { retry: { retries: 3, minDelayMs: 1, maxDelayMs: 2 } };
  const create = on("dst1", { body: { records: [{ fields: { Name: "once" } }] } });

  it("a POST answered 429 is re-sent (the server did not act) and succeeds", async () => {
    const { server } = await throttling(undefined);
    await callerFor(server.url, fast)("post", RECORDS, create);
    expect(server.requests).toHaveLength(2);
    expect(server.requests.map((request) => request.body.toString())).toEqual([
      JSON.stringify({ records: [{ fields: { Name: "once" } }] }),
      JSON.stringify({ records: [{ fields: { Name: "once" } }] }),
    ]);
  });

  for (const status of [500, 502, 503, 504]) {
    it(`a POST answered ${status}: OutcomeUnknownError, sent exactly once`, async () => {
      const server = await httpServer((_request, response) => sendJson(response, { success: false, code: status, message: "boom" }, status));
      const error = await rejection(callerFor(server.url, fast)("post", RECORDS, create));
      expect(error).toBeInstanceOf(OutcomeUnknownError);
      expect(error.cause).toBeInstanceOf(ServerError);
      expect(error.records).toEqual([{ fields: { Name: "once" } }]);
      expect(server.requests).toHaveLength(1);
    });
  }

  it("a GET answered 503 is retried `retries` times, then ServerError with retryCount", async () => {
    const server = await httpServer((_request, response) => sendJson(response, { success: false, code: 503, message: "down" }, 503));
    const error = await rejection(callerFor(server.url, fast)("get", RECORDS, on()));
    expect(error).toBeInstanceOf(ServerError);
    expect(error.retryCount).toBe(3);
    expect(server.requests).toHaveLength(4);
  });

  it("a refused connection is retried for a POST too (nothing was sent): ConnectionError", async () => {
    const port = await closedPort();
    const error = await rejection(callerFor(`http://127.0.0.1:${port}`, fast)("post", RECORDS, create));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.retryCount).toBe(3);
  });

  it("a 400 is never retried", async () => {
    const server = await httpServer((_request, response) => sendJson(response, { success: false, code: 400, message: "bad" }, 400));
    await rejection(callerFor(server.url, fast)("get", RECORDS, on()));
    expect(server.requests).toHaveLength(1);
  });
});

describe("cancellation", () => {
  it("a caller aborted while queued for a rate-limit slot leaves at once; the queue behind it keeps its order", async () => {
    const server = await httpServer((_request, response) => sendJson(response, ok()));
    // A token of its own: the rate-limit window is shared per token across the process.
    const call = callerFor(server.url, { token: "uskQueueAbort0001", rateLimit: { requestsPerSecond: 1, marginMs: 0 } });
    const at = (n: number) => on("dst1", { params: { path: { datasheetId: "dst1" }, query: { n } } });
    await call("get", RECORDS, at(1)); // takes the only slot of this second
    const controller = new AbortController();
    const second = rejection(call("get", RECORDS, at(2), { signal: controller.signal }));
    const third = call("get", RECORDS, at(3));
    const fourth = call("get", RECORDS, at(4));
    await pause(50);
    const abortedAt = performance.now();
    controller.abort();
    const error = await second;
    const settledIn = since(abortedAt);
    expect(error).toBeInstanceOf(AbortError);
    expect(error.requestSent).toBe(false);
    // The slot would have taken about a second; the abort settles well before.
    expect(settledIn).toBeLessThan(500);
    await Promise.all([third, fourth]);
    expect(server.requests.map((request) => request.target.split("?")[1])).toEqual(["n=1", "n=3", "n=4"]);
  });

  it("a caller aborted while queued behind another waiting caller leaves at once, not when its turn comes", async () => {
    const server = await httpServer((_request, response) => sendJson(response, ok()));
    const call = callerFor(server.url, { token: "uskQueueAbort0002", rateLimit: { requestsPerSecond: 1, marginMs: 0 } });
    const at = (n: number) => on("dst1", { params: { path: { datasheetId: "dst1" }, query: { n } } });
    await call("get", RECORDS, at(1));
    const second = call("get", RECORDS, at(2)); // waits about a second for the slot
    const controller = new AbortController();
    const third = rejection(call("get", RECORDS, at(3), { signal: controller.signal })); // waits behind it
    const fourth = call("get", RECORDS, at(4));
    await pause(50);
    const abortedAt = performance.now();
    controller.abort();
    const error = await third;
    expect(since(abortedAt)).toBeLessThan(500);
    expect(error).toBeInstanceOf(AbortError);
    await Promise.all([second, fourth]);
    expect(server.requests.map((request) => request.target.split("?")[1])).toEqual(["n=1", "n=2", "n=4"]);
  });

  it("an already aborted signal: AbortError, no connection", async () => {
    const server = await httpServer((_request, response) => sendJson(response, ok()));
    const error = await rejection(callerFor(server.url)("get", RECORDS, on(), { signal: AbortSignal.abort() }));
    expect(error).toBeInstanceOf(AbortError);
    expect(error.requestSent).toBe(false);
    expect(server.connections).toBe(0);
  });

  /** A server that sends the head and half a body, then stalls. */
  const stalling = () =>
    rawServer({
      onRequest: (socket) =>
        socket.write(rawHead("HTTP/1.1 200 OK", [["Content-Type", "application/json"], ["Content-Length", 1000]]) + '{"success":true,"data":'),
    });

  it("abort during a slow body read (GET): AbortError with requestSent, promptly", async () => {
    const server = await stalling();
    const controller = new AbortController();
    const pending = rejection(callerFor(server.url, { timeoutMs: 30_000, retry: { retries: 3, minDelayMs: 1, maxDelayMs: 1 } })("get", RECORDS, on(), { signal: controller.signal }));
    await pause(200);
    const abortedAt = performance.now();
    controller.abort();
    const error = await pending;
    expect(since(abortedAt)).toBeLessThan(500);
    expect(error).toBeInstanceOf(AbortError);
    expect(error.requestSent).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it("abort during a slow body read (POST): OutcomeUnknownError caused by the AbortError, sent once", async () => {
    const server = await stalling();
    const controller = new AbortController();
    const pending = rejection(
      callerFor(server.url, { timeoutMs: 30_000, retry: { retries: 3, minDelayMs: 1, maxDelayMs: 1 } })(
        "post",
        RECORDS,
        on("dst1", { body: { records: [{ fields: {} }] } }),
        { signal: controller.signal },
      ),
    );
    await pause(200);
    controller.abort();
    const error = await pending;
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect(error.cause).toBeInstanceOf(AbortError);
    expect(server.requests).toHaveLength(1);
  });

  it("abort while the server has not answered at all", async () => {
    const server = await rawServer({});
    const controller = new AbortController();
    const pending = rejection(callerFor(server.url, { timeoutMs: 30_000 })("get", RECORDS, on(), { signal: controller.signal }));
    await pause(200);
    const abortedAt = performance.now();
    controller.abort(new Error("caller gave up"));
    const error = await pending;
    expect(since(abortedAt)).toBeLessThan(500);
    expect(error).toBeInstanceOf(AbortError);
    expect(server.requests).toHaveLength(1);
  });

  for (const [name, reply] of [
    ["a 503 backoff (minDelayMs 5 s)", (response: http.ServerResponse) => sendJson(response, { success: false, code: 503, message: "x" }, 503)],
    ["a Retry-After: 30 wait", (response: http.ServerResponse) => tooMany(response, "30")],
  ] as const) {
    it(`abort during ${name}: AbortError promptly, no further request`, async () => {
      let answered = 0;
      const server = await httpServer((_request, response) => {
        reply(response);
        answered = performance.now();
      });
      const controller = new AbortController();
      const call = callerFor(server.url, { retry: { retries: 3, minDelayMs: 5_000, maxDelayMs: 5_000 } });
      const pending = rejection(call("get", RECORDS, on(), { signal: controller.signal }));
      while (!answered) await pause(10);
      await pause(150);
      const abortedAt = performance.now();
      controller.abort();
      const error = await pending;
      expect(since(abortedAt)).toBeLessThan(500);
      expect(error).toBeInstanceOf(AbortError);
      expect(error.retryCount).toBe(0);
      await pause(300);
      expect(server.requests).toHaveLength(1);
    });
  }
});
