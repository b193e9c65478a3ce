// RUNTIME.md "Errors", fuzzed through the Bika facade: malformed responses (hand-written and generated from a
// seeded PRNG) served by a scripted fetch, and malformed arguments. Every case must end in a typed error (an
// ApiError subclass; a TypeError/ConfigurationError for a bad argument, before any request) or a documented
// success: no untyped error, no hang, no runaway requests, no unhandled rejection, no leaked token.
// The Vika package runs the larger fuzz (packages/vika/test/fuzz), including the wire-level cases; this one covers
// what is Bika's own: v1 and v2 records, cursor pages, the objects built from `data` (spaces, nodes).
//
// Cases tagged with a regression id pinned a bug this fuzzing found, now fixed; REGRESSIONS says what each was.
import { TransportFailure } from "@bikavika/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, Bika, type BikaOptions, ConfigurationError, ConnectionError, NetworkError, OutcomeUnknownError } from "../../src/index.js";

const SEED = 0xb1ca;
const GENERATED = 160;
const TOKEN = "bktFuzzSecretToken0123456789";
const HANG_MS = 10_000;
const CASE_TIMEOUT_MS = 20_000;
const RETRY = { retries: 1, minDelayMs: 1, maxDelayMs: 3, maxRetryAfterMs: 10 };
const RUNAWAY = 200;

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

/** The `xorshift32` generator: small and seedable. */
function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------------------------

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

interface Op {
  name: string;
  method: Method;
  /** Builds objects from, or pages through, the envelope's data: needs well-formed data to succeed. */
  readsData: boolean;
  lowLevel?: boolean;
  run(bika: Bika): Promise<unknown>;
  /** Well-formed data for this operation, sized to the request. */
  shape?(request: Request, body: string): unknown;
}

async function drain(iterator: AsyncIterable<unknown>): Promise<number> {
  let count = 0;
  for await (const _ of iterator) count += 1;
  return count;
}

const database = (bika: Bika) => bika.space.byId("spcFuzz").database("datFuzz");
const carried = (body: string): number => {
  try {
    return (JSON.parse(body) as { records: unknown[] }).records.length;
  } catch {
    return 0;
  }
};
const v2Record = (index: number) => ({ id: `rec${index}`, fields: { Name: `row ${index}` } });
const v1Page = { total: 2, pageNum: 1, pageSize: 2, records: [0, 1].map((i) => ({ recordId: `rec${i}`, fields: {}, createdAt: 1, updatedAt: 1 })) };

const OPS: readonly Op[] = [
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
    shape: (_request, body) => ({ records: Array.from({ length: carried(body) }, (_, i) => v2Record(i)) }),
  },
  {
    name: "recordsV2.updateMany(3)",
    method: "PUT",
    readsData: true,
    run: (bika) => database(bika).recordsV2.updateMany({ records: ["rec1", "rec2", "rec3"].map((id) => ({ id, fields: { Name: "y" } })) }),
    shape: (_request, body) => ({ records: Array.from({ length: carried(body) }, (_, i) => v2Record(i)) }),
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
const op = (name: string): Op => OPS.find((candidate) => candidate.name.startsWith(name))!;

// ---------------------------------------------------------------------------------------------------------------

class FuzzStreamError extends Error {
  override name = "FuzzStreamError";
}

type BodySpec = { kind: "text"; text: string } | { kind: "bytes"; bytes: number[] } | { kind: "shaped" } | { kind: "breaks"; prefix: string };

interface ResponseSpec {
  status: number;
  headers?: Record<string, string>;
  /** A function of the request number (1, 2, …), for servers whose answer changes page after page. */
  body: BodySpec | ((call: number) => BodySpec);
}

const NULL_BODY = new Set([204, 205, 304]);
const encoder = new TextEncoder();
const envelope = (data: unknown) => JSON.stringify({ success: true, code: 200, message: "SUCCESS", data });
const json = { "content-type": "application/json" };

async function toResponse(spec: ResponseSpec, request: Request, target: Op, call: number): Promise<Response> {
  const init = { status: spec.status, headers: spec.headers ?? {} };
  const body = typeof spec.body === "function" ? spec.body(call) : spec.body;
  if (NULL_BODY.has(spec.status)) return new Response(null, init);
  switch (body.kind) {
    case "text":
      return new Response(body.text, init);
    case "bytes":
      return new Response(new Uint8Array(body.bytes), init);
    case "shaped":
      return new Response(envelope(target.shape?.(request, await request.clone().text()) ?? { ok: true }), init);
    case "breaks": {
      let sent = false;
      return new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            if (!sent && body.prefix) {
              sent = true;
              controller.enqueue(encoder.encode(body.prefix));
            } else controller.error(new FuzzStreamError("the body broke mid-stream"));
          },
        }),
        init,
      );
    }
  }
}

function successAllowed(spec: ResponseSpec): boolean {
  if (typeof spec.body === "function") return true;
  if (spec.status < 200 || spec.status > 299 || NULL_BODY.has(spec.status)) return false;
  const body = spec.body;
  if (body.kind === "shaped") return true;
  if (body.kind === "breaks") return false;
  const text = body.kind === "text" ? body.text.replace(/^\uFEFF/, "") : new TextDecoder().decode(new Uint8Array(body.bytes));
  try {
    const parsed = JSON.parse(text) as { success?: unknown } | null;
    return typeof parsed === "object" && parsed !== null && parsed.success === true;
  } catch {
    return false;
  }
}

interface Outcome {
  state: "resolved" | "rejected" | "hang";
  value?: unknown;
  error?: unknown;
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

const describeError = (error: unknown) =>
  error instanceof Error ? `${error.constructor.name}: ${error.message.slice(0, 200)}` : `non-Error: ${String(error).slice(0, 200)}`;

function judge(outcome: Outcome, target: Pick<Op, "method" | "lowLevel">, mayResolve: boolean, mustRefuse = false): string[] {
  const problems: string[] = [];
  if (outcome.state === "hang") return [`no outcome within ${HANG_MS} ms (hang)`];
  if (outcome.calls > RUNAWAY) problems.push(`${outcome.calls} requests: runaway`);
  if (outcome.state === "resolved") {
    if (mustRefuse) problems.push("resolved instead of refusing the argument");
    else if (target.lowLevel) {
      if (!((outcome.value as { response?: unknown } | undefined)?.response instanceof Response)) problems.push("no response");
    } else if (!mayResolve) problems.push("resolved although the response was not a success envelope");
    return problems;
  }
  const error = outcome.error;
  if (target.lowLevel) {
    const allowed = [error, error instanceof Error ? error.cause : undefined].some(
      (link) => link instanceof TransportFailure || link instanceof SyntaxError || link instanceof FuzzStreamError,
    );
    if (!allowed) problems.push(`low-level client rejected with ${describeError(error)}`);
    return problems;
  }
  if (!(error instanceof ApiError)) {
    if (!(error instanceof TypeError)) problems.push(`untyped rejection: ${describeError(error)}`);
    else if (outcome.calls > 0) problems.push(`TypeError after ${outcome.calls} requests: ${describeError(error)}`);
    else if (!mustRefuse && !(error instanceof ConfigurationError)) problems.push(`TypeError for valid arguments: ${describeError(error)}`);
    return problems;
  }
  if (mustRefuse) problems.push(`${describeError(error)} instead of refusing the argument`);
  if (!error.path.startsWith("/") || error.path.includes("?")) problems.push(`error.path ${JSON.stringify(error.path.slice(0, 80))}`);
  if (error.message.includes(TOKEN)) problems.push("the token leaked into error.message");
  try {
    if ((JSON.stringify(error) + JSON.stringify(error.body ?? null)).includes(TOKEN)) problems.push("the token leaked into the error's JSON");
  } catch (caught) {
    problems.push(`the error cannot be serialised: ${describeError(caught)}`);
  }
  if (error instanceof OutcomeUnknownError && (target.method !== "POST" || outcome.calls === 0)) {
    problems.push(`OutcomeUnknownError for ${target.method} after ${outcome.calls} requests`);
  }
  if (outcome.calls === 0 && error instanceof NetworkError && !(error instanceof ConnectionError)) {
    problems.push(`${error.name} although no request was made`);
  }
  return problems;
}

function scriptedBika(respond: (request: Request, call: number) => Response | Promise<Response>, options: Partial<BikaOptions> = {}) {
  let calls = 0;
  const bika = new Bika({
    token: TOKEN,
    baseURL: "https://bika.fuzz.test/api/openapi/bika",
    rateLimit: false,
    retry: RETRY,
    timeoutMs: 500,
    ...options,
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      calls += 1;
      if (calls > RUNAWAY) throw new Error(`more than ${RUNAWAY} requests`);
      return respond(input instanceof Request ? input : new Request(input, init), calls);
    },
  });
  return { bika, calls: () => calls };
}

interface Case {
  name: string;
  bug?: Regression;
  run(): Promise<string[]>;
}

function responseCase(label: string, target: Op, spec: ResponseSpec, bug?: Regression): Case {
  return {
    name: `${target.name} ← ${label}`,
    ...(bug ? { bug } : {}),
    run: async () => {
      const { bika, calls } = scriptedBika((request, call) => toResponse(spec, request, target, call));
      return judge(await observe(() => target.run(bika), calls), target, successAllowed(spec));
    },
  };
}

const HTML = "<html><head><title>503 Service Temporarily Unavailable</title></head><body><h1>503</h1></body></html>";

function handWritten(): Case[] {
  const cases: Case[] = [];
  const text = (status: number, body: string, headers: Record<string, string> = json): ResponseSpec => ({ status, headers, body: { kind: "text", text: body } });
  const add = (label: string, target: string, spec: ResponseSpec, bug?: Regression) => cases.push(responseCase(label, op(target), spec, bug));
  for (const target of OPS) {
    add("an HTML page under HTTP 200", target.name, text(200, HTML, { "content-type": "text/html" }));
    add("truncated JSON", target.name, text(200, envelope({ records: [] }).slice(0, 30)));
    add("an empty body", target.name, text(200, ""));
    add("`null`", target.name, text(200, "null"));
    add("a body that throws mid-stream", target.name, { status: 200, headers: json, body: { kind: "breaks", prefix: '{"success":' } });
    add("a business error under HTTP 200", target.name, text(200, JSON.stringify({ success: false, code: 400, message: `bad (Bearer ${TOKEN})` })));
    add("a 429 quota message", target.name, text(429, JSON.stringify({ success: false, code: 429, message: "monthly quota exceeded" })));
    add("204 No Content", target.name, { status: 204, body: { kind: "text", text: "" } });
    add("well-formed data", target.name, { status: 200, headers: json, body: { kind: "shaped" } });
  }
  for (const target of ["space.list", "space.get", "nodes.list", "records.listAll", "recordsV2.listAll"]) {
    add("data: null", target, text(200, envelope(null)), "data-shape");
    // space.get builds a SpaceAO from `{}` (id undefined) without throwing: a success, if a hollow one.
    add("data: {}", target, text(200, envelope({})), target === "space.get" ? undefined : "data-shape");
  }
  // Across several requests a chunk whose answer cannot be read is a failed chunk: BulkWriteError, typed.
  add("data: null on every chunk", "recordsV2.create", text(200, envelope(null)));
  add("an array of non-objects as nodes", "nodes.list", text(200, envelope([1, 2])));
  add(
    "a cursor that repeats (hasMore forever)",
    "recordsV2.listAll",
    text(200, envelope({ records: [{ id: "rec1", fields: {} }], hasMore: true, offset: "same" })),
    "repeated-cursor",
  );
  add("hasMore without an offset (stops)", "recordsV2.listAll", text(200, envelope({ records: [], hasMore: true })));
  add(
    "a fresh cursor on every page, 150 pages",
    "recordsV2.listAll",
    {
      status: 200,
      headers: json,
      body: (call) => ({ kind: "text", text: envelope({ records: [{ id: `rec${call}`, fields: {} }], hasMore: call < 150, offset: `c${call}` }) }),
    },
  );
  add("v1 pages without total", "records.listAll", text(200, envelope({ records: [{ recordId: "rec1", fields: {} }], pageNum: 1 })), "no-total");
  add("a 50,000-deep JSON array as an error body", "system.meta", text(500, "[".repeat(50_000) + "]".repeat(50_000)), "deep-json");
  return cases;
}

function generated(count: number): Case[] {
  const random = prng(SEED);
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
        body = { kind: "bytes", bytes: Array.from({ length: 1 + Math.floor(random() * 40) }, () => Math.floor(random() * 256)) };
        break;
      case "breaks":
        body = { kind: "breaks", prefix: envelope(randomValue(2)).slice(0, Math.floor(random() * 20)) };
        break;
    }
    // Random data goes only to operations that pass it through; the others get well-formed data (see "data-shape").
    const target = pick(kind === "success-random" ? OPS.filter((candidate) => !candidate.readsData) : OPS);
    const headers: Record<string, string> = { "content-type": pick(["application/json", "text/html", "text/plain", ""]) };
    if (random() < 0.2) headers["retry-after"] = pick(["0", "abc", "1", "-5"]);
    cases.push(responseCase(`#${index} HTTP ${status} ${kind}`, target, { status, headers, body }));
  }
  return cases;
}

function argumentCases(): Case[] {
  const cases: Case[] = [];
  const add = (label: string, run: (bika: Bika) => unknown, method: Method, mustRefuse: boolean) =>
    cases.push({
      name: `argument: ${label}`,
      run: async () => {
        const { bika, calls } = scriptedBika((request) => new Response(envelope({ records: [], total: 0, pageNum: 1, pageSize: 0, hasMore: false })));
        return judge(await observe(async () => run(bika), calls), { method }, true, mustRefuse);
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

const lists = { handWritten: handWritten(), generated: generated(GENERATED), arguments: argumentCases() };
const total = lists.handWritten.length + lists.generated.length + lists.arguments.length;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => {
  unhandled.push(reason);
};

beforeAll(() => {
  process.on("unhandledRejection", onUnhandled);
  process.on("uncaughtException", onUnhandled);
});
afterAll(() => {
  process.off("unhandledRejection", onUnhandled);
  process.off("uncaughtException", onUnhandled);
});

function register(cases: Case[]) {
  for (const entry of cases) {
    // A tagged case pins the fix of a bug this fuzzing found (see REGRESSIONS).
    it(entry.bug ? `regression ${entry.bug}: ${entry.name}` : entry.name, async () => {
      expect(await entry.run()).toEqual([]);
    });
  }
}

describe(`fuzz (seed ${SEED}): ${total} malformed inputs and responses through the Bika facade`, { timeout: CASE_TIMEOUT_MS }, () => {
  describe(`${lists.handWritten.length} hand-written responses`, () => register(lists.handWritten));
  describe(`${lists.generated.length} generated responses`, () => register(lists.generated));
  describe(`${lists.arguments.length} malformed arguments`, () => register(lists.arguments));

  it("every known bug is demonstrated by a case", () => {
    const tagged = new Set(lists.handWritten.flatMap((entry) => (entry.bug ? [entry.bug] : [])));
    expect([...tagged].sort()).toEqual(Object.keys(REGRESSIONS).sort());
  });

  it("left no unhandled rejection or uncaught exception behind", async () => {
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(unhandled.map(describeError)).toEqual([]);
  });
});
