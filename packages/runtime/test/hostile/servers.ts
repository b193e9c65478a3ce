// Real servers on loopback for the hostile-server tests: well-formed HTTP through node:http, broken framing
// through raw node:net sockets. Every server listens on 127.0.0.1 on a free port, records what reached it, and
// is closed (open sockets destroyed) by `closeAll()` so that nothing keeps a test or the process alive.
import { once } from "node:events";
import http from "node:http";
import net from "node:net";
import { inspect } from "node:util";
import { expect } from "vitest";
import {
  type ApiClientConfig,
  type CallOptions,
  createApiClient,
  createCaller,
  secretsOf,
} from "../../src/index.js";

/** The records endpoint every test calls. */
export const RECORDS = "/fusion/v1/datasheets/{datasheetId}/records";
export const DELETE_RECORDS = `DELETE ${RECORDS}`;

/** One request as it reached a server. */
export interface Received {
  method: string;
  /** The request-target exactly as sent on the request line. */
  target: string;
  /** The request line, e.g. `GET /fusion/v1/datasheets/dst1/records HTTP/1.1`. */
  requestLine: string;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The raw header block (request line excluded). */
  rawHead: string;
  /** The body, once it has arrived in full (empty until then). */
  body: Buffer;
  /** The whole body arrived. */
  complete: boolean;
}

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Requests whose head arrived, in arrival order. */
  requests: Received[];
  /** TCP connections accepted. */
  connections: number;
  /** Bytes received on all connections. */
  bytesReceived: number;
  close(): Promise<void>;
}

const open = new Set<TestServer>();

/** Closes every server started by this module (call from afterAll/afterEach). */
export async function closeAll(): Promise<void> {
  const servers = [...open];
  open.clear();
  await Promise.all(servers.map((server) => server.close()));
}

async function listen(server: net.Server): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as net.AddressInfo).port;
}

/** Tracks the sockets of a server so that close() can destroy them. */
function track(server: net.Server, state: { connections: number; bytesReceived: number }): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  server.on("connection", (socket: net.Socket) => {
    state.connections += 1;
    sockets.add(socket);
    socket.on("data", (chunk: Buffer) => {
      state.bytesReceived += chunk.length;
    });
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  return sockets;
}

function closer(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return async () => {
    for (const socket of sockets) socket.destroy();
    if (!server.listening) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}

export type HttpHandler = (
  request: http.IncomingMessage,
  response: http.ServerResponse,
  received: Received,
  index: number,
) => void | Promise<void>;

/**
 * A node:http server. `handler` runs once the request body has arrived (index = 0-based request number), or as
 * soon as the head has arrived when `early` is set (for handlers that answer before reading the body).
 */
export async function httpServer(handler: HttpHandler, { early = false }: { early?: boolean } = {}): Promise<TestServer> {
  const requests: Received[] = [];
  const server = http.createServer({ maxHeaderSize: 1 << 20 });
  const state = { connections: 0, bytesReceived: 0 };
  const sockets = track(server, state);
  server.on("request", (request: http.IncomingMessage, response: http.ServerResponse) => {
    const headers: Record<string, string> = {};
    for (let i = 0; i < request.rawHeaders.length; i += 2) {
      const name = request.rawHeaders[i]!.toLowerCase();
      const value = request.rawHeaders[i + 1]!;
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    const received: Received = {
      method: request.method ?? "",
      target: request.url ?? "",
      requestLine: `${request.method} ${request.url} HTTP/${request.httpVersion}`,
      headers,
      rawHead: request.rawHeaders.map((part, i) => (i % 2 ? `${part}\r\n` : `${part}: `)).join(""),
      body: Buffer.alloc(0),
      complete: false,
    };
    const index = requests.push(received) - 1;
    const run = () =>
      Promise.resolve()
        .then(() => handler(request, response, received, index))
        .catch(() => response.destroy());
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("error", () => undefined);
    request.on("end", () => {
      received.body = Buffer.concat(chunks);
      received.complete = true;
      if (!early) void run();
    });
    if (early) void run();
  });
  server.on("clientError", (_error, socket) => socket.destroy());
  const port = await listen(server);
  const close = closer(server, sockets);
  const test: TestServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get connections() {
      return state.connections;
    },
    get bytesReceived() {
      return state.bytesReceived;
    },
    close: async () => {
      server.closeAllConnections();
      await close();
    },
  };
  open.add(test);
  return test;
}

export interface RawHandlers {
  /** Called for each accepted connection, before anything is read from it. */
  onConnection?: (socket: net.Socket, index: number) => void;
  /** Called for each complete request on a connection (head and Content-Length body). */
  onRequest?: (socket: net.Socket, received: Received, index: number) => void;
}

/**
 * A raw TCP server that parses requests (request line, headers, Content-Length body) and hands the socket to
 * `onRequest` to write whatever bytes it likes: broken framing, lying lengths, garbage.
 */
export async function rawServer(handlers: RawHandlers): Promise<TestServer> {
  const requests: Received[] = [];
  const server = net.createServer();
  const state = { connections: 0, bytesReceived: 0 };
  const sockets = track(server, state);
  let connectionIndex = 0;
  server.on("connection", (socket: net.Socket) => {
    handlers.onConnection?.(socket, connectionIndex++);
    let buffer = Buffer.alloc(0);
    let pending: { received: Received; length: number } | undefined;
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (!pending) {
          const end = buffer.indexOf("\r\n\r\n");
          if (end < 0) return;
          const head = buffer.subarray(0, end).toString("latin1");
          buffer = buffer.subarray(end + 4);
          const [requestLine = "", ...lines] = head.split("\r\n");
          const headers: Record<string, string> = {};
          for (const line of lines) {
            const colon = line.indexOf(":");
            const name = line.slice(0, colon).trim().toLowerCase();
            const value = line.slice(colon + 1).trim();
            headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
          }
          const [method = "", target = ""] = requestLine.split(" ");
          const received: Received = {
            method,
            target,
            requestLine,
            headers,
            rawHead: lines.map((line) => `${line}\r\n`).join(""),
            body: Buffer.alloc(0),
            complete: false,
          };
          requests.push(received);
          pending = { received, length: Number(headers["content-length"] ?? 0) };
        }
        if (buffer.length < pending.length) return;
        const { received, length } = pending;
        received.body = buffer.subarray(0, length);
        received.complete = true;
        buffer = buffer.subarray(length);
        pending = undefined;
        if (!socket.destroyed) handlers.onRequest?.(socket, received, requests.indexOf(received));
      }
    });
  });
  const port = await listen(server);
  const test: TestServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get connections() {
      return state.connections;
    },
    get bytesReceived() {
      return state.bytesReceived;
    },
    close: closer(server, sockets),
  };
  open.add(test);
  return test;
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Writes a JSON answer. */
export function sendJson(
  response: http.ServerResponse,
  body: unknown,
  status = 200,
  headers: Record<string, string | string[]> = {},
): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  response.end(text);
}

export const ok = (data: unknown = { records: [] }) => ({ success: true, code: 200, message: "SUCCESS", data });

/** A raw HTTP/1.1 response head (status line and headers), ready to write to a socket. */
export function rawHead(statusLine: string, headers: Array<[string, string | number]>): string {
  return `${statusLine}\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join("")}\r\n`;
}

/** A complete, well-framed raw response that closes the connection. */
export function rawJson(body: unknown, statusLine = "HTTP/1.1 200 OK", extra: Array<[string, string | number]> = []): string {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return (
    rawHead(statusLine, [
      ["Content-Type", "application/json"],
      ["Content-Length", Buffer.byteLength(text)],
      ["Connection", "close"],
      ...extra,
    ]) + text
  );
}

/** The loose call signature the tests use (`createApiClient<any>` has no typed paths). */
export type Call = (method: string, path: string, init?: object, options?: CallOptions) => Promise<any>;

export type ClientOptions = Omit<ApiClientConfig, "baseUrl" | "token"> & {
  token?: string;
  /** Operations whose `success: true` answer may come without `data`. */
  withoutData?: string[];
};

export const TOKEN = "uskH0stileT3stT0ken9x";

/** A caller on `baseUrl`: no rate limit, no retries and a 10 s timeout unless the options say otherwise. */
export function callerFor(baseUrl: string, options: ClientOptions = {}): Call {
  const { token = TOKEN, withoutData = [DELETE_RECORDS], ...rest } = options;
  const client = createApiClient<any>({ token, baseUrl, rateLimit: false, retry: false, timeoutMs: 10_000, ...rest });
  return createCaller<any>(client, secretsOf({ token, headers: options.headers }), {}, withoutData) as unknown as Call;
}

/** `init` for the records endpoint of datasheet `datasheetId`. */
export const on = (datasheetId: string | unknown = "dst1", extra: object = {}) => ({
  params: { path: { datasheetId } },
  ...extra,
});

/** The rejection of `promise` (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<any> {
  let settled = false;
  let value: unknown;
  try {
    value = await promise;
    settled = true;
  } catch (error) {
    return error;
  }
  expect.fail(`expected a rejection, got ${settled ? inspect(value, { depth: 2 }).slice(0, 300) : "nothing"}`);
}

/** Milliseconds since `start`. */
export const since = (start: number) => performance.now() - start;

/** Resolves after `ms`. */
export const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Every string a user can reach from an error: own properties (enumerable or not) down every object, keys included, plus the renderings. */
export function reachableStrings(error: unknown): Array<{ where: string; text: string }> {
  const found: Array<{ where: string; text: string }> = [];
  const seen = new Set<unknown>();
  const walk = (value: unknown, where: string, depth: number): void => {
    if (typeof value === "string") {
      found.push({ where, text: value });
      return;
    }
    if (typeof value !== "object" || value === null || seen.has(value) || depth > 80) return;
    seen.add(value);
    if (ArrayBuffer.isView(value)) {
      found.push({ where: `${where} (bytes)`, text: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("latin1") });
      return;
    }
    const keys = new Set<string | symbol>(Reflect.ownKeys(value));
    for (const key of ["message", "stack", "cause", "serverMessage", "requestId", "location", "body", "errors"]) keys.add(key);
    for (const key of keys) {
      if (typeof key === "string") found.push({ where: `${where} key`, text: key });
      let inner: unknown;
      try {
        inner = (value as Record<string | symbol, unknown>)[key];
      } catch {
        continue;
      }
      walk(inner, `${where}.${String(key)}`, depth + 1);
    }
  };
  walk(error, "error", 0);
  found.push({ where: "util.inspect", text: inspect(error, { depth: 10, maxStringLength: Infinity, maxArrayLength: 1000 }) });
  found.push({ where: "String()", text: String(error) });
  let json = "";
  try {
    json = JSON.stringify(error) ?? "";
  } catch (thrown) {
    json = `JSON.stringify threw ${String(thrown)}`;
  }
  found.push({ where: "JSON.stringify", text: json });
  return found;
}

/** The forms of a secret that must never come back: as given, trimmed, percent-encoded and JSON-escaped. */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>();
  for (const form of [secret, secret.trim()]) {
    forms.add(form);
    forms.add(encodeURIComponent(form));
    forms.add(JSON.stringify(form).slice(1, -1));
  }
  forms.delete("");
  return [...forms];
}

/** Where (if anywhere) any of `needles` occurs in the strings reachable from `error`, with a short excerpt. */
export function leaksOf(error: unknown, needles: readonly string[]): string[] {
  const leaks: string[] = [];
  for (const { where, text } of reachableStrings(error)) {
    for (const needle of needles) {
      const at = text.indexOf(needle);
      if (at >= 0) leaks.push(`${where}: …${text.slice(Math.max(0, at - 30), at + needle.length + 10)}…`);
    }
  }
  return leaks;
}

/** Asserts that no form of any secret is reachable from `error`. */
export function expectNoSecrets(error: unknown, secrets: readonly string[]): void {
  expect(leaksOf(error, secrets.flatMap(secretForms))).toEqual([]);
}

/** Samples the process RSS every few ms until stopped; returns the peak growth over the starting value. */
export function rssSampler(): { stop(): { baseline: number; peak: number; growth: number } } {
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 2);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage.rss());
      return { baseline, peak, growth: peak - baseline };
    },
  };
}
