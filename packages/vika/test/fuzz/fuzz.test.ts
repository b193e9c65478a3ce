// RUNTIME.md "Errors" and "Safety", fuzzed: malformed arguments to the facade and malformed responses from the
// server (a scripted fetch, a strict fake server, and raw bytes on a socket). Every case must end in a typed error
// (an ApiError subclass; a ConfigurationError/TypeError for a bad argument, thrown before any request) or a
// documented success: no untyped error, no hang, no runaway requests, no unhandled rejection, no leaked token, no
// prototype pollution. Cases come from a hand-written list and from a seeded PRNG.
//
// Cases tagged with a regression id pinned a bug this fuzzing found, now fixed; REGRESSIONS says what each was.
import { TransportFailure } from "@bikavika/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AbortError,
  ApiError,
  ConfigurationError,
  ConnectionError,
  NetworkError,
  OutcomeUnknownError,
  TimeoutError,
  Vika,
  type VikaOptions,
} from "../../src/index.js";
import { type FaultServer, prng, startFaultServer } from "../faults/server.js";
import { type WireScript, type WireServer, rawResponse, send, startWireServer } from "./wire.js";

const SEED = 0xf0221;
const GENERATED = 240;
const TOKEN = "uskFuzzSecretToken0123456789";
const DATASHEET = "dstFuzzSheet42";
/** Our own hang detector, below vitest's per-test limit so that a hang is reported as such. */
const HANG_MS = 10_000;
const CASE_TIMEOUT_MS = 20_000;
const CLIENT_TIMEOUT_MS = 500;
/** Fast retries; a Retry-After above 10 ms is not waited for (the error is reported instead). */
const RETRY = { retries: 1, minDelayMs: 1, maxDelayMs: 3, maxRetryAfterMs: 10 };
/** More requests than any case needs: beyond it the client is looping. */
const RUNAWAY = 200;

const REGRESSIONS = {
  "data-shape":
    "the facade reads `data` of a success envelope without checking it: records.queryAll/pages (vika.ts `items: page.records`) " +
    "and records.create/update (`result.records`) throw a plain TypeError on `data: null`, `{}`, `{records: \"x\"}`",
  "no-total":
    "records.queryAll keeps requesting while pages are non-empty and `total` is missing or not a number " +
    "(pagination.ts `seen >= page.total` is never true): unbounded requests",
  "deep-json":
    "a deeply nested JSON error body (or non-envelope 2xx body) throws RangeError (stack overflow) from " +
    "client.ts `snippet(JSON.stringify(body))` / redact.ts `scrub`, instead of an ApiError",
  "local-failure":
    "a failure before anything was sent (body serialisation, bad header, bad signal, unsupported method, malformed path " +
    "parameter, invalid rateLimit/timeoutMs/retry in withOptions, a non-function fetch) becomes NetworkError " +
    "(client.ts transportError fallback / transport.ts treating any fetch throw as a dropped connection), and for a " +
    "create OutcomeUnknownError, although no request was made",
  "range-config":
    "a bad numeric option (retry.retries, timeoutMs, maxRecordsPerWrite, writeConcurrency) throws RangeError, " +
    "not the ConfigurationError RUNTIME.md documents for bad options",
  "non-array":
    "records.create/update/delete given a non-array object or a number resolve without sending anything " +
    "(chunked.ts iterates `items.length`, undefined), instead of a TypeError",
  "body-abort":
    "an abort (caller's signal) while the response body is being read is a NetworkError 'could not be sent', " +
    "not an AbortError",
} as const;
type Regression = keyof typeof REGRESSIONS;

// ---------------------------------------------------------------------------------------------------------------
// Operations

type Method = "GET" | "POST" | "PATCH" | "DELETE";

interface Op {
  name: string;
  method: Method;
  /** Reads the envelope's data (so a success needs well-formed data); otherwise data is passed through. */
  readsData: boolean;
  /** The low-level openapi-fetch client: its own contract (`{data, error, response}`, no ApiError). */
  lowLevel?: boolean;
  run(vika: Vika): Promise<unknown>;
}

class RunawayError extends Error {
  override name = "RunawayError";
}

async function drain(iterator: AsyncIterable<unknown>): Promise<number> {
  let count = 0;
  for await (const _ of iterator) {
    count += 1;
    if (count > 100_000) throw new RunawayError("the iterator yielded more than 100,000 records");
  }
  return count;
}

const newRecords = (count: number) => Array.from({ length: count }, (_, index) => ({ fields: { Name: `row ${index}` } }));

const OPS: readonly Op[] = [
  { name: "records.query", method: "GET", readsData: false, run: (vika) => vika.datasheet(DATASHEET).records.query({ pageSize: 10 }) },
  { name: "records.queryAll", method: "GET", readsData: true, run: (vika) => drain(vika.datasheet(DATASHEET).records.queryAll()) },
  { name: "records.create(1)", method: "POST", readsData: true, run: (vika) => vika.datasheet(DATASHEET).records.create(newRecords(1)) },
  { name: "records.create(25)", method: "POST", readsData: true, run: (vika) => vika.datasheet(DATASHEET).records.create(newRecords(25)) },
  {
    name: "records.update(3)",
    method: "PATCH",
    readsData: true,
    run: (vika) =>
      vika.datasheet(DATASHEET).records.update(["rec1", "rec2", "rec3"].map((recordId) => ({ recordId, fields: { Name: "x" } }))),
  },
  { name: "records.delete(2)", method: "DELETE", readsData: false, run: (vika) => vika.datasheet(DATASHEET).records.delete(["rec1", "rec2"]) },
  { name: "fields.list", method: "GET", readsData: false, run: (vika) => vika.datasheet(DATASHEET).fields.list() },
  { name: "views.list", method: "GET", readsData: false, run: (vika) => vika.datasheet(DATASHEET).views.list() },
  { name: "spaces.list", method: "GET", readsData: false, run: (vika) => vika.spaces.list() },
  { name: "request(get /spaces)", method: "GET", readsData: false, run: (vika) => vika.request("get", "/fusion/v1/spaces", {}) },
  {
    name: "client.GET (low level)",
    method: "GET",
    readsData: false,
    lowLevel: true,
    run: (vika) => vika.client.GET("/fusion/v1/datasheets/{datasheetId}/records", { params: { path: { datasheetId: DATASHEET } } }),
  },
];
const op = (name: string): Op => OPS.find((candidate) => candidate.name.startsWith(name))!;

/** Well-formed data for an operation that reads it, sized to what the request carried. */
function shapedData(opName: string, requestBody: string): unknown {
  const record = (index: number) => ({ recordId: `rec${index}`, createdAt: 1, updatedAt: 1, fields: { Name: `row ${index}` } });
  let carried = 0;
  try {
    carried = (JSON.parse(requestBody) as { records: unknown[] }).records.length;
  } catch {
    carried = 0;
  }
  if (opName.startsWith("records.queryAll") || opName.startsWith("records.query")) {
    return { total: 3, records: [0, 1, 2].map(record), pageNum: 1, pageSize: 3 };
  }
  if (opName.startsWith("records.create") || opName.startsWith("records.update")) {
    return { records: Array.from({ length: carried }, (_, index) => record(index)) };
  }
  return { ok: true };
}

// ---------------------------------------------------------------------------------------------------------------
// Scripted responses

class FuzzStreamError extends Error {
  override name = "FuzzStreamError";
}

type BodySpec =
  | { kind: "text"; text: string }
  | { kind: "bytes"; bytes: Uint8Array }
  | { kind: "none" }
  /** A success envelope whose data fits the operation. */
  | { kind: "shaped" }
  /** A stream that sends `prefix` and then errors. */
  | { kind: "breaks"; prefix: string }
  /** A stream that sends `prefix` and then nothing, until the request is aborted. */
  | { kind: "stalls"; prefix: string };

interface ResponseSpec {
  status: number;
  headers?: Record<string, string>;
  body: BodySpec;
}

const NULL_BODY_STATUSES = new Set([204, 205, 304]);
const encoder = new TextEncoder();

function bodyStream(body: Extract<BodySpec, { kind: "breaks" | "stalls" }>, signal: AbortSignal): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!sent) {
        sent = true;
        if (body.prefix) {
          controller.enqueue(encoder.encode(body.prefix));
          return;
        }
      }
      if (body.kind === "breaks") {
        controller.error(new FuzzStreamError("the body broke mid-stream"));
        return;
      }
      // Stalls: like a real connection, it ends only when the request is aborted.
      return new Promise<void>((resolve) => {
        const abort = () => {
          controller.error(signal.reason);
          resolve();
        };
        if (signal.aborted) abort();
        else signal.addEventListener("abort", abort, { once: true });
      });
    },
  });
}

async function toResponse(spec: ResponseSpec, request: Request, opName: string): Promise<Response> {
  const init = { status: spec.status, headers: spec.headers ?? {} };
  if (NULL_BODY_STATUSES.has(spec.status)) return new Response(null, init);
  const body = spec.body;
  switch (body.kind) {
    case "none":
      return new Response(null, init);
    case "text":
      return new Response(body.text, init);
    case "bytes":
      return new Response(new Uint8Array(body.bytes), init);
    case "shaped":
      return new Response(
        JSON.stringify({ success: true, code: 200, message: "SUCCESS", data: shapedData(opName, await request.clone().text()) }),
        init,
      );
    case "breaks":
    case "stalls":
      return new Response(bodyStream(body, request.signal), init);
  }
}

/** Whether the response is a success envelope, so that the call may resolve. */
function successAllowed(spec: ResponseSpec): boolean {
  if (spec.status < 200 || spec.status > 299 || NULL_BODY_STATUSES.has(spec.status)) return false;
  if (spec.headers && Object.entries(spec.headers).some(([name, value]) => name.toLowerCase() === "content-length" && value === "0")) {
    return false;
  }
  const body = spec.body;
  if (body.kind === "shaped") return true;
  if (body.kind !== "text" && body.kind !== "bytes") return false;
  const text = body.kind === "text" ? body.text.replace(/^\uFEFF/, "") : new TextDecoder().decode(body.bytes);
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === "object" && parsed !== null && (parsed as { success?: unknown }).success === true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The oracle

interface Outcome {
  state: "resolved" | "rejected" | "hang";
  value?: unknown;
  error?: unknown;
  /** Requests handed to fetch. */
  calls: number;
}

async function observe(run: () => Promise<unknown>, calls: () => number): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<"hang">((resolve) => {
    timer = setTimeout(() => resolve("hang"), HANG_MS);
  });
  try {
    const settled = await Promise.race([
      Promise.resolve()
        .then(run)
        .then(
          (value) => ({ state: "resolved" as const, value }),
          (error: unknown) => ({ state: "rejected" as const, error }),
        ),
      hang,
    ]);
    return settled === "hang" ? { state: "hang", calls: calls() } : { ...settled, calls: calls() };
  } finally {
    clearTimeout(timer);
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.constructor.name}: ${error.message.slice(0, 200)}`;
  return `non-Error ${typeof error}: ${String(error).slice(0, 200)}`;
}

function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error, depth = 0; current !== undefined && depth < 6; depth += 1) {
    chain.push(current);
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain;
}

interface Expectation {
  op: { method: Method; lowLevel?: boolean | undefined };
  /** The response was a success envelope: the call may resolve. */
  mayResolve: boolean;
  /** A bad argument that must be refused (TypeError/ConfigurationError) before any request. */
  mustRefuse?: boolean;
  /** A documented non-ApiError rejection for this case (e.g. an upload stream's own error, before sending). */
  accept?: (error: unknown) => boolean;
  /** An id that must not leak into error paths. */
  id?: string;
}

function judge(outcome: Outcome, expected: Expectation): string[] {
  const problems: string[] = [];
  if (({} as Record<string, unknown>).polluted !== undefined) problems.push("Object.prototype was polluted");
  if (outcome.state === "hang") return [...problems, `no outcome within ${HANG_MS} ms (hang)`];
  if (outcome.calls > RUNAWAY) problems.push(`${outcome.calls} requests: runaway`);
  if (outcome.state === "resolved") {
    if (expected.mustRefuse) problems.push(`resolved (${outcome.calls} requests) instead of refusing the argument`);
    else if (expected.op.lowLevel) {
      if (!((outcome.value as { response?: unknown } | undefined)?.response instanceof Response)) {
        problems.push("the low-level client resolved without a response");
      }
    } else if (!expected.mayResolve) problems.push("resolved although the response was not a success envelope");
    return problems;
  }
  const error = outcome.error;
  if (expected.op.lowLevel) {
    // openapi-fetch's contract: HTTP errors resolve; a request that got no response rejects with the transport's
    // failure; reading or parsing a 2xx body can reject with the reader's or JSON.parse's error.
    const allowed = causeChain(error).some(
      (link) =>
        link instanceof TransportFailure ||
        link instanceof SyntaxError ||
        link instanceof FuzzStreamError ||
        (link instanceof DOMException && ["AbortError", "TimeoutError"].includes(link.name)) ||
        (link instanceof TypeError && /terminated/.test(link.message)),
    );
    if (!allowed) problems.push(`low-level client rejected with ${describeError(error)}`);
    return problems;
  }
  if (expected.accept?.(error) && outcome.calls === 0) return problems;
  if (!(error instanceof ApiError)) {
    const refusal = error instanceof TypeError; // ConfigurationError extends TypeError.
    if (!refusal) problems.push(`untyped rejection: ${describeError(error)}`);
    else if (outcome.calls > 0) problems.push(`TypeError after ${outcome.calls} requests: ${describeError(error)}`);
    else if (!expected.mustRefuse && !(error instanceof ConfigurationError)) {
      // A TypeError for a bad argument is fine; for a valid call it is a crash.
      problems.push(`TypeError for a call with valid arguments: ${describeError(error)}`);
    }
    return problems;
  }
  if (expected.mustRefuse) problems.push(`${describeError(error)} instead of refusing the argument before any request`);
  if (!/^[A-Z]+$/.test(error.method)) problems.push(`error.method ${JSON.stringify(error.method.slice(0, 40))}`);
  if (!error.path.startsWith("/") || error.path.includes("?") || error.path.length > 200) {
    problems.push(`error.path is not a template: ${JSON.stringify(error.path.slice(0, 80))}`);
  }
  if (expected.id && expected.id.length > 8 && error.path.includes(expected.id)) problems.push("error.path carries the id");
  if (!(Number.isInteger(error.retryCount) && error.retryCount >= 0)) problems.push(`retryCount ${error.retryCount}`);
  if (error.message.includes(TOKEN)) problems.push("the token leaked into error.message");
  let serialised = "";
  try {
    serialised = JSON.stringify(error) + JSON.stringify(error.body ?? null);
  } catch (caught) {
    problems.push(`the error cannot be serialised: ${describeError(caught)}`);
  }
  if (serialised.includes(TOKEN)) problems.push("the token leaked into the error's JSON or body");
  const nothingSent = outcome.calls === 0;
  if (error instanceof OutcomeUnknownError && (expected.op.method !== "POST" || nothingSent)) {
    problems.push(`OutcomeUnknownError for ${expected.op.method} after ${outcome.calls} requests`);
  }
  if (nothingSent && (error instanceof NetworkError || error instanceof TimeoutError || error instanceof OutcomeUnknownError)) {
    if (!(error instanceof ConnectionError)) problems.push(`${error.name} although no request was made: ${error.message.slice(0, 160)}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Cases

interface Case {
  name: string;
  bug?: Regression;
  run(): Promise<string[]>;
}

function scriptedVika(respond: (request: Request) => Response | Promise<Response>, options: Partial<VikaOptions> = {}) {
  let calls = 0;
  const vika = new Vika({
    token: TOKEN,
    host: "https://vika.fuzz.test",
    rateLimit: false,
    retry: RETRY,
    timeoutMs: CLIENT_TIMEOUT_MS,
    ...options,
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      calls += 1;
      if (calls > RUNAWAY) throw new RunawayError(`more than ${RUNAWAY} requests`);
      return respond(input instanceof Request ? input : new Request(input, init));
    },
  });
  return { vika, calls: () => calls };
}

function responseCase(label: string, target: Op, spec: ResponseSpec, bug?: Regression, options: Partial<VikaOptions> = {}): Case {
  return {
    name: `${target.name} ← ${label}`,
    ...(bug ? { bug } : {}),
    run: async () => {
      const { vika, calls } = scriptedVika((request) => toResponse(spec, request, target.name), options);
      const outcome = await observe(() => target.run(vika), calls);
      return judge(outcome, { op: target, mayResolve: successAllowed(spec) });
    },
  };
}

const envelope = (data: unknown) => JSON.stringify({ success: true, code: 200, message: "SUCCESS", data });
const failure = (code: unknown, message: unknown) => JSON.stringify({ success: false, code, message });
const HTML = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";
const deepArray = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
const json = { "content-type": "application/json" };

function handWrittenResponseCases(): Case[] {
  const cases: Case[] = [];
  const add = (label: string, target: string, spec: ResponseSpec, bug?: Regression, options?: Partial<VikaOptions>) =>
    cases.push(responseCase(label, op(target), spec, bug, options));
  const text = (status: number, body: string, headers: Record<string, string> = json): ResponseSpec => ({ status, headers, body: { kind: "text", text: body } });

  for (const target of ["records.query", "records.create(1)", "records.delete"]) {
    add("HTML error page under HTTP 200", target, text(200, HTML, { "content-type": "text/html" }));
    add("HTML 502 from a proxy", target, text(502, HTML, { "content-type": "text/html" }));
    add("truncated JSON", target, text(200, envelope({ records: [] }).slice(0, 25)));
    add("empty body", target, text(200, ""));
    add("whitespace body", target, text(200, " \n\t "));
    add("`null`", target, text(200, "null"));
    add("an array where the envelope should be", target, text(200, `[${envelope({})}]`));
    add("a JSON string", target, text(200, '"SUCCESS"'));
    add("204 No Content", target, { status: 204, body: { kind: "none" } });
    add("a body that throws mid-stream", target, { status: 200, headers: json, body: { kind: "breaks", prefix: '{"success":tr' } });
    add("a body that throws before its first byte", target, { status: 200, headers: json, body: { kind: "breaks", prefix: "" } });
    add("a body that stalls past the timeout", target, { status: 200, headers: json, body: { kind: "stalls", prefix: '{"succ' } });
    add("invalid UTF-8 outside any string", target, { status: 200, headers: json, body: { kind: "bytes", bytes: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) } });
    add("an echoed token and Bearer header in the error message", target, text(200, failure(400, `bad request for Bearer ${TOKEN} (Authorization: Bearer abc.def)`)));
    add("success:false with no code or message", target, text(200, JSON.stringify({ success: false })));
    add('success as the string "true"', target, text(200, JSON.stringify({ success: "true", data: {} })));
    add("a success envelope under HTTP 500", target, text(500, envelope({ records: [] })));
    add("a 429 without Retry-After, every time", target, text(429, failure(429, "api_frequently_error")));
    add("a 429 with Retry-After beyond maxRetryAfterMs", target, text(429, failure(429, "slow down"), { "retry-after": "3600" }));
    add("a 503 with an unreadable Retry-After", target, text(503, "", { "retry-after": "soon" }));
    add("a redirect without Location", target, text(302, "", {}));
    add("304 Not Modified", target, { status: 304, body: { kind: "none" } });
    add("a quota message under 403", target, text(403, failure(403, "api_forbidden_because_of_usage: API_REQUEST quota")));
    add("a 1 MB request id header", target, text(200, failure(400, "bad"), { ...json, "x-request-id": "r".repeat(1 << 20) }));
    add("__proto__ keys in the error body", target, text(200, '{"success":false,"code":400,"message":"x","__proto__":{"polluted":1},"data":{"constructor":{"prototype":{"polluted":2}}}}'));
  }
  for (const target of ["records.query", "fields.list", "spaces.list", "request", "client.GET"]) {
    add("text/plain content type on a valid envelope", target, text(200, envelope({ records: [], total: 0 }), { "content-type": "text/plain" }));
    add("application/octet-stream content type", target, text(200, envelope({}), { "content-type": "application/octet-stream" }));
    add("a UTF-8 BOM before the JSON", target, text(200, `\uFEFF${envelope({ ok: true })}`));
    add("invalid UTF-8 inside a JSON string", target, {
      status: 200,
      headers: json,
      body: { kind: "bytes", bytes: new Uint8Array([...encoder.encode('{"success":true,"code":200,"message":"'), 0xc3, 0x28, 0xed, 0xa0, 0x80, ...encoder.encode('","data":{}}')]) },
    });
    add("a 5 MB data string", target, text(200, envelope({ blob: "x".repeat(5 << 20) })));
    add("HTTP 206 with an envelope", target, text(206, envelope({ partial: true })));
    add("HTTP 299 with an envelope", target, text(299, envelope({ odd: true })));
    add("`__proto__` inside a success payload", target, text(200, '{"success":true,"code":200,"message":"x","data":{"__proto__":{"polluted":3}}}'));
    add("UTF-16 encoded JSON", target, {
      status: 200,
      headers: json,
      body: { kind: "bytes", bytes: new Uint8Array(Buffer.from(envelope({}), "utf16le")) },
    });
    add("Content-Length: 0 on a non-empty body", target, text(200, envelope({}), { ...json, "content-length": "0" }));
  }
  // The facade's data-dependent paths, with data that does not fit (bug "data-shape"), and pages without a usable total.
  add("data: null", "records.queryAll", text(200, envelope(null)), "data-shape");
  add("data: {}", "records.queryAll", text(200, envelope({})), "data-shape");
  add("data: {records: 5}", "records.queryAll", text(200, envelope({ records: 5, total: 1 })), "data-shape");
  add("data: [] (an array)", "records.queryAll", text(200, envelope([])), "data-shape");
  add("data: null", "records.create(1)", text(200, envelope(null)), "data-shape");
  add("data: null", "records.update", text(200, envelope(null)), "data-shape");
  add("an empty page with total 5 (stops: empty page)", "records.queryAll", text(200, envelope({ records: [], total: 5, pageNum: 1, pageSize: 0 })));
  add("a total smaller than the page (stops: total)", "records.queryAll", text(200, envelope({ records: [{ recordId: "rec1", fields: {} }], total: 0 })));
  add("pages without total", "records.queryAll", text(200, envelope({ records: [{ recordId: "rec1", fields: {} }], pageNum: 1, pageSize: 1 })), "no-total");
  add('pages with total "many"', "records.queryAll", text(200, envelope({ records: [{ recordId: "rec1", fields: {} }], total: "many" })), "no-total");
  add("pages with total null (stops: 1 >= null)", "records.queryAll", text(200, envelope({ records: [{ recordId: "rec1", fields: {} }], total: null })));
  add("a create answered with fewer records than sent (multi-chunk)", "records.create(25)", text(200, envelope({ records: [] })));
  // Deeply nested JSON.
  add("a 100,000-deep JSON array under HTTP 200 (no envelope)", "records.query", text(200, deepArray(100_000)), "deep-json");
  add("a 100,000-deep JSON array under HTTP 500", "records.query", text(500, deepArray(100_000)), "deep-json");
  add("a 100,000-deep JSON array as an error envelope's data", "records.query", text(200, `{"success":false,"code":400,"message":"x","data":${deepArray(100_000)}}`), "deep-json");
  add("a 100,000-deep JSON array as a success envelope's data", "records.query", text(200, `{"success":true,"code":200,"message":"x","data":${deepArray(100_000)}}`));
  add("a 1,000-deep JSON array under HTTP 200", "records.query", text(200, deepArray(1_000)));
  // Fetch itself misbehaving.
  const fetchCase = (label: string, target: string, fetch: () => Promise<Response>) =>
    cases.push({
      name: `${op(target).name} ← fetch ${label}`,
      run: async () => {
        let calls = 0;
        const vika = new Vika({
          token: TOKEN,
          host: "https://vika.fuzz.test",
          rateLimit: false,
          retry: RETRY,
          timeoutMs: CLIENT_TIMEOUT_MS,
          fetch: (() => {
            calls += 1;
            return fetch();
          }) as typeof globalThis.fetch,
        });
        return judge(await observe(() => op(target).run(vika), () => calls), { op: op(target), mayResolve: false });
      },
    });
  for (const target of ["records.query", "records.create(1)"]) {
    const refused = Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
    fetchCase("rejects: connection refused", target, () => Promise.reject(refused));
    fetchCase("rejects with a string", target, () => Promise.reject("weird"));
    fetchCase("rejects with undefined", target, () => Promise.reject(undefined));
    fetchCase("resolves to null", target, () => Promise.resolve(null as unknown as Response));
    fetchCase("resolves to a plain object", target, () => Promise.resolve({ status: 200 } as unknown as Response));
    fetchCase("throws synchronously", target, () => {
      throw new Error("sync throw");
    });
  }
  // An abort from the caller while the body is being read (bug "body-abort").
  cases.push({
    name: "records.query ← the caller aborts while the body stalls",
    bug: "body-abort",
    run: async () => {
      const { vika, calls } = scriptedVika((request) => toResponse({ status: 200, headers: json, body: { kind: "stalls", prefix: "{" } }, request, "q"), {
        timeoutMs: 0,
      });
      const controller = new AbortController();
      const outcome = await observe(() => {
        setTimeout(() => controller.abort(new Error("caller gave up")), 50);
        return vika.withOptions({ signal: controller.signal }).datasheet(DATASHEET).records.query();
      }, calls);
      const problems = judge(outcome, { op: op("records.query"), mayResolve: false });
      if (!(outcome.error instanceof AbortError)) problems.push(`expected AbortError, got ${describeError(outcome.error)}`);
      return problems;
    },
  });
  return cases;
}

// --- generated responses ---

function generatedResponseCases(count: number): Case[] {
  const random = prng(SEED);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const chance = (probability: number) => random() < probability;
  const statuses = [200, 200, 200, 200, 200, 201, 202, 204, 205, 206, 226, 299, 300, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 408, 409, 410, 413, 414, 415, 418, 422, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 507, 520, 599];
  const contentTypes = ["application/json", "application/json;charset=UTF-8", "text/html; charset=utf-8", "text/plain", "application/octet-stream", "application/problem+json", "application/xml", "multipart/form-data; boundary=x", ""];
  const codes: unknown[] = [200, 211, 212, 214, 301, 400, 401, 403, 404, 426, 428, 429, 500, 602, 1501, 1526, -1, 0, 1e21, "400", null, true, [400], {}];
  const messages: unknown[] = ["", "SUCCESS", "api_params_invalid_value", "api_frequently_error", "quota exhausted (API_REQUEST)", 42, null, ["x"], { text: "x" }, `echo ${TOKEN}`, "Bearer abc.def.ghi", "多语言 エラー 🚨", "x".repeat(70_000)];
  const strings = ["", "rec1", "\u0000", "\ud83d\ude00", "\ufffd", "__proto__", TOKEN, "<script>", "x".repeat(1000)];

  const randomJson = (depth: number): unknown => {
    const roll = random();
    if (depth <= 0 || roll < 0.35) return pick<unknown>([null, true, false, 0, -0.5, 1e308, -1e-308, 2 ** 53 + 1, ...strings]);
    if (roll < 0.65) return Array.from({ length: Math.floor(random() * 4) }, () => randomJson(depth - 1));
    const object: Record<string, unknown> = {};
    for (let index = Math.floor(random() * 4); index > 0; index -= 1) {
      Object.defineProperty(object, pick(["records", "total", "pageNum", "pageSize", "success", "code", "data", "__proto__", "constructor", "fields", "recordId", "k"]), {
        value: randomJson(depth - 1),
        enumerable: true,
        configurable: true,
        writable: true,
      });
    }
    return object;
  };
  const errorEnvelope = () => {
    const body: Record<string, unknown> = { success: false };
    if (chance(0.85)) body.code = pick(codes);
    if (chance(0.85)) body.message = pick(messages);
    if (chance(0.2)) body.data = randomJson(2);
    return JSON.stringify(body);
  };
  const kinds = ["success-random", "shaped", "shaped", "error-envelope", "error-envelope", "random-json", "html", "text", "truncated", "empty", "bytes", "broken-utf8", "breaks"] as const;

  const cases: Case[] = [];
  for (let index = 0; index < count; index += 1) {
    const status = pick(statuses);
    const kind = pick(kinds);
    const headers: Record<string, string> = {};
    const contentType = pick(contentTypes);
    if (contentType) headers["content-type"] = contentType;
    if (chance(0.25)) headers["retry-after"] = pick(["0", "1", "-1", "abc", "", "Wed, 21 Oct 2015 07:28:00 GMT", "99999999999"]);
    if (chance(0.25)) headers["x-request-id"] = pick(["req-1", "", " ", "ü".repeat(3), "r".repeat(5000)]);
    let body: BodySpec;
    switch (kind) {
      case "success-random":
        body = { kind: "text", text: JSON.stringify({ success: true, code: pick(codes), message: pick(messages), data: randomJson(3) }) };
        break;
      case "shaped":
        body = { kind: "shaped" };
        break;
      case "error-envelope":
        body = { kind: "text", text: errorEnvelope() };
        break;
      case "random-json":
        body = { kind: "text", text: JSON.stringify(randomJson(4)) ?? "null" };
        break;
      case "html":
        body = { kind: "text", text: HTML };
        break;
      case "text":
        body = { kind: "text", text: pick(["OK", "Internal Server Error", "upstream connect error or disconnect/reset before headers", "<?xml version=\"1.0\"?><error/>", "success=true"]) };
        break;
      case "truncated": {
        const full = chance(0.5) ? JSON.stringify({ success: true, code: 200, message: "SUCCESS", data: randomJson(3) }) : errorEnvelope();
        body = { kind: "text", text: full.slice(0, 1 + Math.floor(random() * (full.length - 1))) };
        break;
      }
      case "empty":
        body = chance(0.5) ? { kind: "none" } : { kind: "text", text: pick(["", " ", "\r\n", "\u0000"]) };
        break;
      case "bytes":
        body = { kind: "bytes", bytes: Uint8Array.from({ length: 1 + Math.floor(random() * 64) }, () => Math.floor(random() * 256)) };
        break;
      case "broken-utf8": {
        const bytes = encoder.encode(chance(0.5) ? envelope({ name: "\u00e9t\u00e9" }) : errorEnvelope());
        const at = Math.floor(random() * bytes.length);
        body = { kind: "bytes", bytes: Uint8Array.from([...bytes.slice(0, at), pick([0xff, 0xc3, 0xed, 0x80]), ...bytes.slice(at)]) };
        break;
      }
      case "breaks": {
        const full = envelope(randomJson(2));
        body = { kind: "breaks", prefix: full.slice(0, Math.floor(random() * full.length)) };
        break;
      }
    }
    // Operations that read the data get well-formed data in a success envelope (malformed data is the "data-shape"
    // bug, pinned by the hand-written cases); everything else goes to any operation.
    const candidates = kind === "success-random" ? OPS.filter((candidate) => !candidate.readsData) : OPS;
    const target = pick(candidates);
    const label = `#${index} HTTP ${status} ${kind}${contentType ? ` (${contentType})` : ""}${headers["retry-after"] !== undefined ? ` retry-after=${JSON.stringify(headers["retry-after"])}` : ""}`;
    cases.push(responseCase(label, target, { status, headers, body }));
  }
  return cases;
}

// --- arguments, against the strict fake server ---

let fake: FaultServer;

function argumentCases(): Case[] {
  const cases: Case[] = [];
  const add = (
    label: string,
    run: (make: (options?: object) => Vika) => Promise<unknown> | unknown,
    expectation: { method?: Method; mustRefuse?: boolean; bug?: Regression; accept?: (error: unknown) => boolean; id?: string } = {},
  ) =>
    cases.push({
      name: `argument: ${label}`,
      ...(expectation.bug ? { bug: expectation.bug } : {}),
      run: async () => {
        let calls = 0;
        const make = (options: object = {}) =>
          new Vika({
            token: TOKEN,
            host: fake.url,
            rateLimit: false,
            retry: RETRY,
            timeoutMs: 5_000,
            fetch: ((input: RequestInfo | URL, init?: RequestInit) => {
              calls += 1;
              return globalThis.fetch(input, init);
            }) as typeof globalThis.fetch,
            ...options,
          } as VikaOptions);
        const outcome = await observe(async () => run(make), () => calls);
        return judge(outcome, {
          op: { method: expectation.method ?? "GET" },
          // The fake server answers a valid request with a success envelope.
          mayResolve: true,
          ...(expectation.mustRefuse ? { mustRefuse: true } : {}),
          ...(expectation.accept ? { accept: expectation.accept } : {}),
          ...(expectation.id ? { id: expectation.id } : {}),
        });
      },
    });
  const refuse = { mustRefuse: true };
  const query = (vika: Vika) => vika.datasheet(DATASHEET).records.query();

  // The constructor.
  for (const [label, options] of [
    ["undefined", undefined],
    ["null", null],
    ["a string", "uskToken"],
    ["a number", 42],
    ["an array", []],
  ] as const) {
    add(`new Vika(${label})`, () => new Vika(options as never), refuse);
  }
  for (const [label, options] of [
    ["token undefined", { token: undefined }],
    ["token ''", { token: "" }],
    ["token of spaces", { token: "   " }],
    ["token 123", { token: 123 }],
    ["token {}", { token: {} }],
    ["token with a line break", { token: "usk\nInjected: 1" }],
    ["host ftp://", { host: "ftp://example.com" }],
    ["host http:// to a remote host", { host: "http://example.com" }],
    ["host not a URL", { host: "not a url" }],
    ["host with a query", { host: "https://example.com/?x=1" }],
    ["host 5", { host: 5 }],
    ["fieldKey 'xyz'", { fieldKey: "xyz" }],
  ] as const) {
    add(`new Vika({${label}})`, (make) => query(make(options)), refuse);
  }
  for (const [label, options, bug] of [
    ["retry.retries -1", { retry: { retries: -1 } }, "range-config"],
    ["retry.retries 1.5", { retry: { retries: 1.5 } }, "range-config"],
    ["timeoutMs -1", { timeoutMs: -1 }, "range-config"],
    ["timeoutMs NaN", { timeoutMs: Number.NaN }, "range-config"],
    ["timeoutMs '10'", { timeoutMs: "10" }, "range-config"],
    ["rateLimit.requestsPerSecond 0", { rateLimit: { requestsPerSecond: 0 } }, "local-failure"],
    ["rateLimit.requestsPerSecond NaN", { rateLimit: { requestsPerSecond: Number.NaN } }, "local-failure"],
    ["a header value with a line break", { headers: { "x-note": "a\r\nInjected: 1" } }, "local-failure"],
    ["fetch: 'not a function'", { fetch: "nope" }, "local-failure"],
  ] as const) {
    add(`new Vika({${label}}) then a query`, (make) => query(make(options)), { mustRefuse: true, bug });
  }
  for (const [label, options, bug] of [
    ["maxRecordsPerWrite 0", { maxRecordsPerWrite: 0 }, "range-config"],
    ["maxRecordsPerWrite 2.5", { maxRecordsPerWrite: 2.5 }, "range-config"],
    ["writeConcurrency 0", { writeConcurrency: 0 }, "range-config"],
  ] as const) {
    add(`new Vika({${label}}) then create(25)`, (make) => make(options).datasheet(DATASHEET).records.create(newRecords(25)), {
      method: "POST",
      mustRefuse: true,
      bug,
    });
  }
  // Oversized batches: the client sends what it is told to, the server refuses (HTTP 200, code 400).
  add("maxRecordsPerWrite 11 (above the server's 10), create(25)", (make) => make({ maxRecordsPerWrite: 11 }).datasheet(DATASHEET).records.create(newRecords(25)), { method: "POST" });
  add("maxRecordsPerWrite 1000, create(25) in one request", (make) => make({ maxRecordsPerWrite: 1000 }).datasheet(DATASHEET).records.create(newRecords(25)), { method: "POST" });
  add("delete(25 ids) with maxRecordsPerWrite 50", (make) => make({ maxRecordsPerWrite: 50 }).datasheet(DATASHEET).records.delete(Array.from({ length: 25 }, (_, i) => `rec${i}`)), { method: "DELETE" });
  add("retry: 'yes' (silently read as the defaults)", (make) => query(make({ retry: "yes" })));
  add("headers overriding Authorization", (make) => query(make({ headers: { Authorization: "Bearer someone-else" } })));

  // Ids and query parameters.
  for (const [label, id] of [
    ["undefined", undefined],
    ["null", null],
    ["123", 123],
    ["{}", {}],
    ["''", ""],
    ["'../../spaces?x=1#y'", "../../spaces?x=1#y"],
    ["'%2F..%2F'", "%2F..%2F"],
    ["of 1 MB", "d".repeat(1 << 20)],
  ] as const) {
    add(`datasheet(${label}).records.query()`, (make) => make().datasheet(id as never).records.query(), typeof id === "string" ? { id } : {});
  }
  add("datasheet('\\ud800') (a lone surrogate)", (make) => make().datasheet("\ud800").records.query(), { mustRefuse: true, bug: "local-failure" });
  for (const [label, params, refused] of [
    ["null", null, true],
    ["'abc'", "abc", false],
    ["{pageSize: 'abc'}", { pageSize: "abc" }, false],
    ["{pageSize: 1001}", { pageSize: 1001 }, false],
    ["{pageSize: -1}", { pageSize: -1 }, false],
    ["{pageNum: 0}", { pageNum: 0 }, false],
    ["{maxRecords: []}", { maxRecords: [] }, false],
    ["{sort: 'x'}", { sort: "x" }, true],
    ["{sort: [null]}", { sort: [null] }, false],
    ["{sort: [{field: 1n}]}", { sort: [{ field: 1n }] }, true],
    ["{recordIds: 'rec1'}", { recordIds: "rec1" }, false],
    ["{recordIds: [{}]}", { recordIds: [{}] }, "local-failure"],
    ["{fields: 5}", { fields: 5 }, false],
    ["{filterByFormula: 1 MB}", { filterByFormula: "f".repeat(1 << 20) }, false],
    ["{viewId: a lone surrogate}", { viewId: "\ud800" }, "local-failure"],
    ["{fieldKey: 'xyz'}", { fieldKey: "xyz" }, false],
  ] as const) {
    add(
      `records.query(${label})`,
      (make) => make().datasheet(DATASHEET).records.query(params as never),
      refused === "local-failure" ? { mustRefuse: true, bug: refused } : refused ? refuse : {},
    );
  }
  // Bodies.
  const create = (records: unknown) => (make: (options?: object) => Vika) => make().datasheet(DATASHEET).records.create(records as never);
  const circular: Record<string, unknown> = { Name: "loop" };
  circular.self = circular;
  for (const [label, records, expectation] of [
    ["null", null, refuse],
    ["undefined", undefined, refuse],
    ["'abc'", "abc", {}],
    ["{}", {}, { mustRefuse: true, bug: "non-array" }],
    ["[]", [], {}],
    ["[null]", [null], {}],
    ["[{fields: null}]", [{ fields: null }], {}],
    ["[{fields: {a: undefined}}]", [{ fields: { a: undefined } }], {}],
    ["[[]]", [[]], {}],
    ["[{fields: {Name: 1 MB}}]", [{ fields: { Name: "n".repeat(1 << 20) } }], {}],
    ["[{fields: {Name: a lone surrogate}}]", [{ fields: { Name: "\ud800" } }], {}],
    ["[{fields: {n: 1n}}] (a BigInt)", [{ fields: { n: 1n } }], { mustRefuse: true, bug: "local-failure" }],
    ["[{fields: circular}]", [{ fields: circular }], { mustRefuse: true, bug: "local-failure" }],
    ["25 records with a BigInt in the 12th", [...newRecords(11), { fields: { n: 1n } }, ...newRecords(13)], {}],
  ] as const) {
    add(`records.create(${label})`, create(records), { method: "POST", ...expectation });
  }
  const update = (records: unknown) => (make: (options?: object) => Vika) => make().datasheet(DATASHEET).records.update(records as never);
  for (const [label, records, expectation] of [
    ["null", null, refuse],
    ["{}", {}, { mustRefuse: true, bug: "non-array" }],
    ["[{recordId: 5, fields: {}}]", [{ recordId: 5, fields: { a: 1 } }], {}],
    ["[{recordId: 'recMissing', fields: {a: 1}}]", [{ recordId: "recMissing", fields: { a: 1 } }], {}],
    ["[{fields: {a: 1}}] (no recordId)", [{ fields: { a: 1 } }], {}],
  ] as const) {
    add(`records.update(${label})`, update(records), { method: "PATCH", ...expectation });
  }
  const remove = (ids: unknown) => (make: (options?: object) => Vika) => make().datasheet(DATASHEET).records.delete(ids as never);
  for (const [label, ids, expectation] of [
    ["null", null, refuse],
    ["5", 5, { mustRefuse: true, bug: "non-array" }],
    ["{}", {}, { mustRefuse: true, bug: "non-array" }],
    ["[]", [], {}],
    ["'rec1'", "rec1", {}],
    ["[1 MB id]", ["i".repeat(1 << 20)], {}],
    ["[null, 5]", [null, 5], {}],
  ] as const) {
    add(`records.delete(${label})`, remove(ids), { method: "DELETE", ...expectation });
  }
  // Per-call options.
  add("withOptions(null)", (make) => query(make().withOptions(null as never)));
  add("withOptions({signal: an aborted signal})", (make) => query(make().withOptions({ signal: AbortSignal.abort(new Error("no")) })));
  add("withOptions({signal: 'x'})", (make) => query(make().withOptions({ signal: "x" as never })), { mustRefuse: true, bug: "local-failure" });
  add("withOptions({timeoutMs: -1})", (make) => query(make().withOptions({ timeoutMs: -1 })), { mustRefuse: true, bug: "local-failure" });
  add("withOptions({retry: {retries: -1}})", (make) => query(make().withOptions({ retry: { retries: -1 } })), { mustRefuse: true, bug: "local-failure" });
  add("withOptions({retry: false, timeoutMs: 1})", (make) => query(make().withOptions({ retry: false, timeoutMs: 1 })));
  // Other entry points.
  add("request('trace', …)", (make) => make().request("trace" as never, "/fusion/v1/spaces" as never, {} as never), { mustRefuse: true, bug: "local-failure" });
  add("request('get', '/nope')", (make) => make().request("get", "/nope" as never, {} as never));
  add("request('get', '../../etc/passwd')", (make) => make().request("get", "../../etc/passwd" as never, {} as never), {
    mustRefuse: true,
    bug: "local-failure",
  });
  add("fields.create without a space", (make) => make().datasheet(DATASHEET).fields.create({ name: "x", type: "Text" } as never), refuse);
  add("space(null).datasheet(x).fields.create", (make) => make().space(null as never).datasheet(DATASHEET).fields.create({ name: "x", type: "Text" } as never), refuse);
  add("nodes.list(null)", (make) => make().nodes.list(null as never), refuse);
  add("nodes.get({})", (make) => make().nodes.get({} as never));
  add("upload(null)", (make) => make().datasheet(DATASHEET).upload(null as never), refuse);
  add("upload(123)", (make) => make().datasheet(DATASHEET).upload(123 as never), refuse);
  add("upload(a stream that errors)", (make) =>
    make()
      .datasheet(DATASHEET)
      .upload(new ReadableStream<Uint8Array>({ pull: (controller) => controller.error(new FuzzStreamError("disk gone")) })),
    { method: "POST", accept: (error) => error instanceof FuzzStreamError },
  );
  add("upload(an empty Blob) to a route the fake does not serve", (make) => make().datasheet(DATASHEET).upload(new Blob([])), { method: "POST" });
  add("presignedUrls(1e9)", (make) => make().datasheet(DATASHEET).presignedUrls(1e9));
  add("ai(x).chat.completions.create(null)", (make) => make().ai("ai1").chat.completions.create(null as never), { method: "POST" });
  return cases;
}

// --- the wire: raw bytes from a socket, read by the real fetch ---

let wire: WireServer;

function wireCases(): Case[] {
  const cases: Case[] = [];
  const ok = envelope({ records: [], total: 0, pageNum: 1, pageSize: 0 });
  const add = (label: string, script: WireScript, targets: string[] = ["records.query", "records.create(1)"]) => {
    for (const name of targets) {
      const target = op(name);
      cases.push({
        name: `${target.name} ← wire: ${label}`,
        run: async () => {
          wire.use(script);
          let calls = 0;
          const vika = new Vika({
            token: TOKEN,
            host: wire.url,
            rateLimit: false,
            retry: RETRY,
            timeoutMs: CLIENT_TIMEOUT_MS,
            fetch: ((input: RequestInfo | URL, init?: RequestInit) => {
              calls += 1;
              return globalThis.fetch(input, init);
            }) as typeof globalThis.fetch,
          });
          // Success is a documented outcome only when the bytes form a complete success envelope.
          const mayResolve = label.startsWith("OK:");
          return judge(await observe(() => target.run(vika), () => calls), { op: target, mayResolve });
        },
      });
    }
  };
  const okHeaders = { "Content-Type": "application/json", Connection: "close" };
  add("OK: a plain response", send(rawResponse("HTTP/1.1 200 OK", { ...okHeaders, "Content-Length": String(Buffer.byteLength(ok)) }, ok)));
  add("OK: 100 Continue before the response", send(Buffer.concat([Buffer.from("HTTP/1.1 100 Continue\r\n\r\n"), rawResponse("HTTP/1.1 200 OK", { ...okHeaders, "Content-Length": String(Buffer.byteLength(ok)) }, ok)])));
  add("OK: 103 Early Hints before the response", send(Buffer.concat([Buffer.from("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"), rawResponse("HTTP/1.1 200 OK", { ...okHeaders, "Content-Length": String(Buffer.byteLength(ok)) }, ok)])));
  add("OK: HTTP/1.0, body delimited by close", send(rawResponse("HTTP/1.0 200 OK", { "Content-Type": "text/plain" }, ok)));
  add("OK: chunked encoding", send(Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${Buffer.byteLength(ok).toString(16)}\r\n${ok}\r\n0\r\n\r\n`)));
  add("a body shorter than its Content-Length", send(rawResponse("HTTP/1.1 200 OK", { ...okHeaders, "Content-Length": "500" }, ok.slice(0, 20))));
  add("a broken chunk size", send(Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n")));
  add("a chunked body cut mid-chunk", send(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n{"success":true')));
  add("an invalid status line", send(Buffer.from("HTTP/1.1 abc\r\n\r\n")));
  add("a status of 1000", send(Buffer.from("HTTP/1.1 1000 Weird\r\nContent-Length: 0\r\n\r\n")));
  add("not HTTP at all", send(Buffer.from("SSH-2.0-OpenSSH_9.6\r\n")));
  add("a header without a colon", send(Buffer.from("HTTP/1.1 200 OK\r\nThis is not a header\r\nContent-Length: 2\r\n\r\n{}")));
  add("an 80 KB header", send(rawResponse("HTTP/1.1 200 OK", { ...okHeaders, "X-Big": "b".repeat(80_000), "Content-Length": "2" }, "{}")));
  add("two different Content-Lengths", send(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n{}abc")));
  add("invalid UTF-8 in the body", send(rawResponse("HTTP/1.1 200 OK", { ...okHeaders, "Content-Length": "4" }, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))));
  add("an HTML 502 from a proxy", send(rawResponse("HTTP/1.1 502 Bad Gateway", { "Content-Type": "text/html", "Content-Length": String(HTML.length), Connection: "close" }, HTML)));
  add("a 302 to itself, forever", (socket, request) => socket.end(rawResponse("HTTP/1.1 302 Found", { Location: request.target, "Content-Length": "0", Connection: "close" })));
  add("a 302 to a route that 404s", send(rawResponse("HTTP/1.1 302 Found", { Location: "/nowhere", "Content-Length": "0", Connection: "close" })));
  add("a 204 with a body anyway", send(rawResponse("HTTP/1.1 204 No Content", { "Content-Length": "2", Connection: "close" }, "{}")));
  add("a close before any byte", (socket) => socket.end());
  add("a reset before any byte", (socket) => socket.resetAndDestroy());
  add("the headers, then a reset", (socket) => {
    socket.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"succ");
    setTimeout(() => socket.resetAndDestroy(), 5);
  });
  add("silence (no response at all)", () => undefined);
  add("100 Continue, then silence", (socket) => socket.write("HTTP/1.1 100 Continue\r\n\r\n"));
  add("the headers, then silence", (socket) => socket.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"));
  return cases;
}

// ---------------------------------------------------------------------------------------------------------------

const handWritten = handWrittenResponseCases();
const generated = generatedResponseCases(GENERATED);
const argumentList = argumentCases();
const wireList = wireCases();
const total = handWritten.length + generated.length + argumentList.length + wireList.length;

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => {
  unhandled.push(reason);
};

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  process.on("uncaughtException", onUnhandled);
  [fake, wire] = await Promise.all([startFaultServer({ seed: SEED }), startWireServer()]);
  fake.insert(DATASHEET, [{ Name: "one" }, { Name: "two" }]);
});

afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  process.off("uncaughtException", onUnhandled);
  await Promise.all([fake?.close(), wire?.close()]);
});

function register(cases: Case[]) {
  for (const entry of cases) {
    // A tagged case pins the fix of a bug this fuzzing found (see REGRESSIONS).
    it(entry.bug ? `regression ${entry.bug}: ${entry.name}` : entry.name, async () => {
      expect(await entry.run()).toEqual([]);
    });
  }
}

describe(`fuzz (seed ${SEED}): ${total} malformed inputs and responses, each a typed error or a documented success`, { timeout: CASE_TIMEOUT_MS }, () => {
  describe(`${handWritten.length} hand-written responses (scripted fetch)`, () => register(handWritten));
  describe(`${generated.length} generated responses (scripted fetch)`, () => register(generated));
  describe(`${argumentList.length} malformed arguments (strict fake server)`, () => register(argumentList));
  describe(`${wireList.length} malformed bytes on the wire (real fetch)`, () => register(wireList));

  it(`counts: ${total} cases, at least 200`, () => {
    expect(total).toBeGreaterThanOrEqual(200);
    // Every fixed bug keeps at least one case that would catch its return.
    const tagged = new Set([...handWritten, ...argumentList].flatMap((entry) => (entry.bug ? [entry.bug] : [])));
    expect([...tagged].sort()).toEqual(Object.keys(REGRESSIONS).sort());
  });

  it("left no unhandled rejection or uncaught exception behind", async () => {
    // Let anything scheduled by the last cases (timers, stream callbacks) run first.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(unhandled.map(describeError)).toEqual([]);
  });
});
