// RUNTIME.md "Retries", "Timeouts and cancellation": the transport beneath openapi-fetch, against a scripted fetch.
import { describe, expect, it, vi } from "vitest";
import {
  AbortError,
  ConnectionError,
  NetworkError,
  OutcomeUnknownError,
  RateLimitError,
  ServerError,
  TimeoutError,
  createApiClient,
  createCaller,
  parseRetryAfter,
  resolveRetry,
  retryDelayMs,
  shouldRetry,
  ConfigurationError,
  DEFAULT_RETRY,
  QuotaError,
  ValidationError,
} from "../../src/index.js";
import type { RequestOptions } from "../../src/index.js";

const FAST = { retries: 3, minDelayMs: 1, maxDelayMs: 4 };
const ok = () =>
  new Response(JSON.stringify({ success: true, code: 200, message: "SUCCESS", data: { ok: true } }), {
    headers: { "content-type": "application/json" },
  });
const status = (code: number, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ success: false, code, message: `HTTP ${code}` }), { status: code, headers });
const refused = () => {
  throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
};
const reset = () => {
  throw new TypeError("fetch failed", { cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }) });
};

type Step = (request: Request) => Response | Promise<Response>;

/** A caller whose fetch plays `steps` in order (the last one repeats), recording what it was sent. */
function scripted(steps: Step[], config: { retry?: object | false; timeoutMs?: number } = {}) {
  const sent: Array<{ method: string; body: string }> = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    sent.push({ method: request.method, body: await request.clone().text() });
    const step = steps[Math.min(sent.length - 1, steps.length - 1)]!;
    return step(request);
  };
  const client = createApiClient<any>({
    token: "uskTransport",
    baseUrl: "https://api.example.test",
    fetch: fetch as typeof globalThis.fetch,
    rateLimit: false,
    retry: config.retry ?? FAST,
    ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
  });
  const call = createCaller(client, ["uskTransport"]);
  const send = (method: "get" | "post" | "patch" | "delete", options: RequestOptions & { signal?: AbortSignal } = {}) =>
    (call as any)(method, "/fusion/v1/datasheets/{datasheetId}/records", {
      params: { path: { datasheetId: "dst1" } },
      ...(method === "get" || method === "delete" ? {} : { body: { records: [{ fields: { Name: "a" } }, { fields: { Name: "b" } }] } }),
    }, options);
  return { send, sent };
}

async function rejection(promise: Promise<unknown>) {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error as Error & Record<string, unknown>,
  );
}

describe("retries", () => {
  it("retries a 429 for any method, and reports the retries made", async () => {
    const { send, sent } = scripted([() => status(429), () => status(429), ok]);
    await expect(send("post")).resolves.toEqual({ ok: true });
    expect(sent).toHaveLength(3);
    expect(sent.every((request) => request.body === sent[0]!.body)).toBe(true);
  });

  it("gives up after `retries` and says how many were made", async () => {
    const { send, sent } = scripted([() => status(429)]);
    const error = await rejection(send("get"));
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.retryCount).toBe(3);
    expect(sent).toHaveLength(4);
  });

  it("retries connection failures for any method: the server never saw them", async () => {
    const { send, sent } = scripted([refused, refused, ok]);
    await expect(send("post")).resolves.toEqual({ ok: true });
    expect(sent).toHaveLength(3);
  });

  it("reports a connection that never came as ConnectionError, not as an unknown outcome", async () => {
    const { send } = scripted([refused]);
    const error = await rejection(send("post"));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).not.toBeInstanceOf(OutcomeUnknownError);
  });

  it.each([
    ["500", () => status(500)],
    ["503", () => status(503)],
    ["a dropped connection", reset],
  ])("retries %s for idempotent methods", async (_label, failure) => {
    for (const method of ["get", "patch", "delete"] as const) {
      const { send, sent } = scripted([failure, ok]);
      await expect(send(method)).resolves.toEqual({ ok: true });
      expect(sent).toHaveLength(2);
    }
  });

  it.each([
    ["500", () => status(500), ServerError],
    ["a dropped connection", reset, NetworkError],
  ])("never re-sends a create after %s: outcome unknown, with the records it carried", async (_label, failure, Cause) => {
    const { send, sent } = scripted([failure, ok]);
    const error = await rejection(send("post"));
    expect(sent).toHaveLength(1);
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect(error.cause).toBeInstanceOf(Cause);
    expect(error.records).toEqual([{ fields: { Name: "a" } }, { fields: { Name: "b" } }]);
  });

  it("does not retry what the server refused (400, 401, 403, 404)", async () => {
    for (const code of [400, 401, 403, 404]) {
      const { send, sent } = scripted([() => status(code), ok]);
      await rejection(send("get"));
      expect(sent).toHaveLength(1);
    }
  });

  it("can be turned off per client and per call, and widened per call", async () => {
    const off = scripted([() => status(429), ok], { retry: false });
    await rejection(off.send("get"));
    expect(off.sent).toHaveLength(1);

    const perCall = scripted([() => status(429), ok]);
    await rejection(perCall.send("get", { retry: false }));
    expect(perCall.sent).toHaveLength(1);

    const idempotentCreate = scripted([() => status(503), ok]);
    await expect(idempotentCreate.send("post", { idempotent: true })).resolves.toEqual({ ok: true });
    expect(idempotentCreate.sent).toHaveLength(2);
  });

  it("honours Retry-After, and reports instead of waiting when it is longer than allowed", async () => {
    const started = Date.now();
    const { send } = scripted([() => status(429, { "retry-after": "1" }), ok]);
    await send("get");
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);

    const tooLong = scripted([() => status(429, { "retry-after": "3600" }), ok], { retry: { ...FAST, maxRetryAfterMs: 1000 } });
    await expect(rejection(tooLong.send("get"))).resolves.toBeInstanceOf(RateLimitError);
    expect(tooLong.sent).toHaveLength(1);
  });
});

describe("APITable's refusals under HTTP 500", () => {
  const refusal = (body: object) => () => new Response(JSON.stringify(body), { status: 500, headers: { "content-type": "application/json" } });

  it("a request-validation failure (message an array, HTTP 500) is a ValidationError, sent once, read or create", async () => {
    const invalid = { success: false, code: 500, message: ["pageSize must not be greater than 1000", "viewId must be a string"] };
    for (const method of ["get", "post"] as const) {
      const { send, sent } = scripted([refusal(invalid), ok]);
      const error = await rejection(send(method));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).not.toBeInstanceOf(OutcomeUnknownError);
      expect(error.serverMessage).toBe("pageSize must not be greater than 1000; viewId must be a string");
      expect(sent).toHaveLength(1);
    }
  });

  it("the row limit (code 304 under HTTP 500) on a create is a QuotaError, not an unknown outcome", async () => {
    const { send, sent } = scripted([refusal({ success: false, code: 304, message: "您的功能使用量已经超出「公测版」50000行的限制" })]);
    const error = await rejection(send("post"));
    expect(error).toBeInstanceOf(QuotaError);
    expect(error).not.toBeInstanceOf(OutcomeUnknownError);
    expect(sent).toHaveLength(1);
  });

  it("a plain 500 is still a server failure: retried for a read", async () => {
    const { send, sent } = scripted([refusal({ success: false, code: 500, message: "SERVER_ERROR" }), ok]);
    await expect(send("get")).resolves.toEqual({ ok: true });
    expect(sent).toHaveLength(2);
  });
});

describe("backoff arithmetic", () => {
  const retry = resolveRetry({ minDelayMs: 500, maxDelayMs: 8000 });

  it("doubles per attempt with jitter between half and the whole, up to the ceiling", () => {
    expect(retryDelayMs(retry, 0, () => 0)).toBe(250);
    expect(retryDelayMs(retry, 0, () => 1)).toBe(500);
    expect(retryDelayMs(retry, 3, () => 1)).toBe(4000);
    expect(retryDelayMs(retry, 3, () => 0.5)).toBe(3000);
    expect(retryDelayMs(retry, 10, () => 1)).toBe(8000);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter(" 2 ")).toBe(2000);
    expect(parseRetryAfter("Sunday, 06-Nov-94 08:49:37 GMT", Date.parse("Sun, 06 Nov 1994 08:49:30 GMT"))).toBe(7000);
    expect(parseRetryAfter("Sun Nov  6 08:49:37 1994", Date.parse("Sun, 06 Nov 1994 08:49:30 GMT"))).toBe(7000);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:05 GMT", Date.parse("Wed, 21 Oct 2015 07:28:00 GMT"))).toBe(5000);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:05 GMT", Date.parse("Wed, 21 Oct 2015 08:00:00 GMT"))).toBe(0);
    // Not delta-seconds and not an HTTP-date: the ordinary backoff applies (a lenient date parser reads "-1" and
    // "+5" as dates long past, which would skip the backoff).
    for (const value of ["soon", "-1", "+5", "0.25", "1e3", "5s", "Wed, 21 Oct 2015", "0x10"]) {
      expect(parseRetryAfter(value), value).toBeUndefined();
    }
    expect(parseRetryAfter("")).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it("classifies failures by what the server may have done", () => {
    expect(shouldRetry("connect", false)).toBe(true);
    expect(shouldRetry(429, false)).toBe(true);
    expect(shouldRetry(500, false)).toBe(false);
    expect(shouldRetry(500, true)).toBe(true);
    expect(shouldRetry(501, true)).toBe(false);
    expect(shouldRetry(504, true)).toBe(true);
    expect(shouldRetry("timeout", false)).toBe(false);
    expect(shouldRetry("timeout", true)).toBe(true);
    expect(shouldRetry("dropped", false)).toBe(false);
    expect(shouldRetry("dropped", true)).toBe(true);
    expect(shouldRetry(400, true)).toBe(false);
  });

  it("layers options: false sends once, a later object retries again from the defaults", () => {
    expect(resolveRetry()).toEqual(DEFAULT_RETRY);
    expect(resolveRetry(false).retries).toBe(0);
    expect(resolveRetry({ retries: 5 }, false).retries).toBe(0);
    expect(resolveRetry(false, { minDelayMs: 10 })).toEqual({ ...DEFAULT_RETRY, minDelayMs: 10 });
    expect(resolveRetry({ retries: 1 }, { minDelayMs: 10 })).toEqual({ ...DEFAULT_RETRY, retries: 1, minDelayMs: 10 });
    // An undefined option is an absent one: it keeps the layer below, it does not clear it.
    expect(resolveRetry({ retries: 1 }, { retries: undefined, minDelayMs: 10 })).toEqual({ ...DEFAULT_RETRY, retries: 1, minDelayMs: 10 });
    expect(resolveRetry({ maxDelayMs: undefined })).toEqual(DEFAULT_RETRY);
  });

  it.each([
    [{ retries: -1 }, "retry.retries must be a non-negative integer, got -1"],
    [{ retries: 1.5 }, "retry.retries must be a non-negative integer, got 1.5"],
    [{ minDelayMs: "5" }, 'retry.minDelayMs must be a number of ms from 0 to 2147483647 (about 24.8 days), got "5"'],
    [{ maxDelayMs: Number.NaN }, "retry.maxDelayMs must be a number of ms from 0 to 2147483647 (about 24.8 days), got NaN"],
    [3, "retry must be an options object or false, got 3"],
    [null, "retry must be an options object or false, got null"],
  ])("refuses retry %j", (retry, message) => {
    expect(() => resolveRetry(retry as never)).toThrow(ConfigurationError);
    expect(() => resolveRetry(retry as never)).toThrow(message);
  });
});

describe("timeouts and cancellation", () => {
  const hang = (request: Request) =>
    new Promise<Response>((_resolve, reject) => {
      request.signal.addEventListener("abort", () => reject(request.signal.reason), { once: true });
    });

  it("times out each attempt, retries reads, then reports TimeoutError", async () => {
    const { send, sent } = scripted([hang], { timeoutMs: 30, retry: { ...FAST, retries: 1 } });
    const error = await rejection(send("get"));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.retryCount).toBe(1);
    expect(sent).toHaveLength(2);
  });

  it("does not re-send a create that timed out: outcome unknown", async () => {
    const { send, sent } = scripted([hang], { timeoutMs: 30 });
    const error = await rejection(send("post"));
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect(error.cause).toBeInstanceOf(TimeoutError);
    expect(sent).toHaveLength(1);
  });

  it("a per-call timeout overrides the client's", async () => {
    const { send } = scripted([hang], { timeoutMs: 60_000, retry: false });
    const started = Date.now();
    await expect(rejection(send("get", { timeoutMs: 20 }))).resolves.toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("an AbortSignal stops the call during a retry wait, with no further attempt", async () => {
    const { send, sent } = scripted([() => status(503)], { retry: { retries: 5, minDelayMs: 10_000, maxDelayMs: 10_000 } });
    const controller = new AbortController();
    const pending = send("get", { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    const error = await rejection(pending);
    expect(error).toBeInstanceOf(AbortError);
    expect(sent).toHaveLength(1);
  });

  it("an AbortSignal cancels an attempt in flight; a create aborted in flight has an unknown outcome", async () => {
    const controller = new AbortController();
    const read = scripted([hang]);
    const pendingRead = read.send("get", { signal: controller.signal });
    const create = scripted([hang]);
    const pendingCreate = create.send("post", { signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    expect(await rejection(pendingRead)).toBeInstanceOf(AbortError);
    const createError = await rejection(pendingCreate);
    expect(createError).toBeInstanceOf(OutcomeUnknownError);
    expect(createError.cause).toBeInstanceOf(AbortError);
  });

  it.each([
    [{ timeoutMs: -5 }, "timeoutMs must be a number of ms from 0 to 2147483647 (about 24.8 days), got -5"],
    [{ timeoutMs: "10" }, 'timeoutMs must be a number of ms from 0 to 2147483647 (about 24.8 days), got "10"'],
    [{ rateLimit: 5 }, "rateLimit must be an options object or false, got 5"],
    [{ rateLimit: { requestsPerSecond: 0 } }, "rateLimit.requestsPerSecond must be a positive number, got 0"],
    [{ rateLimit: { marginMs: -1 } }, "rateLimit.marginMs must be a number of ms from 0 to 2147483647 (about 24.8 days), got -1"],
    [{ fetch: "nope" }, 'fetch must be a function, got "nope"'],
    [{ fetch: {} }, "fetch must be a function, got an object"],
  ])("refuses %j when the client is made", (options, message) => {
    const make = () => createApiClient<any>({ token: "uskTransport", baseUrl: "https://api.example.test", ...(options as object) });
    expect(make).toThrow(ConfigurationError);
    expect(make).toThrow(message);
  });

  it("refuses a nonsensical per-call timeout before sending", async () => {
    const { send, sent } = scripted([ok]);
    await expect(send("get", { timeoutMs: -1 })).rejects.toThrow("timeoutMs must be a number of ms from 0 to 2147483647 (about 24.8 days), got -1");
    expect(sent).toHaveLength(0);
  });
});

describe("the response the transport hands on (RUNTIME.md: Raw responses)", () => {
  /** The transport's response to one GET, the server answering `body` with `headers`. */
  const answered = async (body: Uint8Array<ArrayBuffer> | string, headers: Record<string, string> = {}) => {
    const client = createApiClient<any>({
      token: "uskReadBody",
      baseUrl: "https://api.example.test",
      rateLimit: false,
      retry: false,
      fetch: (async () => new Response(body, { status: 201, statusText: "Created", headers })) as typeof globalThis.fetch,
    });
    const { response } = await client.GET("/thing", { parseAs: "stream" });
    return response;
  };

  it("reads as the server sent it, with every reader, as often as asked", async () => {
    const text = JSON.stringify({ success: true, data: { name: "维格表 }{" } });
    const response = await answered(text, { "content-type": "application/json", "x-request-id": "req-9" });
    expect(response).toBeInstanceOf(Response);
    expect([response.status, response.statusText, response.headers.get("x-request-id")]).toEqual([201, "Created", "req-9"]);
    expect(await response.text()).toBe(text);
    expect(await response.text()).toBe(text);
    expect(await response.json()).toEqual({ success: true, data: { name: "维格表 }{" } });
    expect(new TextDecoder().decode(await response.arrayBuffer())).toBe(text);
    const blob = await response.blob();
    expect([blob.type, await blob.text()]).toEqual(["application/json", text]);
    expect(await response.clone().text()).toBe(text);
    expect(await new Response(response.body).text()).toBe(text);
    // The stream is made once: read, it stays read, as a body does.
    expect(response.body).toBe(response.body);
  });

  it("keeps bytes that are not UTF-8 exactly, and answers an empty body with empty readers", async () => {
    const bytes = new Uint8Array([0xff, 0x00, 0xfe, 0x80]);
    const binary = await answered(bytes);
    expect([...new Uint8Array(await binary.arrayBuffer())]).toEqual([0xff, 0x00, 0xfe, 0x80]);
    // A copy each time: changing one does not change the next.
    new Uint8Array(await binary.arrayBuffer()).fill(1);
    expect([...new Uint8Array(await binary.arrayBuffer())]).toEqual([0xff, 0x00, 0xfe, 0x80]);
    const empty = await answered("");
    expect(await empty.text()).toBe("");
    expect((await empty.arrayBuffer()).byteLength).toBe(0);
  });

  it("has no body where the server sent none, as any response", async () => {
    const client = createApiClient<any>({
      token: "uskNoBody",
      baseUrl: "https://api.example.test",
      rateLimit: false,
      retry: false,
      fetch: (async () => new Response(null, { status: 204 })) as typeof globalThis.fetch,
    });
    const { response } = await client.DELETE("/thing", {});
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
    expect(response.clone().body).toBeNull();
    expect(await response.text()).toBe("");
  });
});

describe("what each attempt hands to fetch", () => {
  it("gives a stub of the global fetch that reads only its first argument the body, the timeout and no redirects", async () => {
    const seen: Array<{ method: string; redirect: string; body: string }> = [];
    vi.stubGlobal("fetch", async (input: Request) => {
      seen.push({ method: input.method, redirect: input.redirect, body: await input.text() });
      if (seen.length === 2) return new Response(null, { status: 302, headers: { location: "https://elsewhere.test/x" } });
      if (seen.length === 3) {
        // Never answers: only the attempt's own signal, on the Request, can end it.
        return new Promise<Response>((_, reject) => input.signal.addEventListener("abort", () => reject(input.signal.reason)));
      }
      return ok();
    });
    try {
      const client = createApiClient<any>({ token: "uskStubbed", baseUrl: "https://api.example.test", rateLimit: false, retry: false, timeoutMs: 300 });
      const call = createCaller(client, []) as any;
      await expect(call("post", "/things", { body: { name: "a" } })).resolves.toEqual({ ok: true });
      expect(seen[0]).toEqual({ method: "POST", redirect: "manual", body: '{"name":"a"}' });
      await expect(call("get", "/things", {})).rejects.toMatchObject({ name: "RedirectError" });
      const began = Date.now();
      await expect(call("get", "/things", {})).rejects.toBeInstanceOf(TimeoutError);
      expect(Date.now() - began).toBeLessThan(2000);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it("ends the read of a request body that never finishes with the signal or the timeout, having sent nothing", async () => {
    let sent = 0;
    const fetch = (async () => {
      sent += 1;
      return ok();
    }) as typeof globalThis.fetch;
    let cancelled = 0;
    // One chunk, then nothing: and when cancelled, it counts, so that nothing more is pulled from it.
    const stalled = () =>
      new ReadableStream({
        start: (controller) => controller.enqueue(new TextEncoder().encode("{")),
        cancel: () => {
          cancelled += 1;
        },
      });
    const client = createApiClient<any>({ token: "uskStalled", baseUrl: "https://api.example.test", rateLimit: false, retry: false, timeoutMs: 200, fetch });
    const call = createCaller(client, []) as any;
    const send = (signal?: AbortSignal) =>
      call("post", "/things", { body: stalled(), bodySerializer: (body: unknown) => body, duplex: "half", headers: { "content-type": "application/json" } }, { signal });
    // The timeout: a refusal of what the caller gave, not an unknown outcome (nothing went out).
    const timedOut = send();
    await expect(timedOut).rejects.toBeInstanceOf(ConfigurationError);
    await expect(timedOut).rejects.toThrow("the request body was not read within 200 ms");
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const began = Date.now();
    await expect(send(controller.signal)).rejects.toBeInstanceOf(AbortError);
    expect(Date.now() - began).toBeLessThan(150);
    expect(sent).toBe(0);
    expect(cancelled).toBe(2);
  });

  it("works with a fetch wrapper that takes its second argument, when there is one, as the whole request", async () => {
    const seen: string[] = [];
    // A wrapper that rebuilds the request from the URL and whichever options it is given.
    const wrapper = async (input: Request, init?: RequestInit) => {
      const rebuilt = new Request(input.url, init ?? input);
      seen.push(`${rebuilt.method} ${rebuilt.redirect} ${await rebuilt.text()}`);
      return ok();
    };
    const client = createApiClient<any>({ token: "uskWrapper", baseUrl: "https://api.example.test", rateLimit: false, retry: false, fetch: wrapper as typeof globalThis.fetch });
    const call = createCaller(client, []) as any;
    await call("post", "/things", { body: { name: "a" } });
    await call("get", "/things", {});
    expect(seen).toEqual(['POST manual {"name":"a"}', "GET manual "]);
  });

  it("answers formData() from the bytes read", async () => {
    const client = createApiClient<any>({
      token: "uskForm",
      baseUrl: "https://api.example.test",
      rateLimit: false,
      retry: false,
      fetch: (async () => new Response("a=1&b=2", { headers: { "content-type": "application/x-www-form-urlencoded" } })) as typeof globalThis.fetch,
    });
    const { response } = await client.GET("/thing", { parseAs: "stream" });
    expect([...(await response.formData()).entries()]).toEqual([["a", "1"], ["b", "2"]]);
  });
});
