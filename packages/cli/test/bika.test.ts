import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { Bika } from "@bikavika/bika";
import { type Emulator, startEmulator } from "@bikavika/emulator";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import { ADA, BO, BOOKS, LONG_BOOKS, SPACE, bikaSeed } from "./bika-seed.js";
import { TOKEN, runCli, startCli, tempDir } from "./helpers.js";
import { COLUMNS, booksCsv } from "./rows.js";

const OWNERS = ["", ADA, BO, `${ADA}, ${BO}`];

let emulator: Emulator;
let env: Record<string, string>;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator({ api: "bika", seed: bikaSeed, qps: false, latencyMs: 2 });
  env = { BIKA_TOKEN: TOKEN, BIKA_BASE_URL: emulator.baseUrl };
});
beforeEach(() => {
  emulator.reset();
  dir = tempDir();
  mark = emulator.log.length;
});
afterAll(() => emulator.stop());

/** Write requests the emulator has received since the last reset. */
let mark = 0;
const writesLogged = () => emulator.log.slice(mark).filter((entry) => entry.method !== "GET").length;

async function records(): Promise<Array<Record<string, unknown>>> {
  const database = new Bika({ token: TOKEN, baseURL: emulator.baseUrl, rateLimit: false }).space.byId(SPACE).database(BOOKS);
  const all = [];
  for await (const record of database.recordsV2.listAll({ pageSize: 1000 })) all.push(record.fields as Record<string, unknown>);
  return all;
}

const sorted = (csv: string) => {
  const [header, ...rows] = parse(csv) as string[][];
  const at = COLUMNS.map((column) => header!.indexOf(column));
  expect(at).not.toContain(-1);
  return rows.map((row) => at.map((index) => row[index]!)).sort((a, b) => a[0]!.localeCompare(b[0]!));
};

test("bika: a 20,000-row CSV with every writable field type goes into the database and comes out equal", async () => {
  const source = booksCsv(20_000, { owners: OWNERS });
  const input = join(dir, "books.csv");
  writeFileSync(input, source);
  const imported = await runCli(["bika", "import", SPACE, BOOKS, input, "--qps", "off", "--json"], env);
  expect(imported.code, imported.stderr).toBe(0);
  expect(JSON.parse(imported.stdout)).toMatchObject({ rows: 20_000, created: 20_000, failed: 0 });

  const output = join(dir, "out.csv");
  const exported = await runCli(["bika", "export", SPACE, BOOKS, "--qps", "off", "--out", output], env);
  expect(exported.code, exported.stderr).toBe(0);
  const csv = readFileSync(output, "utf8");
  expect(csv.split("\n", 1)[0]).toBe("Title,Notes,Genre,Tags,Pages,Price,Share,Published,Read,Stars,Site,Contact,Phone,Owners,Author,Cover,书架,Summary");
  expect(sorted(csv)).toEqual(sorted(source));
});

test("bika: an import killed with SIGKILL part-way and run again ends with every row written once", async () => {
  const input = join(dir, "books.csv");
  writeFileSync(input, booksCsv(20_000, { members: false }));
  const args = ["bika", "import", SPACE, BOOKS, input, "--key", "Title", "--qps", "off", "--json"];
  const journal = `${input}.bikavika-journal`;
  const { child, done } = startCli(args, env);
  // Requests answered so far, counted without parsing the journal.
  const answered = () => (existsSync(journal) ? readFileSync(journal, "utf8").split('{"ok"').length - 1 : 0);
  while (answered() < 500) await sleep(25);
  child.kill("SIGKILL");
  expect((await done).signal).toBe("SIGKILL");
  await emulator.settled();
  const before = (await records()).length;
  expect(before).toBeGreaterThanOrEqual(5000);
  expect(before).toBeLessThan(20_000);

  const resumed = await runCli(args, env);
  expect(resumed.code, resumed.stderr).toBe(0);
  const titles = (await records()).map((fields) => fields.fldTitle ?? fields.Title);
  expect(titles).toHaveLength(20_000);
  expect(new Set(titles).size).toBe(20_000);
});

test("bika: upsert by key, select options checked against the field, schema, export through a view", async () => {
  const input = join(dir, "books.csv");
  writeFileSync(input, booksCsv(30, { owners: OWNERS }));
  expect((await runCli(["bika", "import", SPACE, BOOKS, input, "--qps", "off"], env)).code).toBe(0);
  writeFileSync(input, "Title,Pages,Genre\nBook 00001,111,Poetry\nBook 00099,99,Novel\n");
  const upsert = await runCli(["bika", "import", SPACE, BOOKS, input, "--qps", "off", "--key", "Title", "--mode", "upsert", "--json"], env);
  expect(upsert.code, upsert.stderr).toBe(0);
  expect(JSON.parse(upsert.stdout)).toMatchObject({ created: 1, updated: 1 });
  const all = await records();
  expect(all).toHaveLength(31);
  expect(all.find((fields) => fields.Title === "Book 00001")).toMatchObject({ Pages: 111, Genre: "Poetry" });

  writeFileSync(input, "Title,Genre,Tags\nX,Drama,Classic\nY,Novel,\"Classic, Old\"\n");
  const bad = await runCli(["bika", "import", SPACE, BOOKS, input, "--qps", "off"], env);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain(`row 1, column "Genre": "Drama" — expected one of the field's options (Novel, Poetry, Essay)`);
  expect(bad.stderr).toContain(`row 2, column "Tags": "Classic, Old" — expected the field's options (Classic, New)`);

  const schema = await runCli(["bika", "schema", SPACE, BOOKS, "--qps", "off", "--json"], env);
  expect(JSON.parse(schema.stdout).map((field: { name: string; kind: string }) => `${field.name}:${field.kind}`)).toContain("Summary:computed");
  const help = await runCli(["bika", "schema", "--help"]);
  expect(help.stdout).not.toContain("--view");

  // Through a view: its filter and order (Pages above 20, longest first, the two rows upserted above included), with
  // every field a column.
  const viewed = await runCli(["bika", "export", SPACE, BOOKS, "--qps", "off", "--view", LONG_BOOKS, "--format", "ndjson"], env);
  expect(viewed.code, viewed.stderr).toBe(0);
  const rows = viewed.stdout.trimEnd().split("\n").map((line) => JSON.parse(line));
  expect(rows.map((row) => row.Pages)).toEqual([111, 99, 30, 29, 27, 26, 25, 24, 23, 22]);
  expect(rows[2]).toMatchObject({ Title: "Book 00030", Genre: "Poetry", Owners: [BO], Read: true });
  expect(Object.keys(rows[0])).toHaveLength(18);
});

test("bika typegen prints a field map that type-checks records, and --check tells when it is stale", async () => {
  const printed = await runCli(["bika", "typegen", SPACE, BOOKS, "--qps", "off"], env);
  expect(printed.code, printed.stderr).toBe(0);
  expect(printed.stdout).toContain(`/** The fields of database ${BOOKS} (Books), by field name.`);
  expect(printed.stdout).toContain('  Genre?: "Novel" | "Poetry" | "Essay" | (string & {});');
  expect(printed.stdout).toContain("  readonly Summary?: string | number | boolean;");
  expect(printed.stdout).toContain('  "书架"?: string;');

  const out = join(dir, "fields.ts");
  writeFileSync(out, printed.stdout);
  writeFileSync(
    join(dir, "use.ts"),
    [
      'import type { BooksFields } from "./fields.js";',
      'export const good: BooksFields = { Title: "Dune", Genre: "Novel", Tags: ["Classic", "Later"], Pages: 412, Read: true, Owners: [{ id: "meb1" }], Author: ["rec1"], Cover: [{ id: "att1" }] };',
      "// @ts-expect-error a title is text",
      "export const badTitle: BooksFields = { Title: 1 };",
      "// @ts-expect-error a checkbox is a boolean",
      'export const badRead: BooksFields = { Read: "yes" };',
      "declare const read: BooksFields;",
      "// @ts-expect-error computed fields are read-only",
      'read.Summary = "x";',
    ].join("\n"),
  );
  const ts = await import("typescript");
  const program = ts.createProgram([join(dir, "use.ts")], {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    baseUrl: dir,
    paths: { "@bikavika/bika": [fileURLToPath(new URL("../../bika/dist/index.d.ts", import.meta.url))] },
  });
  const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
  expect(problems).toEqual([]);

  expect((await runCli(["bika", "typegen", SPACE, BOOKS, "--qps", "off", "--out", out, "--check"], env)).code).toBe(0);
  writeFileSync(out, "// stale\n");
  expect((await runCli(["bika", "typegen", SPACE, BOOKS, "--qps", "off", "--out", out, "--check"], env)).code).toBe(1);
});

test("bika: attachments upload from local paths and export as name and URL", async () => {
  writeFileSync(join(dir, "cover.txt"), "a bika cover");
  const input = join(dir, "books.csv");
  writeFileSync(input, "Title,Cover\nDune,cover.txt\n");
  const imported = await runCli(["bika", "import", SPACE, BOOKS, input, "--qps", "off"], env);
  expect(imported.code, imported.stderr).toBe(0);
  const exported = await runCli(["bika", "export", SPACE, BOOKS, "--qps", "off", "--format", "json"], env);
  const [row] = JSON.parse(exported.stdout);
  expect(row.Cover).toEqual([{ name: "cover.txt", url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\//) }]);
  expect(await (await fetch(row.Cover[0].url)).text()).toBe("a bika cover");
});

test("bika: an unknown database, a bad cell and a refused token are each one message and a non-zero exit, the token never printed", async () => {
  const input = join(dir, "books.csv");
  writeFileSync(input, "Title,Pages\nA,many\n");
  const unknown = await runCli(["bika", "import", SPACE, "datNoSuchDatabase0001", input, "--qps", "off"], env);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toMatch(/^bikavika: GET .*not found/im);
  const bad = await runCli(["bika", "import", SPACE, BOOKS, input, "--qps", "off"], env);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain('row 1, column "Pages": "many" — expected a number');

  const server = createServer((request, response) => {
    response.writeHead(401, { "content-type": "application/json" });
    response.end(JSON.stringify({ success: false, code: 401, message: `token ${String(request.headers.authorization)} is not valid` }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/openapi/bika`;
    for (const args of [["bika", "schema", SPACE, BOOKS], ["bika", "export", SPACE, BOOKS], ["bika", "typegen", SPACE, BOOKS]]) {
      const refused = await runCli(args, { BIKA_TOKEN: TOKEN, BIKA_BASE_URL: base });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("the server refused the token");
      expect(refused.stdout + refused.stderr).not.toContain(TOKEN);
    }
  } finally {
    server.close();
  }
  expect(writesLogged()).toBe(0);
});

test("bika: sync leaves the database holding exactly the file's rows", async () => {
  const input = join(dir, "books.csv");
  writeFileSync(input, booksCsv(12, { members: false }));
  expect((await runCli(["bika", "import", SPACE, BOOKS, input, "--qps", "off"], env)).code).toBe(0);
  writeFileSync(input, "Title,Pages\nBook 00002,200\nBook 00099,99\n");
  const synced = await runCli(["bika", "import", SPACE, BOOKS, input, "--qps", "off", "--key", "Title", "--mode", "sync", "--json"], env);
  expect(synced.code, synced.stderr).toBe(0);
  expect(JSON.parse(synced.stdout)).toMatchObject({ created: 1, updated: 1, deleted: 11 });
  expect((await records()).map((fields) => [fields.Title, fields.Pages]).sort()).toEqual([["Book 00002", 200], ["Book 00099", 99]]);
});
