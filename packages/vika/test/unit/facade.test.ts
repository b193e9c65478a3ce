// The facade's own logic, against a scripted fetch: pagination, fieldKey defaults, query serialization.
import { describe, expect, it } from "vitest";
import { ConfigurationError, Vika, type VikaOptions } from "../../src/index.js";

const envelope = (data: unknown) =>
  new Response(JSON.stringify({ success: true, code: 200, message: "SUCCESS", data }), {
    headers: { "content-type": "application/json" },
  });

function scripted(reply: (url: URL, request: Request) => Response | Promise<Response>, options: Partial<VikaOptions> = {}) {
  const requests: Request[] = [];
  const vika = new Vika({
    token: "uskUnitTest",
    host: "https://vika.example.test",
    ...options,
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = input instanceof Request ? input : new Request(input, init);
      requests.push(request.clone());
      return reply(new URL(request.url), request);
    },
  });
  return { vika, requests };
}

/** A fake datasheet of `total` records, served the way the server pages them. */
function pagedDatasheet(total: number) {
  return scripted((url) => {
    const pageSize = Number(url.searchParams.get("pageSize") ?? 100);
    const pageNum = Number(url.searchParams.get("pageNum") ?? 1);
    const maxRecords = url.searchParams.get("maxRecords");
    const cap = maxRecords ? Math.min(total, Number(maxRecords)) : total;
    const start = (pageNum - 1) * pageSize;
    const records = Array.from({ length: Math.max(0, Math.min(pageSize, cap - start)) }, (_, index) => ({
      recordId: `rec${start + index}`,
      createdAt: 0,
      updatedAt: 0,
      fields: {},
    }));
    return envelope({ total: cap, pageNum, pageSize: records.length, records });
  });
}

async function collect<T>(iterator: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterator) items.push(item);
  return items;
}

describe("records.queryAll", () => {
  it.each([
    [0, 1],
    [1, 1],
    [999, 1],
    [1000, 1],
    [1001, 2],
    [2000, 2],
    [2500, 3],
  ])("yields all %i records in %i request(s), none wasted past the end", async (total, expectedRequests) => {
    const { vika, requests } = pagedDatasheet(total);
    const records = await collect(vika.datasheet("dstX").records.queryAll());
    expect(records).toHaveLength(total);
    expect(new Set(records.map((record) => record.recordId)).size).toBe(total);
    expect(requests).toHaveLength(expectedRequests);
    expect(requests.every((request) => new URL(request.url).searchParams.get("pageSize") === "1000")).toBe(true);
  });

  it("honours maxRecords and a smaller pageSize", async () => {
    const { vika, requests } = pagedDatasheet(500);
    const records = await collect(vika.datasheet("dstX").records.queryAll({ pageSize: 100, maxRecords: 250 }));
    expect(records).toHaveLength(250);
    expect(requests).toHaveLength(3);
  });

  it("stops fetching when the caller breaks out early", async () => {
    const { vika, requests } = pagedDatasheet(5000);
    for await (const record of vika.datasheet("dstX").records.queryAll()) {
      if (record.recordId === "rec10") break;
    }
    expect(requests).toHaveLength(1);
  });
});

/** A fake datasheet holding `rec0`…`rec{size-1}`, paging a recordIds query as the server does (100 by default). */
function datasheetById(size: number) {
  return scripted((url) => {
    const pageSize = Number(url.searchParams.get("pageSize") ?? 100);
    const pageNum = Number(url.searchParams.get("pageNum") ?? 1);
    const rows = url.searchParams.getAll("recordIds").filter((id) => Number(id.slice(3)) < size);
    const records = rows.slice((pageNum - 1) * pageSize, pageNum * pageSize).map((recordId) => ({
      recordId,
      createdAt: 0,
      updatedAt: 0,
      fields: {},
    }));
    return envelope({ total: rows.length, pageNum, pageSize: records.length, records });
  });
}

describe("records.get", () => {
  it.each([
    [1, 1],
    [150, 1],
    [200, 1],
    [201, 2],
    [1050, 6],
  ])("returns all %i records asked for, in order, in %i request(s)", async (count, expectedRequests) => {
    const { vika, requests } = datasheetById(5000);
    const ids = Array.from({ length: count }, (_, index) => `rec${count - index}`);
    const { records } = await vika.datasheet("dstX").records.get(ids);
    expect(records.map((record) => record.recordId)).toEqual(ids);
    expect(requests).toHaveLength(expectedRequests);
    for (const request of requests) {
      const params = new URL(request.url).searchParams;
      expect(params.getAll("recordIds").length).toBeLessThanOrEqual(200);
      expect(params.get("pageSize")).toBe("1000");
    }
  });

  it("leaves out ids that match no record, and still reads every page when the server pages smaller", async () => {
    // A server whose pages stay at 100 whatever pageSize says (older self-hosted deployments cap lower).
    const { vika, requests } = scripted((url) => {
      const pageNum = Number(url.searchParams.get("pageNum") ?? 1);
      const rows = url.searchParams.getAll("recordIds").filter((id) => id !== "recGone");
      const records = rows.slice((pageNum - 1) * 100, pageNum * 100).map((recordId) => ({ recordId, createdAt: 0, updatedAt: 0, fields: {} }));
      return envelope({ total: rows.length, pageNum, pageSize: records.length, records });
    });
    const ids = [...Array.from({ length: 150 }, (_, index) => `rec${index}`), "recGone"];
    const { records } = await vika.datasheet("dstX").records.get(ids);
    expect(records).toHaveLength(150);
    expect(requests).toHaveLength(2);
  });

  it("takes one id, and makes no request for none", async () => {
    const { vika, requests } = datasheetById(10);
    expect((await vika.datasheet("dstX").records.get("rec3")).records.map((record) => record.recordId)).toEqual(["rec3"]);
    expect((await vika.datasheet("dstX").records.get([])).records).toEqual([]);
    expect(requests).toHaveLength(1);
  });
});

describe("datasheet(id, { v3: true })", () => {
  it("reads and writes records through /fusion/v3, fields and views stay on v1", async () => {
    const { vika, requests } = scripted((url) =>
      url.pathname.endsWith("/records") ? envelope({ total: 0, pageNum: 1, pageSize: 0, records: [] }) : envelope({ fields: [] }),
    );
    const datasheet = vika.datasheet("dstX", { v3: true });
    await datasheet.records.query();
    await datasheet.fields.list();
    await vika.datasheet("dstX").records.query();
    expect(requests.map((request) => new URL(request.url).pathname)).toEqual([
      "/fusion/v3/datasheets/dstX/records",
      "/fusion/v1/datasheets/dstX/fields",
      "/fusion/v1/datasheets/dstX/records",
    ]);
  });

  it.each([
    [0, 1],
    [999, 1],
    [1000, 2],
    [2500, 3],
  ])("pages a bare-list answer of %i records to the end in %i request(s)", async (total, expectedRequests) => {
    // The v3 read as the generated DataBus client types it: `data` is the page's records alone.
    const { vika, requests } = scripted((url) => {
      const pageSize = Number(url.searchParams.get("pageSize") ?? 100);
      const pageNum = Number(url.searchParams.get("pageNum") ?? 1);
      const start = (pageNum - 1) * pageSize;
      return envelope(
        Array.from({ length: Math.max(0, Math.min(pageSize, total - start)) }, (_, index) => ({
          recordId: `rec${start + index}`,
          createdAt: 0,
          updatedAt: 0,
          fields: {},
        })),
      );
    });
    const records = await collect(vika.datasheet("dstX", { v3: true }).records.queryAll());
    expect(records).toHaveLength(total);
    expect(requests).toHaveLength(expectedRequests);
  });

  it("stops when a bare-list server ignores pageNum and repeats its page", async () => {
    const page = Array.from({ length: 1000 }, (_, index) => ({ recordId: `rec${index}`, createdAt: 0, updatedAt: 0, fields: {} }));
    const { vika, requests } = scripted(() => envelope(page));
    const records = await collect(vika.datasheet("dstX", { v3: true }).records.queryAll());
    expect(records).toHaveLength(1000);
    expect(requests).toHaveLength(2);
  });
});

describe("requests", () => {
  it("sends sort rules as JSON, arrays as repeated keys, and the default fieldKey", async () => {
    const { vika, requests } = scripted(() => envelope({ total: 0, pageNum: 1, pageSize: 0, records: [] }), {
      fieldKey: "id",
    });
    await vika.datasheet("dstX").records.query({ recordIds: ["recA", "recB"], sort: [{ field: "fldA", order: "desc" }] });
    const params = new URL(requests[0]!.url).searchParams;
    expect(params.getAll("recordIds")).toEqual(["recA", "recB"]);
    expect(params.getAll("sort").map((rule) => JSON.parse(rule))).toEqual([{ field: "fldA", order: "desc" }]);
    expect(params.get("fieldKey")).toBe("id");
  });

  it("puts the default fieldKey in write bodies, unless the call gives its own", async () => {
    // The fake server answers with the records it was sent, as the real one reads them back.
    const { vika, requests } = scripted(
      async (_url, request) => envelope({ records: ((await request.json()) as { records: unknown[] }).records }),
      { fieldKey: "id" },
    );
    await vika.datasheet("dstX").records.create([{ fields: { fldA: "x" } }]);
    await vika.datasheet("dstX").records.update([{ recordId: "recA", fields: { Title: "y" } }], { fieldKey: "name" });
    const bodies = await Promise.all(requests.map((request) => request.json()));
    expect(bodies).toEqual([
      { records: [{ fields: { fldA: "x" } }], fieldKey: "id" },
      { records: [{ recordId: "recA", fields: { Title: "y" } }], fieldKey: "name" },
    ]);
  });

  it("sends node-search permissions in the comma form", async () => {
    const { vika, requests } = scripted(() => envelope({ nodes: [] }));
    await vika.nodes.search({ spaceId: "spcX", type: "Datasheet", permissions: [0, 2] });
    expect(new URL(requests[0]!.url).search).toContain("permissions=0,2");
  });

  it("refuses an unknown fieldKey up front", () => {
    expect(() => new Vika({ token: "t", fieldKey: "title" as never })).toThrow(ConfigurationError);
  });
});

describe("writes of any size", () => {
  const echo = async (_url: URL, request: Request) => {
    const body = (await request.json()) as { records: Array<{ recordId?: string; fields: Record<string, unknown> }> };
    return envelope({
      records: body.records.map((record, i) => ({ recordId: record.recordId ?? `recNew${i}`, createdAt: 0, updatedAt: 0, fields: record.fields })),
    });
  };

  it("creates 25 records in requests of at most 10, results in input order", async () => {
    const { vika, requests } = scripted(echo);
    const records = Array.from({ length: 25 }, (_, i) => ({ fields: { Title: `t${i}` } }));
    const created = await vika.datasheet("dstX").records.create(records);
    expect(created.records.map((record) => record.fields.Title)).toEqual(records.map((record) => record.fields.Title));
    const sizes = await Promise.all(requests.map(async (request) => ((await request.json()) as { records: unknown[] }).records.length));
    expect(sizes.sort()).toEqual([10, 10, 5]);
  });

  it("deletes 12 records in two requests", async () => {
    const { vika, requests } = scripted(() => new Response(JSON.stringify({ success: true, code: 200, message: "SUCCESS" })));
    await vika.datasheet("dstX").records.delete(Array.from({ length: 12 }, (_, i) => `rec${i}`));
    expect(requests.map((request) => new URL(request.url).searchParams.getAll("recordIds").length).sort()).toEqual([10, 2]);
  });

  it("a signal given through withOptions stops queryAll", async () => {
    const controller = new AbortController();
    const { vika, requests } = scripted(() =>
      envelope({ total: 1_000_000, pageNum: 1, pageSize: 1, records: [{ recordId: "rec", createdAt: 0, updatedAt: 0, fields: {} }] }),
    );
    let seen = 0;
    await expect(
      (async () => {
        for await (const _record of vika.withOptions({ signal: controller.signal }).datasheet("dstX").records.queryAll({ pageSize: 1 })) {
          seen += 1;
          if (seen === 2) controller.abort();
        }
      })(),
    ).rejects.toThrow();
    expect(requests).toHaveLength(2);
  });
});
