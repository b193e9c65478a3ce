// RUNTIME.md "Errors", "Retries": redirects are never followed. A second server plays the attacker the API
// redirects to; it must receive nothing at all (no connection, so neither headers nor body).
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { ApiError, OutcomeUnknownError, RedirectError } from "../../src/index.js";
import {
  RECORDS,
  type TestServer,
  callerFor,
  closeAll,
  expectNoSecrets,
  httpServer,
  on,
  ok,
  rejection,
  sendJson,
  TOKEN,
} from "./servers.js";

afterAll(closeAll);

let attacker: TestServer;
beforeEach(async () => {
  attacker = await httpServer((_request, response) => sendJson(response, ok({ records: [{ recordId: "stolen" }] })));
});

const retrying = { retry: { retries: 3, minDelayMs: 1, maxDelayMs: 2 } };
const create = on("dst1", { body: { records: [{ fields: { Name: "secret payload" } }] } });

/** An API server that answers every request with `status` and `Location: location(server url)`. */
async function redirecting(status: number, location: (self: string) => string, extra: Record<string, string> = {}) {
  return httpServer((request, response) => {
    response.writeHead(status, { location: location(`http://${request.headers.host}`), ...extra });
    response.end();
  });
}

function expectAttackerUntouched() {
  expect(attacker.connections).toBe(0);
  expect(attacker.requests).toHaveLength(0);
  expect(attacker.bytesReceived).toBe(0);
}

describe("a GET answered with a redirect to another origin", () => {
  for (const status of [301, 302, 303, 307, 308]) {
    it(`${status}: RedirectError with origin+path only, one request, nothing at the attacker`, async () => {
      const api = await redirecting(status, () => `http://user:pw@127.0.0.1:${attacker.port}/steal/here?token=${TOKEN}&q=1#frag`);
      const error = await rejection(callerFor(api.url, retrying)("get", RECORDS, on()));
      expect(error).toBeInstanceOf(RedirectError);
      expect(error).toBeInstanceOf(ApiError);
      expect(error.status).toBe(status);
      expect(error.location).toBe(`http://127.0.0.1:${attacker.port}/steal/here`);
      expect(error.message).not.toMatch(/user|pw@|token=|q=1|frag/);
      expect(error.retryCount).toBe(0);
      expect(api.requests).toHaveLength(1);
      expectAttackerUntouched();
      expectNoSecrets(error, [TOKEN]);
    });
  }
});

describe("a POST (create) answered with a redirect", () => {
  for (const status of [301, 302, 303, 307, 308]) {
    it(`${status}: OutcomeUnknownError caused by a RedirectError, never a success, sent once, attacker untouched`, async () => {
      const api = await redirecting(status, () => `http://127.0.0.1:${attacker.port}/collect`);
      const error = await rejection(callerFor(api.url, retrying)("post", RECORDS, create));
      expect(error).toBeInstanceOf(OutcomeUnknownError);
      expect(error.cause).toBeInstanceOf(RedirectError);
      expect(error.cause.location).toBe(`http://127.0.0.1:${attacker.port}/collect`);
      expect(error.records).toEqual([{ fields: { Name: "secret payload" } }]);
      expect(api.requests).toHaveLength(1);
      expect(JSON.parse(api.requests[0]!.body.toString())).toEqual({ records: [{ fields: { Name: "secret payload" } }] });
      expectAttackerUntouched();
    });
  }

  it("a PATCH (idempotent) redirected with 307 is not re-sent anywhere either", async () => {
    const api = await redirecting(307, () => `http://127.0.0.1:${attacker.port}/collect`);
    const error = await rejection(callerFor(api.url, retrying)("patch", RECORDS, create));
    expect(error).toBeInstanceOf(RedirectError);
    expect(api.requests).toHaveLength(1);
    expectAttackerUntouched();
  });
});

describe("redirect shapes", () => {
  it("a redirect loop (Location = the same URL) ends after exactly one request", async () => {
    const api = await httpServer((request, response) => {
      response.writeHead(302, { location: `http://${request.headers.host}${request.url}` });
      response.end();
    });
    const error = await rejection(callerFor(api.url, retrying)("get", RECORDS, on()));
    expect(error).toBeInstanceOf(RedirectError);
    expect(error.location).toBe(`${api.url}/fusion/v1/datasheets/dst1/records`);
    expect(api.requests).toHaveLength(1);
  });

  it("a relative Location resolves against the request URL", async () => {
    const api = await redirecting(301, () => "../elsewhere?x=1");
    const error = await rejection(callerFor(api.url)("get", RECORDS, on()));
    expect(error).toBeInstanceOf(RedirectError);
    expect(error.location).toBe(`${api.url}/fusion/v1/datasheets/elsewhere`);
    expect(api.requests).toHaveLength(1);
  });

  it("a protocol-relative Location to the attacker", async () => {
    const api = await redirecting(308, () => `//127.0.0.1:${attacker.port}/x`);
    const error = await rejection(callerFor(api.url)("get", RECORDS, on()));
    expect(error.location).toBe(`http://127.0.0.1:${attacker.port}/x`);
    expectAttackerUntouched();
  });

  it("a redirect without a Location is still a RedirectError (location undefined)", async () => {
    const api = await httpServer((_request, response) => {
      response.writeHead(302);
      response.end();
    });
    const error = await rejection(callerFor(api.url, retrying)("get", RECORDS, on()));
    expect(error).toBeInstanceOf(RedirectError);
    expect(error.location).toBeUndefined();
    expect(api.requests).toHaveLength(1);
  });

  it("an unparseable Location gives location undefined and no crash", async () => {
    const api = await redirecting(302, () => "http://[::1");
    const error = await rejection(callerFor(api.url)("get", RECORDS, on()));
    expect(error).toBeInstanceOf(RedirectError);
    expect(error.location).toBeUndefined();
  });

  it("a redirect with a JSON body claiming success is still a RedirectError", async () => {
    const api = await httpServer((_request, response) => {
      sendJson(response, ok({ records: [{ recordId: "fake" }] }), 302, { location: `http://127.0.0.1:${attacker.port}/` });
    });
    const error = await rejection(callerFor(api.url)("get", RECORDS, on()));
    expect(error).toBeInstanceOf(RedirectError);
    expectAttackerUntouched();
  });

  it("a data: Location carrying the token is shown redacted", async () => {
    const api = await redirecting(302, () => `data:text/html,${TOKEN}`);
    const error = await rejection(callerFor(api.url, { token: TOKEN })("get", RECORDS, on()));
    expect(error).toBeInstanceOf(RedirectError);
    expectNoSecrets(error, [TOKEN]);
  });
});
