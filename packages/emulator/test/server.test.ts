// What the emulator does around every route: auth, the servers' rate limit, faults, bad requests, seeds.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Vika } from "@bikavika/vika";
import Ajv2020 from "ajv/dist/2020.js";
import { defaultBikaSeed } from "../src/bika/index.js";
import { type Emulator, SeedError, seedSchema, startEmulator } from "../src/index.js";
import { defaultVikaSeed } from "../src/vika/seed.js";

const TASKS = "dstEmulator0000001";
const auth = { authorization: "Bearer uskServerTest" };
let emulator: Emulator | undefined;

afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

describe("requests", () => {
  it("answers a missing or malformed Authorization header with the server's 401", async () => {
    emulator = await startEmulator({ api: "vika", qps: false });
    for (const headers of [{}, { authorization: "Bearer" }, { authorization: "Basic dXNlcjpwYXNz" }, { authorization: "Bearer a b" }]) {
      const response = await fetch(`${emulator.url}/fusion/v1/spaces`, { headers });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ success: false, code: 401, message: "身份认证失败" });
    }
  });

  it("refuses malformed bodies as parameter errors and answers unknown routes with 404, never crashing", async () => {
    emulator = await startEmulator({ api: "vika", qps: false });
    const post = (body: string, type = "application/json") =>
      fetch(`${emulator!.url}/fusion/v1/datasheets/${TASKS}/records`, { method: "POST", headers: { ...auth, "content-type": type }, body });
    for (const body of ["{", "null", "[]", '{"records": "x"}', '{"records": [1]}', '{"records": [{"fields": []}]}', '{"records":[{"fields":{"Title":{"__proto__":{"x":1}}}}]}']) {
      const response = await post(body);
      expect(response.status, body).toBe(200);
      expect(await response.json(), body).toMatchObject({ success: false, code: 400 });
    }
    const deep = await post(`{"records":[{"fields":{"Title":${"[".repeat(5000)}${"]".repeat(5000)}}}]}`);
    expect((await deep.json()).success).toBe(false);
    const unknown = await fetch(`${emulator.url}/fusion/v9/nothing`, { headers: auth });
    expect(unknown.status).toBe(404);
    const badEncoding = await fetch(`${emulator.url}/fusion/v1/datasheets/%E0%A4%A/records`, { headers: auth });
    expect(await badEncoding.json()).toMatchObject({ success: false, code: 400 });
    // Still serving.
    expect((await fetch(`${emulator.url}/fusion/v1/spaces`, { headers: auth })).status).toBe(200);
  });

  it("refuses a request body over the limit with a parameter error", async () => {
    emulator = await startEmulator({ api: "vika", qps: false });
    const response = await fetch(`${emulator.url}/fusion/v1/datasheets/${TASKS}/records`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: `{"records":[{"fields":{"Title":"${"x".repeat(33 * 1024 * 1024)}"}}]}`,
    });
    expect(await response.json()).toMatchObject({ success: false, code: 400 });
  });
});

describe("rate limit", () => {
  it("answers 429 without Retry-After past the budget, per token and datasheet, in one-second windows", async () => {
    emulator = await startEmulator({ api: "vika", qps: 5 });
    const get = (token: string, datasheet = TASKS) =>
      fetch(`${emulator!.url}/fusion/v1/datasheets/${datasheet}/views`, { headers: { authorization: `Bearer ${token}` } });
    const burst = await Promise.all(Array.from({ length: 12 }, () => get("uskA")));
    const statuses = burst.map((response) => response.status);
    // A window boundary may fall inside the burst, so up to two windows' worth (10) get through, never more.
    expect(statuses.filter((status) => status === 200).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(2);
    const limited = burst.find((response) => response.status === 429)!;
    expect(limited.headers.get("retry-after")).toBeNull();
    expect(await limited.json()).toEqual({ success: false, code: 429, message: "操作太频繁" });
    // Another token has its own budget.
    expect((await get("uskB")).status).toBe(200);
  });

  it("keeps the real client inside the budget: 12 concurrent reads at 5/s, no 429", async () => {
    emulator = await startEmulator({ api: "vika", qps: 5 });
    // The margin covers how late a request may reach the server after its start: here the emulator shares the
    // test's process, so a loaded machine delays arrivals by more than the default 50 ms.
    const vika = new Vika({ token: "uskPaced", host: emulator.url, retry: false, rateLimit: { requestsPerSecond: 5, marginMs: 300 } });
    await Promise.all(Array.from({ length: 12 }, () => vika.datasheet(TASKS).views.list()));
    expect(emulator.log.filter((entry) => entry.status === 429)).toHaveLength(0);
  });
});

describe("faults", () => {
  it("injects the forced faults in order, then serves normally", async () => {
    emulator = await startEmulator({ api: "vika", qps: false });
    emulator.forceFaults(["503-before", "drop-before", "business", "none"]);
    const get = () => fetch(`${emulator!.url}/fusion/v1/datasheets/${TASKS}/views`, { headers: auth });
    expect((await get()).status).toBe(503);
    await expect(get()).rejects.toThrow();
    expect(await (await get()).json()).toMatchObject({ success: false, code: 500 });
    expect((await get()).status).toBe(200);
    expect(emulator.log.map((entry) => entry.fault)).toEqual(["503-before", "drop-before", "business", "none"]);
  });

  it("applies a write before a 500-after fault: the ambiguous case a client must not repeat", async () => {
    emulator = await startEmulator({ api: "vika", qps: false });
    const vika = new Vika({ token: "uskFaults", host: emulator.url, rateLimit: false, retry: { retries: 3, minDelayMs: 1, maxDelayMs: 2 } });
    emulator.forceFaults(["500-after"]);
    const error = await vika.datasheet(TASKS).records.create([{ fields: { Title: "maybe" } }]).catch((thrown: unknown) => thrown);
    expect((error as Error).name).toBe("OutcomeUnknownError");
    await emulator.settled();
    expect(emulator.records(TASKS).filter((record) => record.fields.Title === "maybe")).toHaveLength(1);
  });

  it("logs what each write carried and whether it was applied, and totals the log in stats()", async () => {
    emulator = await startEmulator({ api: "vika", qps: 2 });
    const post = (count: number) =>
      fetch(`${emulator!.url}/fusion/v1/datasheets/${TASKS}/records`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ records: Array.from({ length: count }, (_, index) => ({ fields: { Title: `t${index}` } })) }),
      });
    emulator.forceFaults(["500-after", "none"]);
    expect((await post(2)).status).toBe(500);
    expect(await (await post(11)).json()).toMatchObject({ success: false, code: 400 });
    // The third request in the window is over the budget of 2, and is still measured.
    expect((await post(12)).status).toBe(429);
    expect(emulator.log.map(({ records, applied, fault }) => ({ records, applied, fault }))).toEqual([
      { records: 2, applied: true, fault: "500-after" },
      { records: 11, applied: false, fault: "none" },
      { records: 12, applied: false, fault: "rate-limited" },
    ]);
    expect(emulator.stats()).toEqual({ requests: 3, rateLimited: 1, faulted: 1, byFault: { "500-after": 1 }, largestWrite: 12, oversizeWrites: 2 });
  });

  it("adds the configured latency to every answer", async () => {
    emulator = await startEmulator({ api: "vika", qps: false, latencyMs: 150 });
    const started = performance.now();
    await fetch(`${emulator.url}/fusion/v1/spaces`, { headers: auth });
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });
});

describe("dataDir", () => {
  it("keeps the state across a restart, uploads included, and starts from the seed when the directory is empty", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "emulator-state-"));
    emulator = await startEmulator({ api: "vika", qps: false, dataDir });
    let vika = new Vika({ token: "uskState", host: emulator.url, rateLimit: false });
    expect((await vika.datasheet(TASKS).records.query()).total).toBe(3);
    const { records } = await vika.datasheet(TASKS).records.create([{ fields: { Title: "survives a restart" } }]);
    const upload = await vika.datasheet(TASKS).upload(new Uint8Array([1, 2, 3]), "three.bin");
    await emulator.stop();

    emulator = await startEmulator({ api: "vika", qps: false, dataDir });
    vika = new Vika({ token: "uskState", host: emulator.url, rateLimit: false });
    const { records: after } = await vika.datasheet(TASKS).records.query({ recordIds: [records[0]!.recordId] });
    expect(after[0]!.fields.Title).toBe("survives a restart");
    const file = await fetch(upload.url.replace(/^http:\/\/127\.0\.0\.1:\d+/, emulator.url));
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    // A reset is kept too: the next start is back at the seed.
    emulator.reset();
    await emulator.stop();
    emulator = await startEmulator({ api: "vika", qps: false, dataDir });
    vika = new Vika({ token: "uskState", host: emulator.url, rateLimit: false });
    expect((await vika.datasheet(TASKS).records.query()).total).toBe(3);
  });

  it("keeps Bika's state too", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "emulator-state-"));
    emulator = await startEmulator({ api: "bika", qps: false, dataDir });
    const headers = { authorization: "Bearer bktState", "content-type": "application/json" };
    const spaces = await (await fetch(`${emulator.baseUrl}/v1/spaces`, { headers })).json();
    const space = spaces.data[0].id;
    const registered = await fetch(`${emulator.baseUrl}/v1/spaces/${space}/outgoing-webhooks`, {
      method: "POST",
      headers,
      body: JSON.stringify({ eventType: "ON_NODE_CREATED", name: "kept", callbackURL: "https://example.com/hook" }),
    });
    expect((await registered.json()).success).toBe(true);
    await emulator.stop();
    emulator = await startEmulator({ api: "bika", qps: false, dataDir });
    const listed = await (await fetch(`${emulator.baseUrl}/v1/spaces/${space}/outgoing-webhooks`, { headers })).json();
    expect(listed.data.map((hook: { name: string }) => hook.name)).toContain("kept");
  });

  it("refuses a state file it did not write, naming it", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "emulator-state-"));
    await writeFile(join(dataDir, "vika.state"), "not a state");
    const error = await startEmulator({ api: "vika", dataDir }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(SeedError);
    expect((error as Error).message).toContain(join(dataDir, "vika.state"));
  });
});

describe("seeds", () => {
  it("publishes the seed schema the emulator checks seeds against, and both default seeds pass it", async () => {
    const published = JSON.parse(await readFile(new URL("../seed.schema.json", import.meta.url), "utf8"));
    expect(published).toEqual(JSON.parse(JSON.stringify(seedSchema)));
    const validate = new Ajv2020({ strict: false }).compile(published);
    expect(validate(defaultVikaSeed), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(defaultBikaSeed), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ api: "vika", spaces: [{ name: "S", nodez: [] }] })).toBe(false);
  });

  const seedFile = async (content: string) => {
    const path = join(await mkdtemp(join(tmpdir(), "seed-")), "seed.json");
    await writeFile(path, content);
    return path;
  };

  it("loads a seed file and puts it back on reset()", async () => {
    const path = await seedFile(
      JSON.stringify({
        api: "vika",
        spaces: [
          {
            id: "spcSeeded",
            name: "Seeded",
            nodes: [
              {
                id: "dstSeeded",
                name: "Books",
                type: "Datasheet",
                fields: [{ name: "Title", type: "SingleText" }, { name: "Pages", type: "Number", property: { precision: 0 } }],
                records: [{ id: "recBook1", fields: { Title: "Dune", Pages: 412 } }],
              },
            ],
          },
        ],
      }),
    );
    emulator = await startEmulator({ api: "vika", seed: path, qps: false });
    const vika = new Vika({ token: "uskSeed", host: emulator.url, rateLimit: false });
    await vika.datasheet("dstSeeded").records.create([{ fields: { Title: "Emma" } }]);
    expect((await vika.datasheet("dstSeeded").records.query()).total).toBe(2);
    emulator.reset();
    const { records } = await vika.datasheet("dstSeeded").records.query();
    expect(records.map((record) => [record.recordId, record.fields])).toEqual([["recBook1", { Title: "Dune", Pages: 412 }]]);
    // Ids the seed leaves out are made once: a reset brings back the same ones.
    const fields = (await vika.datasheet("dstSeeded").fields.list()).fields.map((field) => field.id);
    emulator.reset();
    expect((await vika.datasheet("dstSeeded").fields.list()).fields.map((field) => field.id)).toEqual(fields);
  });

  it("loads link cells that point at records seeded later, on both sides of a two-way link", async () => {
    emulator = await startEmulator({
      api: "vika",
      qps: false,
      seed: {
        api: "vika",
        spaces: [
          {
            name: "Library",
            nodes: [
              { id: "dstAuthors", name: "Authors", type: "Datasheet", fields: [{ name: "Name", type: "SingleText" }], records: [{ id: "recAda", fields: { Name: "Ada", Books: ["recNotes"] } }] },
              {
                id: "dstBooks",
                name: "Books",
                type: "Datasheet",
                fields: [{ name: "Title", type: "SingleText" }, { name: "Author", type: "TwoWayLink", property: { foreignDatasheetId: "dstAuthors" } }],
                records: [{ id: "recNotes", fields: { Title: "Notes" } }, { id: "recSketch", fields: { Title: "Sketch", Author: ["recAda"] } }],
              },
            ],
          },
        ],
      },
    });
    expect(emulator.records("dstAuthors")).toEqual([{ recordId: "recAda", fields: { Name: "Ada", Books: ["recNotes", "recSketch"] } }]);
    expect(emulator.records("dstBooks")).toEqual([
      { recordId: "recNotes", fields: { Title: "Notes", Author: ["recAda"] } },
      { recordId: "recSketch", fields: { Title: "Sketch", Author: ["recAda"] } },
    ]);
  });

  it("insert() adds records without a request, checking every cell first; a refusal adds nothing", async () => {
    emulator = await startEmulator({ api: "vika", qps: 0, maxRecordsPerDatasheet: 5 });
    const inserted = emulator.insert(TASKS, [{ Title: "direct", Estimate: 2 }]);
    expect(inserted).toEqual([{ recordId: expect.stringMatching(/^rec/), fields: { Title: "direct", Estimate: 2, "No.": 4 } }]);
    expect(emulator.records(TASKS).at(-1)).toEqual(inserted[0]);
    expect(() => emulator!.insert(TASKS, [{ Title: "fine" }, { Estimate: "x" }])).toThrow(RangeError);
    // Past the datasheet's row limit (5 here: 3 seeded, 1 inserted).
    expect(() => emulator!.insert(TASKS, [{ Title: "a" }, { Title: "b" }])).toThrow(/304|限制/);
    expect(() => emulator!.insert("dstNope", [{ Title: "a" }])).toThrow(RangeError);
    expect(emulator.records(TASKS)).toHaveLength(4);
    // No request was made, so none was rate-limited (the budget here is 0).
    expect(emulator.log).toEqual([]);
  });

  it.each([
    ["not JSON", "{", /seed\.json: not valid JSON/],
    ["the wrong api", '{"api":"bika-ish","spaces":[]}', /seed\.json: \$\.api /],
    ["a typo in a key", '{"api":"vika","spaces":[{"name":"S","nodez":[]}]}', /seed\.json: \$\.spaces\[0\] unknown key "nodez"/],
    ["an unknown field type", '{"api":"vika","spaces":[{"name":"S","nodes":[{"name":"D","type":"Datasheet","fields":[{"name":"A","type":"Texte"}]}]}]}', /\$\.spaces\[0\]\.nodes\[0\]\.fields\[0\]\.type must be one of/],
    ["a bad cell", '{"api":"vika","spaces":[{"name":"S","nodes":[{"name":"D","type":"Datasheet","fields":[{"name":"N","type":"Number","property":{"precision":0}}],"records":[{"fields":{"N":"x"}}]}]}]}', /datasheet "D" records\[0\]: .*must be a number/],
  ])("refuses a seed with %s, naming the file and where", async (_case, content, message) => {
    const path = await seedFile(content);
    const error = await startEmulator({ api: "vika", seed: path }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(SeedError);
    expect((error as Error).message).toMatch(message);
  });
});

describe("snapshot", () => {
  it("copies datasheets from a server into a seed that loads into an emulator with the same records and ids", async () => {
    const { snapshotVika } = await import("../src/snapshot.js");
    emulator = await startEmulator({ api: "vika", qps: false });
    const source = new Vika({ token: "uskSnapshot", host: emulator.url, rateLimit: false });
    const created = await source.space("spcEmulator01").datasheets.create({
      name: "Linked",
      fields: [
        { name: "Name", type: "SingleText", property: {} },
        { name: "Task", type: "OneWayLink", property: { foreignDatasheetId: TASKS } },
        { name: "Files", type: "Attachment" },
      ],
    });
    const file = await source.datasheet(created.id).upload(new Uint8Array([7]), "seven.bin");
    const [first] = (await source.datasheet(TASKS).records.query()).records;
    await source.datasheet(created.id).records.create([{ fields: { Name: "points at a task", Task: [first!.recordId], Files: [{ token: file.token, name: "seven.bin" }] } }]);
    const warnings: string[] = [];
    const seed = await snapshotVika({ token: "uskSnapshot", host: emulator.url, datasheetIds: [TASKS, created.id], warn: (message) => warnings.push(message) });
    expect(warnings).toEqual([`${created.id}: 1 attachment cell(s) left out: the files stay on the server`]);

    const copy = await startEmulator({ api: "vika", qps: false, seed });
    try {
      const target = new Vika({ token: "uskSnapshot", host: copy.url, rateLimit: false });
      for (const datasheetId of [TASKS, created.id]) {
        const original = (await source.datasheet(datasheetId).records.query()).records;
        const copied = (await target.datasheet(datasheetId).records.query()).records;
        const withoutFiles = (records: typeof original) => records.map((record) => ({ id: record.recordId, fields: { ...record.fields, Files: undefined } }));
        expect(withoutFiles(copied)).toEqual(withoutFiles(original));
      }
    } finally {
      await copy.stop();
    }
  });
});

describe("what a careless or hostile client sends", () => {
  it("answers a sort index in the billions at once, and orders indexed sort pairs by their index", async () => {
    emulator = await startEmulator({ api: "vika", qps: false });
    const huge = await fetch(`${emulator.url}/fusion/v1/datasheets/${TASKS}/records?sort[4294967290][field]=Title&sort[4294967290][order]=desc`, { headers: auth });
    expect((await huge.json()).data.records.map((record: { fields: { Title: string } }) => record.fields.Title)).toEqual(["Write the spec", "Ship it", "Build the client"]);
    const pairs = await fetch(`${emulator.url}/fusion/v1/datasheets/${TASKS}/records?sort[1][field]=Title&sort[0][field]=Done&sort[0][order]=desc&sort[1][order]=asc`, { headers: auth });
    expect((await pairs.json()).data.records.map((record: { fields: { Title: string } }) => record.fields.Title)).toEqual(["Write the spec", "Build the client", "Ship it"]);
  });

  it("refuses a date no Date can hold, so reading the datasheet as text keeps working", async () => {
    emulator = await startEmulator({ api: "vika", qps: false });
    const vika = new Vika({ token: "uskCareless", host: emulator.url, rateLimit: false });
    await expect(vika.datasheet(TASKS).records.create([{ fields: { Title: "far", Due: 1e300 } }])).rejects.toThrow(/timestamp/);
    expect((await vika.datasheet(TASKS).records.query({ cellFormat: "string" })).total).toBe(3);
  });

  it("keeps no select option from a write it refused", async () => {
    emulator = await startEmulator({ api: "vika", qps: false });
    const vika = new Vika({ token: "uskCareless", host: emulator.url, rateLimit: false, maxRecordsPerWrite: 11 });
    const options = async () => {
      const { fields } = await vika.datasheet(TASKS).fields.list();
      return (fields.find((field) => field.name === "Status") as { property: { options: Array<{ name: string }> } }).property.options.map((option) => option.name);
    };
    const before = await options();
    const eleven = Array.from({ length: 11 }, (_, index) => ({ fields: { Title: `t${index}`, Status: "Brand new option" } }));
    await expect(vika.datasheet(TASKS).records.create(eleven)).rejects.toThrow(/at most 10/);
    await expect(vika.datasheet(TASKS).records.create([{ fields: { Title: "a", Status: "Another new one" } }, { fields: { Title: "b", Estimate: "x" } }])).rejects.toThrow(/a number/);
    expect(await options()).toEqual(before);
  });

  it("refuses a formula that would build an enormous text, with the formula error, not a failure of its own", async () => {
    emulator = await startEmulator({ api: "vika", qps: false });
    const vika = new Vika({ token: "uskCareless", host: emulator.url, rateLimit: false });
    for (const filterByFormula of ['LEN(REPT(REPT(REPT("x",10000),10000),10000)) > 0', 'LEN(SUBSTITUTE(REPT("a",50000),"a",REPT("b",50000))) > 0', `LEN(CONCATENATE(${Array.from({ length: 20 }, () => 'REPT("x",90000)').join(",")})) > 0`]) {
      await expect(vika.datasheet(TASKS).records.query({ filterByFormula })).rejects.toThrow(/longer than 100000 characters/);
    }
  });

  it("keeps only the latest requests in its log", async () => {
    const { startHttp } = await import("../src/http.js");
    const server = await startHttp({ routes: [{ method: "GET", path: "/ping", handler: () => "pong" }], bucketOf: () => "user", errors: { unauthorized: "u", notFound: "n", rateLimited: "r", serverError: "s" }, qps: false, maxLogEntries: 3 });
    try {
      for (let index = 0; index < 8; index += 1) await fetch(`${server.url}/ping`, { headers: auth });
      expect(server.log.length).toBeLessThanOrEqual(6);
      expect(server.log.at(-1)!.seq).toBe(8);
    } finally {
      await server.close();
    }
  });

  it("checks a Vika seed against the Vika schema after a Bika seed was checked", async () => {
    const { checkSeed } = await import("../src/index.js");
    expect(() => checkSeed(defaultBikaSeed, "bika")).not.toThrow();
    expect(() => checkSeed(defaultVikaSeed, "vika")).not.toThrow();
    expect(() => checkSeed({ api: "vika", spaces: [{ name: "S", nodez: [] }] }, "vika")).toThrow(/nodez/);
  });
});
