// The Bika emulator driven through the real client (@bikavika/bika) over HTTP. Every response the emulator sends
// in these tests is checked against the response schema of its operation in the Bika spec.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ApiError, Bika, type DatabaseAO, ServerError } from "@bikavika/bika";
import { loadSpec } from "@bikavika/bika-openapi";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { BIKA_BASE_PATH, type BikaSeed, bikaSeedSchema, createBikaApi, defaultBikaSeed } from "../src/bika/index.js";
import type { EmulatedApi } from "../src/api.js";
import { type HttpServer, startHttp } from "../src/http.js";

const SPACE = "spcND68gdMMZBmGK67gvqNVX";
const DATABASE = "datJubyEnetNFd3UQ6gSeq7U";
const AUTOMATION = "atoV5nB7cX9zL2kJ4hG6fD8s";
const ACME = "recpx8ZUBHmRFuD0fGTObHxL";
const GLOBEX = "recQ3w5E7r9T1y3U5i7O9p1A";
const INITECH = "recI7n9I1t3E5c7H9i1N3t5E";
const SEED_RECORDS = 3;
const V1_RECORDS = `/v1/spaces/{spaceId}/resources/databases/{nodeId}/records`;
const V2_RECORDS = `/v2/spaces/{spaceId}/resources/databases/{nodeId}/records`;

// ---------------------------------------------------------------- the spec as a response checker
type Json = Record<string, any>;
const spec = loadSpec() as unknown as Json;
const ajv = new Ajv2020({ strict: false, validateFormats: false, validateSchema: false, allErrors: true });
ajv.addSchema(spec, "bika-spec");
const METHODS = ["get", "post", "put", "patch", "delete"];
const pointer = (...segments: string[]) =>
  segments.map((segment) => encodeURIComponent(segment.replace(/~/g, "~0").replace(/\//g, "~1"))).join("/");
const templates = Object.keys(spec.paths as Json).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`),
}));

/** Problems found so far with responses; each test ends by asserting there are none. */
const violations: string[] = [];
/** Operations (method and path template) seen answering, with the statuses they answered with. */
const seen = new Map<string, Set<number>>();

function checkResponse(method: string, url: string, status: number, text: string) {
  const { pathname } = new URL(url);
  if (!pathname.startsWith(BIKA_BASE_PATH)) return;
  const path = pathname.slice(BIKA_BASE_PATH.length);
  const lower = method.toLowerCase();
  const match = templates.find(({ pattern, template }) => pattern.test(path) && spec.paths[template][lower]);
  if (!match) return void violations.push(`${method} ${path}: no operation in the spec`);
  const key = `${method} ${match.template}`;
  seen.set(key, (seen.get(key) ?? new Set()).add(status));
  const response = spec.paths[match.template][lower].responses[String(status)];
  if (!response) return void violations.push(`${key}: status ${status} is not declared`);
  const base = response.$ref
    ? (response.$ref as string).slice(1)
    : `/${pointer("paths", match.template, lower, "responses", String(status))}`;
  const validate = ajv.getSchema(`bika-spec#${base}/${pointer("content", "application/json", "schema")}`);
  if (!validate) return void violations.push(`${key} ${status}: no JSON schema`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return void violations.push(`${key} ${status}: not JSON: ${text.slice(0, 80)}`);
  }
  if (!validate(body)) {
    violations.push(`${key} ${status}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(body).slice(0, 300)}`);
  }
}

/** fetch that checks every answer against the spec on the way back (through the real fetch, even when it is stubbed). */
const realFetch = globalThis.fetch;
const checkingFetch: typeof fetch = async (input, init) => {
  const request = new Request(input, init);
  const response = await realFetch(request);
  checkResponse(request.method, request.url, response.status, await response.clone().text());
  return response;
};

// ---------------------------------------------------------------- the emulator and the client
let api: EmulatedApi;
let server: HttpServer;
let bika: Bika;
let base: string;

beforeAll(async () => {
  api = createBikaApi(defaultBikaSeed);
  server = await startHttp({
    routes: api.routes,
    bucketOf: api.bucketOf,
    recordsIn: api.recordsIn,
    errors: api.errors,
    errorExtra: api.errorExtra,
    qps: false,
  });
  base = server.url + BIKA_BASE_PATH;
  bika = new Bika({ token: "bktTest", baseURL: base, fetch: checkingFetch, rateLimit: false, retry: false });
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  api.reset();
});

afterEach(() => {
  expect(violations.splice(0)).toEqual([]);
});

const database = (): DatabaseAO => bika.space.byId(SPACE).database(DATABASE);

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!("error" in outcome)) throw new Error(`expected a refusal, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(ApiError);
  return outcome.error as ApiError;
}

/** A raw call with the spec check, for what the client cannot send (no token, wrong shapes). */
async function raw(method: string, path: string, options: { body?: unknown; token?: string | null } = {}) {
  const headers: Record<string, string> = {};
  if (options.token !== null) headers.authorization = `Bearer ${options.token ?? "bktTest"}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await checkingFetch(base + path, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

/** Every record id through v1 pages, paging the way the spec says: until `pageNum * pageSize >= total`. */
async function allV1Ids(pageSize: number): Promise<{ ids: string[]; pages: number; totals: Set<number> }> {
  const ids: string[] = [];
  const totals = new Set<number>();
  let pageNum = 1;
  for (;; pageNum += 1) {
    const page = await database().records.list({ pageNum, pageSize });
    totals.add(page.total);
    expect([page.pageNum, page.pageSize]).toEqual([pageNum, pageSize]);
    ids.push(...page.records.map((record) => record.recordId));
    if (pageNum * pageSize >= page.total) break;
  }
  return { ids, pages: pageNum, totals };
}

// ---------------------------------------------------------------- seed
describe("seed", () => {
  it("the default seed is valid against bikaSeedSchema", () => {
    const validate = new Ajv2020({ strict: true }).compile(bikaSeedSchema);
    expect(validate(defaultBikaSeed), JSON.stringify(validate.errors)).toBe(true);
  });

  it("refuses a seed with a typo, an unknown field name or a duplicate id", () => {
    const typo = structuredClone(defaultBikaSeed) as unknown as Json;
    typo.spaces[0].nodes[0].children[0].fields[0].tpye = "SINGLE_TEXT";
    expect(() => createBikaApi(typo as BikaSeed)).toThrow(
      'invalid Bika seed:\n  /spaces/0/nodes/0/children/0/fields/0 has an unknown key "tpye"',
    );
    const wrongKind = structuredClone(defaultBikaSeed) as unknown as Json;
    wrongKind.spaces[0].nodes[0].children[1].fields = [];
    expect(() => createBikaApi(wrongKind as BikaSeed)).toThrow('/spaces/0/nodes/0/children/1 has an unknown key "fields"');

    const unknownField = structuredClone(defaultBikaSeed) as unknown as Json;
    unknownField.spaces[0].nodes[0].children[0].records[0].fields.Stage = "Won";
    expect(() => createBikaApi(unknownField as BikaSeed)).toThrow(/no field named "Stage"/);

    const badOption = structuredClone(defaultBikaSeed) as unknown as Json;
    badOption.spaces[0].nodes[0].children[0].records[0].fields.Status = "Won";
    expect(() => createBikaApi(badOption as BikaSeed)).toThrow(/Invalid option "Won"/);

    const duplicate = structuredClone(defaultBikaSeed) as unknown as Json;
    duplicate.spaces[0].nodes[0].children[0].records[1].id = ACME;
    expect(() => createBikaApi(duplicate as BikaSeed)).toThrow(/duplicate record id/);
  });

  it("makes up ids in Bika's formats for a seed without ids, and reset() brings the same ones back", async () => {
    const seed: BikaSeed = {
      api: "bika",
      spaces: [
        {
          name: "Bare",
          nodes: [
            {
              type: "FOLDER",
              name: "Ops",
              children: [
                {
                  type: "DATABASE",
                  name: "Tasks",
                  fields: [
                    { name: "Title", type: "SINGLE_TEXT" },
                    { name: "Hours", type: "NUMBER" },
                    { name: "Double", type: "FORMULA", property: { expression: "{Hours} * 2" } },
                    { name: "No.", type: "AUTONUMBER" },
                    { name: "Created", type: "CREATED_TIME" },
                    { name: "Blocks", type: "LINK" },
                  ],
                  records: [{ fields: { Title: "a", Hours: 3 } }, { fields: { Title: "b" } }],
                },
              ],
            },
          ],
        },
      ],
    };
    const bare = createBikaApi(seed);
    const bareServer = await startHttp({ routes: bare.routes, bucketOf: bare.bucketOf, errors: bare.errors, errorExtra: bare.errorExtra, qps: false });
    try {
      const client = new Bika({ token: "bktTest", baseURL: bareServer.url + BIKA_BASE_PATH, fetch: checkingFetch, rateLimit: false, retry: false });
      const [space] = await client.space.list();
      expect(space!.id).toMatch(/^spc[A-Za-z0-9]{21}$/);
      const nodes = await space!.nodes.list();
      expect(nodes.map((node) => [node.resourceType, node.data.path])).toEqual([
        ["ROOT", "/"],
        ["FOLDER", "/Ops"],
        ["DATABASE", "/Ops/Tasks"],
      ]);
      expect(nodes[0]!.id).toMatch(/^rot[A-Za-z0-9]{21}$/);
      expect(nodes[2]!.id).toMatch(/^dat[A-Za-z0-9]{21}$/);
      const tasks = await nodes[2]!.asDatabase();
      const fields = await tasks.fields.list();
      expect(fields.every((field) => /^fld[A-Za-z0-9]{21}$/.test(field.id))).toBe(true);
      expect(fields[0]!.primary).toBe(true);
      const views = await tasks.views.list();
      expect(views).toEqual([{ id: expect.stringMatching(/^viw[A-Za-z0-9]{21}$/), name: "All records", type: "TABLE" }]);

      const page = await tasks.records.list();
      expect(page.records.map((record) => record.recordId).every((id) => /^rec[A-Za-z0-9]{21}$/.test(id))).toBe(true);
      expect(page.records[0]!.fields).toMatchObject({ Title: "a", Hours: 3, Double: 6, "No.": 1 });
      expect(page.records[1]!.fields).toMatchObject({ Title: "b", Double: 0, "No.": 2 });
      expect(typeof page.records[0]!.fields.Created).toBe("string");

      const [created] = (await tasks.recordsV2.create({ records: [{ fields: { Title: "c", Blocks: [page.records[0]!.recordId] } }] })).records;
      expect(created!.fields).toMatchObject({ Title: "c", "No.": 3, Blocks: [page.records[0]!.recordId] });
      await tasks.recordsV2.delete(page.records[0]!.recordId);
      expect((await tasks.recordsV2.get(created!.id)).fields.Blocks).toBeUndefined();
      const readOnly = await failure(tasks.recordsV2.update(created!.id, { fields: { Double: 1 } }));
      expect(readOnly.code).toBe(400);
      expect(readOnly.serverMessage).toBe('Field "Double" (FORMULA) is read-only');
      const badLink = await failure(tasks.recordsV2.update(created!.id, { fields: { Blocks: ["recNope"] } }));
      expect(badLink.serverMessage).toBe("Record not found: recNope");

      bare.reset();
      expect((await client.space.list()).map((each) => each.id)).toEqual([space!.id]);
      expect((await tasks.records.list()).records.map((record) => record.recordId)).toEqual(page.records.map((record) => record.recordId));
    } finally {
      await bareServer.close();
    }
  });
});

// ---------------------------------------------------------------- the HTTP layer as Bika answers
describe("auth, envelopes, buckets", () => {
  it("answers a request without Authorization with 401 and the envelope", async () => {
    const answer = await raw("GET", "/v1/spaces", { token: null });
    expect(answer).toEqual({ status: 401, body: { success: false, code: 401, message: "Unauthorized", data: {} } });
  });

  it("the spec check itself catches a response that breaks the spec", () => {
    checkResponse("GET", `${base}/v1/spaces`, 200, JSON.stringify({ success: true, code: 200, message: "SUCCESS", data: { spaces: [] } }));
    checkResponse("GET", `${base}/v1/spaces`, 418, "{}");
    checkResponse("GET", `${base}/v1/nowhere`, 200, "{}");
    expect(violations.splice(0)).toHaveLength(3);
  });

  it("answers an unknown route with 404", async () => {
    const response = await fetch(`${base}/v1/nothing-here`, { headers: { authorization: "Bearer bktTest" } });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ success: false, code: 404, message: "Not Found", data: {} });
  });

  it("tells the request log how many records each write carried", async () => {
    const from = server.log.length;
    await database().recordsV2.create({ records: [{ fields: { Name: "a" } }, { fields: { Name: "b" } }, { fields: { Name: "c" } }] });
    const { id } = await database().records.create({ cells: { Name: "d" } });
    await database().records.update({ id, cells: { Name: "e" } });
    await database().recordsV2.deleteMany([ACME, GLOBEX]);
    await raw("DELETE", `/v2/spaces/${SPACE}/resources/databases/${DATABASE}/records`, { body: { recordIds: [INITECH] } });
    await database().records.list();
    expect(server.log.slice(from).map((entry) => entry.records)).toEqual([3, 1, 1, 2, 1, undefined]);
  });

  it("counts requests against the space in the path, else against the user", () => {
    expect(api.bucketOf(`${BIKA_BASE_PATH}/v1/spaces/${SPACE}/nodes`)).toBe(SPACE);
    expect(api.bucketOf(`${BIKA_BASE_PATH}/v2/spaces/${SPACE}/resources/databases/${DATABASE}/records`)).toBe(SPACE);
    expect(api.bucketOf(`${BIKA_BASE_PATH}/v1/user/profile`)).toBe("user");
    expect(api.bucketOf(`${BIKA_BASE_PATH}/v1/spaces`)).toBe("user");
  });
});

// ---------------------------------------------------------------- system, user, spaces, nodes
describe("system, user, spaces and nodes", () => {
  it("system meta echoes the request headers without the token", async () => {
    const meta = await bika.system.meta();
    expect(meta.hostname).toBe(server.url);
    expect(meta.headers.authorization).toBeUndefined();
    expect(meta.headers.host).toBe(new URL(server.url).host);
  });

  it("user profile is the seed's user", async () => {
    const profile = await bika.user.profile();
    expect(profile).toMatchObject({ id: "usrQ7sJx2mKp9LwR4tYv6NbZ", name: "Ada Lovelace", email: "ada@example.com", timeZone: "Europe/London" });
  });

  it("lists and gets spaces; an unknown space is refused with code 403", async () => {
    const spaces = await bika.space.list();
    expect(spaces.map((space) => [space.id, space.name])).toEqual([[SPACE, "Acme Inc."]]);
    expect(spaces[0]!.data).toMatchObject({ memberCount: 2, subscription: { plan: "FREE" }, owner: "usrQ7sJx2mKp9LwR4tYv6NbZ" });
    const one = await bika.space.get(SPACE);
    expect(one.data).toEqual(spaces[0]!.data);
    const error = await failure(bika.space.get("spcNope"));
    expect([error.status, error.code, error.serverMessage]).toEqual([200, 403, "Space not found or not accessible: spcNope"]);
  });

  it("lists the node tree flat with paths, gets a node, refuses an unknown one", async () => {
    const space = bika.space.byId(SPACE);
    const nodes = await space.nodes.list();
    expect(nodes.map((node) => [node.id, node.resourceType, node.data.parentId, node.data.path])).toEqual([
      ["rotK2mP8xQ4vN7bL1sR9tY3w", "ROOT", null, "/"],
      ["fodR1Lz2x8Ka9sY3nT5uVwXq", "FOLDER", "rotK2mP8xQ4vN7bL1sR9tY3w", "/CRM"],
      [DATABASE, "DATABASE", "fodR1Lz2x8Ka9sY3nT5uVwXq", "/CRM/Customers"],
      [AUTOMATION, "AUTOMATION", "fodR1Lz2x8Ka9sY3nT5uVwXq", "/CRM/Notify sales on new customer"],
      ["docG5u7I9d1E3o5N7b9O1a3R", "DOCUMENT", "rotK2mP8xQ4vN7bL1sR9tY3w", "/Onboarding guide"],
    ]);
    expect(await space.nodes.get(DATABASE)).toEqual(nodes[2]!.data);
    const error = await failure(space.nodes.get("datNope"));
    expect([error.code, error.serverMessage]).toEqual([404, "Node not found: datNope"]);
  });

  it("lists automation triggers on both routes; a database is not an automation", async () => {
    const triggers = await bika.space.byId(SPACE).automation(AUTOMATION).triggers.list();
    expect(triggers.map((trigger) => [trigger.id, trigger.type])).toEqual([
      ["trgB4nM6qW8eR0tY2uI4oP6a", "RECORD_CREATED"],
      ["trgW1e3K5l7Y9r0E2p4O6r8T", "SCHEDULER"],
    ]);
    const alias = await raw("GET", `/v1/spaces/${SPACE}/nodes/${AUTOMATION}/automation/triggers`);
    expect(alias.body.data).toEqual(triggers);
    const error = await failure(bika.space.byId(SPACE).automation(DATABASE).triggers.list());
    expect(error.code).toBe(404);
  });

  it("gets the database with its fields and views", async () => {
    const db = await database().get();
    expect(db).toMatchObject({ id: DATABASE, name: "Customers", spaceId: SPACE });
    const fields = await database().fields.list();
    expect(db.fields).toEqual(fields);
    expect(fields.map((field) => field.type)).toEqual([
      "SINGLE_TEXT", "LONG_TEXT", "SINGLE_TEXT", "SINGLE_SELECT", "RATING", "CURRENCY", "CHECKBOX", "DATETIME", "MULTI_SELECT", "MEMBER", "ATTACHMENT",
    ]);
    expect(fields.find((field) => field.name === "Status")!.property!.options!.map((option) => option.name)).toEqual(["Active", "Churned"]);
    const views = await database().views.list();
    expect(views.map((view) => view.name)).toEqual(["All customers", "By status", "Active, best first"]);
    const error = await failure(bika.space.byId(SPACE).database(AUTOMATION).fields.list());
    expect(error.code).toBe(404);
  });
});

// ---------------------------------------------------------------- records
describe("records", () => {
  it("creates 250 records, pages over them exactly with v1 page numbers and v2 cursors", async () => {
    const created = await database().recordsV2.create({
      records: Array.from({ length: 250 }, (_, index) => ({ fields: { Name: `Bulk ${String(index).padStart(3, "0")}`, Revenue: index } })),
    });
    expect(created.records).toHaveLength(250);
    const createdIds = created.records.map((record) => record.id);
    // The client sends the chunks of 10 three at a time, so the server's creation order is the chunks' arrival order.
    const expected = new Set([ACME, GLOBEX, INITECH, ...createdIds]);
    expect(expected.size).toBe(253);

    const v1 = await allV1Ids(7);
    expect(v1.pages).toBe(Math.ceil(253 / 7));
    expect([...v1.totals]).toEqual([253]);
    expect(v1.ids).toHaveLength(253);
    expect(new Set(v1.ids)).toEqual(expected);
    expect(v1.ids.slice(0, 3)).toEqual([ACME, GLOBEX, INITECH]);
    const last = await database().records.list({ pageNum: 37, pageSize: 7 });
    expect(last.records).toHaveLength(253 - 36 * 7);
    expect((await database().records.list({ pageNum: 38, pageSize: 7 })).records).toEqual([]);

    const v2Ids: string[] = [];
    const offsets = new Set<string>();
    let pages = 0;
    let query: { pageSize: number; offset?: string } = { pageSize: 9 };
    for (;;) {
      const page = await database().recordsV2.list(query);
      pages += 1;
      v2Ids.push(...page.records.map((record) => record.id));
      if (!page.hasMore) {
        expect(page.offset).toBeUndefined();
        break;
      }
      expect(page.offset).toMatch(/^itr/);
      offsets.add(page.offset!);
      query = { pageSize: 9, offset: page.offset! };
    }
    expect(pages).toBe(Math.ceil(253 / 9));
    expect(offsets.size).toBe(pages - 1);
    expect(v2Ids).toEqual(v1.ids);

    const capped: number[] = [];
    for await (const page of database().recordsV2.pages({ pageSize: 7, maxRecords: 20 })) capped.push(page.items.length);
    expect(capped).toEqual([7, 7, 6]);

    const bad = await failure(database().recordsV2.list({ offset: "itrNotACursor" }));
    expect([bad.code, bad.serverMessage]).toEqual([400, "Invalid offset: itrNotACursor"]);
  });

  it("v1: create → get → update → delete → list again", async () => {
    const created = await database().records.create({ cells: { Name: "New record", Description: "Made by the test", Status: "Active", Tags: ["smb"] } });
    expect(created.id).toMatch(/^rec[A-Za-z0-9]{21}$/);
    expect(created.databaseId).toBe(DATABASE);
    expect(created.cells.Status).toEqual({ id: "fldP7kL9jH1gF3dS5aZ2xC4v", name: "Status", fieldType: "SINGLE_SELECT", value: ["Active"], data: ["optA1b2C3d4E5"] });
    expect(created.cells.Tags).toMatchObject({ value: ["smb"], data: ["optU1v2W3x4Y5"] });

    const got = await database().records.get(created.id);
    expect(got).toEqual(created);
    let page = await database().records.list();
    expect(page.total).toBe(SEED_RECORDS + 1);
    const listed = page.records.find((record) => record.recordId === created.id)!;
    expect(listed.fields).toEqual({ Name: "New record", Description: "Made by the test", Status: "Active", Tags: ["smb"] });
    expect(typeof listed.createdAt).toBe("number");

    const updated = await database().records.update({ id: created.id, cells: { Name: "Renamed", Description: null, Score: 5 } });
    expect(updated.cells.Name!.value).toBe("Renamed");
    expect(updated.cells.Description).toBeUndefined();
    expect(updated.cells.Score!.value).toBe(5);
    expect(updated.cells.Status!.value).toEqual(["Active"]);
    page = await database().records.list();
    const after = page.records.find((record) => record.recordId === created.id)!;
    expect(after.fields).toEqual({ Name: "Renamed", Status: "Active", Score: 5, Tags: ["smb"] });
    expect(after.updatedAt).toBeGreaterThan(listed.updatedAt);

    const byPath = await raw("PUT", `/v1/spaces/${SPACE}/resources/databases/${DATABASE}/records/${created.id}`, { body: { cells: { Task: "Call back" } } });
    expect(byPath.body.data.cells.Task.value).toBe("Call back");

    expect(await database().records.delete(created.id)).toEqual({ id: created.id, deleted: true });
    page = await database().records.list();
    expect(page.total).toBe(SEED_RECORDS);
    expect(page.records.map((record) => record.recordId)).not.toContain(created.id);
    const gone = await failure(database().records.get(created.id));
    expect([gone.status, gone.code, gone.serverMessage]).toEqual([200, 404, `Record not found: ${created.id}`]);
  });

  it("v2: create → get → update → batch update → delete → list again", async () => {
    const { records } = await database().recordsV2.create({ records: [{ fields: { Name: "One", Score: 1 } }, { fields: { Name: "Two", Signed: true } }] });
    const [one, two] = records;
    expect(one!.fields).toEqual({ Name: "One", Score: 1 });
    expect(Date.parse(one!.createdAt!)).not.toBeNaN();
    expect(await database().recordsV2.get(one!.id)).toEqual(one);

    const updated = await database().recordsV2.update(one!.id, { fields: { Status: ["optF6g7H8i9J0"], Renewal: "2025-01-02T03:04:05Z" } });
    expect(updated.fields).toEqual({ Name: "One", Status: "Churned", Score: 1, Renewal: "2025-01-02T03:04:05.000Z" });

    const many = await database().recordsV2.updateMany({ records: [{ id: one!.id, fields: { Score: 2 } }, { id: two!.id, fields: { Signed: false } }] });
    expect(many.records.map((record) => record.fields)).toEqual([
      { Name: "One", Status: "Churned", Score: 2, Renewal: "2025-01-02T03:04:05.000Z" },
      { Name: "Two" },
    ]);
    const patched = await raw("PATCH", `/v2/spaces/${SPACE}/resources/databases/${DATABASE}/records`, { body: { records: [{ id: two!.id, fields: { Score: 3 } }] } });
    expect(patched.body.data.records[0].fields).toEqual({ Name: "Two", Score: 3 });

    expect(await database().recordsV2.delete(one!.id)).toEqual({ id: one!.id, deleted: true });
    const page = await database().recordsV2.list();
    expect(page.records.map((record) => record.id)).toEqual([ACME, GLOBEX, INITECH, two!.id]);
    expect(page.hasMore).toBe(false);

    const deleted = await database().recordsV2.deleteMany([two!.id, GLOBEX]);
    expect(deleted.records).toEqual([{ id: two!.id, deleted: true }, { id: GLOBEX, deleted: true }]);
    const byBody = await raw("DELETE", `/v2/spaces/${SPACE}/resources/databases/${DATABASE}/records`, { body: { recordIds: [INITECH] } });
    expect(byBody.body.data).toEqual({ records: [{ id: INITECH, deleted: true }] });
    expect((await database().recordsV2.list()).records.map((record) => record.id)).toEqual([ACME]);
  });

  it("sorts: v1 with a JSON array, v2 in bracket form, empty cells first when ascending", async () => {
    const v1 = await database().records.list({ sort: JSON.stringify([{ field: "Score", order: "desc" }]) });
    expect(v1.records.map((record) => record.fields.Name)).toEqual(["Acme Corp", "Initech", "Globex"]);
    await database().recordsV2.create({ records: [{ fields: { Name: "Zeta" } }, { fields: { Name: "Alpha", Score: 3 } }] });
    const v2 = await database().recordsV2.list({ sort: [{ field: "Score", order: "asc" }, { field: "Name", order: "desc" }] });
    expect(v2.records.map((record) => record.fields.Name)).toEqual(["Zeta", "Globex", "Initech", "Alpha", "Acme Corp"]);
    const bySelect = await database().recordsV2.list({ sort: [{ field: "Status", order: "desc" }] });
    expect(bySelect.records.map((record) => record.fields.Status ?? null)).toEqual(["Churned", "Active", "Active", null, null]);

    const unknown = await failure(database().recordsV2.list({ sort: [{ field: "Stage", order: "asc" }] }));
    expect([unknown.code, unknown.serverMessage]).toEqual([400, 'Invalid sort field: "Stage"']);
    const notJson = await failure(database().records.list({ sort: "Score desc" }));
    expect(notJson.code).toBe(400);
  });

  it("filters in the Bika filter query language", async () => {
    const names = async (filter: string) => (await database().records.list({ filter })).records.map((record) => record.fields.Name);
    expect(await names('Status=="Active"')).toEqual(["Acme Corp", "Initech"]);
    expect(await names("Score>=3;Signed==true")).toEqual(["Acme Corp", "Initech"]);
    expect(await names("Score<3,Status==null")).toEqual(["Globex"]);
    expect(await names('Tags=c="emea"')).toEqual(["Acme Corp"]);
    expect(await names('Name==("Globex", "Initech")')).toEqual(["Globex", "Initech"]);
    expect(await names('Renewal>"2025-01-01"')).toEqual(["Acme Corp"]);
    expect(await names("Task!=null and Signed==true")).toEqual(["Initech"]);
    expect((await database().recordsV2.list({ filter: "Revenue>10000" })).records.map((record) => record.id)).toEqual([ACME]);

    const unknown = await failure(database().records.list({ filter: 'Stage=="Won"' }));
    expect([unknown.code, unknown.serverMessage]).toEqual([400, 'Invalid filter: unknown field "Stage"']);
    const mixed = await failure(database().records.list({ filter: "Score>1;Score<5,Signed==true" }));
    expect(mixed.serverMessage).toMatch(/cannot be mixed/);
  });

  it("reads through a view, picks fields, keys by id, renders strings", async () => {
    const view = await database().records.list({ viewId: "viwA4cT6iV8eE0aA2cC4tT6v" });
    expect(view.records.map((record) => record.fields.Name)).toEqual(["Acme Corp", "Initech"]);
    expect(view.records.some((record) => "Task" in record.fields || "Description" in record.fields)).toBe(false);
    const missingView = await failure(database().records.list({ viewId: "viwNope" }));
    expect(missingView.code).toBe(404);

    const picked = await database().records.list({ fields: ["Name", "Score"] });
    expect(picked.records[0]!.fields).toEqual({ Name: "Acme Corp", Score: 4 });
    const pickedV2 = await database().recordsV2.list({ fields: ["Name", "Tags"], maxRecords: 1 });
    expect(pickedV2.records[0]!.fields).toEqual({ Name: "Acme Corp", Tags: ["enterprise", "emea"] });

    const byId = await database().recordsV2.get(ACME, { fieldKey: "id" });
    expect(byId.fields.fldN4mQ8rT2vX6zB1cD3eF5g).toBe("Acme Corp");
    expect(byId.fields.Name).toBeUndefined();
    const written = await database().recordsV2.create({ fieldKey: "id", records: [{ fields: { fldN4mQ8rT2vX6zB1cD3eF5g: "By id" } }] });
    expect(written.records[0]!.fields).toEqual({ fldN4mQ8rT2vX6zB1cD3eF5g: "By id" });

    const text = await database().recordsV2.get(ACME, { cellFormat: "string", timeZone: "Asia/Shanghai", userLocale: "en" });
    expect(text.fields).toMatchObject({ Name: "Acme Corp", Score: "4", Revenue: "$120,000.00", Signed: "true", Tags: "enterprise, emea", Owner: "Ada Lovelace" });
    expect(text.fields.Renewal).toMatch(/^Mar 15, 2025, 8:00\sAM$/);
    const badZone = await failure(database().recordsV2.list({ timeZone: "Mars/Olympus" }));
    expect(badZone.code).toBe(400);
  });

  it("validates cell values per field type", async () => {
    const refused = async (cells: Record<string, unknown>) => failure(database().records.create({ cells } as never));
    expect((await refused({ Score: "4" })).serverMessage).toMatch(/Invalid value for field "Score" \(RATING\)/);
    expect((await refused({ Score: 6 })).serverMessage).toMatch(/an integer from 0 to 5/);
    expect((await refused({ Revenue: "lots" })).serverMessage).toMatch(/expected a number/);
    expect((await refused({ Signed: "yes" })).serverMessage).toMatch(/expected true or false/);
    expect((await refused({ Renewal: "next tuesday" })).serverMessage).toMatch(/ISO 8601/);
    expect((await refused({ Renewal: 1700000000000 })).serverMessage).toMatch(/ISO 8601/);
    expect((await refused({ Status: "Won" })).serverMessage).toBe('Invalid option "Won" for field "Status"');
    expect((await refused({ Status: ["Active", "Churned"] })).serverMessage).toMatch(/one option/);
    expect((await refused({ Tags: "emea" })).serverMessage).toMatch(/array of option names or ids/);
    expect((await refused({ Owner: ["mebNobody"] })).serverMessage).toBe("Member not found: mebNobody");
    expect((await refused({ Contract: [{ id: "atcNope" }] })).serverMessage).toBe("Attachment not found: atcNope");
    expect((await refused({ Name: 42 })).code).toBe(400);
    const unknown = await refused({ Nope: 1 });
    expect([unknown.status, unknown.code, unknown.serverMessage]).toEqual([200, 500, 'Field "Nope" does not exist']);
    expect((await database().records.list()).total).toBe(SEED_RECORDS);

    const ok = await database().records.create({
      cells: { Name: "Typed", Status: ["optF6g7H8i9J0"], Tags: ["emea", "optK1l2M3n4O5"], Owner: ["mebG7h8J9k0L1m2N3p4Q5r6S"], Renewal: "2024-06-01" },
    });
    expect(ok.cells.Status!.value).toEqual(["Churned"]);
    expect(ok.cells.Tags!.data).toEqual(["optP6q7R8s9T0", "optK1l2M3n4O5"]);
    expect(ok.cells.Owner!.value).toEqual([{ id: "mebG7h8J9k0L1m2N3p4Q5r6S", type: "Member", name: "Grace Hopper" }]);
    expect(ok.cells.Renewal!.value).toBe("2024-06-01T00:00:00.000Z");
    const local = await database().records.update({ id: ok.id, cells: { Renewal: "2024-06-01 10:30" } });
    expect(local.cells.Renewal!.value).toBe("2024-06-01T10:30:00.000Z");
    const zoned = await database().records.update({ id: ok.id, cells: { Renewal: "2024-06-01T10:30:00+02:00" } });
    expect(zoned.cells.Renewal!.value).toBe("2024-06-01T08:30:00.000Z");
    expect((await refused({ Renewal: "2024-13-45" })).serverMessage).toMatch(/ISO 8601/);
  });

  it("refuses writes of more than 10 records and changes nothing", async () => {
    const eleven = Array.from({ length: 11 }, (_, index) => ({ fields: { Name: `R${index}` } }));
    const path = { params: { path: { spaceId: SPACE, nodeId: DATABASE } } };
    const create = await failure(bika.request("post", V2_RECORDS, { ...path, body: { records: eleven } }));
    expect([create.status, create.code, create.serverMessage]).toEqual([200, 400, "Invalid request parameters: at most 10 records per request, got 11"]);
    const update = await failure(
      bika.request("put", V2_RECORDS, { ...path, body: { records: Array.from({ length: 11 }, () => ({ id: ACME, fields: { Score: 1 } })) } }),
    );
    expect(update.code).toBe(400);
    const ids = Array.from({ length: 11 }, () => ACME);
    const remove = await failure(bika.request("delete", V2_RECORDS, { params: { path: path.params.path, query: { records: ids } } }));
    expect(remove.code).toBe(400);
    const page = await database().records.list();
    expect(page.total).toBe(SEED_RECORDS);
    expect(page.records[0]!.fields.Score).toBe(4);

    const ten = await bika.request("post", V2_RECORDS, { ...path, body: { records: eleven.slice(0, 10) } });
    expect(ten.records).toHaveLength(10);
  });

  it("refuses unknown records, all or nothing, with the spec's errors", async () => {
    const v2Get = await failure(database().recordsV2.get("recNope"));
    expect(v2Get).toBeInstanceOf(ServerError);
    expect([v2Get.status, v2Get.code, v2Get.serverMessage]).toEqual([500, 500, "Record not found: recNope"]);
    for (const attempt of [
      () => database().records.update({ id: "recNope", cells: { Name: "x" } }),
      () => database().records.delete("recNope"),
      () => database().recordsV2.update("recNope", { fields: { Name: "x" } }),
      () => database().recordsV2.delete("recNope"),
    ]) {
      const error = await failure(attempt());
      expect([error.status, error.code, error.serverMessage]).toEqual([200, 404, "Record not found: recNope"]);
    }
    const batch = await failure(database().recordsV2.updateMany({ records: [{ id: ACME, fields: { Name: "Changed" } }, { id: "recNope", fields: {} }] }));
    expect(batch.code).toBe(404);
    const batchDelete = await failure(database().recordsV2.deleteMany([GLOBEX, "recNope"]));
    expect(batchDelete.code).toBe(404);
    const page = await database().records.list();
    expect(page.records.map((record) => [record.recordId, record.fields.Name])).toEqual([
      [ACME, "Acme Corp"],
      [GLOBEX, "Globex"],
      [INITECH, "Initech"],
    ]);
    const unknownDatabase = await failure(bika.space.byId(SPACE).database("datNope").records.list());
    expect([unknownDatabase.code, unknownDatabase.serverMessage]).toEqual([404, "Node not found: datNope"]);
  });

  it("refuses a v1 create without cells (the Quick Start's `fields` slip)", async () => {
    const answer = await raw("POST", `/v1/spaces/${SPACE}/resources/databases/${DATABASE}/records`, {
      body: { fields: { Name: "New record", Description: "This is a new database record" } },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ success: false, code: 400 });
    expect((await database().records.list()).total).toBe(SEED_RECORDS);
  });

  it("checks query parameters", async () => {
    for (const query of [{ pageSize: 0 }, { pageSize: 1001 }, { pageNum: 0 }]) {
      const error = await failure(database().records.list(query));
      expect(error.code).toBe(400);
    }
    expect((await failure(database().recordsV2.list({ cellFormat: "xml" as never }))).code).toBe(400);
    expect((await failure(database().recordsV2.list({ fields: ["Nope"] }))).serverMessage).toBe('Invalid fields: unknown field "Nope"');
  });
});

// ---------------------------------------------------------------- attachments, webhooks, embed links
describe("attachments, webhooks, embed links", () => {
  it("stores an upload, serves its bytes back at the returned URL, and takes it in an attachment cell", async () => {
    const bytes = randomBytes(4096);
    const space = bika.space.byId(SPACE);
    const [attachment] = await space.attachments.upload(new Blob([bytes], { type: "application/pdf" }), "contract.pdf");
    expect(attachment).toMatchObject({ name: "contract.pdf", mimeType: "application/pdf", size: 4096, bucket: "bika-emulator" });
    expect(attachment!.id).toMatch(/^atc[A-Za-z0-9]{21}$/);
    expect(attachment!.path).toBe(`${SPACE}/${attachment!.id}.pdf`);
    const url = (attachment as { url?: string }).url!;
    const download = await fetch(url);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe("application/pdf");
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);

    const record = await database().recordsV2.update(ACME, { fields: { Contract: [attachment!] } });
    expect(record.fields.Contract).toEqual([{ ...attachment, url }]);
    const renamed = await database().records.update({ id: GLOBEX, cells: { Contract: [{ id: attachment!.id, name: "signed.pdf" }] } });
    expect(renamed.cells.Contract!.value).toEqual([{ ...attachment, name: "signed.pdf", url }]);

    const noFile = await failure(
      bika.request("post", "/v1/spaces/{spaceId}/attachments", { params: { path: { spaceId: SPACE } }, body: {} as never }),
    );
    expect(noFile.code).toBe(400);
    api.reset();
    expect((await fetch(url)).status).toBe(404);
  });

  it("registers, lists and deletes outgoing webhooks", async () => {
    const space = bika.space.byId(SPACE);
    expect(await space.outgoingWebhooks.list()).toEqual([]);
    const onRecord = await space.outgoingWebhooks.register({
      eventType: "ON_RECORD_CREATED",
      name: "Create webhook",
      description: "Example trigger when a new record is created",
      callbackURL: "https://your-custom-callback-url.com",
      databaseId: DATABASE,
    });
    expect(onRecord).toMatchObject({ eventType: "ON_RECORD_CREATED", databaseId: DATABASE, node: { id: DATABASE, name: "Customers", type: "DATABASE" } });
    expect(onRecord.id).toMatch(/^owh[A-Za-z0-9]{21}$/);
    const onNode = await space.outgoingWebhooks.register({ eventType: "ON_NODE_CREATED", name: "New node", callbackURL: "https://hooks.example.com/n" });
    expect(onNode).toMatchObject({ description: "", node: { type: "ROOT" } });
    expect(await space.outgoingWebhooks.list()).toEqual([onRecord, onNode]);

    expect(await space.outgoingWebhooks.delete(onRecord.id)).toEqual({ id: onRecord.id, deleted: true });
    expect((await space.outgoingWebhooks.list()).map((webhook) => webhook.id)).toEqual([onNode.id]);
    const again = await failure(space.outgoingWebhooks.delete(onRecord.id));
    expect([again.code, again.serverMessage]).toEqual([404, "Outgoing webhook not found"]);

    const spaced = await failure(
      space.outgoingWebhooks.register({ eventType: "ON_RECORD_CREATED", name: "x", callbackURL: "https://your - custom - callback - url.com" }),
    );
    expect([spaced.code, spaced.serverMessage]).toEqual([400, "callbackURL must be a valid URL"]);
    const unknownDatabase = await failure(
      space.outgoingWebhooks.register({ eventType: "ON_RECORD_CREATED", name: "x", callbackURL: "https://a.example", databaseId: "datNope" }),
    );
    expect(unknownDatabase.code).toBe(404);
    const badEvent = await failure(space.outgoingWebhooks.register({ eventType: "ON_ANYTHING" as never, name: "x", callbackURL: "https://a.example" }));
    expect(badEvent.code).toBe(400);
  });

  it("creates, lists, serves and deletes embed links", async () => {
    const space = bika.space.byId(SPACE);
    const link = await space.embedLinks.create({ objectType: "NODE_RESOURCE", objectId: DATABASE });
    expect(link).toMatchObject({ objectType: "NODE_RESOURCE", objectId: DATABASE, url: `${server.url}/bika-embed/${link.id}` });
    expect(link.id).toMatch(/^emb[A-Za-z0-9]{21}$/);
    const page = await fetch(link.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Customers (DATABASE)");
    expect(await space.embedLink.list()).toEqual([link]);
    expect(await space.embedLink.delete({ id: link.id })).toEqual({ id: link.id, deleted: true });
    expect(await space.embedLinks.list()).toEqual([]);
    expect((await fetch(link.url)).status).toBe(404);
    expect((await failure(space.embedLinks.delete(link.id))).code).toBe(404);
    expect((await failure(space.embedLinks.create({ objectType: "NODE_RESOURCE", objectId: "datNope" }))).code).toBe(404);
  });
});

// ---------------------------------------------------------------- reset
describe("reset", () => {
  it("restores the seed state exactly", async () => {
    const space = bika.space.byId(SPACE);
    const before = {
      records: await database().recordsV2.list(),
      fields: await database().fields.list(),
      nodes: (await space.nodes.list()).map((node) => node.data),
    };
    await database().recordsV2.create({ records: [{ fields: { Name: "Temp" } }] });
    await database().records.update({ id: ACME, cells: { Name: "Changed", Tags: null } });
    await database().records.delete(GLOBEX);
    await space.outgoingWebhooks.register({ eventType: "ON_NODE_CREATED", name: "w", callbackURL: "https://a.example" });
    await space.embedLinks.create({ objectType: "NODE_RESOURCE", objectId: AUTOMATION });
    const changed = await database().recordsV2.list();
    expect(changed.records.map((record) => record.fields.Name)).toEqual(["Changed", "Initech", "Temp"]);

    api.reset();
    expect(await database().recordsV2.list()).toEqual(before.records);
    expect(await database().fields.list()).toEqual(before.fields);
    expect((await space.nodes.list()).map((node) => node.data)).toEqual(before.nodes);
    expect(await space.outgoingWebhooks.list()).toEqual([]);
    expect(await space.embedLinks.list()).toEqual([]);
    expect(before.records.records[0]!.fields.Tags).toEqual(["enterprise", "emea"]);
  });
});

// ---------------------------------------------------------------- the Quick Start
describe("Quick Start", () => {
  it("the cURL / Python flows work as written against a fresh emulator", async () => {
    const meta = await raw("GET", "/v1/system/meta");
    expect(meta.body.success).toBe(true);
    const spaces = await raw("GET", "/v1/spaces");
    expect(spaces.body.data[0].id).toBe(SPACE);
    const records = `/v1/spaces/${SPACE}/resources/databases/${DATABASE}/records`;
    const created = await raw("POST", records, { body: { cells: { Name: "New record", Description: "This is a new database record" } } });
    expect(created.body.data.cells.Description.value).toBe("This is a new database record");
    const updated = await raw("PATCH", records, { body: { id: ACME, cells: { Task: "Updated description field column" } } });
    expect(updated.body.data.cells.Task.value).toBe("Updated description field column");
    const deleted = await raw("DELETE", `${records}/${created.body.data.id}`);
    expect(deleted.body).toMatchObject({ success: true, data: { id: created.body.data.id, deleted: true } });
    for (const path of [`/v1/spaces/${SPACE}/resources/automation/${AUTOMATION}/triggers`, `/v1/spaces/${SPACE}/nodes/${AUTOMATION}/automation/triggers`]) {
      expect((await raw("GET", path)).body.data).toHaveLength(2);
    }
    const webhook = await raw("POST", `/v1/spaces/${SPACE}/outgoing-webhooks`, {
      body: { eventType: "ON_RECORD_CREATED", name: "Create webhook", description: "Example trigger when a new record is created", callbackURL: "https://your-custom-callback-url.com" },
    });
    expect(webhook.body.data.name).toBe("Create webhook");
  });

  const examplesDir = fileURLToPath(new URL("../../bika/examples/", import.meta.url));
  const workDir = fileURLToPath(new URL("../node_modules/.cache/bika-examples/", import.meta.url));
  const placeholders: Record<string, string> = {
    __REPLACE_WITH_RECORD_ID__: ACME,
    __NODE_RESOURCE_ID_YOU_WANT_TO_EMBED__: DATABASE,
  };
  const finalLog: Record<string, string> = {
    "01-fetch-records.ts": "Records:",
    "02-create-record.ts": "New Record Created:",
    "03-update-record.ts": "Record Updated:",
    "04-delete-record.ts": "Record Deleted:",
    "05-list-triggers.ts": "Triggers:",
    "06-register-webhook.ts": "Webhook Registered:",
    "07-embed-link.ts": "Embed Link:",
  };
  const files = readdirSync(examplesDir).filter((file) => file.endsWith(".ts"));

  it("ships the seven SDK examples", () => {
    expect(files.sort()).toEqual(Object.keys(finalLog).sort());
  });

  it.each(files)("SDK example %s runs against a fresh emulator", async (file) => {
    const source = Object.entries(placeholders).reduce(
      (code, [from, to]) => code.split(from).join(to),
      readFileSync(join(examplesDir, file), "utf8"),
    );
    mkdirSync(workDir, { recursive: true });
    const runnable = join(workDir, file);
    writeFileSync(runnable, source);
    vi.stubGlobal("fetch", (input: Request) => checkingFetch(new Request(input.url.replace("https://bika.ai", server.url), input)));
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      await import(/* @vite-ignore */ `${runnable}?t=${Date.now()}`);
      // The examples call their async function without awaiting it: wait for the last log line or an error.
      await vi.waitFor(
        () => expect(error.mock.calls.length > 0 || log.mock.calls.some(([label]) => label === finalLog[file])).toBe(true),
        { timeout: 10_000 },
      );
      expect(error.mock.calls).toEqual([]);
      const result = log.mock.calls.find(([label]) => label === finalLog[file])?.[1];
      expect(result).toBeDefined();
      if (file === "01-fetch-records.ts") expect((result as { total: number }).total).toBe(SEED_RECORDS);
      if (file === "05-list-triggers.ts") expect(result).toHaveLength(2);
    } finally {
      vi.restoreAllMocks();
      vi.unstubAllGlobals();
    }
  });
});

describe("coverage of the spec", () => {
  it("every operation of the spec answered at least once in these tests", () => {
    const operations = Object.entries(spec.paths as Json).flatMap(([template, item]) =>
      METHODS.filter((method) => (item as Json)[method]).map((method) => `${method.toUpperCase()} ${template}`),
    );
    expect(operations.filter((operation) => !seen.has(operation))).toEqual([]);
    expect(seen.get(`GET ${V2_RECORDS}/{recordId}`)).toEqual(new Set([200, 500]));
    expect(seen.get(`GET ${V1_RECORDS}`)?.has(200)).toBe(true);
  });
});
