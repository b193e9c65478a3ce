// A fake Vika Fusion API for fault-injection tests: real HTTP on a free loopback port, the records routes with
// spec-shaped envelopes, the real server's limits (≤ 10 records per write, answered with HTTP 200
// `{success:false, code:400}`; a per datasheet+token request budget answered with HTTP 429 and no Retry-After),
// and seeded random faults. Every write it applies is recorded, so a test can compare what the client reported
// with what the server holds. See /work/shared/reference/api-ground-truth.md, A.1 and A.3.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { fixedWindowBudget } from "@bikavika/testkit/budget";
import type { VikaData, components } from "../../src/client.js";

type VikaRecord = components["schemas"]["Record"];
type CellValue = components["schemas"]["CellValue"];

/** What the server can do to a request instead of (or besides) serving it. */
export type FaultKind =
  /** HTTP 500 / 503 before the write is applied: nothing happened. */
  | "500-before"
  | "503-before"
  /** HTTP 500 / 503 after the write was applied: the ambiguous case. */
  | "500-after"
  | "503-after"
  /** The socket is destroyed before / after the write is applied. */
  | "drop-before"
  | "drop-after"
  /** The write is applied, then the response is held for `slowMs` (beyond the client's timeout). */
  | "slow"
  /** The response is held for `slowMs`, and the write is applied only then (after the client gave up). */
  | "slow-late"
  /** HTTP 200 with `{success:false}`: a business error, nothing applied. */
  | "business"
  /** The write is applied, then HTTP 200 with a truncated JSON body (a proxy cut it). Not in the default mix. */
  | "garbled-after"
  /** The write is applied, headers and half the body are sent, then the body stalls for `slowMs`. */
  | "stall-body";

/** Probability, per request, of each fault. What is left over is served normally. */
export type FaultProfile = Partial<Record<FaultKind, number>>;

export interface FaultServerOptions {
  /** Seed of the PRNG that picks faults; the same seed gives the same sequence of decisions. */
  seed?: number;
  /** Requests per second allowed per datasheet+token, in fixed one-second windows (the real limiter). Default: no limit. */
  qps?: number;
  /** Records allowed in one write. Default 10, the real server's `API_MAX_MODIFY_RECORD_COUNTS`. */
  maxRecordsPerWrite?: number;
  faults?: FaultProfile;
  /** How long the slow faults hold a response. Default 500 ms. */
  slowMs?: number;
  /** Which methods faults apply to. Default: all. */
  faultMethods?: readonly string[];
}

export interface RequestLogEntry {
  seq: number;
  method: string;
  datasheetId: string | undefined;
  /** Records the request carried (writes) or ids it named (delete). */
  recordCount: number;
  /** What the server answered: an HTTP status, or "dropped". */
  outcome: number | "dropped";
  /** The fault injected, "rate-limited" for a 429, "refused" for a validation error, or "none". */
  fault: FaultKind | "rate-limited" | "refused" | "unauthorized" | "none";
  /** Whether the request changed the datasheet. */
  applied: boolean;
}

export interface AppliedWrite {
  seq: number;
  method: "POST" | "PATCH" | "PUT" | "DELETE";
  datasheetId: string;
  recordIds: string[];
}

export interface FaultServerStats {
  requests: number;
  /** Requests answered 429 by the budget. */
  rateLimited: number;
  /** Requests that got a fault (any kind). */
  faulted: number;
  byFault: Partial<Record<FaultKind, number>>;
  /** The most records any single write request carried (including refused ones). */
  maxRecordsInOneWrite: number;
  /** Writes refused because they carried more than `maxRecordsPerWrite` records. */
  oversizeWrites: number;
}

export interface FaultServer {
  /** Base URL (`http://127.0.0.1:<port>`), for `new Vika({ host })`. */
  readonly url: string;
  /** Every request, in arrival order. */
  readonly log: readonly RequestLogEntry[];
  /** Every write applied, in order. */
  readonly writes: readonly AppliedWrite[];
  /** A copy of the datasheet's records (cells shared, not deep-copied), in insertion order. */
  records(datasheetId: string): VikaRecord[];
  /** Inserts records directly (no HTTP, no faults), e.g. to prepare an update test. */
  insert(datasheetId: string, fields: Array<VikaRecord["fields"]>): VikaRecord[];
  stats(): FaultServerStats;
  /** Changes the fault mix from now on. */
  setFaults(faults: FaultProfile): void;
  /** The next requests (of the fault methods) get these faults, in order, before the random mix resumes. */
  forceFaults(kinds: ReadonlyArray<FaultKind | "none">): void;
  /**
   * Waits until no request can change the state any more: open connections are closed (a request still
   * unread in a socket is never processed) and writes held by a "slow-late" fault are applied.
   */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** mulberry32: small, fast, and good enough to pick faults reproducibly. */
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

const RECORDS_ROUTE = /^\/fusion\/v1\/datasheets\/([^/]+)\/records\/?$/;
const WRITE_METHODS = new Set(["POST", "PATCH", "PUT", "DELETE"]);

interface Envelope {
  success: boolean;
  code: number;
  message: string;
  data?: unknown;
}

class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: Envelope,
    readonly fault: RequestLogEntry["fault"] = "refused",
  ) {}
}

const ok = (data?: unknown): Envelope =>
  data === undefined ? { success: true, code: 200, message: "SUCCESS" } : { success: true, code: 200, message: "SUCCESS", data };
/** The real server's parameter errors: HTTP 200, business code 400 (api_tip_config). */
const refused = (message: string) => new HttpAnswer(200, { success: false, code: 400, message });

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

/** `recordIds=a&recordIds=b`, `recordIds=a,b` and the JS SDK's `recordIds[]=a`. */
function arrayParam(params: URLSearchParams, name: string): string[] | undefined {
  const values = [...params.getAll(name), ...params.getAll(`${name}[]`)];
  if (values.length === 0) return undefined;
  return values.flatMap((value) => value.split(",")).filter((value) => value !== "");
}

function integerParam(params: URLSearchParams, name: string, min: number, max: number, fallback: number): number {
  const raw = params.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw refused(`api_params_${name.toLowerCase()}_error: ${name} must be an integer in ${min}..${max}`);
  }
  return value;
}

/** How many records a write carries: the body's `records`, or the ids of a delete. */
function carried(method: string, url: URL, rawBody: string): number {
  if (method === "DELETE") return new Set(arrayParam(url.searchParams, "recordIds") ?? []).size;
  try {
    const records = (JSON.parse(rawBody) as { records?: unknown } | null)?.records;
    return Array.isArray(records) ? records.length : 0;
  } catch {
    return 0;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startFaultServer(options: FaultServerOptions = {}): Promise<FaultServer> {
  const random = prng(options.seed ?? 1);
  const maxWrite = options.maxRecordsPerWrite ?? 10;
  const slowMs = options.slowMs ?? 500;
  const faultMethods = new Set(options.faultMethods ?? ["GET", "POST", "PATCH", "PUT", "DELETE"]);
  let faults: FaultProfile = { ...options.faults };
  const forced: Array<FaultKind | "none"> = [];

  const datasheets = new Map<string, Map<string, VikaRecord>>();
  const budget = fixedWindowBudget(options.qps);
  const log: RequestLogEntry[] = [];
  const writes: AppliedWrite[] = [];
  const pendingMutations = new Set<Promise<void>>();
  const stats: FaultServerStats = {
    requests: 0,
    rateLimited: 0,
    faulted: 0,
    byFault: {},
    maxRecordsInOneWrite: 0,
    oversizeWrites: 0,
  };
  let nextRecord = 0;
  let seq = 0;

  const sheet = (id: string) => {
    let records = datasheets.get(id);
    if (!records) {
      records = new Map();
      datasheets.set(id, records);
    }
    return records;
  };

  const newRecord = (fields: VikaRecord["fields"]): VikaRecord => {
    const now = Date.now();
    nextRecord += 1;
    return { recordId: `rec${nextRecord.toString(36).padStart(9, "0")}`, createdAt: now, updatedAt: now, fields: { ...fields } };
  };

  const pickFault = (method: string): FaultKind | undefined => {
    const roll = random();
    if (!faultMethods.has(method)) return undefined;
    const next = forced.shift();
    if (next !== undefined) return next === "none" ? undefined : next;
    let cumulative = 0;
    for (const [kind, probability] of Object.entries(faults) as Array<[FaultKind, number]>) {
      cumulative += probability;
      if (roll < cumulative) return kind;
    }
    return undefined;
  };

  type Prepared = { count: number; apply: () => Envelope };

  /** Validates a request and returns how to apply it; throws an HttpAnswer when the server refuses it. */
  const prepare = (method: string, datasheetId: string, url: URL, rawBody: string, entry: RequestLogEntry): Prepared => {
    const records = sheet(datasheetId);
    if (method === "GET") {
      const pageSize = integerParam(url.searchParams, "pageSize", 1, 1000, 100);
      const pageNum = integerParam(url.searchParams, "pageNum", 1, Number.MAX_SAFE_INTEGER, 1);
      const maxRecords = integerParam(url.searchParams, "maxRecords", 1, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      const recordIds = arrayParam(url.searchParams, "recordIds");
      return {
        count: 0,
        apply: () => {
          const rows = recordIds
            ? recordIds.map((id) => records.get(id)).filter((record) => record !== undefined)
            : [...records.values()];
          const total = Math.min(maxRecords, rows.length);
          const start = (pageNum - 1) * pageSize;
          const page = rows.slice(start, Math.max(start, Math.min(total, start + pageSize)));
          const data: VikaData<"listRecords"> = {
            total,
            records: page.map((record) => structuredClone(record)),
            pageNum,
            pageSize: page.length,
          };
          return ok(data);
        },
      };
    }
    if (method === "DELETE") {
      const ids = arrayParam(url.searchParams, "recordIds");
      if (!ids || ids.length === 0) throw refused("api_params_recordids_empty_error");
      const unique = [...new Set(ids)];
      if (unique.length > maxWrite) throw refused(`api_params_records_max_count_error: at most ${maxWrite} records`);
      return {
        count: unique.length,
        apply: () => {
          const deleted = unique.filter((id) => records.delete(id));
          writes.push({ seq: entry.seq, method: "DELETE", datasheetId, recordIds: deleted });
          return ok();
        },
      };
    }
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      throw new HttpAnswer(400, { success: false, code: 400, message: "the request body is not JSON" });
    }
    const list = (body as { records?: unknown } | null)?.records;
    if (!Array.isArray(list) || list.length === 0) throw refused("api_params_records_empty_error");
    if (list.length > maxWrite) throw refused(`api_params_records_max_count_error: at most ${maxWrite} records`);
    const fieldsOf = (item: unknown): Record<string, CellValue | null> => {
      const fields = (item as { fields?: unknown } | null)?.fields;
      if (typeof fields !== "object" || fields === null || Array.isArray(fields) || Object.keys(fields).length === 0) {
        throw refused("api_params_invalid_fields_value");
      }
      return fields as Record<string, CellValue | null>;
    };
    if (method === "POST") {
      const all = list.map(fieldsOf);
      return {
        count: all.length,
        apply: () => {
          const created = all.map((fields) => {
            const record = newRecord(Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null)) as VikaRecord["fields"]);
            records.set(record.recordId, record);
            return record;
          });
          writes.push({ seq: entry.seq, method: "POST", datasheetId, recordIds: created.map((record) => record.recordId) });
          const data: VikaData<"createRecords"> = { records: created.map((record) => structuredClone(record)) };
          return ok(data);
        },
      };
    }
    // PATCH and PUT (the same partial update on the real server). Every record must exist, checked up front.
    const updates = list.map((item) => {
      const recordId = (item as { recordId?: unknown } | null)?.recordId;
      if (typeof recordId !== "string" || !records.has(recordId)) throw refused("api_param_record_not_exists");
      return { recordId, fields: fieldsOf(item) };
    });
    return {
      count: updates.length,
      apply: () => {
        const now = Date.now();
        const updated = updates.map(({ recordId, fields }) => {
          const record = records.get(recordId)!;
          for (const [key, value] of Object.entries(fields)) {
            if (value === null) delete record.fields[key];
            else record.fields[key] = value;
          }
          record.updatedAt = now;
          return structuredClone(record);
        });
        writes.push({ seq: entry.seq, method: method as "PATCH" | "PUT", datasheetId, recordIds: updates.map((u) => u.recordId) });
        const data: VikaData<"updateRecords"> = { records: updated };
        return ok(data);
      },
    };
  };


  const respond = (response: ServerResponse, status: number, body: Envelope, requestSeq: number) => {
    if (response.destroyed) return;
    const text = JSON.stringify(body);
    response.writeHead(status, {
      "content-type": "application/json;charset=UTF-8",
      "content-length": Buffer.byteLength(text),
      "x-request-id": `req-${requestSeq}`,
    });
    response.end(text);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const entry: RequestLogEntry = {
      seq: ++seq,
      method: request.method ?? "GET",
      datasheetId: undefined,
      recordCount: 0,
      outcome: 200,
      fault: "none",
      applied: false,
    };
    log.push(entry);
    stats.requests += 1;
    const url = new URL(request.url ?? "/", "http://fault.server");
    const rawBody = await readBody(request);
    // From here until the write is applied (or refused), settled() waits for this request.
    const release = track();
    try {
      await serve(entry, url, rawBody, request, response, release);
    } finally {
      release();
    }
  };

  const serve = async (
    entry: RequestLogEntry,
    url: URL,
    rawBody: string,
    request: IncomingMessage,
    response: ServerResponse,
    release: () => void,
  ) => {
    const finish = (status: number, body: Envelope) => {
      entry.outcome = status;
      respond(response, status, body, entry.seq);
    };
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
    if (!token) {
      entry.fault = "unauthorized";
      return finish(401, { success: false, code: 401, message: "api_unauthorized" });
    }
    const route = RECORDS_ROUTE.exec(url.pathname);
    if (!route || !["GET", "POST", "PATCH", "PUT", "DELETE"].includes(entry.method)) {
      entry.fault = "refused";
      return finish(404, { success: false, code: 404, message: "api_not_exists" });
    }
    let datasheetId: string;
    try {
      datasheetId = decodeURIComponent(route[1]!);
    } catch {
      entry.fault = "refused";
      return finish(404, { success: false, code: 404, message: "api_not_exists" });
    }
    entry.datasheetId = datasheetId;
    // Every write is measured, even one the limiter turns away: the test asserts no request carried more than 10.
    if (WRITE_METHODS.has(entry.method)) {
      entry.recordCount = carried(entry.method, url, rawBody);
      stats.maxRecordsInOneWrite = Math.max(stats.maxRecordsInOneWrite, entry.recordCount);
      if (entry.recordCount > maxWrite) stats.oversizeWrites += 1;
    }
    // The limiter runs first, as the real middleware does: every request spends budget, whatever becomes of it.
    if (budget.over(datasheetId, token)) {
      stats.rateLimited += 1;
      entry.fault = "rate-limited";
      return finish(429, { success: false, code: 429, message: "api_frequently_error" });
    }
    let prepared: Prepared;
    try {
      prepared = prepare(entry.method, datasheetId, url, rawBody, entry);
    } catch (error) {
      if (!(error instanceof HttpAnswer)) throw error;
      entry.fault = error.fault;
      return finish(error.status, error.body);
    }
    const fault = pickFault(entry.method);
    if (fault) {
      entry.fault = fault;
      stats.faulted += 1;
      stats.byFault[fault] = (stats.byFault[fault] ?? 0) + 1;
    }
    const apply = () => {
      const body = prepared.apply();
      entry.applied = WRITE_METHODS.has(entry.method);
      release();
      return body;
    };
    const drop = () => {
      entry.outcome = "dropped";
      request.socket.destroy();
    };
    switch (fault) {
      case undefined:
        return finish(200, apply());
      case "500-before":
      case "503-before":
      case "500-after":
      case "503-after": {
        if (fault.endsWith("after")) apply();
        const status = fault.startsWith("500") ? 500 : 503;
        return finish(status, {
          success: false,
          code: status,
          message: status === 500 ? "api_server_error" : "Service Temporarily Unavailable",
        });
      }
      case "drop-before":
        return drop();
      case "drop-after":
        apply();
        return drop();
      case "business": {
        // Half parameter errors (code 400), half the write failures of api_tip_config (211 insert, 212 update, 214 delete).
        const [code, message] =
          random() < 0.5 || entry.method === "GET"
            ? [400, "api_params_invalid_value"]
            : entry.method === "POST"
              ? [211, "api_insert_error"]
              : entry.method === "DELETE"
                ? [214, "api_delete_error"]
                : [212, "api_update_error"];
        return finish(200, { success: false, code, message });
      }
      case "slow": {
        const body = apply();
        await sleep(slowMs);
        return finish(200, body);
      }
      case "slow-late":
        // The write lands after the response was held: by then the client has given up on it.
        await sleep(slowMs);
        return finish(200, apply());
      case "garbled-after": {
        const text = JSON.stringify(apply());
        entry.outcome = 200;
        if (response.destroyed) return;
        response.writeHead(200, { "content-type": "application/json", "x-request-id": `req-${entry.seq}` });
        response.end(text.slice(0, Math.floor(text.length / 2)));
        return;
      }
      case "stall-body": {
        const text = JSON.stringify(apply());
        entry.outcome = 200;
        if (response.destroyed) return;
        response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
        const half = Buffer.from(text).subarray(0, Math.floor(Buffer.byteLength(text) / 2));
        response.write(half);
        await sleep(slowMs);
        if (!response.destroyed) response.end(Buffer.from(text).subarray(half.length));
        return;
      }
    }
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      // A bug in the fake itself: answer 599 so the test sees it instead of hanging.
      if (!response.headersSent && !response.destroyed) {
        response.writeHead(599, { "content-type": "text/plain" });
        response.end(String(error));
      }
    });
  });
  // Every socket, so that settled() can close them all (closeAllConnections() misses one whose response is
  // still being written).
  const sockets = new Set<Socket>();
  let closing = false;
  server.on("connection", (socket: Socket) => {
    if (closing) socket.destroy();
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  // Keep idle keep-alive connections long enough that the client never races the server's idle close.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  /** Marks a request that may still change the state; the returned function (idempotent) unmarks it. */
  function track(): () => void {
    let release!: () => void;
    const mutation = new Promise<void>((resolve) => (release = resolve));
    pendingMutations.add(mutation);
    return () => {
      pendingMutations.delete(mutation);
      release();
    };
  }

  const settled = async () => {
    for (const socket of sockets) socket.destroy();
    // Let events already queued (a body that just ended) reach their handlers before looking.
    for (let round = 0; round < 2; round += 1) await new Promise((resolve) => setImmediate(resolve));
    while (pendingMutations.size > 0) await Promise.all([...pendingMutations]);
  };

  return {
    url: `http://127.0.0.1:${port}`,
    log,
    writes,
    records: (datasheetId) => [...sheet(datasheetId).values()].map((record) => ({ ...record, fields: { ...record.fields } })),
    insert: (datasheetId, fieldsList) => {
      const records = sheet(datasheetId);
      return fieldsList.map((fields) => {
        const record = newRecord(fields);
        records.set(record.recordId, record);
        return structuredClone(record);
      });
    },
    stats: () => structuredClone(stats),
    setFaults: (profile) => {
      faults = { ...profile };
    },
    forceFaults: (kinds) => {
      forced.push(...kinds);
    },
    settled,
    close: async () => {
      // A client may open a connection after its last request (undici does after an aborted one): once closing,
      // every connection is destroyed as it comes.
      closing = true;
      const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      await settled();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
