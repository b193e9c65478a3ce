// RUNTIME.md "Errors", "Chunked writes", "Safety": answers that are not answers. A success without data, a bulk
// chunk answered with the wrong number of results, prototype keys, absurd nesting and size, odd statuses.
import { afterAll, describe, expect, it } from "vitest";
import {
  ApiError,
  BulkWriteError,
  InvalidResponseError,
  OutcomeUnknownError,
  QuotaError,
  ValidationError,
  writeInChunks,
} from "../../src/index.js";
import {
  DELETE_RECORDS,
  RECORDS,
  callerFor,
  closeAll,
  httpServer,
  ok,
  on,
  rawJson,
  rawServer,
  rejection,
  sendJson,
} from "./servers.js";

afterAll(closeAll);

const create = on("dst1", { body: { records: [{ fields: { Name: "a" } }, { fields: { Name: "b" } }] } });

describe("success: true without data", () => {
  for (const [name, body] of [
    ["no data member", { success: true, code: 200, message: "SUCCESS" }],
    ["data: null", { success: true, code: 200, message: "SUCCESS", data: null }],
  ] as const) {
    it(`${name}, GET: InvalidResponseError, not undefined`, async () => {
      const server = await httpServer((_request, response) => sendJson(response, body));
      const error = await rejection(callerFor(server.url, { retry: { retries: 2, minDelayMs: 1, maxDelayMs: 1 } })("get", RECORDS, on()));
      expect(error).toBeInstanceOf(InvalidResponseError);
      expect(error.status).toBe(200);
      expect(error.message).toContain("no data");
      expect(server.requests).toHaveLength(1);
    });

    it(`${name}, POST create: OutcomeUnknownError with the records carried, sent once`, async () => {
      const server = await httpServer((_request, response) => sendJson(response, body));
      const error = await rejection(callerFor(server.url, { retry: { retries: 2, minDelayMs: 1, maxDelayMs: 1 } })("post", RECORDS, create));
      expect(error).toBeInstanceOf(OutcomeUnknownError);
      expect(error.cause).toBeInstanceOf(InvalidResponseError);
      expect(error.records).toEqual([{ fields: { Name: "a" } }, { fields: { Name: "b" } }]);
      expect(server.requests).toHaveLength(1);
    });

    it(`${name}, DELETE listed in withoutData: resolves`, async () => {
      const server = await httpServer((_request, response) => sendJson(response, body));
      const call = callerFor(server.url, { withoutData: [DELETE_RECORDS] });
      await expect(call("delete", RECORDS, on("dst1", { params: { path: { datasheetId: "dst1" }, query: { recordIds: ["rec1"] } } }))).resolves.toBe(
        "data" in body ? body.data : undefined,
      );
    });

    it(`${name}, DELETE not listed in withoutData: InvalidResponseError`, async () => {
      const server = await httpServer((_request, response) => sendJson(response, body));
      const error = await rejection(callerFor(server.url, { withoutData: [] })("delete", RECORDS, on()));
      expect(error).toBeInstanceOf(InvalidResponseError);
    });
  }

  for (const [name, text] of [
    ["an empty 200", ""],
    ["a JSON null", "null"],
    ["a JSON string", '"success"'],
    ["success as a string", '{"success":"true","data":{"records":[]}}'],
    ["truncated JSON", '{"success":true,"data":{"records":['],
    ["an array", '[{"success":true}]'],
  ] as const) {
    it(`${name}: InvalidResponseError for a GET, OutcomeUnknownError for a create`, async () => {
      const server = await rawServer({ onRequest: (socket) => socket.end(rawJson(text)) });
      const error = await rejection(callerFor(server.url)("get", RECORDS, on()));
      expect(error).toBeInstanceOf(InvalidResponseError);
      const createError = await rejection(callerFor(server.url)("post", RECORDS, create));
      expect(createError).toBeInstanceOf(OutcomeUnknownError);
      expect(server.requests).toHaveLength(2);
    });
  }
});

describe("a bulk create whose chunk is answered with the wrong number of results", () => {
  const items = Array.from({ length: 25 }, (_, index) => ({ fields: { n: index } }));

  for (const [name, count] of [
    ["one result too few", 9],
    ["one result too many", 11],
    ["no results", 0],
  ] as const) {
    it(`${name}: that chunk's records are unknown (not failed), the rest written or not sent, nothing re-sent`, async () => {
      const server = await httpServer((_request, response, received, index) => {
        const sent = JSON.parse(received.body.toString()).records as unknown[];
        const results = sent.map((_record, position) => ({ recordId: `rec${index}-${position}` }));
        if (index === 1) {
          results.length = Math.min(results.length, count);
          while (results.length < count) results.push({ recordId: "phantom" });
        }
        sendJson(response, ok({ records: results }));
      });
      const call = callerFor(server.url, { retry: { retries: 3, minDelayMs: 1, maxDelayMs: 1 } });
      const error = await rejection(
        writeInChunks({
          items,
          chunkSize: 10,
          concurrency: 1,
          method: "POST",
          path: RECORDS,
          send: async (chunk) => (await call("post", RECORDS, on("dst1", { body: { records: chunk } }))).records,
        }),
      );
      expect(error).toBeInstanceOf(BulkWriteError);
      expect(error.written.map(({ item }: { item: unknown }) => item)).toEqual(items.slice(0, 10));
      expect(error.unknown.map(({ item }: { item: unknown }) => item)).toEqual(items.slice(10, 20));
      expect(error.unknown[0].error).toBeInstanceOf(OutcomeUnknownError);
      expect(error.failed).toEqual([]);
      expect(error.notSent).toEqual(items.slice(20));
      expect(server.requests).toHaveLength(2);
    });
  }

  it("an update (PATCH) chunk with the wrong count is failed, not unknown", async () => {
    const server = await httpServer((_request, response, received, index) => {
      const sent = JSON.parse(received.body.toString()).records as unknown[];
      sendJson(response, ok({ records: sent.slice(0, index === 0 ? sent.length : 1) }));
    });
    const call = callerFor(server.url);
    const error = await rejection(
      writeInChunks({
        items,
        chunkSize: 10,
        concurrency: 1,
        method: "PATCH",
        path: RECORDS,
        send: async (chunk) => (await call("patch", RECORDS, on("dst1", { body: { records: chunk } }))).records,
      }),
    );
    expect(error).toBeInstanceOf(BulkWriteError);
    expect(error.failed).toHaveLength(10);
    expect(error.failed[0].error).toBeInstanceOf(InvalidResponseError);
    expect(error.unknown).toEqual([]);
  });
});

describe("prototype keys stay data", () => {
  const hostile = '{"__proto__":{"polluted":"yes","isAdmin":true},"constructor":{"prototype":{"polluted":"yes"}},"records":[{"__proto__":{"polluted":"yes"}}]}';

  it("in a success's data", async () => {
    const server = await rawServer({ onRequest: (socket) => socket.end(rawJson(`{"success":true,"code":200,"message":"ok","data":${hostile}}`)) });
    const data = await callerFor(server.url)("get", RECORDS, on());
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.hasOwn(data, "__proto__")).toBe(true);
    expect(data.isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("in an error's body (copied by redaction)", async () => {
    const server = await rawServer({
      onRequest: (socket) => socket.end(rawJson(`{"success":false,"code":400,"message":"no","data":${hostile},"__proto__":{"polluted":"yes"}}`)),
    });
    const error = await rejection(callerFor(server.url)("get", RECORDS, on()));
    expect(error).toBeInstanceOf(ValidationError);
    expect(Object.getPrototypeOf(error.body)).toBe(Object.prototype);
    expect(Object.hasOwn(error.body, "__proto__")).toBe(true);
    expect(Object.hasOwn(error.body.data, "__proto__")).toBe(true);
    expect(error.body.polluted).toBeUndefined();
    expect(error.body.data.isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("an envelope whose success comes only from a __proto__ key is not a success", async () => {
    const server = await rawServer({ onRequest: (socket) => socket.end(rawJson('{"__proto__":{"success":true,"data":{"records":[]}}}')) });
    const error = await rejection(callerFor(server.url)("get", RECORDS, on()));
    expect(error).toBeInstanceOf(InvalidResponseError);
  });
});

describe("absurd nesting and size", () => {
  const deep = (levels: number, leaf = "1") => `${'{"a":'.repeat(levels)}${leaf}${"}".repeat(levels)}`;

  it("10,000 levels in an error body: a typed error, the body cut at depth 64", async () => {
    const server = await rawServer({ onRequest: (socket) => socket.end(rawJson(`{"success":false,"code":400,"message":"deep","data":${deep(10_000)}}`)) });
    const error = await rejection(callerFor(server.url)("get", RECORDS, on()));
    expect(error).toBeInstanceOf(ValidationError);
    let node = error.body;
    let depth = 0;
    while (typeof node === "object" && node !== null) {
      node = node.data ?? node.a;
      depth += 1;
    }
    expect(node).toBe("[truncated]");
    expect(depth).toBeLessThanOrEqual(64);
  });

  it("10,000 levels in a 2xx that is not an envelope: InvalidResponseError", async () => {
    const server = await rawServer({ onRequest: (socket) => socket.end(rawJson(deep(10_000))) });
    const error = await rejection(callerFor(server.url)("get", RECORDS, on()));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message.length).toBeLessThan(400);
  });

  it("10,000 levels of arrays in a 500 page: ServerError", async () => {
    const server = await rawServer({
      onRequest: (socket) => socket.end(rawJson(`${"[".repeat(10_000)}${"]".repeat(10_000)}`, "HTTP/1.1 500 Internal Server Error")),
    });
    const error = await rejection(callerFor(server.url)("get", RECORDS, on()));
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(500);
  });

  it("1,000,000 levels (past what JSON.parse can take): a typed error, no crash", async () => {
    const server = await rawServer({ onRequest: (socket) => socket.end(rawJson(`{"success":true,"data":${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}}`)) });
    let outcome: unknown;
    try {
      outcome = await callerFor(server.url)("get", RECORDS, on());
    } catch (error) {
      outcome = error;
    }
    // Either JSON.parse managed (and data came back) or it was refused as an invalid response; never a RangeError.
    if (outcome instanceof Error) expect(outcome).toBeInstanceOf(InvalidResponseError);
    else expect(Array.isArray(outcome)).toBe(true);
  });

  it("a 2,000,000-element array in an error body: a typed error, body kept", async () => {
    const list = `[${Array.from({ length: 2_000_000 }, () => "7").join(",")}]`;
    const server = await rawServer({ onRequest: (socket) => socket.end(rawJson(`{"success":false,"code":400,"message":"big","data":${list}}`)) });
    const error = await rejection(callerFor(server.url)("get", RECORDS, on()));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.body.data).toHaveLength(2_000_000);
    expect(error.message.length).toBeLessThan(300);
  }, 30_000);

  it("a 2,000,000-element array that is the whole 2xx body: InvalidResponseError with a short message", async () => {
    const list = `[${Array.from({ length: 2_000_000 }, () => '"x"').join(",")}]`;
    const server = await rawServer({ onRequest: (socket) => socket.end(rawJson(list)) });
    const error = await rejection(callerFor(server.url)("get", RECORDS, on()));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message.length).toBeLessThan(400);
  }, 30_000);

  it("a message that is not a string (an object, a number) does not become [object Object]", async () => {
    const server = await httpServer((_request, response) => sendJson(response, { success: false, code: 400, message: { nested: "x" } }));
    const error = await rejection(callerFor(server.url)("get", RECORDS, on()));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).not.toContain("[object Object]");
  });
});

describe("odd statuses", () => {
  for (const statusLine of ["HTTP/1.1 999 Odd", "HTTP/1.1 600 Custom"]) {
    it(`${statusLine}: an answer, though not a valid one: InvalidResponseError, sent once; a create's outcome unknown`, async () => {
      const server = await rawServer({ onRequest: (socket) => socket.end(rawJson(ok(), statusLine)) });
      const fast = { retry: { retries: 2, minDelayMs: 1, maxDelayMs: 1 }, timeoutMs: 2_000 };
      const error = await rejection(callerFor(server.url, fast)("get", RECORDS, on()));
      expect(error).toBeInstanceOf(InvalidResponseError);
      expect(error.message).toContain(`HTTP status ${statusLine.split(" ")[1]}`);
      expect(server.requests).toHaveLength(1);
      const createError = await rejection(callerFor(server.url, fast)("post", RECORDS, create));
      expect(createError).toBeInstanceOf(OutcomeUnknownError);
      expect(server.requests).toHaveLength(2);
    });
  }

  it("HTTP 304 without an envelope is no quota error: the business code 304 alone means the row limit", async () => {
    const server = await rawServer({ onRequest: (socket) => socket.end("HTTP/1.1 304 Not Modified\r\nConnection: close\r\n\r\n") });
    const error = await rejection(callerFor(server.url)("get", RECORDS, on()));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).not.toBeInstanceOf(QuotaError);
    expect(error.status).toBe(304);
  });

  for (const statusLine of ["HTTP/1.1 199 Weird"]) {
    it(`${statusLine}: a typed ApiError; a create is not re-sent`, async () => {
      const server = await rawServer({ onRequest: (socket) => socket.end(rawJson(ok(), statusLine)) });
      const fast = { retry: { retries: 2, minDelayMs: 1, maxDelayMs: 1 }, timeoutMs: 2_000 };
      const error = await rejection(callerFor(server.url, fast)("get", RECORDS, on()));
      expect(error).toBeInstanceOf(ApiError);
      const before = server.requests.length;
      const createError = await rejection(callerFor(server.url, fast)("post", RECORDS, create));
      expect(createError).toBeInstanceOf(ApiError);
      expect(server.requests.length - before).toBe(1);
    });
  }

  it("HTTP 101 Switching Protocols to a plain request: a typed error", async () => {
    const server = await rawServer({
      onRequest: (socket) => socket.end("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n"),
    });
    const error = await rejection(callerFor(server.url)("get", RECORDS, on()));
    expect(error).toBeInstanceOf(ApiError);
  });

  it("HTTP 204 to a GET that needs data: InvalidResponseError", async () => {
    const server = await rawServer({ onRequest: (socket) => socket.end("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n") });
    const error = await rejection(callerFor(server.url)("get", RECORDS, on()));
    expect(error).toBeInstanceOf(InvalidResponseError);
  });
});
