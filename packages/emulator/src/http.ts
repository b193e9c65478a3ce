/**
 * The HTTP side every emulated API shares: routing by path template, bearer auth, the servers' rate limit, the
 * JSON envelope, request-body limits, latency and fault injection. An API supplies routes; this file never knows
 * which API it serves.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** A JSON object (not null, not an array): what a request body or a cell object must be. */
export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Compares texts the same way in every sort, built once (`localeCompare` builds a collator per call). */
export const compareText = new Intl.Collator().compare;

/** A refusal the way the APIs send it: `{success:false, code, message}` under `status`. */
export class ApiFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly status = 200,
  ) {
    super(message);
  }
}

/** 400 under HTTP 200, the APIs' parameter error. */
export const badRequest = (message: string) => new ApiFailure(400, message);

export interface EmulatorRequest {
  method: string;
  /** The path without the query. */
  path: string;
  url: URL;
  headers: IncomingMessage["headers"];
  /** The bearer token (non-empty). */
  token: string;
  /** The JSON body (undefined when none), or the multipart form for uploads. */
  body: unknown;
  form: FormData | undefined;
  /** The base URL clients reach this server at, for URLs it hands out. */
  origin: string;
}

/** What a handler returns: the envelope's data (undefined leaves `data` out), or a raw answer. */
export type HandlerResult = unknown;
export type RawAnswer = { raw: { status: number; headers: Record<string, string>; body: Buffer | string } };

export interface Route {
  method: string;
  /** Path template, e.g. `/fusion/v1/datasheets/{datasheetId}/records`. */
  path: string;
  handler: (request: EmulatorRequest, params: Record<string, string>) => HandlerResult | Promise<HandlerResult>;
  /** No `Authorization` needed (served files). */
  public?: boolean;
  /** Not wrapped in the envelope. */
  unenveloped?: boolean;
  /** The body is handed over as bytes (a Buffer in `body`), not parsed. */
  rawBody?: boolean;
}

interface CompiledRoute extends Route {
  pattern: RegExp;
  keys: string[];
}

function compile(route: Route): CompiledRoute {
  const keys: string[] = [];
  const source = route.path
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const key = /^\{([^}]+)\}$/.exec(part)?.[1];
      if (!key) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      keys.push(key);
      return "([^/]+)";
    })
    .join("");
  return { ...route, pattern: new RegExp(`^${source}/?$`), keys };
}

/** Faults injected into a share of requests, for resilience tests. */
export type FaultKind =
  /** HTTP 500 / 503 before the request is handled: nothing happened. */
  | "500-before"
  | "503-before"
  /** HTTP 500 / 503 after the request was handled: the ambiguous case. */
  | "500-after"
  | "503-after"
  /** The connection is destroyed before / after the request is handled. */
  | "drop-before"
  | "drop-after"
  /** Handled, then the answer is held for `slowMs`. */
  | "slow"
  /** Held for `slowMs`, handled only then. */
  | "slow-late"
  /** HTTP 200 with `{success:false, code:500}`: nothing handled. */
  | "business"
  /** Handled, then HTTP 200 with a truncated JSON body. */
  | "garbled-after"
  /** Handled, then headers and half the body, then a stall of `slowMs`. */
  | "stall-body";

export interface FaultOptions {
  /** Probability per request of each fault; what is left over is served normally. */
  profile?: Partial<Record<FaultKind, number>> | undefined;
  /** Seed of the generator that picks faults, for a reproducible sequence. Default 1. */
  seed?: number | undefined;
  /** How long the slow faults hold. Default 500 ms. */
  slowMs?: number | undefined;
  /** Methods faults apply to. Default: all. */
  methods?: readonly string[] | undefined;
}

/** mulberry32: small, fast, reproducible. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One request as the emulator saw it, for tests that compare the client's report with what happened. */
export interface RequestLogEntry {
  seq: number;
  method: string;
  path: string;
  /** HTTP status answered, or "dropped". */
  status: number | "dropped";
  /** The business code of the answer, when it had one. */
  code: number | undefined;
  fault: FaultKind | "rate-limited" | "none";
  /** Whether the handler ran (and so may have changed state). */
  handled: boolean;
  /** Whether the handler succeeded: a write was applied, even if a fault then lost its answer. */
  applied: boolean;
  /** Records a write carried (its body's records, a delete's ids), counted before the rate limit and faults. */
  records: number | undefined;
}

export interface HttpOptions {
  routes: Route[];
  /** Which rate-limit bucket a path counts against: the datasheet, the space, or the user. */
  bucketOf: (path: string) => string;
  /** How many records a write request carries, for the log; undefined for a request that is not a write. */
  recordsIn?: ((method: string, url: URL, body: Buffer) => number | undefined) | undefined;
  /** Requests per second per (token, bucket), in fixed one-second windows; false for no limit. Default 5. */
  qps?: number | false | undefined;
  /** Added before every answer, in ms. */
  latencyMs?: number | undefined;
  faults?: FaultOptions | undefined;
  /** The body of a 401, 404, 429 and 500, per API. */
  errors: { unauthorized: string; notFound: string; rateLimited: string; serverError: string };
  /** Extra keys for error envelopes (Bika sends `data: {}`). */
  errorExtra?: Record<string, unknown> | undefined;
  port?: number | undefined;
  host?: string | undefined;
  /** The largest request body accepted. Default 32 MiB. */
  maxBodyBytes?: number | undefined;
  /** Requests the log keeps, the latest (older ones are dropped, so a long-running emulator does not grow). Default 100,000. */
  maxLogEntries?: number | undefined;
  /** Called after a request that may have changed the state (any method but GET) was handled successfully. */
  onChange?: (() => void) | undefined;
}

export interface HttpServer {
  url: string;
  log: RequestLogEntry[];
  /** The next requests (of the fault methods) get these faults, in order, before the random mix resumes. */
  forceFaults(kinds: ReadonlyArray<FaultKind | "none">): void;
  setFaults(faults: FaultOptions | undefined): void;
  /** Resolves when every request received so far has been answered or dropped and no held write is pending. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new ApiFailure(400, `the request body is larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function parseBody(request: IncomingMessage, raw: Buffer): Promise<{ body: unknown; form: FormData | undefined }> {
  if (raw.length === 0) return { body: undefined, form: undefined };
  const type = String(request.headers["content-type"] ?? "");
  if (/^multipart\/form-data/i.test(type)) {
    try {
      const form = await new Response(new Uint8Array(raw), { headers: { "content-type": type } }).formData();
      return { body: undefined, form };
    } catch {
      throw badRequest("the multipart body could not be read");
    }
  }
  try {
    return { body: JSON.parse(raw.toString("utf8")), form: undefined };
  } catch {
    throw badRequest("the request body is not valid JSON");
  }
}

export async function startHttp(options: HttpOptions): Promise<HttpServer> {
  const routes = options.routes.map(compile);
  const limit = options.maxBodyBytes ?? 32 * 1024 * 1024;
  let faults = options.faults;
  let random = prng(faults?.seed ?? 1);
  const forced: Array<FaultKind | "none"> = [];
  const windows = new Map<string, { start: number; used: number }>();
  const log: RequestLogEntry[] = [];
  const maxLog = options.maxLogEntries ?? 100_000;
  let received = 0;
  const pending = new Set<Promise<unknown>>();
  const sockets = new Set<Socket>();
  let origin = "";

  const pickFault = (method: string): FaultKind | undefined => {
    if (faults?.methods && !faults.methods.includes(method)) return undefined;
    if (forced.length > 0) {
      const next = forced.shift()!;
      return next === "none" ? undefined : next;
    }
    const profile = faults?.profile;
    if (!profile) return undefined;
    let roll = random();
    for (const [kind, probability] of Object.entries(profile) as Array<[FaultKind, number]>) {
      if (roll < probability) return kind;
      roll -= probability;
    }
    return undefined;
  };

  /** The servers' limiter: a fixed one-second window per (token, bucket). */
  const admitted = (token: string, path: string): boolean => {
    const qps = options.qps ?? 5;
    if (qps === false) return true;
    const key = `${token}\u0000${options.bucketOf(path)}`;
    const now = Date.now();
    let window = windows.get(key);
    if (!window || now - window.start >= 1000) {
      window = { start: now, used: 0 };
      windows.set(key, window);
      if (windows.size > 10_000) for (const [old, value] of windows) if (now - value.start >= 1000) windows.delete(old);
    }
    window.used += 1;
    return window.used <= qps;
  };

  const send = (response: ServerResponse, status: number, payload: string | Buffer, headers: Record<string, string> = {}) => {
    response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
    response.end(payload);
  };
  const envelope = (code: number, message: string) => JSON.stringify({ success: false, code, message, ...options.errorExtra });

  const handle = async (request: IncomingMessage, response: ServerResponse, entry: RequestLogEntry) => {
    const url = new URL(request.url ?? "/", origin);
    const method = (request.method ?? "GET").toUpperCase();
    const route = routes.find((candidate) => candidate.method === method && candidate.pattern.test(url.pathname));
    const raw = await readBody(request, limit);
    entry.records = options.recordsIn?.(method, url, raw);
    if (!route) {
      entry.status = 404;
      entry.code = 404;
      return send(response, 404, envelope(404, options.errors.notFound));
    }
    const params: Record<string, string> = {};
    const match = route.pattern.exec(url.pathname)!;
    try {
      route.keys.forEach((key, index) => (params[key] = decodeURIComponent(match[index + 1]!)));
    } catch {
      throw badRequest("a path parameter is not valid percent-encoding");
    }
    const authorization = String(request.headers.authorization ?? "");
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
    if (!route.public && !token) {
      entry.status = 401;
      entry.code = 401;
      return send(response, 401, envelope(401, options.errors.unauthorized));
    }
    if (!route.public && !admitted(token!, url.pathname)) {
      entry.status = 429;
      entry.code = 429;
      entry.fault = "rate-limited";
      return send(response, 429, envelope(429, options.errors.rateLimited));
    }
    const fault = route.public ? undefined : pickFault(method);
    if (fault) entry.fault = fault;
    const slowMs = faults?.slowMs ?? 500;
    if (fault === "500-before" || fault === "503-before") {
      const status = Number(fault.slice(0, 3));
      entry.status = status;
      entry.code = status;
      return send(response, status, envelope(status, options.errors.serverError));
    }
    if (fault === "drop-before") {
      entry.status = "dropped";
      request.socket.destroy();
      return;
    }
    if (fault === "business") {
      entry.status = 200;
      entry.code = 500;
      return send(response, 200, envelope(500, options.errors.serverError));
    }
    if (fault === "slow-late") await sleep(slowMs);

    let status = 200;
    let payload: string | Buffer;
    let headers: Record<string, string> = {};
    try {
      const { body, form } = route.rawBody ? { body: raw, form: undefined } : await parseBody(request, raw);
      const emulatorRequest: EmulatorRequest = {
        method,
        path: url.pathname,
        url,
        headers: request.headers,
        token: token ?? "",
        body,
        form,
        origin,
      };
      entry.handled = true;
      const data = await route.handler(emulatorRequest, params);
      entry.applied = true;
      if (method !== "GET") options.onChange?.();
      if (data && typeof data === "object" && "raw" in data) {
        const answer = (data as RawAnswer).raw;
        status = answer.status;
        payload = answer.body;
        headers = answer.headers;
      } else if (route.unenveloped) {
        payload = JSON.stringify(data);
      } else {
        payload = JSON.stringify({ success: true, code: 200, message: "SUCCESS", ...(data === undefined ? {} : { data }) });
      }
      entry.code = 200;
    } catch (error) {
      if (!(error instanceof ApiFailure)) throw error;
      status = error.status;
      entry.code = error.code;
      payload = envelope(error.code, error.message);
    }
    if (fault === "500-after" || fault === "503-after") {
      status = Number(fault.slice(0, 3));
      entry.code = status;
      payload = envelope(status, options.errors.serverError);
    }
    if (fault === "drop-after") {
      entry.status = "dropped";
      request.socket.destroy();
      return;
    }
    if (fault === "slow") await sleep(slowMs);
    entry.status = status;
    if (fault === "garbled-after") {
      const text = String(payload);
      return send(response, status, text.slice(0, Math.max(1, Math.floor(text.length / 2))), headers);
    }
    if (fault === "stall-body") {
      const text = Buffer.from(payload);
      response.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": String(text.length), ...headers });
      response.write(text.subarray(0, Math.floor(text.length / 2)));
      await sleep(slowMs);
      if (!response.destroyed) response.end(text.subarray(Math.floor(text.length / 2)));
      return;
    }
    send(response, status, payload, headers);
  };

  const server: Server = createServer((request, response) => {
    const entry: RequestLogEntry = {
      seq: (received += 1),
      method: (request.method ?? "GET").toUpperCase(),
      path: (request.url ?? "/").split("?")[0]!,
      status: 200,
      code: undefined,
      fault: "none",
      handled: false,
      applied: false,
      records: undefined,
    };
    log.push(entry);
    // Trimmed in batches, so that keeping the newest entries costs no more than pushing them.
    if (log.length >= 2 * maxLog) log.splice(0, log.length - maxLog);
    const work = (async () => {
      if (options.latencyMs) await sleep(options.latencyMs);
      await handle(request, response, entry);
    })().catch((error: unknown) => {
      // A refusal raised before the handler (body too large, bad encoding) is still an API answer; anything
      // else is the emulator's own failure, answered as the server's 500 rather than crashing.
      const failure = error instanceof ApiFailure ? error : new ApiFailure(500, `${options.errors.serverError}: ${String(error)}`, 500);
      entry.status = failure.status;
      entry.code = failure.code;
      if (!response.headersSent && !response.destroyed) send(response, failure.status, envelope(failure.code, failure.message));
    });
    pending.add(work);
    void work.finally(() => pending.delete(work));
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("clientError", (_error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://${options.host ?? "127.0.0.1"}:${port}`;

  return {
    url: origin,
    log,
    forceFaults: (kinds) => void forced.push(...kinds),
    setFaults: (next) => {
      faults = next;
      random = prng(next?.seed ?? 1);
    },
    settled: async () => {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...pending]);
    },
  };
}
