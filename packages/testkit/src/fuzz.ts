// The harness of the clients' fuzz tests (packages/bika/test/fuzz, packages/vika/test/fuzz): responses scripted
// per case, the oracle that judges each outcome against RUNTIME.md "Errors", and the vitest suite that runs the
// cases. It knows no API: each test brings its operations, its cases and how to build its client.
import {
  ApiError,
  ConfigurationError,
  ConnectionError,
  NetworkError,
  OutcomeUnknownError,
  TimeoutError,
  TransportFailure,
} from "@bikavika/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** Our own hang detector, below vitest's per-test limit so that a hang is reported as such. */
const HANG_MS = 10_000;
const CASE_TIMEOUT_MS = 20_000;
/** The clients' request timeout: ample for a scripted answer, short enough that a stalled body ends a case soon. */
export const CLIENT_TIMEOUT_MS = 500;
/** Fast retries; a Retry-After above 10 ms is not waited for (the error is reported instead). */
export const RETRY = { retries: 1, minDelayMs: 1, maxDelayMs: 3, maxRetryAfterMs: 10 };
/** More requests than any case needs: beyond it the client is looping. */
const RUNAWAY = 200;
/** A floor on a suite's cases, so that a generator or list that stopped producing them fails the suite. */
const MIN_CASES = 200;

/** The `xorshift32` generator: small and seedable. */
export function xorshift32(seed: number): () => number {
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

/** The error a scripted body fails with; the low-level client may reject with it, as with any reader's error. */
export class FuzzStreamError extends Error {
  override name = "FuzzStreamError";
}

/** A client that keeps requesting or iterating beyond what any case needs. */
class RunawayError extends Error {
  override name = "RunawayError";
}

/** Iterates to the end, counting; an iterator that does not end is a runaway, not a hang. */
export async function drain(iterator: AsyncIterable<unknown>): Promise<number> {
  let count = 0;
  for await (const _ of iterator) {
    count += 1;
    if (count > 100_000) throw new RunawayError("the iterator yielded more than 100,000 records");
  }
  return count;
}

// ---------------------------------------------------------------------------------------------------------------
// Operations and cases

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Well-formed data for an operation, sized to what the request carried. */
export type Shape = (request: Request, requestBody: string) => unknown;

export interface FuzzOp<Client> {
  name: string;
  method: Method;
  /** Reads the envelope's data (so a success needs well-formed data); otherwise data is passed through. */
  readsData: boolean;
  /** The low-level openapi-fetch client: its own contract (`{data, error, response}`, no ApiError). */
  lowLevel?: boolean;
  run(client: Client): Promise<unknown>;
  /** The data of a `shaped` response; without it, `{ ok: true }`. */
  shape?: Shape;
}

/** The number of records a write's body carried (`{records: [...]}`), 0 if it carried none that can be counted. */
export function recordsCarried(requestBody: string): number {
  try {
    return (JSON.parse(requestBody) as { records: unknown[] }).records.length;
  } catch {
    return 0;
  }
}

export interface Case<Bug extends string = never> {
  name: string;
  /** The regression id of the bug this case pinned, now fixed. */
  bug?: Bug;
  /** The problems found; none for a pass. */
  run(): Promise<string[]>;
}

// ---------------------------------------------------------------------------------------------------------------
// Scripted responses

export type BodySpec =
  | { kind: "text"; text: string }
  | { kind: "bytes"; bytes: Uint8Array }
  | { kind: "none" }
  /** A success envelope whose data fits the operation. */
  | { kind: "shaped" }
  /** A stream that sends `prefix` and then errors. */
  | { kind: "breaks"; prefix: string }
  /** A stream that sends `prefix` and then nothing, until the request is aborted. */
  | { kind: "stalls"; prefix: string };

export interface ResponseSpec {
  status: number;
  headers?: Record<string, string>;
  /** A function of the request number (1, 2, …), for servers whose answer changes page after page. */
  body: BodySpec | ((call: number) => BodySpec);
}

const NULL_BODY_STATUSES = new Set([204, 205, 304]);
const encoder = new TextEncoder();

export const JSON_HEADERS = { "content-type": "application/json" };
export const envelope = (data: unknown) => JSON.stringify({ success: true, code: 200, message: "SUCCESS", data });
export const failure = (code: unknown, message: unknown) => JSON.stringify({ success: false, code, message });
export const textResponse = (status: number, text: string, headers: Record<string, string> = JSON_HEADERS): ResponseSpec => ({
  status,
  headers,
  body: { kind: "text", text },
});

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

/** The response `spec` describes, to the `call`th request; `shape` gives the data of a `shaped` body. */
export async function toResponse(spec: ResponseSpec, request: Request, call: number, shape?: Shape): Promise<Response> {
  const init = { status: spec.status, headers: spec.headers ?? {} };
  if (NULL_BODY_STATUSES.has(spec.status)) return new Response(null, init);
  const body = typeof spec.body === "function" ? spec.body(call) : spec.body;
  switch (body.kind) {
    case "none":
      return new Response(null, init);
    case "text":
      return new Response(body.text, init);
    case "bytes":
      return new Response(new Uint8Array(body.bytes), init);
    case "shaped":
      return new Response(envelope(shape?.(request, await request.clone().text()) ?? { ok: true }), init);
    case "breaks":
    case "stalls":
      return new Response(bodyStream(body, request.signal), init);
  }
}

/** Whether the response is a success envelope, so that the call may resolve. */
function successAllowed(spec: ResponseSpec): boolean {
  // A body that changes from request to request is a paging server's: each case that scripts one expects success.
  if (typeof spec.body === "function") return true;
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

export interface CountedFetch {
  fetch: typeof globalThis.fetch;
  /** Requests handed to fetch. */
  calls(): number;
}

/** A fetch that counts the requests it hands to `send`, and fails those beyond RUNAWAY so that a looping client stops. */
export function countRequests(send: (input: RequestInfo | URL, init: RequestInit | undefined, call: number) => Promise<Response>): CountedFetch {
  let calls = 0;
  const fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    calls += 1;
    if (calls > RUNAWAY) return Promise.reject(new RunawayError(`more than ${RUNAWAY} requests`));
    return send(input, init, calls);
  };
  return { fetch, calls: () => calls };
}

/** A fetch that answers every request with `respond`, given the request and its number (1, 2, …). */
function scriptedFetch(respond: (request: Request, call: number) => Response | Promise<Response>): CountedFetch {
  return countRequests(async (input, init, call) => respond(input instanceof Request ? input : new Request(input, init), call));
}

// ---------------------------------------------------------------------------------------------------------------
// The oracle

export interface Outcome {
  state: "resolved" | "rejected" | "hang";
  value?: unknown;
  error?: unknown;
  /** Requests handed to fetch. */
  calls: number;
}

export async function observe(run: () => Promise<unknown>, calls: () => number): Promise<Outcome> {
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

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.constructor.name}: ${error.message.slice(0, 200)}`;
  return `non-Error ${typeof error}: ${String(error).slice(0, 200)}`;
}

export interface Expectation {
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

/** The problems with `outcome`, none if it is a typed error or a documented success; `token` must show nowhere. */
function judge(outcome: Outcome, expected: Expectation, token: string): string[] {
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
    // failure; reading or parsing a 2xx body can reject with the reader's or JSON.parse's error. The transport wraps
    // a body that breaks or stalls in a TransportFailure, so nothing deeper than the cause needs looking at.
    const allowed = [error, error instanceof Error ? error.cause : undefined].some(
      (link) => link instanceof TransportFailure || link instanceof SyntaxError || link instanceof FuzzStreamError,
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
  if (error.message.includes(token)) problems.push("the token leaked into error.message");
  let serialised = "";
  try {
    serialised = JSON.stringify(error) + JSON.stringify(error.body ?? null);
  } catch (caught) {
    problems.push(`the error cannot be serialised: ${describeError(caught)}`);
  }
  if (serialised.includes(token)) problems.push("the token leaked into the error's JSON or body");
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
// One API's client under the harness

export interface Harness<Client, Options> {
  /** The problems with `outcome`, none if it is a typed error or a documented success. */
  judge(outcome: Outcome, expected: Expectation): string[];
  /** A client whose every request `respond` answers. */
  scripted(respond: (request: Request, call: number) => Response | Promise<Response>, options?: Options): { client: Client; calls: () => number };
  /** `target` called against a server that answers every request as `spec` says. */
  responseCase<Bug extends string>(label: string, target: FuzzOp<Client>, spec: ResponseSpec, bug?: Bug): Case<Bug>;
}

export function fuzzHarness<Client, Options = never>(api: {
  /** The token every client carries: no error may show it. */
  token: string;
  /** A client that sends its requests through `fetch`. */
  client(fetch: typeof globalThis.fetch, options?: Options): Client;
}): Harness<Client, Options> {
  const scripted: Harness<Client, Options>["scripted"] = (respond, options) => {
    const { fetch, calls } = scriptedFetch(respond);
    return { client: api.client(fetch, options), calls };
  };
  const judgeOutcome = (outcome: Outcome, expected: Expectation) => judge(outcome, expected, api.token);
  return {
    judge: judgeOutcome,
    scripted,
    responseCase: (label, target, spec, bug) => ({
      name: `${target.name} ← ${label}`,
      ...(bug ? { bug } : {}),
      run: async () => {
        const { client, calls } = scripted((request, call) => toResponse(spec, request, call, target.shape));
        return judgeOutcome(await observe(() => target.run(client), calls), { op: target, mayResolve: successAllowed(spec) });
      },
    }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The suite

/**
 * Registers the cases with vitest, one test each, under `fuzz (seed …): <count> <about>`, a group by its title;
 * then checks that there are enough cases, that every regression in `regressions` has one, and that no case left
 * an unhandled rejection or uncaught exception behind.
 */
export function fuzzSuite<Bug extends string>(suite: {
  seed: number;
  about: string;
  /** Bugs this fuzzing found, now fixed, by regression id: what each was. */
  regressions: Record<Bug, string>;
  groups: Record<string, Case<Bug>[]>;
}): void {
  const groups = Object.entries(suite.groups);
  const cases = groups.flatMap(([, list]) => list);
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

  describe(`fuzz (seed ${suite.seed}): ${cases.length} ${suite.about}`, { timeout: CASE_TIMEOUT_MS }, () => {
    for (const [title, list] of groups) {
      describe(`${list.length} ${title}`, () => {
        for (const entry of list) {
          // A tagged case pins the fix of a bug this fuzzing found (see the regressions).
          it(entry.bug ? `regression ${entry.bug}: ${entry.name}` : entry.name, async () => {
            expect(await entry.run()).toEqual([]);
          });
        }
      });
    }

    it(`counts: ${cases.length} cases, at least ${MIN_CASES}, and a case for every known bug`, () => {
      expect(cases.length).toBeGreaterThanOrEqual(MIN_CASES);
      // Every fixed bug keeps at least one case that would catch its return.
      const tagged = new Set(cases.flatMap((entry) => (entry.bug ? [entry.bug] : [])));
      expect([...tagged].sort()).toEqual(Object.keys(suite.regressions).sort());
    });

    it("left no unhandled rejection or uncaught exception behind", async () => {
      // Let anything scheduled by the last cases (timers, stream callbacks) run first.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(unhandled.map(describeError)).toEqual([]);
    });
  });
}
