// RUNTIME.md "Errors" and "Safety", fuzzed: malformed arguments to the facade and malformed responses from the
// server (a scripted fetch, the Prism mock checking requests against the spec, and raw bytes on a socket). Every case must end in a typed error
// (an ApiError subclass; a ConfigurationError/TypeError for a bad argument, thrown before any request) or a
// documented success: no untyped error, no hang, no runaway requests, no unhandled rejection, no leaked token, no
// prototype pollution. Cases come from a hand-written list and from a seeded PRNG.
//
// Cases tagged with a regression id pinned a bug this fuzzing found, now fixed; REGRESSIONS says what each was.
import type { BodySpec, Case, FuzzOp, Method, ResponseSpec, Shape } from "@bikavika/testkit/fuzz";
import {
  CLIENT_TIMEOUT_MS,
  FuzzStreamError,
  JSON_HEADERS,
  RETRY,
  countRequests,
  describeError,
  drain,
  envelope,
  failure,
  fuzzHarness,
  fuzzSuite,
  observe,
  recordsCarried,
  textResponse,
  toResponse,
} from "@bikavika/testkit/fuzz";
import { afterAll, beforeAll, inject } from "vitest";
import { AbortError, Vika, type VikaOptions } from "../../src/index.js";
import { type WireScript, type WireServer, rawResponse, send, startWireServer } from "./wire.js";

const SEED = 0xf0221;
const GENERATED = 240;
const TOKEN = "uskFuzzSecretToken0123456789";
const DATASHEET = "dstFuzzSheet42";

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
// The client and its operations

/** A client that sends through `fetch`, with the harness's retries and timeout and no rate limit, unless `options` say otherwise. */
const clientFor = (fetch: typeof globalThis.fetch, options: Partial<VikaOptions> = {}) =>
  new Vika({ token: TOKEN, host: "https://vika.fuzz.test", rateLimit: false, retry: RETRY, timeoutMs: CLIENT_TIMEOUT_MS, ...options, fetch });
const fuzz = fuzzHarness({ token: TOKEN, client: clientFor });

const newRecords = (count: number) => Array.from({ length: count }, (_, index) => ({ fields: { Name: `row ${index}` } }));
const record = (index: number) => ({ recordId: `rec${index}`, createdAt: 1, updatedAt: 1, fields: { Name: `row ${index}` } });
const page: Shape = () => ({ total: 3, records: [0, 1, 2].map(record), pageNum: 1, pageSize: 3 });
/** As many records as the write carried. */
const written: Shape = (_request, body) => ({ records: Array.from({ length: recordsCarried(body) }, (_, index) => record(index)) });

const OPS: readonly FuzzOp<Vika>[] = [
  { name: "records.query", method: "GET", readsData: false, run: (vika) => vika.datasheet(DATASHEET).records.query({ pageSize: 10 }), shape: page },
  { name: "records.queryAll", method: "GET", readsData: true, run: (vika) => drain(vika.datasheet(DATASHEET).records.queryAll()), shape: page },
  { name: "records.create(1)", method: "POST", readsData: true, run: (vika) => vika.datasheet(DATASHEET).records.create(newRecords(1)), shape: written },
  { name: "records.create(25)", method: "POST", readsData: true, run: (vika) => vika.datasheet(DATASHEET).records.create(newRecords(25)), shape: written },
  {
    name: "records.update(3)",
    method: "PATCH",
    readsData: true,
    run: (vika) =>
      vika.datasheet(DATASHEET).records.update(["rec1", "rec2", "rec3"].map((recordId) => ({ recordId, fields: { Name: "x" } }))),
    shape: written,
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
const op = (name: string): FuzzOp<Vika> => OPS.find((candidate) => candidate.name.startsWith(name))!;

// ---------------------------------------------------------------------------------------------------------------
// Cases

const HTML = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";
const deepArray = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
const encoder = new TextEncoder();

function handWrittenResponseCases(): Case<Regression>[] {
  const cases: Case<Regression>[] = [];
  const add = (label: string, target: string, spec: ResponseSpec, bug?: Regression) => cases.push(fuzz.responseCase(label, op(target), spec, bug));

  for (const target of ["records.query", "records.create(1)", "records.delete"]) {
    add("HTML error page under HTTP 200", target, textResponse(200, HTML, { "content-type": "text/html" }));
    add("HTML 502 from a proxy", target, textResponse(502, HTML, { "content-type": "text/html" }));
    add("truncated JSON", target, textResponse(200, envelope({ records: [] }).slice(0, 25)));
    add("empty body", target, textResponse(200, ""));
    add("whitespace body", target, textResponse(200, " \n\t "));
    add("`null`", target, textResponse(200, "null"));
    add("an array where the envelope should be", target, textResponse(200, `[${envelope({})}]`));
    add("a JSON string", target, textResponse(200, '"SUCCESS"'));
    add("204 No Content", target, { status: 204, body: { kind: "none" } });
    add("a body that throws mid-stream", target, { status: 200, headers: JSON_HEADERS, body: { kind: "breaks", prefix: '{"success":tr' } });
    add("a body that throws before its first byte", target, { status: 200, headers: JSON_HEADERS, body: { kind: "breaks", prefix: "" } });
    add("a body that stalls past the timeout", target, { status: 200, headers: JSON_HEADERS, body: { kind: "stalls", prefix: '{"succ' } });
    add("invalid UTF-8 outside any string", target, { status: 200, headers: JSON_HEADERS, body: { kind: "bytes", bytes: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) } });
    add("an echoed token and Bearer header in the error message", target, textResponse(200, failure(400, `bad request for Bearer ${TOKEN} (Authorization: Bearer abc.def)`)));
    add("success:false with no code or message", target, textResponse(200, JSON.stringify({ success: false })));
    add('success as the string "true"', target, textResponse(200, JSON.stringify({ success: "true", data: {} })));
    add("a success envelope under HTTP 500", target, textResponse(500, envelope({ records: [] })));
    add("a 429 without Retry-After, every time", target, textResponse(429, failure(429, "api_frequently_error")));
    add("a 429 with Retry-After beyond maxRetryAfterMs", target, textResponse(429, failure(429, "slow down"), { "retry-after": "3600" }));
    add("a 503 with an unreadable Retry-After", target, textResponse(503, "", { "retry-after": "soon" }));
    add("a redirect without Location", target, textResponse(302, "", {}));
    add("304 Not Modified", target, { status: 304, body: { kind: "none" } });
    add("a quota message under 403", target, textResponse(403, failure(403, "api_forbidden_because_of_usage: API_REQUEST quota")));
    add("a 1 MB request id header", target, textResponse(200, failure(400, "bad"), { ...JSON_HEADERS, "x-request-id": "r".repeat(1 << 20) }));
    add("__proto__ keys in the error body", target, textResponse(200, '{"success":false,"code":400,"message":"x","__proto__":{"polluted":1},"data":{"constructor":{"prototype":{"polluted":2}}}}'));
  }
  for (const target of ["records.query", "fields.list", "spaces.list", "request", "client.GET"]) {
    add("text/plain content type on a valid envelope", target, textResponse(200, envelope({ records: [], total: 0 }), { "content-type": "text/plain" }));
    add("application/octet-stream content type", target, textResponse(200, envelope({}), { "content-type": "application/octet-stream" }));
    add("a UTF-8 BOM before the JSON", target, textResponse(200, `\uFEFF${envelope({ ok: true })}`));
    add("invalid UTF-8 inside a JSON string", target, {
      status: 200,
      headers: JSON_HEADERS,
      body: { kind: "bytes", bytes: new Uint8Array([...encoder.encode('{"success":true,"code":200,"message":"'), 0xc3, 0x28, 0xed, 0xa0, 0x80, ...encoder.encode('","data":{}}')]) },
    });
    add("a 5 MB data string", target, textResponse(200, envelope({ blob: "x".repeat(5 << 20) })));
    add("HTTP 206 with an envelope", target, textResponse(206, envelope({ partial: true })));
    add("HTTP 299 with an envelope", target, textResponse(299, envelope({ odd: true })));
    add("`__proto__` inside a success payload", target, textResponse(200, '{"success":true,"code":200,"message":"x","data":{"__proto__":{"polluted":3}}}'));
    add("UTF-16 encoded JSON", target, {
      status: 200,
      headers: JSON_HEADERS,
      body: { kind: "bytes", bytes: new Uint8Array(Buffer.from(envelope({}), "utf16le")) },
    });
    add("Content-Length: 0 on a non-empty body", target, textResponse(200, envelope({}), { ...JSON_HEADERS, "content-length": "0" }));
  }
  // The facade's data-dependent paths, with data that does not fit (bug "data-shape"), and pages without a usable total.
  add("data: null", "records.queryAll", textResponse(200, envelope(null)), "data-shape");
  add("data: {}", "records.queryAll", textResponse(200, envelope({})), "data-shape");
  add("data: {records: 5}", "records.queryAll", textResponse(200, envelope({ records: 5, total: 1 })), "data-shape");
  add("data: [] (an array)", "records.queryAll", textResponse(200, envelope([])), "data-shape");
  add("data: null", "records.create(1)", textResponse(200, envelope(null)), "data-shape");
  add("data: null", "records.update", textResponse(200, envelope(null)), "data-shape");
  add("an empty page with total 5 (stops: empty page)", "records.queryAll", textResponse(200, envelope({ records: [], total: 5, pageNum: 1, pageSize: 0 })));
  add("a total smaller than the page (stops: total)", "records.queryAll", textResponse(200, envelope({ records: [{ recordId: "rec1", fields: {} }], total: 0 })));
  add("pages without total", "records.queryAll", textResponse(200, envelope({ records: [{ recordId: "rec1", fields: {} }], pageNum: 1, pageSize: 1 })), "no-total");
  add('pages with total "many"', "records.queryAll", textResponse(200, envelope({ records: [{ recordId: "rec1", fields: {} }], total: "many" })), "no-total");
  add("pages with total null (stops: 1 >= null)", "records.queryAll", textResponse(200, envelope({ records: [{ recordId: "rec1", fields: {} }], total: null })));
  add("a create answered with fewer records than sent (multi-chunk)", "records.create(25)", textResponse(200, envelope({ records: [] })));
  // Deeply nested JSON.
  add("a 100,000-deep JSON array under HTTP 200 (no envelope)", "records.query", textResponse(200, deepArray(100_000)), "deep-json");
  add("a 100,000-deep JSON array under HTTP 500", "records.query", textResponse(500, deepArray(100_000)), "deep-json");
  add("a 100,000-deep JSON array as an error envelope's data", "records.query", textResponse(200, `{"success":false,"code":400,"message":"x","data":${deepArray(100_000)}}`), "deep-json");
  add("a 100,000-deep JSON array as a success envelope's data", "records.query", textResponse(200, `{"success":true,"code":200,"message":"x","data":${deepArray(100_000)}}`));
  add("a 1,000-deep JSON array under HTTP 200", "records.query", textResponse(200, deepArray(1_000)));
  // Fetch itself misbehaving.
  const fetchCase = (label: string, target: string, fetch: () => Promise<Response>) =>
    cases.push({
      name: `${op(target).name} ← fetch ${label}`,
      run: async () => {
        const counted = countRequests(fetch);
        const vika = clientFor(counted.fetch);
        return fuzz.judge(await observe(() => op(target).run(vika), counted.calls), { op: op(target), mayResolve: false });
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
      const stalls: ResponseSpec = { status: 200, headers: JSON_HEADERS, body: { kind: "stalls", prefix: "{" } };
      const { client: vika, calls } = fuzz.scripted((request, call) => toResponse(stalls, request, call), { timeoutMs: 0 });
      const controller = new AbortController();
      const outcome = await observe(() => {
        setTimeout(() => controller.abort(new Error("caller gave up")), 50);
        return vika.withOptions({ signal: controller.signal }).datasheet(DATASHEET).records.query();
      }, calls);
      const problems = fuzz.judge(outcome, { op: op("records.query"), mayResolve: false });
      if (!(outcome.error instanceof AbortError)) problems.push(`expected AbortError, got ${describeError(outcome.error)}`);
      return problems;
    },
  });
  return cases;
}

// --- generated responses ---

/** mulberry32, seeded: the same SEED gives the same generated cases on every run. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
    cases.push(fuzz.responseCase(label, target, { status, headers, body }));
  }
  return cases;
}

// --- arguments, against the Prism mock (test/setup/mock.ts), which refuses a request the spec does not allow ---

function argumentCases(): Case<Regression>[] {
  const cases: Case<Regression>[] = [];
  const add = (
    label: string,
    run: (make: (options?: object) => Vika) => Promise<unknown> | unknown,
    expectation: { method?: Method; mustRefuse?: boolean; bug?: Regression; accept?: (error: unknown) => boolean; id?: string } = {},
  ) =>
    cases.push({
      name: `argument: ${label}`,
      ...(expectation.bug ? { bug: expectation.bug } : {}),
      run: async () => {
        const { fetch, calls } = countRequests((input, init) => globalThis.fetch(input, init));
        const make = (options: object = {}) =>
          new Vika({ token: TOKEN, host: inject("mockUrl"), rateLimit: false, retry: RETRY, timeoutMs: 5_000, fetch, ...options } as VikaOptions);
        const outcome = await observe(async () => run(make), calls);
        return fuzz.judge(outcome, {
          op: { method: expectation.method ?? "GET" },
          // The mock answers a valid request with a success envelope.
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
  add("upload(an empty Blob)", (make) => make().datasheet(DATASHEET).upload(new Blob([])), { method: "POST" });
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
          const { fetch, calls } = countRequests((input, init) => globalThis.fetch(input, init));
          const vika = clientFor(fetch, { host: wire.url });
          // Success is a documented outcome only when the bytes form a complete success envelope.
          const mayResolve = label.startsWith("OK:");
          return fuzz.judge(await observe(() => target.run(vika), calls), { op: target, mayResolve });
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

beforeAll(async () => {
  wire = await startWireServer();
});

afterAll(async () => {
  await wire?.close();
});

fuzzSuite({
  seed: SEED,
  about: "malformed inputs and responses, each a typed error or a documented success",
  regressions: REGRESSIONS,
  groups: {
    "hand-written responses (scripted fetch)": handWrittenResponseCases(),
    "generated responses (scripted fetch)": generatedResponseCases(GENERATED),
    "malformed arguments (Prism mock)": argumentCases(),
    "malformed bytes on the wire (real fetch)": wireCases(),
  },
});
