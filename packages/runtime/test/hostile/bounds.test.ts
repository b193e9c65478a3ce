// RUNTIME.md "Errors" and the transport's maxResponseBytes: a body is counted once decoded, while it streams, so
// a compression bomb or a lying Content-Length stops at the limit instead of at the end of memory; a server's
// huge text is capped in messages and kept whole only in `body`.
import type http from "node:http";
import zlib from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  InvalidResponseError,
  OutcomeUnknownError,
  ResponseTooLargeError,
  ServerError,
  ValidationError,
} from "../../src/index.js";
import {
  RECORDS,
  callerFor,
  closeAll,
  httpServer,
  on,
  rawHead,
  rawServer,
  rejection,
  rssSampler,
  sendJson,
  since,
} from "./servers.js";

afterAll(closeAll);

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

type Encoding = "gzip" | "deflate" | "br";

function compressor(encoding: Encoding): zlib.Gzip | zlib.Deflate | zlib.BrotliCompress {
  if (encoding === "gzip") return zlib.createGzip({ level: 1 });
  if (encoding === "deflate") return zlib.createDeflate({ level: 1 });
  return zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } });
}

/**
 * A server streaming `total` bytes of zeros, compressed on the fly with backpressure, as a 200 JSON answer.
 * `state.fed` counts the decoded bytes handed to the compressor.
 */
async function bombServer(encoding: Encoding, total: number) {
  const state = { fed: 0, finished: false };
  const server = await httpServer(async (_request: http.IncomingMessage, response: http.ServerResponse) => {
    response.writeHead(200, { "content-type": "application/json", "content-encoding": encoding });
    const z = compressor(encoding);
    z.on("error", () => undefined);
    z.pipe(response);
    let closed = false;
    let wake: () => void = () => undefined;
    response.on("close", () => {
      closed = true;
      z.destroy();
      wake();
    });
    const zeros = Buffer.alloc(MiB);
    z.write('{"success":true,"code":200,"message":"","data":{"pad":"');
    while (!closed && state.fed < total) {
      state.fed += zeros.length;
      if (!z.write(zeros)) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          z.once("drain", resolve);
        });
      }
    }
    if (!closed) {
      state.finished = true;
      z.end('"}}');
    }
  });
  return { server, state };
}

describe("decompression bombs", () => {
  for (const encoding of ["gzip", "deflate", "br"] as const) {
    it(`1 GiB of zeros, ${encoding}, streamed: ResponseTooLargeError at the default limit, bounded memory`, async () => {
      const { server, state } = await bombServer(encoding, GiB);
      const call = callerFor(server.url, { retry: { retries: 2, minDelayMs: 1, maxDelayMs: 1 }, timeoutMs: 60_000 });
      const sampler = rssSampler();
      const start = performance.now();
      const error = await rejection(call("get", RECORDS, on()));
      const elapsed = since(start);
      const rss = sampler.stop();
      console.info(
        `[bomb ${encoding}] ${Math.round(elapsed)} ms, RSS baseline ${Math.round(rss.baseline / MiB)} MiB, peak ${Math.round(rss.peak / MiB)} MiB (+${Math.round(rss.growth / MiB)} MiB), server compressed ${Math.round(state.fed / MiB)} MiB of zeros`,
      );
      expect(error).toBeInstanceOf(ResponseTooLargeError);
      expect(error).toBeInstanceOf(InvalidResponseError);
      expect(error.limitBytes).toBe(DEFAULT_MAX_RESPONSE_BYTES);
      expect(error.status).toBe(200);
      expect(error.message).toContain(String(DEFAULT_MAX_RESPONSE_BYTES));
      // Not retried: the same bomb would come back.
      expect(server.requests).toHaveLength(1);
      expect(error.retryCount).toBe(0);
      // Memory far below the decoded size (1 GiB). (The whole compressed stream, about 1 MB, fits in the socket
      // buffers, so whether the server finished writing says nothing; the 64 GiB case below checks the hang-up.)
      expect(rss.growth).toBeLessThan(300 * 1e6);
      expect(elapsed).toBeLessThan(30_000);
    }, 60_000);
  }

  it("64 GiB of zeros as 1024 concatenated gzip members (65 MB on the wire): the client hangs up after the first", async () => {
    const member = zlib.gzipSync(Buffer.alloc(64 * MiB), { level: 9 });
    const members = 1024;
    const state = { written: 0, closedEarly: false };
    const server = await httpServer(async (_request, response) => {
      response.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      let closed = false;
      let wake: () => void = () => undefined;
      response.on("close", () => {
        closed = true;
        if (state.written < members * member.length) state.closedEarly = true;
        wake();
      });
      for (let i = 0; i < members && !closed; i += 1) {
        state.written += member.length;
        if (!response.write(member)) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            response.once("drain", resolve);
          });
        }
      }
      if (!closed) response.end();
    });
    const sampler = rssSampler();
    const start = performance.now();
    const error = await rejection(callerFor(server.url, { timeoutMs: 60_000 })("get", RECORDS, on()));
    const elapsed = since(start);
    const rss = sampler.stop();
    for (let i = 0; i < 100 && !state.closedEarly; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    console.info(
      `[bomb gzip members] ${Math.round(elapsed)} ms, RSS +${Math.round(rss.growth / MiB)} MiB (peak ${Math.round(rss.peak / MiB)} MiB), server wrote ${Math.round(state.written / MiB)} of ${Math.round((members * member.length) / MiB)} MiB compressed`,
    );
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error.limitBytes).toBe(DEFAULT_MAX_RESPONSE_BYTES);
    expect(server.requests).toHaveLength(1);
    expect(rss.growth).toBeLessThan(300 * 1e6);
    expect(elapsed).toBeLessThan(30_000);
    expect(state.closedEarly).toBe(true);
    expect(state.written).toBeLessThan((members * member.length) / 2);
  }, 60_000);

  it("a small gzip body (Content-Length 200-ish) that decodes to 1001 bytes with maxResponseBytes 1000", async () => {
    const json = JSON.stringify({ success: true, code: 200, message: "", data: { pad: "" } });
    const decoded = json.replace('"pad":""', `"pad":"${"z".repeat(1001 - json.length)}"`);
    expect(decoded.length).toBe(1001);
    const compressed = zlib.gzipSync(decoded);
    expect(compressed.length).toBeLessThan(200);
    const server = await httpServer((_request, response) => {
      response.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": compressed.length });
      response.end(compressed);
    });
    const error = await rejection(callerFor(server.url, { maxResponseBytes: 1000 })("get", RECORDS, on()));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error.limitBytes).toBe(1000);
  });
});

/** A success envelope of exactly `length` bytes. */
function envelopeOf(length: number): string {
  const json = JSON.stringify({ success: true, code: 200, message: "", data: { pad: "" } });
  const text = json.replace('"pad":""', `"pad":"${"p".repeat(length - json.length)}"`);
  expect(text.length).toBe(length);
  return text;
}

describe("maxResponseBytes at the boundary", () => {
  for (const framing of ["content-length", "chunked", "gzip"] as const) {
    const serve = (text: string) =>
      httpServer((_request, response) => {
        if (framing === "content-length") {
          sendJson(response, text);
        } else if (framing === "chunked") {
          response.writeHead(200, { "content-type": "application/json" });
          for (let at = 0; at < text.length; at += 97) response.write(text.slice(at, at + 97));
          response.end();
        } else {
          response.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
          response.end(zlib.gzipSync(text));
        }
      });

    it(`${framing}: 1000 bytes pass a 1000-byte limit`, async () => {
      const server = await serve(envelopeOf(1000));
      const data = await callerFor(server.url, { maxResponseBytes: 1000 })("get", RECORDS, on());
      expect(data.pad).toMatch(/^p{900,}$/);
    });

    it(`${framing}: 1001 bytes fail a 1000-byte limit with ResponseTooLargeError`, async () => {
      const server = await serve(envelopeOf(1001));
      const error = await rejection(callerFor(server.url, { maxResponseBytes: 1000, retry: { retries: 2, minDelayMs: 1, maxDelayMs: 1 } })("get", RECORDS, on()));
      expect(error).toBeInstanceOf(ResponseTooLargeError);
      expect(error.limitBytes).toBe(1000);
      expect(server.requests).toHaveLength(1);
    });
  }

  it("an error status with a body over the limit is still ResponseTooLargeError (status kept)", async () => {
    const server = await httpServer((_request, response) => sendJson(response, { success: false, code: 500, message: "x".repeat(5000) }, 500));
    const error = await rejection(callerFor(server.url, { maxResponseBytes: 1000 })("get", RECORDS, on()));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error.status).toBe(500);
  });

  it("a POST whose answer is too large: OutcomeUnknownError caused by ResponseTooLargeError, sent once", async () => {
    const server = await httpServer((_request, response) => sendJson(response, envelopeOf(2000)));
    const call = callerFor(server.url, { maxResponseBytes: 1000, retry: { retries: 3, minDelayMs: 1, maxDelayMs: 1 } });
    const error = await rejection(call("post", RECORDS, on("dst1", { body: { records: [{ fields: {} }] } })));
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect(error.cause).toBeInstanceOf(ResponseTooLargeError);
    expect(error.records).toEqual([{ fields: {} }]);
    expect(server.requests).toHaveLength(1);
  });
});

describe("a declared Content-Length over the limit is refused before reading", () => {
  it("Content-Length: 10 GiB, a few bytes, then silence: refused at once, not after the 30 s timeout", async () => {
    const server = await rawServer({
      onRequest: (socket) =>
        socket.write(rawHead("HTTP/1.1 200 OK", [["Content-Type", "application/json"], ["Content-Length", 10 * GiB]]) + '{"success":'),
    });
    const start = performance.now();
    const error = await rejection(callerFor(server.url, { timeoutMs: 30_000 })("get", RECORDS, on()));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error.limitBytes).toBe(DEFAULT_MAX_RESPONSE_BYTES);
    expect(since(start)).toBeLessThan(10_000);
  });

  it("Content-Length: 1001 with maxResponseBytes 1000 and only 10 bytes sent: refused without waiting for them", async () => {
    const server = await rawServer({
      onRequest: (socket) => socket.write(rawHead("HTTP/1.1 200 OK", [["Content-Length", 1001]]) + "0123456789"),
    });
    const start = performance.now();
    const error = await rejection(callerFor(server.url, { maxResponseBytes: 1000, timeoutMs: 30_000 })("get", RECORDS, on()));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(since(start)).toBeLessThan(10_000);
  });
});

describe("huge server text is capped in messages, whole in body", () => {
  it("a 50 MB message in a success:false envelope", async () => {
    const message = `${"A".repeat(25_000_000)}${"B".repeat(25_000_000)}`;
    const server = await httpServer((_request, response) => sendJson(response, { success: false, code: 400, message }));
    const error = await rejection(callerFor(server.url)("get", RECORDS, on()));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.serverMessage.length).toBeLessThanOrEqual(1100);
    expect(error.serverMessage.startsWith("A".repeat(1000))).toBe(true);
    expect(error.serverMessage).toContain("49999000 more characters");
    expect(error.message.length).toBeLessThanOrEqual(1200);
    expect(error.body.message).toHaveLength(50_000_000);
    expect(error.body.message.endsWith("B")).toBe(true);
    expect(String(error).length).toBeLessThanOrEqual(1300);
    expect(JSON.stringify(error).length).toBeLessThanOrEqual(1600);
  }, 30_000);

  it("a 50 MB HTML 500 page: a 120-character excerpt", async () => {
    const page = `<html>${"<p>error</p>\n".repeat(4_000_000)}</html>`;
    const server = await httpServer((_request, response) => {
      response.writeHead(500, { "content-type": "text/html" });
      response.end(page);
    });
    const error = await rejection(callerFor(server.url)("get", RECORDS, on()));
    expect(error).toBeInstanceOf(ServerError);
    expect(error.serverMessage.length).toBeLessThanOrEqual(121);
    expect(error.message.length).toBeLessThanOrEqual(300);
  }, 30_000);

  it("a 15 kB x-request-id is capped", async () => {
    const server = await httpServer((_request, response) =>
      sendJson(response, { success: false, code: 400, message: "no" }, 200, { "x-request-id": "r".repeat(15_000) }),
    );
    const error = await rejection(callerFor(server.url)("get", RECORDS, on()));
    expect(error.requestId.length).toBeLessThanOrEqual(250);
    expect(error.message.length).toBeLessThanOrEqual(400);
  });
});
