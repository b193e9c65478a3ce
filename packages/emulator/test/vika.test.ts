// The Vika emulator driven by the real client: every operation of the spec, success and error paths, each
// response validated against the spec; then the server semantics a flow depends on.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ApiError, NotFoundError, ValidationError, Vika } from "@bikavika/vika";
import { type HttpServer, startHttp } from "../src/http.js";
import { createVikaApi } from "../src/vika/index.js";
import { defaultVikaSeed } from "../src/vika/seed.js";
import { specChecker } from "./spec-check.js";

const SPACE = "spcEmulator01";
const TASKS = "dstEmulator0000001";
const FOLDER = "fodEmulator01";
const ADMIN = "1000000000000000001";
const ALEX = "1000000000000000002";
const TEAM = "2000000000000000001";
const ROLE = "3000000000000000001";

let server: HttpServer;
let api: ReturnType<typeof createVikaApi>;
const checker = specChecker("@bikavika/vika-openapi");
let vika: Vika;

beforeAll(async () => {
  api = createVikaApi(defaultVikaSeed);
  server = await startHttp({ routes: api.routes, bucketOf: api.bucketOf, errors: api.errors, qps: false });
  vika = new Vika({ token: "uskEmulatorTest", host: server.url, fetch: checker.fetch, rateLimit: false, retry: false });
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => api.reset());

/** `vika.request` without the typing: the table below names operations by path. */
const call = (method: string, path: string, init: object = {}) =>
  (vika.request as (...args: unknown[]) => Promise<any>)(method, path, init, path.includes("/chat/") ? { enveloped: false } : {});
const DS = "/fusion/v1/datasheets/{datasheetId}";
const SP = "/fusion/v1/spaces/{spaceId}";

describe("every operation, against the spec", () => {
  it("answers each operation's success and its refusals with what the spec declares", async () => {
    const ds = { params: { path: { datasheetId: TASKS } } };
    const sp = { params: { path: { spaceId: SPACE } } };
    // Successes, in an order that builds on itself.
    await call("get", "/fusion/v1/spaces");
    await call("get", `${SP}/nodes`, sp);
    await call("get", "/fusion/v2/spaces/{spaceId}/nodes", { params: { path: { spaceId: SPACE }, query: { type: "Datasheet" } } });
    await call("get", "/fusion/v1/nodes/{nodeId}", { params: { path: { nodeId: FOLDER } } });
    await call("get", `${SP}/nodes/{nodeId}`, { params: { path: { spaceId: SPACE, nodeId: TASKS } } });
    const created = await call("post", `${SP}/datasheets`, {
      ...sp,
      body: {
        name: "Everything",
        fields: [
          { name: "Name", type: "SingleText" },
          { name: "Notes", type: "Text" },
          { name: "Tags", type: "MultiSelect", property: { options: [{ name: "a", color: "red_0" }] } },
          { name: "Pick", type: "SingleSelect", property: { options: [{ name: "x" }] } },
          { name: "Amount", type: "Currency", property: { precision: 2, symbol: "$" } },
          { name: "Ratio", type: "Percent", property: { precision: 1 } },
          { name: "When", type: "DateTime", property: { dateFormat: "YYYY-MM-DD", includeTime: true } },
          { name: "Files", type: "Attachment" },
          { name: "People", type: "Member", property: {} },
          { name: "Ok", type: "Checkbox", property: { icon: "white_check_mark" } },
          { name: "Stars", type: "Rating", property: { icon: "star", max: 5 } },
          { name: "Site", type: "URL" },
          { name: "Phone", type: "Phone" },
          { name: "Mail", type: "Email" },
          { name: "Doc", type: "WorkDoc" },
          { name: "Twice", type: "Formula", property: { expression: "{Amount} * 2" } },
          { name: "Seq", type: "AutoNumber" },
          { name: "Born", type: "CreatedTime", property: { dateFormat: "YYYY-MM-DD" } },
          { name: "Touched", type: "LastModifiedTime", property: { dateFormat: "YYYY-MM-DD" } },
          { name: "By", type: "CreatedBy" },
          { name: "EditedBy", type: "LastModifiedBy" },
          { name: "Task", type: "OneWayLink", property: { foreignDatasheetId: TASKS } },
          { name: "Pair", type: "TwoWayLink", property: { foreignDatasheetId: TASKS } },
        ],
      },
    });
    const every = { params: { path: { datasheetId: created.id } } };
    await call("post", `${SP}/datasheets/{datasheetId}/fields`, { params: { path: { spaceId: SPACE, datasheetId: created.id } }, body: { name: "Extra", type: "Number", property: { precision: 0 } } });
    const { fields } = await call("get", `${DS}/fields`, every);
    await call("delete", `${SP}/datasheets/{datasheetId}/fields/{fieldId}`, {
      params: { path: { spaceId: SPACE, datasheetId: created.id, fieldId: fields.find((field: { name: string }) => field.name === "Extra").id } },
    });
    await call("get", `${DS}/views`, every);
    const form = new FormData();
    form.append("file", new Blob(["hello"], { type: "text/plain" }), "hello.txt");
    const file = await call("post", `${DS}/attachments`, { ...every, body: form });
    await call("get", `${DS}/attachments/presignedUrl`, { ...every, params: { ...every.params, query: { count: 2 } } });
    const tasks = await call("get", `${DS}/records`, ds);
    const { records } = await call("post", `${DS}/records`, {
      ...every,
      body: {
        records: [
          {
            fields: {
              Name: "all types",
              Notes: "line 1\nline 2",
              Tags: ["a", "b"],
              Pick: "y",
              Amount: 12.5,
              Ratio: 0.25,
              When: "2026-03-01T10:00:00Z",
              Files: [{ token: file.token, name: "renamed.txt" }],
              People: [{ unitId: ALEX }],
              Ok: true,
              Stars: 4,
              Site: { text: "https://example.com", title: "Example" },
              Phone: "+1 555",
              Mail: "a@example.com",
              Task: [tasks.records[0].recordId],
              Pair: [tasks.records[1].recordId],
            },
          },
        ],
      },
    });
    await call("get", `${DS}/records`, { params: { path: { datasheetId: created.id }, query: { cellFormat: "string" } } });
    await call("patch", `${DS}/records`, { ...every, body: { records: [{ recordId: records[0].recordId, fields: { Name: "patched" } }] } });
    await call("put", `${DS}/records`, { ...every, body: { records: [{ recordId: records[0].recordId, fields: { Stars: null } }] } });
    await call("delete", `${DS}/records`, { params: { path: { datasheetId: created.id }, query: { recordIds: [records[0].recordId] } } });
    await call("get", "/fusion/v1/timemachine/{datasheetId}", every);
    const V3 = "/fusion/v3/datasheets/{datasheetId}/records";
    const { records: v3 } = await call("post", V3, { ...every, body: { records: [{ fields: { Name: "v3" } }] } });
    await call("get", V3, every);
    await call("patch", V3, { ...every, body: { records: [{ recordId: v3[0].recordId, fields: { Name: "v3 patched" } }] } });
    await call("put", V3, { ...every, body: { records: [{ recordId: v3[0].recordId, fields: { Name: "v3 put" } }] } });
    await call("delete", V3, { params: { path: { datasheetId: created.id }, query: { recordIds: [v3[0].recordId] } } });
    const nodeLinks = { params: { path: { spaceId: SPACE, nodeId: TASKS } } };
    const link = await call("post", `${SP}/nodes/{nodeId}/embedlinks`, { ...nodeLinks, body: { theme: "dark", payload: { viewControl: { viewId: "viwEmulator01" } } } });
    await call("get", `${SP}/nodes/{nodeId}/embedlinks`, nodeLinks);
    await call("delete", `${SP}/nodes/{nodeId}/embedlinks/{linkId}`, { params: { path: { spaceId: SPACE, nodeId: TASKS, linkId: link.linkId } } });
    const member = (unitId: string) => ({ params: { path: { spaceId: SPACE, unitId } } });
    await call("get", `${SP}/members/{unitId}`, { params: { path: { spaceId: SPACE, unitId: ALEX }, query: { sensitiveData: true } } });
    const { team } = await call("post", `${SP}/teams`, { ...sp, body: { name: "Design", roles: [ROLE] } });
    await call("put", `${SP}/members/{unitId}`, { ...member(ALEX), body: { name: "Alexandra", teams: [TEAM, team.unitId], roles: [ROLE] } });
    await call("put", `${SP}/teams/{unitId}`, { ...member(team.unitId), body: { name: "Design team" } });
    await call("get", `${SP}/teams/{unitId}/members`, member(TEAM));
    await call("get", `${SP}/teams/{unitId}/children`, member("0"));
    await call("get", `${SP}/roles`, sp);
    const { role } = await call("post", `${SP}/roles`, { ...sp, body: { name: "Auditor" } });
    await call("put", `${SP}/roles/{unitId}`, { ...member(role.unitId), body: { name: "Auditors" } });
    await call("get", `${SP}/roles/{unitId}/units`, member(ROLE));
    await call("delete", `${SP}/roles/{unitId}`, member(role.unitId));
    await call("put", `${SP}/members/{unitId}`, { ...member(ALEX), body: { teams: [TEAM] } });
    await call("delete", `${SP}/teams/{unitId}`, member(team.unitId));
    await call("delete", `${SP}/members/{unitId}`, member(ALEX));
    await call("post", "/fusion/v1/ai/{aiId}/chat/completions", { params: { path: { aiId: "ai_1" } }, body: { model: "gpt-4o", messages: [{ role: "user", content: "hi" }] } });

    // Refusals: each operation once, each a typed ApiError.
    const unknownSheet = { params: { path: { datasheetId: "dstNoSuchSheet00001" } } };
    const refusals: Array<[string, string, object]> = [
      ["get", `${DS}/records`, { params: { path: { datasheetId: TASKS }, query: { pageSize: 5000 } } }],
      ["post", `${DS}/records`, { ...ds, body: { records: Array.from({ length: 11 }, () => ({ fields: { Title: "x" } })) } }],
      ["patch", `${DS}/records`, { ...ds, body: { records: [{ recordId: "recNoSuchRecord", fields: { Title: "x" } }] } }],
      ["put", `${DS}/records`, { ...ds, body: { records: [{ recordId: "recNoSuchRecord", fields: { Title: "x" } }] } }],
      ["delete", `${DS}/records`, { params: { path: { datasheetId: TASKS }, query: { recordIds: ["recNoSuchRecord"] } } }],
      ["get", `${DS}/fields`, unknownSheet],
      ["get", "/fusion/v1/timemachine/{datasheetId}", unknownSheet],
      ["get", "/fusion/v3/datasheets/{datasheetId}/records", unknownSheet],
      ["post", "/fusion/v3/datasheets/{datasheetId}/records", { ...ds, body: { records: [] } }],
      ["patch", "/fusion/v3/datasheets/{datasheetId}/records", { ...ds, body: { records: [{ recordId: "recNoSuchRecord", fields: {} }] } }],
      ["put", "/fusion/v3/datasheets/{datasheetId}/records", { ...ds, body: { records: [{ recordId: "recNoSuchRecord", fields: {} }] } }],
      ["delete", "/fusion/v3/datasheets/{datasheetId}/records", { params: { path: { datasheetId: TASKS }, query: { recordIds: ["recNoSuchRecord"] } } }],
      ["post", `${SP}/datasheets/{datasheetId}/fields`, { params: { path: { spaceId: SPACE, datasheetId: TASKS } }, body: { name: "Title", type: "Text" } }],
      ["delete", `${SP}/datasheets/{datasheetId}/fields/{fieldId}`, { params: { path: { spaceId: SPACE, datasheetId: TASKS, fieldId: "fldTitle00001" } } }],
      ["get", `${DS}/views`, unknownSheet],
      ["post", `${SP}/datasheets`, { ...sp, body: { name: "Bad", fields: [{ name: "Files", type: "Attachment" }] } }],
      ["post", `${DS}/attachments`, { ...unknownSheet, body: form }],
      ["get", `${DS}/attachments/presignedUrl`, { params: { path: { datasheetId: TASKS }, query: { count: 21 } } }],
      ["get", `${SP}/nodes`, { params: { path: { spaceId: "spcNoSuchSpace" } } }],
      ["get", "/fusion/v2/spaces/{spaceId}/nodes", { params: { path: { spaceId: SPACE }, query: { type: "Datasheet", permissions: [7] } } }],
      ["get", "/fusion/v1/nodes/{nodeId}", { params: { path: { nodeId: "dstNoSuchNode" } } }],
      ["get", `${SP}/nodes/{nodeId}`, { params: { path: { spaceId: SPACE, nodeId: "dstNoSuchNode" } } }],
      ["post", `${SP}/nodes/{nodeId}/embedlinks`, { ...nodeLinks, body: { theme: "neon" } }],
      ["get", `${SP}/nodes/{nodeId}/embedlinks`, { params: { path: { spaceId: SPACE, nodeId: "dstNoSuchNode" } } }],
      ["delete", `${SP}/nodes/{nodeId}/embedlinks/{linkId}`, { params: { path: { spaceId: SPACE, nodeId: TASKS, linkId: "embNoSuchLink" } } }],
      ["get", `${SP}/members/{unitId}`, member("42")],
      ["put", `${SP}/members/{unitId}`, { ...member(ADMIN), body: { teams: ["42"] } }],
      ["delete", `${SP}/members/{unitId}`, member(ADMIN)],
      ["post", `${SP}/teams`, { ...sp, body: { name: "Engineering" } }],
      ["put", `${SP}/teams/{unitId}`, { ...member("42"), body: { name: "x" } }],
      ["delete", `${SP}/teams/{unitId}`, member(TEAM)],
      ["get", `${SP}/teams/{unitId}/members`, member("42")],
      ["get", `${SP}/teams/{unitId}/children`, member("42")],
      ["get", `${SP}/roles`, { params: { path: { spaceId: "spcNoSuchSpace" } } }],
      ["post", `${SP}/roles`, { ...sp, body: { name: "Reviewer" } }],
      ["put", `${SP}/roles/{unitId}`, { ...member("42"), body: { name: "x" } }],
      ["delete", `${SP}/roles/{unitId}`, member("42")],
      ["get", `${SP}/roles/{unitId}/units`, member("42")],
      ["post", "/fusion/v1/ai/{aiId}/chat/completions", { params: { path: { aiId: "ai_1" } }, body: { model: "gpt-4o", messages: [] } }],
      ["get", "/fusion/v1/spaces", {}],
    ];
    api.reset();
    for (const [method, path, init] of refusals) {
      const error = await call(method, path, init).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      // listSpaces cannot be refused with a valid token; it is checked without one below.
      if (path === "/fusion/v1/spaces") continue;
      expect(error, `${method} ${path}`).toBeInstanceOf(ApiError);
    }
    const anonymous = await checker.fetch(`${server.url}/fusion/v1/spaces`);
    expect(anonymous.status).toBe(401);

    checker.assertValid();
    const succeeded = new Set(checker.seen.filter((exchange) => exchange.ok).map((exchange) => exchange.operationId));
    const refused = new Set(checker.seen.filter((exchange) => !exchange.ok).map((exchange) => exchange.operationId));
    expect(checker.operations.filter((id) => !succeeded.has(id))).toEqual([]);
    expect(checker.operations.filter((id) => !refused.has(id))).toEqual([]);
  });
});

describe("the spec check itself", () => {
  it("flags a body that does not match its operation's schema, and a status the operation does not declare", async () => {
    const strict = specChecker("@bikavika/vika-openapi");
    const liar = await startHttp({
      routes: [
        { method: "GET", path: "/fusion/v1/spaces", handler: () => ({ spaces: [{ id: 7 }] }) },
        { method: "GET", path: "/fusion/v1/datasheets/{datasheetId}/views", handler: () => ({ raw: { status: 418, headers: {}, body: "{}" } }) },
      ],
      bucketOf: () => "user",
      errors: api.errors,
      qps: false,
    });
    try {
      const headers = { authorization: "Bearer uskEmulatorTest" };
      await strict.fetch(`${liar.url}/fusion/v1/spaces`, { headers });
      await strict.fetch(`${liar.url}/fusion/v1/datasheets/dst1/views`, { headers });
      expect(strict.problems).toHaveLength(2);
      expect(strict.problems[0]).toMatch(/^listSpaces 200: .*name/);
      expect(strict.problems[1]).toMatch(/^listViews: HTTP 418 is not a declared response/);
    } finally {
      await liar.close();
    }
  });
});

describe("records as the server pages, orders and filters them", () => {
  const sheet = () => vika.datasheet(TASKS);

  it("round-trips a create → list → update → delete flow", async () => {
    const {
      records: [created],
    } = await sheet().records.create([{ fields: { Title: "Emulated", Status: "New status", Estimate: 2 } }]);
    expect(created!.fields).toMatchObject({ Title: "Emulated", Status: "New status", Estimate: 2, "No.": 4 });
    const { fields } = await sheet().fields.list();
    const status = fields.find((field) => field.name === "Status") as { property: { options: Array<{ name: string }> } };
    expect(status.property.options.map((option) => option.name)).toContain("New status");
    const page = await sheet().records.query({ filterByFormula: '{Title} = "Emulated"' });
    expect(page.records.map((record) => record.recordId)).toEqual([created!.recordId]);
    await sheet().records.update([{ recordId: created!.recordId, fields: { Estimate: null, Title: "Renamed" } }]);
    const [after] = (await sheet().records.query({ recordIds: [created!.recordId] })).records;
    expect(after!.fields).not.toHaveProperty("Estimate");
    expect(after!.fields.Title).toBe("Renamed");
    await sheet().records.delete([created!.recordId]);
    expect((await sheet().records.query()).total).toBe(3);
  });

  it("pages like the server: total over all pages, pageSize = records returned, maxRecords caps total", async () => {
    await sheet().records.create(Array.from({ length: 247 }, (_, index) => ({ fields: { Title: `row ${index}`, Estimate: index } })));
    const first = await sheet().records.query({ pageSize: 100 });
    expect([first.total, first.pageSize, first.pageNum]).toEqual([250, 100, 1]);
    const last = await sheet().records.query({ pageSize: 100, pageNum: 3 });
    expect([last.total, last.pageSize, last.records.length]).toEqual([250, 50, 50]);
    const past = await sheet().records.query({ pageSize: 100, pageNum: 4 });
    expect([past.total, past.pageSize]).toEqual([250, 0]);
    const capped = await sheet().records.query({ pageSize: 100, pageNum: 2, maxRecords: 150 });
    expect([capped.total, capped.records.length]).toEqual([150, 50]);
    const all = [];
    for await (const record of sheet().records.queryAll({ pageSize: 60 })) all.push(record);
    expect(all).toHaveLength(250);
    expect(new Set(all.map((record) => record.recordId)).size).toBe(250);
  });

  it("pages recordIds too (100 by default), in the order asked for", async () => {
    const { records: created } = await sheet().records.create(Array.from({ length: 150 }, (_, index) => ({ fields: { Title: `r${index}` } })));
    const ids = created.map((record) => record.recordId).reverse();
    const page = await sheet().records.query({ recordIds: ids });
    expect([page.total, page.records.length]).toEqual([150, 100]);
    expect(page.records.map((record) => record.recordId)).toEqual(ids.slice(0, 100));
    const everything = await sheet().records.get(ids);
    expect(everything.records.map((record) => record.recordId)).toEqual(ids);
  });

  it("sorts, projects fields, keys by id, formats as strings", async () => {
    const sorted = await sheet().records.query({ sort: [{ field: "Estimate", order: "desc" }] });
    expect(sorted.records.map((record) => record.fields.Estimate)).toEqual([5, 3, 1.5]);
    const projected = await sheet().records.query({ fields: ["Title"] });
    expect(projected.records.every((record) => Object.keys(record.fields).join() === "Title")).toBe(true);
    const byId = await sheet().records.query({ fieldKey: "id", fields: ["fldTitle00001"] });
    expect(Object.keys(byId.records[0]!.fields)).toEqual(["fldTitle00001"]);
    const text = await sheet().records.query({ cellFormat: "string", recordIds: [sorted.records[1]!.recordId] });
    expect(text.records[0]!.fields).toMatchObject({ Title: "Write the spec", Estimate: "3", Due: "2026-01-15", Owner: "Emulator User" });
  });

  it("filters with the formula subset, and refuses a formula it cannot read", async () => {
    const query = async (filterByFormula: string) => (await sheet().records.query({ filterByFormula })).records.map((record) => record.fields.Title);
    expect(await query("AND({Estimate} >= 2, NOT({Done}))")).toEqual(["Build the client"]);
    expect(await query('OR({Status} = "Done", LEN({Title}) < 8)')).toEqual(["Write the spec", "Ship it"]);
    expect(await query('FIND("client", LOWER({Title})) > 0')).toEqual(["Build the client"]);
    expect(await query("{Estimate} * 2 = 3")).toEqual(["Ship it"]);
    await expect(sheet().records.query({ filterByFormula: "{Title} = " })).rejects.toBeInstanceOf(ValidationError);
    await expect(sheet().records.query({ filterByFormula: "NO_SUCH_FUNCTION(1)" })).rejects.toThrow(/not supported/);
    await expect(sheet().records.query({ filterByFormula: "{No such field} = 1" })).rejects.toThrow(/no field/);
  });

  it("refuses bad cells as the field validators do, writing nothing", async () => {
    const refusals: Array<[Record<string, unknown>, RegExp]> = [
      [{ Status: ["Done"] }, /one option name/],
      [{ Estimate: "3" }, /a number/],
      [{ Done: "yes" }, /true or false/],
      [{ Due: "not a date" }, /timestamp/],
      [{ Owner: [{ unitId: "999" }] }, /no such member/],
      [{ "No.": 7 }, /computed/],
      [{ "No.": null }, /computed/],
    ];
    for (const [fields, message] of refusals) {
      await expect(sheet().records.create([{ fields: { Title: "bad", ...fields } }]), JSON.stringify(fields)).rejects.toThrow(message);
    }
    expect((await sheet().records.query()).total).toBe(3);
  });

  it("keeps two-way links in step on both sides", async () => {
    const created = await vika.space(SPACE).datasheets.create({ name: "Sprints", fields: [{ name: "Sprint", type: "SingleText", property: {} }, { name: "Tasks", type: "TwoWayLink", property: { foreignDatasheetId: TASKS } }] });
    const sprint = vika.datasheet(created.id);
    const tasks = await sheet().records.query();
    const {
      records: [made],
    } = await sprint.records.create([{ fields: { Sprint: "S1", Tasks: [tasks.records[0]!.recordId] } }]);
    const { fields } = await sheet().fields.list();
    const back = fields.find((field) => field.type === "TwoWayLink")!;
    const [linked] = (await sheet().records.query({ recordIds: [tasks.records[0]!.recordId] })).records;
    expect(linked!.fields[back.name]).toEqual([made!.recordId]);
    await sprint.records.update([{ recordId: made!.recordId, fields: { Tasks: null } }]);
    const [unlinked] = (await sheet().records.query({ recordIds: [tasks.records[0]!.recordId] })).records;
    expect(unlinked!.fields).not.toHaveProperty(back.name);
  });

  it("serves an uploaded file back at the URL it returns", async () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 251, 252]);
    const attachment = await sheet().upload(bytes, "data.bin");
    const served = await fetch(attachment.url);
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(bytes);
    const {
      records: [record],
    } = await sheet().records.create([{ fields: { Title: "with file" } }]);
    expect(record!.fields.Title).toBe("with file");
  });

  it("lists the ids of deleted records on the timemachine route", async () => {
    const {
      records: [gone],
    } = await sheet().records.create([{ fields: { Title: "short-lived" } }]);
    await sheet().records.delete([gone!.recordId]);
    const response = await fetch(`${server.url}/fusion/v1/timemachine/${TASKS}`, { headers: { authorization: "Bearer uskEmulatorTest" } });
    expect(await response.json()).toMatchObject({ success: true, data: [gone!.recordId] });
  });

  it("answers an unknown datasheet with code 301 under HTTP 200", async () => {
    const error = await vika.datasheet("dstNoSuchSheet00001").records.query().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 200, code: 301 });
  });
});
