// Hostile-server edge cases of redaction and refusal (RUNTIME.md "Hostile servers", "Safety"): secrets a library
// keeps deep in a cause chain, encodings of the token other than the usual one, credentials in unparseable base
// URLs, dot segments hidden in arrays, and header values given for one call.
import { afterAll, describe, expect, it } from "vitest";
import { ConfigurationError, RedirectError, ValidationError, createApiClient } from "../../src/index.js";
import {
  RECORDS,
  callerFor,
  closeAll,
  expectNoSecrets,
  httpServer,
  leaksOf,
  ok,
  on,
  rawHead,
  rawServer,
  rejection,
  sendJson,
} from "./servers.js";

afterAll(closeAll);

describe("redaction reaches the HTTP parser's copy of the raw bytes", () => {
  const token = "qZ9xT4pL2mN7kR5vB8cW3hJ6";

  it("a malformed header line echoing the token: HTTPParserError.data in the cause chain is redacted", async () => {
    const server = await rawServer({
      onRequest: (socket, received) => socket.end(`HTTP/1.1 200 OK\r\nX-Echo\u0001: ${received.headers.authorization}\r\n\r\n`),
    });
    const error = await rejection(callerFor(server.url, { token })("get", RECORDS, on()));
    expectNoSecrets(error, [token]);
  });

  it("an invalid chunk size followed by a body echoing the token", async () => {
    const server = await rawServer({
      onRequest: (socket, received) =>
        socket.end(`${rawHead("HTTP/1.1 200 OK", [["Transfer-Encoding", "chunked"]])}zz\r\n{"you sent":"${received.headers.authorization}"}\r\n0\r\n\r\n`),
    });
    const error = await rejection(callerFor(server.url, { token })("get", RECORDS, on()));
    expectNoSecrets(error, [token]);
  });
});

describe("the token is redacted in every percent-encoding, not only encodeURIComponent's", () => {
  const token = "usk.+*?()[]{}|^$\\Ab";

  it("a redirect Location with the raw token in its path, partly re-encoded by the URL parser", async () => {
    const braces = "usk{Tok}|en^Secret99";
    const server = await httpServer((_request, response) => {
      response.writeHead(302, { location: `/callback/${braces}` });
      response.end();
    });
    const error = await rejection(callerFor(server.url, { token: braces })("get", RECORDS, on()));
    expect(error).toBeInstanceOf(RedirectError);
    expect(leaksOf(error, ["Secret99"])).toEqual([]);
  });

  it("the token percent-encoded as RFC 3986 / Python quote(safe='') does it (also encodes ( ) * ! ')", async () => {
    const strict = encodeURIComponent(token).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const server = await httpServer((_request, response) => sendJson(response, { success: false, code: 400, message: `callback=${strict}` }));
    const error = await rejection(callerFor(server.url, { token })("get", RECORDS, on()));
    expect(error).toBeInstanceOf(ValidationError);
    expect(leaksOf(error, [strict])).toEqual([]);
  });

  it("the token percent-encoded with lower-case hex digits", async () => {
    const lower = encodeURIComponent(token).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase());
    const server = await httpServer((_request, response) => sendJson(response, { success: false, code: 400, message: `callback=${lower}` }));
    const error = await rejection(callerFor(server.url, { token })("get", RECORDS, on()));
    expect(leaksOf(error, [lower])).toEqual([]);
  });
});

describe("a base URL whose password makes it unparseable is refused without echoing the password", () => {
  for (const baseUrl of ["http://user:hunter2#pass@127.0.0.1:1", "http://user:hunter2/pass@127.0.0.1:1", "http://user:hunter2?pass@127.0.0.1:1"]) {
    it(baseUrl, () => {
      let error: unknown;
      try {
        createApiClient<any>({ token: "uskGoodToken12345", baseUrl });
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(leaksOf(error, ["hunter2"])).toEqual([]);
    });
  }
});

describe("path parameters given as arrays get the dot-segment check too (they are sent comma-joined)", () => {
  for (const [name, value] of [
    ['[".."]', [".."]],
    ['["."]', ["."]],
    ["[] (an empty segment)", []],
  ] as const) {
    it(`${name}: refused before any request`, async () => {
      const server = await httpServer((_request, response) => sendJson(response, ok()));
      let error: unknown;
      try {
        await callerFor(server.url)("get", RECORDS, on(value));
      } catch (thrown) {
        error = thrown;
      }
      expect(server.requests.map((request) => request.requestLine)).toEqual([]);
      expect(error).toBeInstanceOf(ConfigurationError);
    });
  }
});

describe("a secret header given for one call is redacted like the client's", () => {
  it("X-Api-Key with a line break, given per call: refused, its value in no part of the error", async () => {
    const server = await httpServer((_request, response) => sendJson(response, ok()));
    const call = callerFor(server.url, { headers: { "X-Api-Key": "configKey0001" } });
    let error: unknown;
    try {
      await call("get", RECORDS, on("dst1", { headers: { "X-Api-Key": "perCallSecret0002\r\nX-Injected: 1" } }));
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(server.requests).toHaveLength(0);
    expect(leaksOf(error, ["perCallSecret0002"])).toEqual([]);
  });
});
