// RUNTIME.md "Errors", "Safety": a server that echoes the token (or a secret header) back in every place an
// error can carry it. Nothing reachable from the thrown error may hold a secret in any of its forms.
import type http from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import {
  ApiError,
  ConfigurationError,
  InvalidResponseError,
  OutcomeUnknownError,
  RedirectError,
  ServerError,
  ValidationError,
  createApiClient,
  createCaller,
  secretsOf,
} from "../../src/index.js";
import {
  RECORDS,
  callerFor,
  closeAll,
  expectNoSecrets,
  httpServer,
  leaksOf,
  on,
  rawJson,
  rawServer,
  rejection,
  sendJson,
} from "./servers.js";

afterAll(closeAll);

/** Not shaped like a Vika/Bika token, so only the exact-secret redaction can catch it. */
const PLAIN = "qZ9xT4pL2mN7kR5vB8cW3hJ6";
/** Regular-expression metacharacters throughout, and a backslash (JSON-escaped as `\\`). */
const META = "usk.+*?()[]{}|^$\\Ab";
/** Shaped like a Vika token. */
const SHAPED = "uskAaBbCcDdEeFfGg0123";

type Reply = (request: http.IncomingMessage) => { status?: number; headers?: Record<string, string>; body: unknown };

/** A server that answers every request with `reply`, and the rejection of one GET (or POST) against it. */
async function errorFrom(
  token: string,
  reply: Reply,
  { method = "get", headers }: { method?: "get" | "post"; headers?: Record<string, string> } = {},
) {
  const server = await httpServer((request, response) => {
    const { status = 200, headers: extra = {}, body } = reply(request);
    sendJson(response, body, status, extra);
  });
  const call = callerFor(server.url, { token, ...(headers ? { headers } : {}) });
  const init = method === "post" ? on("dst1", { body: { records: [{ fields: { Name: "a" } }] } }) : on();
  const error = await rejection(call(method, RECORDS, init));
  expect(server.requests).toHaveLength(1);
  return error;
}

const fail = (message: unknown, extra: object = {}) => ({ success: false, code: 400, message, ...extra });

describe("the token echoed in the envelope", () => {
  for (const [name, token] of [
    ["a plain token", PLAIN],
    ["a token of regex metacharacters", META],
    ["a Vika-shaped token", SHAPED],
  ] as const) {
    it(`${name}: as is, after Bearer, percent-encoded, JSON-escaped, in message and nested body`, async () => {
      const echoes = [token, `Bearer ${token}`, encodeURIComponent(token), JSON.stringify(token).slice(1, -1)];
      const error = await errorFrom(token, () => ({
        body: fail(`refused: ${echoes.join(" | ")}`, {
          data: { echo: echoes, nested: { deeper: [{ header: `Authorization: Bearer ${token}` }] } },
        }),
      }));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.serverMessage).toContain("[redacted]");
      expectNoSecrets(error, [token]);
    });
  }

  it("the token as a JSON key, at several depths", async () => {
    const error = await errorFrom(PLAIN, () => ({
      body: fail("bad", { [PLAIN]: 1, data: { [`Bearer ${PLAIN}`]: { [encodeURIComponent(PLAIN)]: [{ [PLAIN]: PLAIN }] } } }),
    }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(Object.keys(error.body)).toContain("[redacted]");
    expectNoSecrets(error, [PLAIN]);
  });

  it("a token given with a trailing newline, echoed trimmed and untrimmed", async () => {
    const given = `${PLAIN}\n`;
    const error = await errorFrom(given, (request) => ({
      body: fail(`you sent ${request.headers.authorization} / ${PLAIN} / ${JSON.stringify(given)}`),
    }));
    expect(error.serverMessage).toBe("you sent [redacted] / [redacted] / \"[redacted]\"");
    expectNoSecrets(error, [given, PLAIN]);
  });

  it("the token the server actually received is the trimmed one, sent as a Bearer header", async () => {
    let seen: string | undefined;
    await errorFrom(`  ${PLAIN}\r\n`, (request) => {
      seen = request.headers.authorization;
      return { body: fail("no") };
    });
    expect(seen).toBe(`Bearer ${PLAIN}`);
  });
});

describe("the token in response headers", () => {
  for (const header of ["x-request-id", "request-id", "x-trace-id", "x-b3-traceid"]) {
    it(`${header}: requestId is redacted`, async () => {
      const error = await errorFrom(PLAIN, () => ({
        headers: { [header]: `req-1 ${PLAIN} Bearer ${PLAIN}` },
        body: fail("nope"),
      }));
      expect(error.requestId).toBe("req-1 [redacted] [redacted]");
      expect(error.message).toContain("request id req-1 [redacted]");
      expectNoSecrets(error, [PLAIN]);
    });
  }

  it("a request id of 195 characters then the token: redacted before it is cut to 200", async () => {
    const error = await errorFrom(PLAIN, () => ({ headers: { "x-request-id": `${"r".repeat(195)}${PLAIN}` }, body: fail("nope") }));
    expect(error.requestId.startsWith("r".repeat(195))).toBe(true);
    expect(leaksOf(error, [PLAIN.slice(0, 5)])).toEqual([]);
  });

  it("the token in the reason phrase of an empty 500", async () => {
    const server = await rawServer({
      onRequest: (socket) => socket.end(`HTTP/1.1 500 Bearer ${PLAIN} ${PLAIN}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`),
    });
    const error = await rejection(callerFor(server.url, { token: PLAIN })("get", RECORDS, on()));
    expect(error).toBeInstanceOf(ServerError);
    expect(error.status).toBe(500);
    expectNoSecrets(error, [PLAIN]);
  });
});

describe("the token in error pages and non-JSON bodies", () => {
  for (const at of [110, 115, 118, 119, 120, 121]) {
    it(`an HTML error page whose token starts at character ${at} (the 120-character cut)`, async () => {
      const page = `<html><body><h1>502 Bad Gateway</h1><p>${"x".repeat(Math.max(0, at - 39))}`;
      const html = `${page.slice(0, at)}${PLAIN}${" and more text</p></body></html>".repeat(5)}`;
      expect(html.indexOf(PLAIN)).toBe(at);
      const server = await httpServer((_request, response) => {
        response.writeHead(502, { "content-type": "text/html" });
        response.end(html);
      });
      const error = await rejection(callerFor(server.url, { token: PLAIN })("get", RECORDS, on()));
      expect(error).toBeInstanceOf(ServerError);
      expect(error.serverMessage.endsWith("…")).toBe(true);
      // Not the token, not even its first characters.
      expect(leaksOf(error, [PLAIN.slice(0, 4)])).toEqual([]);
    });
  }

  it("a token of metacharacters in a plain-text 2xx body (not JSON)", async () => {
    const server = await httpServer((_request, response) => {
      response.writeHead(200, { "content-type": "text/plain" });
      response.end(`oops ${META} ${encodeURIComponent(META)} ${"pad ".repeat(10)}`);
    });
    const error = await rejection(callerFor(server.url, { token: META })("get", RECORDS, on()));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expectNoSecrets(error, [META]);
  });

  it("a 2xx JSON body that is not an envelope, echoing the token: an InvalidResponseError without it", async () => {
    const error = await errorFrom(PLAIN, () => ({ body: { authorization: `Bearer ${PLAIN}`, [PLAIN]: [PLAIN] } }));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expectNoSecrets(error, [PLAIN]);
  });

  it("a POST answered with a 500 echoing the token: OutcomeUnknownError, cause included, without it", async () => {
    const error = await errorFrom(PLAIN, () => ({ status: 500, body: fail(`crash ${PLAIN}`, { code: 500, echo: PLAIN }) }), { method: "post" });
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect(error.cause).toBeInstanceOf(ServerError);
    expectNoSecrets(error, [PLAIN]);
  });
});

describe("secret headers and generic credential shapes", () => {
  it("values of secret-named extra headers are redacted like the token; other headers are not", async () => {
    const headers = {
      "X-Api-Key": "k3y-Value-0001",
      Cookie: "sid=cookieValue0002",
      "X-Session-Id": "sessionValue0003",
      "X-Signature": "sigValue0004",
      "X-Proxy-Password": "p4ssValue0005",
      "X-Credential": "credValue0006",
      "X-Client-Secret": "secValue0007",
      "X-Visible": "plainValue0008",
    };
    let received: http.IncomingHttpHeaders = {};
    const error = await errorFrom(
      PLAIN,
      (request) => (
        (received = request.headers),
        {
        headers: { "x-request-id": String(request.headers["x-api-key"]) },
        body: fail(`echo ${JSON.stringify(request.headers)}`, { data: request.headers }),
        }
      ),
      { headers },
    );
    // Every secret did reach the server (so the echo really carried it).
    for (const [name, value] of Object.entries(headers)) expect(received[name.toLowerCase()]).toBe(value);
    const { "X-Visible": visible, ...secret } = headers;
    expectNoSecrets(error, [PLAIN, ...Object.values(secret)]);
    expect(error.serverMessage).toContain(visible);
    expect(error.requestId).toBe("[redacted]");
  });

  it("other tokens' shapes and Bearer/Basic credentials are redacted even when not this client's", async () => {
    const others = ["uskSomeoneElse0123456", "bktAnotherToken98765", "Bearer x.y-z+1/2=", "Basic dXNlcjpwYXNzd29yZA=="];
    const error = await errorFrom(PLAIN, () => ({ body: fail(`leaked: ${others.join(", ")}`, { data: { others } }) }));
    expect(leaksOf(error, ["uskSomeoneElse", "bktAnotherToken", "x.y-z+1/2=", "dXNlcjpwYXNzd29yZA"])).toEqual([]);
  });
});

describe("the token in a redirect's Location", () => {
  it("in the path, as is and percent-encoded: location and message are redacted", async () => {
    for (const echoed of [PLAIN, encodeURIComponent(META)]) {
      const token = echoed === PLAIN ? PLAIN : META;
      const server = await httpServer((_request, response) => {
        response.writeHead(302, { location: `/callback/${echoed}/next?token=${echoed}#${echoed}` });
        response.end();
      });
      const error = await rejection(callerFor(server.url, { token })("get", RECORDS, on()));
      expect(error).toBeInstanceOf(RedirectError);
      expect(error.location).toBe(`${server.url}/callback/[redacted]/next`);
      expectNoSecrets(error, [token]);
    }
  });
});

describe("a 50 MB message with the token at the start, middle and end", () => {
  it("is redacted everywhere, the message capped, body.message whole", async () => {
    const half = "m".repeat(25_000_000);
    const message = `${PLAIN} ${half} Bearer ${PLAIN} ${half} ${PLAIN}`;
    const server = await rawServer({
      onRequest: (socket) => socket.end(rawJson(fail(message, { code: 400 }))),
    });
    const error = await rejection(callerFor(server.url, { token: PLAIN })("get", RECORDS, on()));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.serverMessage.length).toBeLessThanOrEqual(1100);
    expect(error.message.length).toBeLessThanOrEqual(1200);
    expect(error.body.message.length).toBeGreaterThanOrEqual(50_000_000);
    expect(error.body.message.startsWith("[redacted] mmm")).toBe(true);
    expect(error.body.message.endsWith("mmm [redacted]")).toBe(true);
    expectNoSecrets(error, [PLAIN]);
  }, 30_000);
});

describe("errors from the network layer and the request pipeline", () => {
  it("an error a middleware throws, mentioning the token: the ConfigurationError and its cause are redacted", async () => {
    const server = await httpServer((_request, response) => sendJson(response, fail("unused")));
    const client = createApiClient<any>({ token: PLAIN, baseUrl: server.url, rateLimit: false, retry: false });
    client.use({
      onRequest({ request }) {
        throw new Error(`signing failed for ${request.headers.get("authorization")} (${PLAIN})`, {
          cause: new Error(`inner: ${encodeURIComponent(PLAIN)}`),
        });
      },
    });
    const call = createCaller<any>(client, secretsOf({ token: PLAIN })) as any;
    const error = await rejection(call("get", RECORDS, on()));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.cause).toBeInstanceOf(Error);
    expect(server.requests).toHaveLength(0);
    expectNoSecrets(error, [PLAIN]);
  });


  it("a 100 kB response header echoing the token (past the parser's limit): NetworkError without it", async () => {
    const server = await rawServer({
      onRequest: (socket, received) =>
        socket.end(`HTTP/1.1 200 OK\r\nX-Echo: ${"e".repeat(100_000)} ${received.headers.authorization}\r\nContent-Length: 2\r\n\r\n{}`),
    });
    const error = await rejection(callerFor(server.url, { token: PLAIN })("get", RECORDS, on()));
    expect(error).toBeInstanceOf(ApiError);
    expectNoSecrets(error, [PLAIN]);
  });

  it("a dropped connection's message and cause chain carry no token", async () => {
    const server = await rawServer({ onRequest: (socket) => socket.destroy() });
    const error = await rejection(callerFor(server.url, { token: PLAIN })("get", RECORDS, on()));
    expect(error).toBeInstanceOf(ApiError);
    expectNoSecrets(error, [PLAIN]);
  });
});
