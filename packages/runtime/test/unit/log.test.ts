// RUNTIME.md "Logging": what the logger is told of each attempt, and what it never is.
import { afterEach, describe, expect, it, vi } from "vitest";
import { type ClientEvent, ConfigurationError, createApiClient, createCaller } from "../../src/index.js";

const TOKEN = "uskLogTest0123456789";
const envelope = (status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ success: status < 400, code: status, message: "m", data: { ok: true } }), { status, headers });

function client(steps: Array<() => Response>, logger?: (event: ClientEvent) => void) {
  let call = 0;
  const fetch = async () => steps[Math.min(call++, steps.length - 1)]!();
  const api = createApiClient<any>({
    token: TOKEN,
    baseUrl: "https://api.example.test",
    fetch: fetch as unknown as typeof globalThis.fetch,
    rateLimit: false,
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 2 },
    ...(logger ? { logger } : {}),
  });
  return createCaller(api, [TOKEN]) as any;
}

const RECORDS = "/fusion/v1/datasheets/{datasheetId}/records";
const onSheet = { params: { path: { datasheetId: "dstSecretId" } } };

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe("logger", () => {
  it("is told of each attempt: the template (no ids), the attempt, the status, the retry and its delay", async () => {
    const events: ClientEvent[] = [];
    await client([() => envelope(503), () => envelope(200, { "x-request-id": "req-1" })], (event) => events.push(event))("get", RECORDS, onSheet);
    expect(events.map((event) => [event.type, event.attempt])).toEqual([
      ["request", 1],
      ["response", 1],
      ["retry", 1],
      ["request", 2],
      ["response", 2],
    ]);
    expect(events.every((event) => event.method === "GET" && event.path === RECORDS)).toBe(true);
    expect(events[1]).toMatchObject({ type: "response", status: 503 });
    expect(events[2]).toMatchObject({ type: "retry", reason: 503 });
    expect(events[4]).toMatchObject({ type: "response", status: 200, requestId: "req-1" });
    expect(JSON.stringify(events)).not.toContain("dstSecretId");
  });

  it("says why no answer came", async () => {
    const events: ClientEvent[] = [];
    const dropped = () => {
      throw new TypeError("fetch failed", { cause: Object.assign(new Error("socket"), { code: "UND_ERR_SOCKET" }) });
    };
    await client([dropped], (event) => events.push(event))("get", RECORDS, onSheet).catch(() => undefined);
    expect(events.filter((event) => event.type === "failure").map((event) => (event as { reason: string }).reason)).toEqual(["dropped", "dropped", "dropped"]);
  });

  it.each([`Bearer ${TOKEN}`, `id-${TOKEN}`, `id-${encodeURIComponent(TOKEN)}`, "uskSomeoneElsesToken1234"])(
    "never sees the token, even in a request id that echoes it (%s)",
    async (echoed) => {
      const events: ClientEvent[] = [];
      await client([() => envelope(200, { "x-request-id": echoed })], (event) => events.push(event))("get", RECORDS, onSheet);
      expect(JSON.stringify(events)).not.toContain(TOKEN);
      expect(events[1]).toMatchObject({ type: "response", requestId: "[redacted]" });
    },
  );

  it("cannot change what a call does by throwing", async () => {
    const result = await client([() => envelope(200)], () => {
      throw new Error("a broken logger");
    })("get", RECORDS, onSheet);
    expect(result).toEqual({ ok: true });
  });

  it("is refused when it is not a function", () => {
    expect(() => createApiClient<any>({ token: TOKEN, baseUrl: "https://api.example.test", logger: "yes" as never })).toThrow(ConfigurationError);
  });

  it("prints nothing by default, and one line per event on stderr with BIKAVIKA_LOG=debug", async () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => undefined);
    await client([() => envelope(200)])("get", RECORDS, onSheet);
    expect(printed).not.toHaveBeenCalled();
    vi.stubEnv("BIKAVIKA_LOG", "debug");
    await client([() => envelope(200, { "x-request-id": "req-9" })])("get", RECORDS, onSheet);
    expect(printed.mock.calls.map(([line]) => line)).toEqual([
      `[bikavika] GET ${RECORDS} #1 request waitedMs=0`,
      expect.stringMatching(new RegExp(`^\\[bikavika\\] GET ${RECORDS.replace(/[{}]/g, "\\$&")} #1 response status=200 durationMs=\\d+ requestId=req-9$`)),
    ]);
  });
});
