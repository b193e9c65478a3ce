// `vika.withResponse(call)`: a call's data with the HTTP response and request id (RUNTIME.md, "Raw responses").
import { describe, expect, expectTypeOf, it } from "vitest";
import { AbortError, ConfigurationError, NotFoundError, type RecordPage, Vika, type VikaData, type VikaOptions } from "../../src/index.js";

const envelope = (data: unknown, requestId?: string) =>
  new Response(JSON.stringify({ success: true, code: 200, message: "SUCCESS", data }), {
    headers: { "content-type": "application/json", ...(requestId ? { "x-request-id": requestId } : {}) },
  });

/** A Vika client whose server numbers its answers: request id `req-1`, `req-2`… */
function numbered(reply: (url: URL, request: Request) => unknown, options: Partial<VikaOptions> = {}) {
  let count = 0;
  return new Vika({
    token: "uskUnitTest",
    host: "https://vika.example.test",
    rateLimit: false,
    retry: false,
    ...options,
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = input instanceof Request ? input : new Request(input, init);
      const data = await reply(new URL(request.url), request);
      return data instanceof Response ? data : envelope(data, `req-${++count}`);
    },
  });
}

const page = { total: 1, pageNum: 1, pageSize: 1, records: [{ recordId: "rec1", createdAt: 0, updatedAt: 0, fields: { Title: "a" } }] };

describe("vika.withResponse", () => {
  it("resolves to the data of an object-model call, typed as the call types it, with the response and request id", async () => {
    const vika = numbered(() => page);
    const result = await vika.withResponse((v) => v.datasheet("dstX").records.query<{ Title: string }>());
    expectTypeOf(result.data).toEqualTypeOf<RecordPage<{ Title: string }>>();
    expect(result.data.records[0]!.fields.Title).toBe("a");
    expect(result.requestId).toBe("req-1");
    expect(result.response.status).toBe(200);
    expect(result.response.headers.get("content-type")).toBe("application/json");
    expect(JSON.parse(await result.response.text())).toMatchObject({ success: true, data: page });
  });

  it("works with request(), typed by the operation", async () => {
    const vika = numbered(() => ({ spaces: [{ id: "spc1", name: "One" }] }));
    const result = await vika.withResponse((v) => v.request("get", "/fusion/v1/spaces", {}));
    expectTypeOf(result.data).toEqualTypeOf<VikaData<"listSpaces">>();
    expect(result).toMatchObject({ data: { spaces: [{ id: "spc1" }] }, requestId: "req-1" });
  });

  it("hands back the data as the method shapes it (a v3 list becomes a page)", async () => {
    const vika = numbered(() => page.records);
    const { data, requestId } = await vika.withResponse((v) => v.datasheet("dstX", { v3: true }).records.query({ pageSize: 10 }));
    expect(data).toMatchObject({ total: 1, pageNum: 1, records: page.records });
    expect(requestId).toBe("req-1");
  });

  it("composes with withOptions, in either order", async () => {
    const controller = new AbortController();
    controller.abort();
    const vika = numbered(() => page);
    await expect(vika.withOptions({ signal: controller.signal }).withResponse((v) => v.spaces.list())).rejects.toBeInstanceOf(AbortError);
    const inner = await vika.withResponse((v) => v.withOptions({ timeoutMs: 5000 }).spaces.list());
    expect(inner.requestId).toBe("req-1");
  });

  it("for work that makes several requests, hands back the last response to answer", async () => {
    // One chunk at a time, so the last to answer is the last sent.
    const vika = numbered(
      async (_url, request) => {
        const { records } = (await request.json()) as { records: unknown[] };
        return { records: records.map((_, index) => ({ ...page.records[0], recordId: `rec${index}` })) };
      },
      { writeConcurrency: 1 },
    );
    const records = Array.from({ length: 25 }, () => ({ fields: { Title: "x" } }));
    const { data, requestId } = await vika.withResponse((v) => v.datasheet("dstX").records.create(records));
    expect(data.records).toHaveLength(25);
    expect(requestId).toBe("req-3");
  });

  it("sees only the client it hands to the call, and refuses work that made no request through it", async () => {
    const vika = numbered(() => page);
    await expect(vika.withResponse(() => vika.spaces.list())).rejects.toBeInstanceOf(ConfigurationError);
    await expect(vika.withResponse(async (v) => v.datasheet("dstX").records.queryAll())).rejects.toThrow("made no request");
  });

  it("rejects with the call's own typed error", async () => {
    const vika = numbered(() => new Response(JSON.stringify({ success: false, code: 301, message: "gone" }), { headers: { "x-request-id": "req-x" } }));
    const error = await vika.withResponse((v) => v.datasheet("dstX").fields.list()).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ requestId: "req-x" });
  });
});
