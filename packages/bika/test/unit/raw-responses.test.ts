// `bika.withResponse(call)`: a call's data with the HTTP response and request id (RUNTIME.md, "Raw responses").
import { describe, expect, expectTypeOf, it } from "vitest";
import { AbortError, Bika, type BikaData, type BikaOptions, ConfigurationError, PermissionError, type RecordPageV2, SpaceAO } from "../../src/index.js";

/** A Bika client whose server numbers its answers: request id `req-1`, `req-2`… */
function numbered(reply: (url: URL, request: Request) => unknown, options: Partial<BikaOptions> = {}) {
  let count = 0;
  return new Bika({
    token: "bktUnitTest",
    baseURL: "https://bika.example.test/api/openapi/bika",
    rateLimit: false,
    retry: false,
    ...options,
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = input instanceof Request ? input : new Request(input, init);
      const data = await reply(new URL(request.url), request);
      if (data instanceof Response) return data;
      return new Response(JSON.stringify({ success: true, code: 200, message: "SUCCESS", data }), {
        headers: { "content-type": "application/json", "x-request-id": `req-${++count}` },
      });
    },
  });
}

const spaces = [{ id: "spc1", name: "One" }];

describe("bika.withResponse", () => {
  it("resolves to the data as the method shapes it (space objects), with the response and request id", async () => {
    const bika = numbered(() => spaces);
    const result = await bika.withResponse((b) => b.space.list());
    expectTypeOf(result.data).toEqualTypeOf<SpaceAO[]>();
    expect(result.data[0]).toBeInstanceOf(SpaceAO);
    expect(result.data[0]!.id).toBe("spc1");
    expect(result.requestId).toBe("req-1");
    expect(result.response.status).toBe(200);
  });

  it("works for calls on objects reached through the client, and with request()", async () => {
    const bika = numbered(() => ({ records: [], hasMore: false }));
    const list = await bika.withResponse((b) => b.space.byId("spc1").database("dat1").recordsV2.list());
    expectTypeOf(list.data).toEqualTypeOf<RecordPageV2>();
    expect(list).toMatchObject({ data: { records: [], hasMore: false }, requestId: "req-1" });
    const raw = await bika.withResponse((b) => b.request("get", "/v1/spaces", {}));
    expectTypeOf(raw.data).toEqualTypeOf<BikaData<"listSpaces">>();
    expect(raw.requestId).toBe("req-2");
  });

  it("composes with withOptions, in either order", async () => {
    const controller = new AbortController();
    controller.abort();
    const bika = numbered(() => spaces);
    await expect(bika.withOptions({ signal: controller.signal }).withResponse((b) => b.space.list())).rejects.toBeInstanceOf(AbortError);
    expect((await bika.withResponse((b) => b.withOptions({ timeoutMs: 5000 }).space.list())).requestId).toBe("req-1");
  });

  it("for a batch write of several requests, hands back the last response to answer", async () => {
    // One chunk at a time, so the last to answer is the last sent.
    const bika = numbered(
      async (_url, request) => {
        const { records } = (await request.json()) as { records: unknown[] };
        return { records: records.map((_, index) => ({ id: `rec${index}`, cells: {} })) };
      },
      { writeConcurrency: 1 },
    );
    const records = Array.from({ length: 25 }, () => ({ fields: { Name: "x" } }));
    const { data, requestId } = await bika.withResponse((b) => b.space.byId("spc1").database("dat1").recordsV2.create({ records }));
    expect(data.records).toHaveLength(25);
    expect(requestId).toBe("req-3");
  });

  it("refuses work that made no request through the client it was given, and rejects with a call's own error", async () => {
    const bika = numbered(() => new Response(JSON.stringify({ success: false, code: 403, message: "no" }), { status: 403 }));
    await expect(bika.withResponse(async (b) => b.space.byId("spc1"))).rejects.toBeInstanceOf(ConfigurationError);
    await expect(bika.withResponse((b) => b.space.list())).rejects.toBeInstanceOf(PermissionError);
  });
});
