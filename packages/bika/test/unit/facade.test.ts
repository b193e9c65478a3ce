// The Bika facade's own logic against a scripted fetch: v1/v2 pagination, v2 batch splitting, withOptions.
import { describe, expect, it } from "vitest";
import { AbortError, Bika, type BikaOptions, BulkWriteError, ResourceTypeError, ValidationError } from "../../src/index.js";

const envelope = (data: unknown) =>
  new Response(JSON.stringify({ success: true, code: 200, message: "SUCCESS", data }), {
    headers: { "content-type": "application/json" },
  });

function scripted(reply: (url: URL, request: Request) => Response | Promise<Response>, options: Partial<BikaOptions> = {}) {
  const requests: Request[] = [];
  const bika = new Bika({
    token: "bktUnitTest",
    baseURL: "https://bika.example.test/api/openapi/bika",
    rateLimit: false,
    retry: false,
    ...options,
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = input instanceof Request ? input : new Request(input, init);
      requests.push(request.clone());
      return reply(new URL(request.url), request);
    },
  });
  return { bika, requests, database: bika.space.byId("spcX").database("datX") };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe("v1 records.listAll", () => {
  it("pages by number and stops at total", async () => {
    const total = 2500;
    const { database, requests } = scripted((url) => {
      const pageSize = Number(url.searchParams.get("pageSize"));
      const pageNum = Number(url.searchParams.get("pageNum"));
      const start = (pageNum - 1) * pageSize;
      const records = Array.from({ length: Math.max(0, Math.min(pageSize, total - start)) }, (_, i) => ({
        recordId: `rec${start + i}`,
        fields: {},
        createdAt: 0,
        updatedAt: 0,
      }));
      return envelope({ total, pageNum, pageSize: records.length, records });
    });
    const records = await collect(database.records.listAll());
    expect(records.map((record) => record.recordId)).toEqual(Array.from({ length: total }, (_, i) => `rec${i}`));
    expect(requests).toHaveLength(3);
    expect(requests[0]!.url).toContain("/v1/spaces/spcX/resources/databases/datX/records");
  });
});

describe("v2 recordsV2.list sort", () => {
  it("sends each sort key as a bracketed pair, in order", async () => {
    const { database, requests } = scripted(() => envelope({ records: [], hasMore: false }));
    await database.recordsV2.list({ sort: [{ field: "Name", order: "asc" }, { field: "分数 }", order: "desc" }, { field: "Stage" }] });
    const query = new URL(requests[0]!.url).searchParams;
    expect([...query]).toEqual([
      ["sort[0][field]", "Name"],
      ["sort[0][order]", "asc"],
      ["sort[1][field]", "分数 }"],
      ["sort[1][order]", "desc"],
      ["sort[2][field]", "Stage"],
    ]);
  });

  it.each([[{ field: 1 }], [{ field: "Name", order: "up" }], [null], "Name"])("refuses sort %j before sending", async (sort) => {
    const { database, requests } = scripted(() => envelope({ records: [], hasMore: false }));
    await expect(database.recordsV2.list({ sort } as never)).rejects.toThrow(/sort/);
    expect(requests).toHaveLength(0);
  });
});

describe("v2 recordsV2.listAll", () => {
  it("follows offset while hasMore", async () => {
    const { database, requests } = scripted((url) => {
      const offset = url.searchParams.get("offset");
      const page = offset === null ? 0 : Number(offset.slice(3));
      return envelope({
        records: [{ id: `rec${page}`, fields: {} }],
        hasMore: page < 3,
        ...(page < 3 ? { offset: `cur${page + 1}` } : {}),
      });
    });
    const records = await collect(database.recordsV2.listAll({ pageSize: 1 }));
    expect(records.map((record) => record.id)).toEqual(["rec0", "rec1", "rec2", "rec3"]);
    expect(requests.map((request) => new URL(request.url).searchParams.get("offset"))).toEqual([null, "cur1", "cur2", "cur3"]);
  });
});

describe("v2 batch writes", () => {
  const echo = async (_url: URL, request: Request) => {
    const body = (await request.json()) as { records: Array<{ id?: string; fields: Record<string, unknown> }> };
    return envelope({ records: body.records.map((record, i) => ({ id: record.id ?? `recNew${i}`, fields: record.fields })) });
  };

  it("splits 25 records into requests of at most 10 and returns them in input order", async () => {
    const { database, requests } = scripted(echo, { writeConcurrency: 3 });
    const records = Array.from({ length: 25 }, (_, i) => ({ fields: { Name: `n${i}` } }));
    const created = await database.recordsV2.create({ fieldKey: "name", records });
    expect(created.records.map((record) => record.fields.Name)).toEqual(records.map((record) => record.fields.Name));
    const bodies = await Promise.all(requests.map((request) => request.json() as Promise<{ records: unknown[]; fieldKey: string }>));
    expect(bodies.map((body) => body.records.length).sort()).toEqual([10, 10, 5]);
    expect(bodies.every((body) => body.fieldKey === "name")).toBe(true);
  });

  it("honours maxRecordsPerWrite for self-hosted limits", async () => {
    const { database, requests } = scripted(echo, { maxRecordsPerWrite: 4 });
    await database.recordsV2.updateMany({ records: Array.from({ length: 9 }, (_, i) => ({ id: `rec${i}`, fields: {} })) });
    expect(requests).toHaveLength(3);
  });

  it("deletes any number of ids, 10 per request, as repeated `records` keys", async () => {
    const { database, requests } = scripted((url) =>
      envelope({ records: url.searchParams.getAll("records").map((id) => ({ id, deleted: true })) }),
    );
    const ids = Array.from({ length: 12 }, (_, i) => `rec${i}`);
    const result = await database.recordsV2.deleteMany(ids);
    expect(result.records.map((record) => record.id)).toEqual(ids);
    expect(requests.map((request) => new URL(request.url).searchParams.getAll("records").length).sort()).toEqual([10, 2]);
  });

  it("reports a partial failure record by record", async () => {
    let calls = 0;
    const { database } = scripted(
      async (url, request) => {
        calls += 1;
        if (calls === 2) return new Response(JSON.stringify({ success: false, code: 400, message: "bad cell" }));
        return echo(url, request);
      },
      { writeConcurrency: 1 },
    );
    const records = Array.from({ length: 30 }, (_, i) => ({ fields: { Name: `n${i}` } }));
    const error = (await database.recordsV2.create({ records }).then(
      () => undefined,
      (reason: unknown) => reason,
    )) as BulkWriteError;
    expect(error).toBeInstanceOf(BulkWriteError);
    expect(error.written).toHaveLength(10);
    expect(error.failed).toHaveLength(10);
    expect(error.failed[0]!.error).toBeInstanceOf(ValidationError);
    expect(error.notSent).toHaveLength(10);
  });
});

describe("withOptions", () => {
  it("applies a signal to every call made through it, leaving the original client alone", async () => {
    const { bika } = scripted(() => envelope([]));
    const controller = new AbortController();
    controller.abort();
    await expect(bika.withOptions({ signal: controller.signal }).space.list()).rejects.toBeInstanceOf(AbortError);
    await expect(bika.space.list()).resolves.toEqual([]);
  });

  it.each([
    [1, 3, 3],
    [4, 3, 7],
  ])("stops an iterator when its signal aborts (readAhead %i: %i to %i requests, none after)", async (readAhead, fewest, most) => {
    const controller = new AbortController();
    const { bika, requests } = scripted(
      () => envelope({ total: 100_000, pageNum: 1, pageSize: 1, records: [{ recordId: "rec", fields: {}, createdAt: 0, updatedAt: 0 }] }),
      { readAhead },
    );
    const database = bika.withOptions({ signal: controller.signal }).space.byId("spcX").database("datX");
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const record of database.records.listAll({ pageSize: 1 })) {
          seen.push(record.recordId);
          if (seen.length === 3) controller.abort();
        }
      })(),
    ).rejects.toThrow();
    const made = requests.length;
    expect(made).toBeGreaterThanOrEqual(fewest);
    expect(made).toBeLessThanOrEqual(most);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(requests).toHaveLength(made);
  });
});

describe("node resource types", () => {
  it("refuses asDatabase() on an automation, naming both", async () => {
    const { bika } = scripted(() => envelope([{ id: "atoX", name: "Nightly", type: "AUTOMATION", parentId: null }]));
    const [node] = await bika.space.byId("spcX").nodes.list();
    await expect(node!.asDatabase()).rejects.toThrow(ResourceTypeError);
    await expect(node!.asDatabase()).rejects.toThrow(/atoX.*AUTOMATION/);
    await expect(node!.asAutomation()).resolves.toHaveProperty("id", "atoX");
  });
});
