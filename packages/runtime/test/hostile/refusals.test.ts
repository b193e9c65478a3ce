// RUNTIME.md "Errors", "Safety": what is refused locally, before anything reaches the server. Every case runs
// against a live server and asserts that no request (not even a connection) arrived, and that the refusal never
// echoes the secret it refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigurationError, createApiClient } from "../../src/index.js";
import {
  RECORDS,
  type TestServer,
  callerFor,
  closeAll,
  httpServer,
  leaksOf,
  ok,
  on,
  rejection,
  sendJson,
} from "./servers.js";

let server: TestServer;
beforeAll(async () => {
  server = await httpServer((_request, response) => sendJson(response, ok()));
});
afterAll(closeAll);

/** Runs `build` (construction or a call) and returns what it threw or rejected with, asserting nothing reached the server. */
async function refusal(build: () => unknown): Promise<unknown> {
  const before = { requests: server.requests.length, connections: server.connections };
  let error: unknown;
  try {
    await build();
  } catch (thrown) {
    error = thrown;
  }
  expect(error).toBeInstanceOf(ConfigurationError);
  expect(server.requests.length).toBe(before.requests);
  expect(server.connections).toBe(before.connections);
  return error;
}

describe("tokens that cannot travel in a header are refused at construction, never echoed", () => {
  const bad: Array<[string, string]> = [
    ["a NUL inside", "uskSecretPart\u0000Rest12345"],
    ["a control character", "uskSecretPart\u0007Rest12345"],
    ["DEL", "uskSecretPart\u007fRest12345"],
    ["a space inside", "uskSecretPart Rest12345"],
    ["a tab inside", "uskSecretPart\tRest12345"],
    ["a line break inside", "uskSecretPart\r\nX-Injected: 1"],
    ["Latin-1 (é)", "uskSecretPart\u00e9Rest12345"],
    ["beyond Latin-1 (✓)", "uskSecretPart\u2713Rest12345"],
    ["a lone surrogate", "uskSecretPart\ud800Rest12345"],
    ["only whitespace", " \n\t "],
  ];
  for (const [name, token] of bad) {
    it(name, async () => {
      const error = await refusal(() => createApiClient<any>({ token, baseUrl: server.url, rateLimit: false }));
      expect(leaksOf(error, ["SecretPart", "Rest12345", "X-Injected"])).toEqual([]);
    });
  }

  it("a token with leading and trailing whitespace is accepted, trimmed", async () => {
    await callerFor(server.url, { token: "\t uskTrimmedToken12345 \r\n" })("get", RECORDS, on());
    expect(server.requests.at(-1)?.headers.authorization).toBe("Bearer uskTrimmedToken12345");
  });
});

describe("extra headers that fetch cannot send are refused at construction, never echoed", () => {
  for (const [name, value] of [
    ["a line break (header injection)", "secretValue1\r\nX-Injected: yes"],
    ["a bare LF", "secretValue1\nX-Injected: yes"],
    ["a NUL", "secretValue1\u0000tail"],
    ["a control character", "secretValue1\u001btail"],
    ["a character past 0xFF", "secretValue1\u0100tail"],
  ] as const) {
    it(name, async () => {
      const error = await refusal(() =>
        createApiClient<any>({ token: "uskGoodToken12345", baseUrl: server.url, headers: { "X-Api-Key": value }, rateLimit: false }),
      );
      expect(leaksOf(error, ["secretValue1", "X-Injected", "tail"])).toEqual([]);
    });
  }

  it("a header name that is not a token", async () => {
    await refusal(() => createApiClient<any>({ token: "uskGoodToken12345", baseUrl: server.url, headers: { "Bad Name": "v" } }));
  });
});

describe("a request that fetch would refuse to send: ConfigurationError, nothing sent, no retry", () => {
  const retrying = { retry: { retries: 3, minDelayMs: 1, maxDelayMs: 2 } };

  it("a per-call header past 0xFF", async () => {
    const call = callerFor(server.url, retrying);
    const error = await refusal(() => call("get", RECORDS, on("dst1", { headers: { "X-Trace": "secretTrace\u0100" } })));
    expect(leaksOf(error, ["secretTrace"])).toEqual([]);
  });

  it("a per-call header with a line break", async () => {
    const call = callerFor(server.url, retrying);
    await refusal(() => call("get", RECORDS, on("dst1", { headers: { "X-Trace": "a\r\nX-Injected: 1" } })));
  });

  it("a header set by a middleware that fetch cannot send", async () => {
    const client = createApiClient<any>({ token: "uskGoodToken12345", baseUrl: server.url, rateLimit: false, ...retrying });
    client.use({
      onRequest({ request }) {
        request.headers.set("X-From-Middleware", "secretMiddle\u2713");
      },
    });
    const { createCaller } = await import("../../src/index.js");
    const call = createCaller<any>(client, ["uskGoodToken12345"]) as any;
    const error = await refusal(() => call("get", RECORDS, on()));
    expect(leaksOf(error, ["secretMiddle"])).toEqual([]);
  });

  it("an id that is not valid Unicode (a lone surrogate)", async () => {
    const call = callerFor(server.url, retrying);
    await refusal(() => call("get", RECORDS, on("dst\ud800")));
  });

  it("a body that is not JSON-serialisable (a cycle, a BigInt)", async () => {
    const call = callerFor(server.url, retrying);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    await refusal(() => call("post", RECORDS, on("dst1", { body: { records: [cycle] } })));
    await refusal(() => call("post", RECORDS, on("dst1", { body: { records: [{ n: 1n }] } })));
  });
});

describe("timers: durations a timer cannot hold are refused at construction", () => {
  const base = () => ({ token: "uskGoodToken12345", baseUrl: server.url });
  const cases: Array<[string, object]> = [
    ["timeoutMs: 2**31", { timeoutMs: 2 ** 31 }],
    ["timeoutMs: Infinity", { timeoutMs: Number.POSITIVE_INFINITY }],
    ["timeoutMs: -1", { timeoutMs: -1 }],
    ["timeoutMs: NaN", { timeoutMs: Number.NaN }],
    ["retry.maxRetryAfterMs: Infinity", { retry: { maxRetryAfterMs: Number.POSITIVE_INFINITY } }],
    ["retry.maxDelayMs: 2**31", { retry: { maxDelayMs: 2 ** 31 } }],
    ["retry.minDelayMs: 2**31", { retry: { minDelayMs: 2 ** 31 } }],
    ["retry.retries: Infinity", { retry: { retries: Number.POSITIVE_INFINITY } }],
    ["retry.retries: 1.5", { retry: { retries: 1.5 } }],
    ["rateLimit.requestsPerSecond: 1e-9", { rateLimit: { requestsPerSecond: 1e-9 } }],
    ["rateLimit.requestsPerSecond: 0", { rateLimit: { requestsPerSecond: 0 } }],
    ["rateLimit.requestsPerSecond: NaN", { rateLimit: { requestsPerSecond: Number.NaN } }],
    ["rateLimit.marginMs: 2**31", { rateLimit: { marginMs: 2 ** 31 } }],
    ["maxResponseBytes: 0", { maxResponseBytes: 0 }],
    ["maxResponseBytes: Infinity", { maxResponseBytes: Number.POSITIVE_INFINITY }],
  ];
  for (const [name, options] of cases) {
    it(name, async () => {
      await refusal(() => createApiClient<any>({ ...base(), ...options }));
    });
  }

  it("the largest timer value (2**31 - 1) is accepted", async () => {
    await callerFor(server.url, { timeoutMs: 2 ** 31 - 1, retry: { maxRetryAfterMs: 2 ** 31 - 1, maxDelayMs: 2 ** 31 - 1 } })(
      "get",
      RECORDS,
      on(),
    );
  });

  it("per-call timeoutMs: 2**31 and retry.maxDelayMs: Infinity are refused with nothing sent", async () => {
    const call = callerFor(server.url);
    await refusal(() => call("get", RECORDS, on(), { timeoutMs: 2 ** 31 }));
    await refusal(() => call("get", RECORDS, on(), { retry: { maxDelayMs: Number.POSITIVE_INFINITY } }));
  });
});

describe("path parameters that would become dot segments or an empty segment", () => {
  for (const id of [".", "..", "%2e", "%2E", "%2e%2e", "%2E%2e", ".%2e", "%2e.", ""]) {
    it(JSON.stringify(id), async () => {
      const call = callerFor(server.url, { retry: { retries: 2, minDelayMs: 1, maxDelayMs: 1 } });
      await refusal(() => call("get", RECORDS, on(id)));
      await refusal(() => call("delete", RECORDS, on(id, { params: { path: { datasheetId: id }, query: { recordIds: ["rec1"] } } })));
    });
  }

  for (const [id, encoded] of [
    ["a/b", "a%2Fb"],
    ["x?y", "x%3Fy"],
    ["../x", "..%2Fx"],
    ["..%2f..", "..%252f.."],
    ["a#b", "a%23b"],
    ["...", "..."],
    [" .. ", "%20..%20"],
    ["a\\b", "a%5Cb"],
    ["日本", "%E6%97%A5%E6%9C%AC"],
  ] as const) {
    it(`${JSON.stringify(id)} stays one encoded segment`, async () => {
      await callerFor(server.url)("get", RECORDS, on(id));
      expect(server.requests.at(-1)?.requestLine).toBe(`GET /fusion/v1/datasheets/${encoded}/records HTTP/1.1`);
    });
  }

  it("query values cannot add parameters or a fragment", async () => {
    await callerFor(server.url)("get", RECORDS, on("dst1", { params: { path: { datasheetId: "dst1" }, query: { viewId: "v&pageSize=1#x" } } }));
    expect(server.requests.at(-1)?.target).toBe("/fusion/v1/datasheets/dst1/records?viewId=v%26pageSize%3D1%23x");
  });
});

describe("base URLs", () => {
  it("credentials are refused without the password in the message", async () => {
    const error = await refusal(() => createApiClient<any>({ token: "uskGoodToken12345", baseUrl: "http://user:hunter2pass@127.0.0.1:1" }));
    expect(leaksOf(error, ["hunter2pass", "user:"])).toEqual([]);
  });

  it("a password that makes the URL unparseable (a bad port) is not echoed either", async () => {
    const error = await refusal(() => createApiClient<any>({ token: "uskGoodToken12345", baseUrl: "http://user:hunter2pass@127.0.0.1:99999" }));
    expect(leaksOf(error, ["hunter2pass"])).toEqual([]);
  });

  for (const baseUrl of ["http://127.0.0.1:1/api?", "http://127.0.0.1:1/api#", "http://127.0.0.1:1?", "http://127.0.0.1:1/#", "http://127.0.0.1:1/api?x=1"]) {
    it(`${baseUrl} (a query or fragment) is refused`, async () => {
      await refusal(() => createApiClient<any>({ token: "uskGoodToken12345", baseUrl }));
    });
  }

  for (const baseUrl of [
    "http://127.0.0.1:1@evil.example",
    "http://evil.example\\@127.0.0.1:1",
    "http://localhost.evil.example",
    "http://127.0.0.1.nip.io",
    "http://10.0.0.1",
    "ftp://127.0.0.1",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "//127.0.0.1",
  ]) {
    it(`${baseUrl}: not https, not loopback, or not absolute: refused`, async () => {
      await refusal(() => createApiClient<any>({ token: "uskGoodToken12345", baseUrl }));
    });
  }
});

describe("the Authorization header stays on the base URL's origin", () => {
  it("a per-call baseUrl on another origin receives no token", async () => {
    const other = await httpServer((_request, response) => sendJson(response, ok()));
    const call = callerFor(server.url, { token: "uskOriginBound12345" });
    await call("get", RECORDS, on("dst1", { baseUrl: other.url }));
    expect(other.requests).toHaveLength(1);
    expect(other.requests[0]?.headers.authorization).toBeUndefined();
    expect(other.requests[0]?.rawHead).not.toContain("uskOriginBound12345");
  });
});
