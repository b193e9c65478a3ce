// RUNTIME.md "Errors", fuzzed through the Bika facade: malformed responses (hand-written and generated from a
// seeded PRNG) served by a scripted fetch, and malformed arguments. Every case must end in a typed error (an
// ApiError subclass; a TypeError/ConfigurationError for a bad argument, before any request) or a documented
// success: no untyped error, no hang, no runaway requests, no unhandled rejection, no leaked token.
// The Vika package runs the larger fuzz (packages/vika/test/fuzz), including the wire-level cases; this one covers
// what is Bika's own: v1 and v2 records, cursor pages, the objects built from `data` (spaces, nodes).
//
// Cases tagged with a regression id pinned a bug this fuzzing found, now fixed; REGRESSIONS says what each was.
import type { BodySpec, Case, FuzzOp, Method, ResponseSpec } from "@bikavika/testkit/fuzz";
import {
  CLIENT_TIMEOUT_MS,
  JSON_HEADERS,
  RETRY,
  drain,
  envelope,
  failure,
  fuzzHarness,
  fuzzSuite,
  observe,
  recordsCarried,
  textResponse,
  xorshift32,
} from "@bikavika/testkit/fuzz";
import { Bika } from "../../src/index.js";

const SEED = 0xb1ca;
const GENERATED = 160;
const TOKEN = "bktFuzzSecretToken0123456789";

const REGRESSIONS = {
  "data-shape":
    "objects built from a success envelope's data are built without checking it: space.list/nodes.list " +
    "(`spaces.map`, `nodes.map`), space.get (`space.id`), records.listAll / recordsV2.listAll " +
    "throw a plain TypeError on `data: null` or `{}`",
  "repeated-cursor":
    "recordsV2.listAll on a server that repeats its cursor throws a plain Error (pagination.ts pagesByCursor), " +
    "not an ApiError (RUNTIME.md: every failure is an ApiError)",
  "no-total": "records.listAll keeps requesting non-empty pages when `total` is missing: unbounded requests",
  "deep-json": "a deeply nested JSON error body throws RangeError (stack overflow), not an ApiError",
} as const;
type Regression = keyof typeof REGRESSIONS;

// ---------------------------------------------------------------------------------------------------------------

const fuzz = fuzzHarness({
  token: TOKEN,
  client: (fetch) =>
    new Bika({ token: TOKEN, baseURL: "https://bika.fuzz.test/api/openapi/bika", rateLimit: false, retry: RETRY, timeoutMs: CLIENT_TIMEOUT_MS, fetch }),
});

const database = (bika: Bika) => bika.space.byId("spcFuzz").database("datFuzz");
const v2Record = (index: number) => ({ id: `rec${index}`, fields: { Name: `row ${index}` } });
const v1Page = { total: 2, pageNum: 1, pageSize: 2, records: [0, 1].map((i) => ({ recordId: `rec${i}`, fields: {}, createdAt: 1, updatedAt: 1 })) };

const OPS: readonly FuzzOp<Bika>[] = [
  { name: "system.meta", method: "GET", readsData: false, run: (bika) => bika.system.meta() },
  { name: "space.list", method: "GET", readsData: true, run: (bika) => bika.space.list(), shape: () => [{ id: "spc1", name: "One" }] },
  { name: "space.get", method: "GET", readsData: true, run: (bika) => bika.space.get("spcFuzz"), shape: () => ({ id: "spcFuzz", name: "Fuzz" }) },
  {
    name: "nodes.list",
    method: "GET",
    readsData: true,
    run: (bika) => bika.space.byId("spcFuzz").nodes.list(),
    shape: () => [{ id: "datFuzz", name: "Table", type: "DATABASE" }],
  },
  { name: "records.list", method: "GET", readsData: false, run: (bika) => database(bika).records.list({ pageSize: 10 }) },
  { name: "records.listAll", method: "GET", readsData: true, run: (bika) => drain(database(bika).records.listAll()), shape: () => v1Page },
  { name: "records.create (v1)", method: "POST", readsData: false, run: (bika) => database(bika).records.create({ cells: { Name: "x" } }) },
  { name: "recordsV2.list", method: "GET", readsData: false, run: (bika) => database(bika).recordsV2.list() },
  {
    name: "recordsV2.listAll",
    method: "GET",
    readsData: true,
    run: (bika) => drain(database(bika).recordsV2.listAll()),
    shape: () => ({ records: [0, 1].map(v2Record), hasMore: false }),
  },
  {
    name: "recordsV2.create(25)",
    method: "POST",
    readsData: true,
    run: (bika) => database(bika).recordsV2.create({ records: Array.from({ length: 25 }, (_, i) => ({ fields: { Name: `n${i}` } })) }),
    shape: (_request, body) => ({ records: Array.from({ length: recordsCarried(body) }, (_, i) => v2Record(i)) }),
  },
  {
    name: "recordsV2.updateMany(3)",
    method: "PUT",
    readsData: true,
    run: (bika) => database(bika).recordsV2.updateMany({ records: ["rec1", "rec2", "rec3"].map((id) => ({ id, fields: { Name: "y" } })) }),
    shape: (_request, body) => ({ records: Array.from({ length: recordsCarried(body) }, (_, i) => v2Record(i)) }),
  },
  {
    name: "recordsV2.deleteMany(12)",
    method: "DELETE",
    readsData: true,
    run: (bika) => database(bika).recordsV2.deleteMany(Array.from({ length: 12 }, (_, i) => `rec${i}`)),
    shape: (request) => ({ records: new URL(request.url).searchParams.getAll("records").map((id) => ({ id, deleted: true })) }),
  },
  {
    name: "client.GET (low level)",
    method: "GET",
    readsData: false,
    lowLevel: true,
    run: (bika) => bika.client.GET("/v1/spaces/{spaceId}/nodes", { params: { path: { spaceId: "spcFuzz" } } }),
  },
];
const op = (name: string): FuzzOp<Bika> => OPS.find((candidate) => candidate.name.startsWith(name))!;

// ---------------------------------------------------------------------------------------------------------------

const HTML = "<html><head><title>503 Service Temporarily Unavailable</title></head><body><h1>503</h1></body></html>";

function handWritten(): Case<Regression>[] {
  const cases: Case<Regression>[] = [];
  const add = (label: string, target: string, spec: ResponseSpec, bug?: Regression) => cases.push(fuzz.responseCase(label, op(target), spec, bug));
  for (const target of OPS) {
    add("an HTML page under HTTP 200", target.name, textResponse(200, HTML, { "content-type": "text/html" }));
    add("truncated JSON", target.name, textResponse(200, envelope({ records: [] }).slice(0, 30)));
    add("an empty body", target.name, textResponse(200, ""));
    add("`null`", target.name, textResponse(200, "null"));
    add("a body that throws mid-stream", target.name, { status: 200, headers: JSON_HEADERS, body: { kind: "breaks", prefix: '{"success":' } });
    add("a business error under HTTP 200", target.name, textResponse(200, failure(400, `bad (Bearer ${TOKEN})`)));
    add("a 429 quota message", target.name, textResponse(429, failure(429, "monthly quota exceeded")));
    add("204 No Content", target.name, { status: 204, body: { kind: "text", text: "" } });
    add("well-formed data", target.name, { status: 200, headers: JSON_HEADERS, body: { kind: "shaped" } });
  }
  for (const target of ["space.list", "space.get", "nodes.list", "records.listAll", "recordsV2.listAll"]) {
    add("data: null", target, textResponse(200, envelope(null)), "data-shape");
    // space.get builds a SpaceAO from `{}` (id undefined) without throwing: a success, if a hollow one.
    add("data: {}", target, textResponse(200, envelope({})), target === "space.get" ? undefined : "data-shape");
  }
  // Across several requests a chunk whose answer cannot be read is a failed chunk: BulkWriteError, typed.
  add("data: null on every chunk", "recordsV2.create", textResponse(200, envelope(null)));
  add("an array of non-objects as nodes", "nodes.list", textResponse(200, envelope([1, 2])));
  add(
    "a cursor that repeats (hasMore forever)",
    "recordsV2.listAll",
    textResponse(200, envelope({ records: [{ id: "rec1", fields: {} }], hasMore: true, offset: "same" })),
    "repeated-cursor",
  );
  add("hasMore without an offset (stops)", "recordsV2.listAll", textResponse(200, envelope({ records: [], hasMore: true })));
  add(
    "a fresh cursor on every page, 150 pages",
    "recordsV2.listAll",
    {
      status: 200,
      headers: JSON_HEADERS,
      body: (call) => ({ kind: "text", text: envelope({ records: [{ id: `rec${call}`, fields: {} }], hasMore: call < 150, offset: `c${call}` }) }),
    },
  );
  add("v1 pages without total", "records.listAll", textResponse(200, envelope({ records: [{ recordId: "rec1", fields: {} }], pageNum: 1 })), "no-total");
  add("a 50,000-deep JSON array as an error body", "system.meta", textResponse(500, "[".repeat(50_000) + "]".repeat(50_000)), "deep-json");
  return cases;
}

function generated(count: number): Case[] {
  const random = xorshift32(SEED);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const statuses = [200, 200, 200, 200, 201, 204, 206, 301, 302, 304, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504];
  const values: unknown[] = [null, 0, -1, "", "x", true, [], {}, [{}], { id: 5 }, "__proto__", TOKEN];
  const randomValue = (depth: number): unknown => {
    if (depth <= 0 || random() < 0.4) return pick(values);
    if (random() < 0.5) return Array.from({ length: Math.floor(random() * 3) }, () => randomValue(depth - 1));
    return Object.fromEntries(
      Array.from({ length: Math.floor(random() * 3) }, () => [pick(["records", "hasMore", "offset", "total", "id", "name", "type", "code", "k"]), randomValue(depth - 1)]),
    );
  };
  const cases: Case[] = [];
  for (let index = 0; index < count; index += 1) {
    const status = pick(statuses);
    const kind = pick(["shaped", "shaped", "success-random", "error", "error", "json", "html", "truncated", "bytes", "breaks"] as const);
    let body: BodySpec;
    switch (kind) {
      case "shaped":
        body = { kind: "shaped" };
        break;
      case "success-random":
        body = { kind: "text", text: JSON.stringify({ success: true, code: pick([200, 0, "200"]), message: "SUCCESS", data: randomValue(3) }) };
        break;
      case "error":
        body = { kind: "text", text: JSON.stringify({ success: false, code: pick([400, 401, 403, 404, 429, 500, 602, 1501, "x", null]), message: pick(["", "quota", 5, null, `Bearer ${TOKEN}`]) }) };
        break;
      case "json":
        body = { kind: "text", text: JSON.stringify(randomValue(3)) ?? "null" };
        break;
      case "html":
        body = { kind: "text", text: HTML };
        break;
      case "truncated": {
        const full = envelope(randomValue(3));
        body = { kind: "text", text: full.slice(0, 1 + Math.floor(random() * (full.length - 1))) };
        break;
      }
      case "bytes":
        body = { kind: "bytes", bytes: Uint8Array.from({ length: 1 + Math.floor(random() * 40) }, () => Math.floor(random() * 256)) };
        break;
      case "breaks":
        body = { kind: "breaks", prefix: envelope(randomValue(2)).slice(0, Math.floor(random() * 20)) };
        break;
    }
    // Random data goes only to operations that pass it through; the others get well-formed data (see "data-shape").
    const target = pick(kind === "success-random" ? OPS.filter((candidate) => !candidate.readsData) : OPS);
    const headers: Record<string, string> = { "content-type": pick(["application/json", "text/html", "text/plain", ""]) };
    if (random() < 0.2) headers["retry-after"] = pick(["0", "abc", "1", "-5"]);
    cases.push(fuzz.responseCase(`#${index} HTTP ${status} ${kind}`, target, { status, headers, body }));
  }
  return cases;
}

function argumentCases(): Case[] {
  const cases: Case[] = [];
  const add = (label: string, run: (bika: Bika) => unknown, method: Method, mustRefuse: boolean) =>
    cases.push({
      name: `argument: ${label}`,
      run: async () => {
        const { client: bika, calls } = fuzz.scripted(() => new Response(envelope({ records: [], total: 0, pageNum: 1, pageSize: 0, hasMore: false })));
        return fuzz.judge(await observe(async () => run(bika), calls), { op: { method }, mayResolve: true, mustRefuse });
      },
    });
  add("new Bika(null)", () => new Bika(null as never), "GET", true);
  add("new Bika({token: ''})", () => new Bika({ token: "" }), "GET", true);
  add("new Bika({baseURL: http:// remote})", () => new Bika({ token: TOKEN, baseURL: "http://bika.example" }), "GET", true);
  add("new Bika({baseURL: 'nope'})", () => new Bika({ token: TOKEN, baseURL: "nope" }), "GET", true);
  add("space.get(undefined)", (bika) => bika.space.get(undefined as never), "GET", false);
  add("database(x).records.list(null)", (bika) => database(bika).records.list(null as never), "GET", false);
  add("recordsV2.create(null)", (bika) => database(bika).recordsV2.create(null as never), "POST", true);
  add("recordsV2.create({records: null})", (bika) => database(bika).recordsV2.create({ records: null } as never), "POST", true);
  add("recordsV2.create({records: []})", (bika) => database(bika).recordsV2.create({ records: [] }), "POST", false);
  add("recordsV2.deleteMany(null)", (bika) => database(bika).recordsV2.deleteMany(null as never), "DELETE", true);
  add("recordsV2.update(1 MB id)", (bika) => database(bika).recordsV2.update("r".repeat(1 << 20), { fields: {} } as never), "PUT", false);
  add("embedLinks.delete(null)", (bika) => bika.space.byId("spc").embedLinks.delete(null as never), "DELETE", true);
  add("attachments.upload(undefined)", (bika) => bika.space.byId("spc").attachments.upload(undefined as never), "POST", true);
  return cases;
}

// ---------------------------------------------------------------------------------------------------------------

fuzzSuite({
  seed: SEED,
  about: "malformed inputs and responses through the Bika facade",
  regressions: REGRESSIONS,
  groups: {
    "hand-written responses": handWritten(),
    "generated responses": generated(GENERATED),
    "malformed arguments": argumentCases(),
  },
});
