// RUNTIME.md "Errors", "Retries", "Timeouts and cancellation": raw TCP servers that break HTTP framing. Every
// case ends in a typed ApiError (never a hang, a crash or an untyped error); a read is retried as the rules say
// and a create is never sent twice after an ambiguous failure (counted at the server).
import type net from "node:net";
import zlib from "node:zlib";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  ApiError,
  NetworkError,
  OutcomeUnknownError,
  TimeoutError,
} from "../../src/index.js";
import {
  RECORDS,
  type RawHandlers,
  type Received,
  callerFor,
  closeAll,
  ok,
  on,
  rawHead,
  rawJson,
  rawServer,
  rejection,
  since,
} from "./servers.js";

afterEach(closeAll);
afterAll(closeAll);

const RETRIES = 2;
const fast = (timeoutMs = 10_000) => ({ retry: { retries: RETRIES, minDelayMs: 1, maxDelayMs: 2 }, timeoutMs });
const create = on("dst1", { body: { records: [{ fields: { Name: "exactly once" } }] } });
const okText = JSON.stringify(ok());

/** Keeps writing `chunk` every `everyMs` until the socket closes. */
function drip(socket: net.Socket, chunk: string, everyMs: number): void {
  const timer = setInterval(() => {
    if (socket.destroyed) clearInterval(timer);
    else socket.write(chunk);
  }, everyMs);
  socket.on("close", () => clearInterval(timer));
}

interface Attack {
  name: string;
  handlers: RawHandlers;
  /** The ApiError subclass a GET ends with (after its retries) and the one the create's OutcomeUnknownError is caused by. */
  expected: typeof NetworkError | typeof TimeoutError;
  /** Per-attempt timeout, for attacks that stall. */
  timeoutMs?: number;
  /** Count connections instead of requests (the server hangs up before reading one). */
  countConnections?: boolean;
}

const respond = (reply: (socket: net.Socket, received: Received) => void): RawHandlers => ({ onRequest: reply });

const attacks: Attack[] = [
  {
    name: "invalid chunked encoding (a chunk size that is not hex)",
    handlers: respond((socket) => socket.end(`${rawHead("HTTP/1.1 200 OK", [["Transfer-Encoding", "chunked"]])}zz\r\n{"success":true}\r\n0\r\n\r\n`)),
    expected: NetworkError,
  },
  {
    name: "a chunk size past 2^64",
    handlers: respond((socket) => socket.end(`${rawHead("HTTP/1.1 200 OK", [["Transfer-Encoding", "chunked"]])}fffffffffffffffffff\r\nab\r\n`)),
    expected: NetworkError,
  },
  {
    name: "chunked, cut off before the last chunk, then closed",
    handlers: respond((socket) => socket.end(`${rawHead("HTTP/1.1 200 OK", [["Transfer-Encoding", "chunked"]])}5\r\n{"suc\r\n`)),
    expected: NetworkError,
  },
  {
    name: "Content-Length larger than the body, then closed",
    handlers: respond((socket) => socket.end(`${rawHead("HTTP/1.1 200 OK", [["Content-Length", 5000]])}${okText}`)),
    expected: NetworkError,
  },
  {
    name: "a negative Content-Length",
    handlers: respond((socket) => socket.end(`${rawHead("HTTP/1.1 200 OK", [["Content-Length", -1]])}${okText}`)),
    expected: NetworkError,
  },
  {
    name: "two conflicting Content-Length headers",
    handlers: respond((socket) => socket.end(`${rawHead("HTTP/1.1 200 OK", [["Content-Length", 2], ["Content-Length", okText.length]])}${okText}`)),
    expected: NetworkError,
  },
  {
    name: "Content-Length and Transfer-Encoding together (smuggling shape)",
    handlers: respond((socket) =>
      socket.end(`${rawHead("HTTP/1.1 200 OK", [["Content-Length", 4], ["Transfer-Encoding", "chunked"]])}2\r\n{}\r\n0\r\n\r\n`),
    ),
    expected: NetworkError,
  },
  {
    name: "a 100 kB header (past the parser's limit)",
    handlers: respond((socket) => socket.end(rawJson(ok(), "HTTP/1.1 200 OK", [["X-Huge", "h".repeat(100_000)]]))),
    expected: NetworkError,
  },
  {
    name: "10,000 small headers",
    handlers: respond((socket) =>
      socket.end(rawJson(ok(), "HTTP/1.1 200 OK", Array.from({ length: 10_000 }, (_, i): [string, string] => [`X-H${i}`, "v"]))),
    ),
    expected: NetworkError,
  },
  {
    name: "a header line without a colon / with a control character",
    handlers: respond((socket) => socket.end(`HTTP/1.1 200 OK\r\nNoColonHere\r\nX-Bad: a\u0001b\r\nContent-Length: 2\r\n\r\n{}`)),
    expected: NetworkError,
  },
  {
    name: "HTTP/0.9-style garbage instead of a status line",
    handlers: respond((socket) => socket.end(`${okText}\r\n`)),
    expected: NetworkError,
  },
  {
    name: "binary noise",
    handlers: respond((socket) => socket.end(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256)))),
    expected: NetworkError,
  },
  {
    name: "a NUL in the status line",
    handlers: respond((socket) => socket.end(`HTTP/1.1 200 O\u0000K\r\nContent-Length: 2\r\n\r\n{}`)),
    expected: NetworkError,
  },
  {
    name: "gzip declared, garbage sent",
    handlers: respond((socket) =>
      socket.end(`${rawHead("HTTP/1.1 200 OK", [["Content-Encoding", "gzip"], ["Content-Length", 64], ["Connection", "close"]])}${"x".repeat(64)}`),
    ),
    expected: NetworkError,
  },
  {
    name: "a gzip body cut in half",
    handlers: respond((socket) => {
      const gz = zlib.gzipSync(JSON.stringify(ok({ pad: "p".repeat(10_000) })));
      socket.end(
        Buffer.concat([
          Buffer.from(rawHead("HTTP/1.1 200 OK", [["Content-Encoding", "gzip"], ["Content-Length", gz.length], ["Connection", "close"]])),
          gz.subarray(0, gz.length >> 1),
        ]),
      );
    }),
    expected: NetworkError,
  },
  {
    name: "a server that resets the connection once the request arrives",
    handlers: respond((socket) => socket.resetAndDestroy()),
    expected: NetworkError,
  },
  {
    name: "a server that closes every connection as soon as it is accepted",
    handlers: { onConnection: (socket) => socket.destroy() },
    expected: NetworkError,
    countConnections: true,
  },
  {
    name: "a server that accepts and never answers",
    handlers: {},
    expected: TimeoutError,
    timeoutMs: 300,
  },
  {
    name: "a body that stalls forever after the head",
    handlers: respond((socket) => socket.write(`${rawHead("HTTP/1.1 200 OK", [["Content-Length", 1000]])}{"success":true,`)),
    expected: TimeoutError,
    timeoutMs: 300,
  },
  {
    name: "a head trickled one byte every 50 ms (slowloris)",
    handlers: respond((socket) => {
      const head = `${rawHead("HTTP/1.1 200 OK", [["X-Slow", "s".repeat(1000)], ["Content-Length", okText.length]])}${okText}`;
      let at = 0;
      const timer = setInterval(() => {
        if (socket.destroyed || at >= head.length) clearInterval(timer);
        else socket.write(head[at++]!);
      }, 50);
      socket.on("close", () => clearInterval(timer));
    }),
    expected: TimeoutError,
    timeoutMs: 300,
  },
  {
    name: "an endless storm of 1xx responses",
    handlers: respond((socket) => drip(socket, "HTTP/1.1 102 Processing\r\n\r\n".repeat(50), 5)),
    expected: TimeoutError,
    timeoutMs: 300,
  },
];

describe("broken framing: a GET ends typed after its retries; a create is sent once", () => {
  for (const attack of attacks) {
    describe(attack.name, () => {
      const count = (server: { requests: unknown[]; connections: number }) =>
        attack.countConnections ? server.connections : server.requests.length;

      it("GET", async () => {
        const server = await rawServer(attack.handlers);
        const start = performance.now();
        const error = await rejection(callerFor(server.url, fast(attack.timeoutMs))("get", RECORDS, on()));
        expect(error).toBeInstanceOf(attack.expected);
        expect(error.retryCount).toBe(RETRIES);
        expect(count(server)).toBe(RETRIES + 1);
        expect(error.method).toBe("GET");
        expect(error.path).toBe(RECORDS);
        expect(since(start)).toBeLessThan(15_000);
      });

      it("POST", async () => {
        const server = await rawServer(attack.handlers);
        const error = await rejection(callerFor(server.url, fast(attack.timeoutMs))("post", RECORDS, create));
        expect(error).toBeInstanceOf(OutcomeUnknownError);
        expect(error.cause).toBeInstanceOf(attack.expected);
        expect(error.records).toEqual([{ fields: { Name: "exactly once" } }]);
        expect(count(server)).toBe(1);
        if (!attack.countConnections) {
          expect(JSON.parse(server.requests[0]!.body.toString())).toEqual({ records: [{ fields: { Name: "exactly once" } }] });
        }
      });
    });
  }
});

describe("framing that is odd but valid", () => {
  it("5,000 interim 103 responses before the real one: the real answer", async () => {
    const server = await rawServer({
      onRequest: (socket) => {
        socket.write("HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\n".repeat(5_000));
        socket.end(rawJson(ok({ records: [{ recordId: "real" }] })));
      },
    });
    const data = await callerFor(server.url)("get", RECORDS, on());
    expect(data).toEqual({ records: [{ recordId: "real" }] });
    expect(server.requests).toHaveLength(1);
  });

  it("an unsolicited 100 Continue before the answer: NetworkError (fetch refuses it), a create sent once", async () => {
    const server = await rawServer({
      onRequest: (socket) => socket.end(`HTTP/1.1 100 Continue\r\n\r\n${rawJson(ok())}`),
    });
    const error = await rejection(callerFor(server.url, fast())("get", RECORDS, on()));
    expect(error).toBeInstanceOf(NetworkError);
    expect(server.requests).toHaveLength(RETRIES + 1);
    const createError = await rejection(callerFor(server.url, fast())("post", RECORDS, create));
    expect(createError).toBeInstanceOf(OutcomeUnknownError);
    expect(server.requests).toHaveLength(RETRIES + 2);
  });

  it("an extra response injected after the answer is never taken as the answer to the next request", async () => {
    const server = await rawServer({
      onRequest: (socket, _received, index) => {
        const answer = (id: string) => rawHead("HTTP/1.1 200 OK", [["Content-Type", "application/json"], ["Content-Length", JSON.stringify(ok({ id })).length]]) + JSON.stringify(ok({ id }));
        // Keep-alive, and a second, unrequested response right behind the first.
        socket.write(answer(`answer-${index}`) + (index === 0 ? answer("INJECTED") : ""));
      },
    });
    const call = callerFor(server.url, fast());
    expect(await call("get", RECORDS, on())).toEqual({ id: "answer-0" });
    let second: unknown;
    try {
      second = await call("get", RECORDS, on());
    } catch (error) {
      second = error;
    }
    if (second instanceof Error) expect(second).toBeInstanceOf(ApiError);
    else expect(second).not.toEqual({ id: "INJECTED" });
  });

  it("duplicate x-request-id headers are joined, not a crash", async () => {
    const server = await rawServer({
      onRequest: (socket) =>
        socket.end(
          rawJson({ success: false, code: 400, message: "no" }, "HTTP/1.1 200 OK", [
            ["X-Request-Id", "first"],
            ["X-Request-Id", "second"],
          ]),
        ),
    });
    const error = await rejection(callerFor(server.url)("get", RECORDS, on()));
    expect(error.requestId).toBe("first, second");
  });

  it("a response sent before the request has been read", async () => {
    const server = await rawServer({ onConnection: (socket) => socket.end(rawJson(ok({ early: true }))) });
    let outcome: unknown;
    try {
      outcome = await callerFor(server.url)("get", RECORDS, on());
    } catch (error) {
      outcome = error;
    }
    if (outcome instanceof Error) expect(outcome).toBeInstanceOf(ApiError);
    else expect(outcome).toEqual({ early: true });
  });
});
