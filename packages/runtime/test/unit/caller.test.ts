import { describe, expect, expectTypeOf, it } from "vitest";
import {
  ApiError,
  AuthenticationError,
  ConfigurationError,
  InvalidResponseError,
  NetworkError,
  NotFoundError,
  PermissionError,
  QuotaError,
  RESPONSE_SINK,
  RateLimitError,
  type ResponseSink,
  ServerError,
  ValidationError,
  createApiClient,
  createCaller,
  withResponse,
} from "../../src/index.js";

// A minimal path map in the shape openapi-typescript generates.
interface TestPaths {
  "/v1/things/{thingId}": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get: {
      parameters: { query?: never; header?: never; path: { thingId: string }; cookie?: never };
      requestBody?: never;
      responses: {
        200: {
          headers: { [name: string]: unknown };
          content: {
            "application/json":
              | { success: true; code: number; message: string; data: { id: string } }
              | { success: false; code: number; message: string };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}

const TOKEN = "uskSecretToken123";
const BASE = "https://api.example.test";

function fakeFetch(reply: (request: Request) => Response | Promise<Response>) {
  const seen: Request[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    seen.push(request);
    return reply(request);
  };
  return { fetch: fetch as typeof globalThis.fetch, seen };
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

function callerFor(reply: (request: Request) => Response | Promise<Response>) {
  const { fetch, seen } = fakeFetch(reply);
  const client = createApiClient<TestPaths>({ token: TOKEN, baseUrl: BASE, fetch, rateLimit: false, retry: false });
  return { call: createCaller(client, [TOKEN]), seen };
}

const getThing = (call: ReturnType<typeof callerFor>["call"]) =>
  call("get", "/v1/things/{thingId}", { params: { path: { thingId: "thg1" } } });

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe("envelope unwrapping (RUNTIME.md: Errors)", () => {
  it("resolves to the envelope's data and sends the bearer token", async () => {
    const { call, seen } = callerFor(() => json({ success: true, code: 200, message: "SUCCESS", data: { id: "thg1" } }));
    await expect(getThing(call)).resolves.toEqual({ id: "thg1" });
    expect(seen[0]?.url).toBe(`${BASE}/v1/things/thg1`);
    expect(seen[0]?.headers.get("authorization")).toBe(`Bearer ${TOKEN}`);
  });

  it("throws a typed error for success:false under HTTP 200, with code, status and request id", async () => {
    const { call } = callerFor(() =>
      json({ success: false, code: 301, message: "datasheet not exist" }, 200, { "x-request-id": "req-42" }),
    );
    const error = await failure(getThing(call));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 200, code: 301, requestId: "req-42", method: "GET", path: "/v1/things/{thingId}" });
    expect(error.serverMessage).toBe("datasheet not exist");
    expect(error.message).toBe("GET /v1/things/{thingId}: datasheet not exist (HTTP 200, code 301, request id req-42)");
  });

  it.each([
    [401, 401, "bad token", AuthenticationError],
    [403, 403, "forbidden", PermissionError],
    [200, 602, "node permission", PermissionError],
    [403, 403, "api usage exceeded this month", QuotaError],
    [200, 426, "space capacity over limit", QuotaError],
    [200, 428, "attachment oversize", QuotaError],
    [429, 429, "API_REQUEST quota exhausted", QuotaError],
    [429, 429, "too many requests", RateLimitError],
    [404, 404, "not exists", NotFoundError],
    [200, 400, "pageSize must be <= 1000", ValidationError],
    [200, 1503, "team name must be unique", ValidationError],
    [500, 500, "server error", ServerError],
    [200, 211, "insert error", ApiError],
  ])("HTTP %i with business code %i (%s) becomes the right class", async (status, code, message, ErrorClass) => {
    const { call } = callerFor(() => json({ success: false, code, message }, status));
    const error = await failure(getThing(call));
    expect(error.constructor).toBe(ErrorClass);
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
  });

  it("maps a non-JSON error page to a status-based error", async () => {
    const { call } = callerFor(() => new Response("<html><body>Bad gateway</body></html>", { status: 502 }));
    const error = await failure(getThing(call));
    expect(error).toBeInstanceOf(ServerError);
    expect(error.status).toBe(502);
    expect(error.code).toBeUndefined();
  });

  it("rejects a 200 whose body is not JSON, or is not an envelope", async () => {
    const html = callerFor(() => new Response("<html>maintenance</html>", { status: 200 }));
    const notJson = await failure(getThing(html.call));
    expect(notJson).toBeInstanceOf(InvalidResponseError);
    expect(notJson.message).toContain("not JSON");

    const truncated = callerFor(() => new Response('{"success":true,"data":{"id"', { status: 200 }));
    expect(await failure(getThing(truncated.call))).toBeInstanceOf(InvalidResponseError);

    const bare = callerFor(() => json({ id: "thg1" }));
    const bareError = await failure(getThing(bare.call));
    expect(bareError).toBeInstanceOf(InvalidResponseError);
    expect(bareError.message).toContain("envelope");

    const empty = callerFor(() => new Response("", { status: 200 }));
    expect((await failure(getThing(empty.call))).message).toContain("empty body");
  });

  it("returns a non-enveloped body untouched when the operation is declared so", async () => {
    const { call } = callerFor(() => json({ id: "chatcmpl-1", object: "chat.completion" }));
    await expect(
      call("get", "/v1/things/{thingId}", { params: { path: { thingId: "x" } } }, { enveloped: false }),
    ).resolves.toEqual({ id: "chatcmpl-1", object: "chat.completion" });
  });

  it("reports a failed connection as a NetworkError", async () => {
    const { call } = callerFor(() => {
      throw new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED 127.0.0.1:9") });
    });
    const error = await failure(getThing(call));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.status).toBeUndefined();
    expect(error.message).toContain("ECONNREFUSED");
  });
});

describe("the token never leaks (RUNTIME.md: Safety)", () => {
  it("is redacted from error messages and bodies that echo it", async () => {
    const { call } = callerFor(() =>
      json({ success: false, code: 401, message: `invalid token ${TOKEN}`, data: { header: `Bearer ${TOKEN}` } }, 401),
    );
    const error = await failure(getThing(call));
    const everything = JSON.stringify({ error, body: error.body, message: error.message, stack: error.stack });
    expect(everything).not.toContain(TOKEN);
    expect(error.message).toContain("[redacted]");
  });

  it("is not sent to another origin", async () => {
    const { fetch, seen } = fakeFetch(() => json({ success: true, code: 200, message: "OK", data: { id: "x" } }));
    const client = createApiClient<TestPaths>({ token: TOKEN, baseUrl: BASE, fetch });
    await client.GET("/v1/things/{thingId}", {
      params: { path: { thingId: "x" } },
      baseUrl: "https://attachments.example.test",
    });
    expect(seen[0]?.url).toBe("https://attachments.example.test/v1/things/x");
    expect(seen[0]?.headers.get("authorization")).toBeNull();
  });
});

describe("hostile ids and responses are harmless (RUNTIME.md: Safety)", () => {
  it.each([".", "..", "%2e", "%2E%2e", ".%2e", ""])("path parameter %j (a dot or empty segment) is refused before anything is sent", async (id) => {
    const { call, seen } = callerFor(() => json({ success: true, code: 200, message: "OK", data: { id } }));
    const error: unknown = await call("get", "/v1/things/{thingId}", { params: { path: { thingId: id } } }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain("thingId must be an id");
    expect(seen).toHaveLength(0);
  });

  it.each(["../../admin", "a/b", "x?y=1", "x#frag", "...", "%252e%252e", "dst 1"])("path parameter %j stays one path segment", async (id) => {
    const { call, seen } = callerFor(() => json({ success: true, code: 200, message: "OK", data: { id } }));
    await call("get", "/v1/things/{thingId}", { params: { path: { thingId: id } } });
    const url = new URL(seen[0]!.url);
    expect(url.origin).toBe(BASE);
    expect(url.search).toBe("");
    expect(url.hash).toBe("");
    expect(url.pathname.startsWith("/v1/things/")).toBe(true);
    expect(url.pathname.slice("/v1/things/".length)).not.toContain("/");
    expect(decodeURIComponent(url.pathname.slice("/v1/things/".length))).toBe(id);
  });

  it("a __proto__ key in a response pollutes nothing", async () => {
    const { call } = callerFor(
      () => new Response('{"success":true,"code":200,"message":"OK","data":{"id":"x","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}}'),
    );
    const data = (await getThing(call)) as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect((data as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it("a __proto__ key in an error body pollutes nothing either, redaction included", async () => {
    const { call } = callerFor(() => new Response('{"success":false,"code":400,"message":"bad","__proto__":{"polluted":true}}'));
    const error = await failure(getThing(call));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(error.body)).toBe(Object.prototype);
  });
});

describe("configuration is checked before any request", () => {
  it.each([
    ["", BASE, "token must be a non-empty string"],
    ["   ", BASE, "token must be a non-empty string"],
    ["abc\r\nX-Evil: 1", BASE, "line breaks"],
    [TOKEN, "not a url", "absolute URL"],
    [TOKEN, "http://api.example.test", "https://"],
    [TOKEN, "ftp://api.example.test", "https://"],
    [TOKEN, "https://api.example.test/?x=1", "query string"],
  ])("token %j with base URL %j is refused", (token, baseUrl, message) => {
    expect(() => createApiClient<TestPaths>({ token, baseUrl })).toThrow(ConfigurationError);
    expect(() => createApiClient<TestPaths>({ token, baseUrl })).toThrow(message);
  });

  it("accepts http:// for loopback hosts only", () => {
    for (const baseUrl of ["http://127.0.0.1:4010", "http://localhost:8080/api", "http://[::1]:1"]) {
      expect(() => createApiClient<TestPaths>({ token: TOKEN, baseUrl })).not.toThrow();
    }
  });
});

describe("raw responses (RUNTIME.md: Raw responses)", () => {
  const ok = (headers: Record<string, string> = {}) => json({ success: true, code: 200, message: "OK", data: { id: "thg1" } }, 200, headers);
  /** A caller whose calls report to `sink`, as a client's `withResponse()` builds it. */
  const reporting = (reply: (request: Request) => Response | Promise<Response>) => {
    const { fetch, seen } = fakeFetch(reply);
    const client = createApiClient<TestPaths>({ token: TOKEN, baseUrl: BASE, fetch, rateLimit: false, retry: false });
    return { caller: (sink: ResponseSink) => createCaller(client, [TOKEN], { [RESPONSE_SINK]: sink }), seen };
  };

  it("resolves to the data, the response and the request id, the data typed as the call's", async () => {
    const { caller } = reporting(() => ok({ "x-request-id": "req-7", "x-custom": "yes" }));
    const result = await withResponse((sink) => getThing(caller(sink)));
    expectTypeOf(result.data).toEqualTypeOf<{ id: string }>();
    expectTypeOf(result.response).toEqualTypeOf<Response>();
    expect(result.data).toEqual({ id: "thg1" });
    expect(result.requestId).toBe("req-7");
    expect(result.response.status).toBe(200);
    expect(result.response.headers.get("x-custom")).toBe("yes");
    // The body `data` was parsed from stays readable, as the server sent it.
    expect(JSON.parse(await result.response.text())).toEqual({ success: true, code: 200, message: "OK", data: { id: "thg1" } });
  });

  it.each(["x-request-id", "request-id", "x-trace-id", "x-b3-traceid"])("reads the request id from %s, as errors do", async (header) => {
    const { caller } = reporting(() => ok({ [header]: "id-1" }));
    expect((await withResponse((sink) => getThing(caller(sink)))).requestId).toBe("id-1");
  });

  it("has no request id when the server sends none, and redacts one that echoes the token", async () => {
    const none = reporting(() => ok());
    expect((await withResponse((sink) => getThing(none.caller(sink)))).requestId).toBeUndefined();
    const echo = reporting(() => ok({ "x-request-id": `id-${TOKEN}` }));
    const { requestId } = await withResponse((sink) => getThing(echo.caller(sink)));
    expect(requestId).not.toContain(TOKEN);
    expect(requestId).toContain("[redacted]");
  });

  it("reports calls with their own options, and non-enveloped answers", async () => {
    const { caller } = reporting(() => json({ id: "chatcmpl-1" }, 200, { "request-id": "r-2" }));
    const result = await withResponse((sink) =>
      caller(sink)("get", "/v1/things/{thingId}", { params: { path: { thingId: "x" } } }, { enveloped: false, timeoutMs: 5000 }),
    );
    expect(result).toMatchObject({ data: { id: "chatcmpl-1" }, requestId: "r-2" });
  });

  it("hands back the last response to answer when the work made several requests", async () => {
    let count = 0;
    const { caller } = reporting(() => ok({ "x-request-id": `req-${++count}` }));
    const result = await withResponse(async (sink) => {
      const call = caller(sink);
      await getThing(call);
      return getThing(call);
    });
    expect(result.requestId).toBe("req-2");
  });

  it("rejects with the call's own error when it fails, and refuses work that made no request", async () => {
    const { caller } = reporting(() => json({ success: false, code: 301, message: "gone" }, 200, { "x-request-id": "req-9" }));
    const error = await failure(withResponse((sink) => getThing(caller(sink))));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.requestId).toBe("req-9");
    const idle = withResponse(async () => "nothing asked");
    await expect(idle).rejects.toBeInstanceOf(ConfigurationError);
    await expect(idle).rejects.toThrow("made no request");
  });

  it("a failed call tells the sink nothing: the response is that of a call that succeeded", async () => {
    let count = 0;
    const { caller } = reporting(() =>
      ++count === 1 ? ok({ "x-request-id": "good" }) : json({ success: false, code: 500, message: "down" }, 500, { "x-request-id": "bad" }),
    );
    const result = await withResponse(async (sink) => {
      const call = caller(sink);
      const data = await getThing(call);
      await getThing(call).catch(() => undefined);
      return data;
    });
    expect(result.requestId).toBe("good");
  });
});
