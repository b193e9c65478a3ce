import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@bikavika/emulator";
import { Vika } from "@bikavika/vika";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import { TOKEN, runCli, tempDir } from "./helpers.js";
import { COLUMNS, booksCsv } from "./rows.js";
import { ADA, BO, BOOKS, seed } from "./seed.js";

let emulator: Emulator;
let env: Record<string, string>;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator({ api: "vika", seed, qps: false });
  env = { VIKA_TOKEN: TOKEN, VIKA_HOST: emulator.url };
});
/** Empties the datasheet. Members are named by the field's options, which list the members a cell has held: one record puts both there. */
async function resetBooks() {
  emulator.reset();
  const books = new Vika({ token: TOKEN, host: emulator.url, rateLimit: false }).datasheet(BOOKS);
  const { records } = await books.records.create([{ fields: { Owners: [{ id: ADA }, { id: BO }] } }]);
  await books.records.delete(records.map((record) => record.recordId));
}
beforeEach(async () => {
  dir = tempDir();
  await resetBooks();
});
afterAll(() => emulator.stop());

/** The rows of a CSV with only `columns`, sorted by the first: requests of 10 run three at a time, so creation order is not file order. */
function table(csv: string, columns = COLUMNS): string[][] {
  const [header, ...rows] = parse(csv) as string[][];
  const at = columns.map((column) => header!.indexOf(column));
  expect(at).not.toContain(-1);
  return rows.map((row) => at.map((index) => row[index]!)).sort((a, b) => a[0]!.localeCompare(b[0]!));
}

test("a 20,000-row CSV with every writable field type goes into the datasheet and comes out equal", async () => {
  const source = booksCsv(20_000);
  const input = join(dir, "books.csv");
  writeFileSync(input, source);

  const imported = await runCli(["vika", "import", BOOKS, input, "--qps", "off", "--json"], env);
  expect(imported.code, imported.stderr).toBe(0);
  const summary = JSON.parse(imported.stdout);
  expect(summary).toMatchObject({ rows: 20_000, created: 20_000, updated: 0, failed: 0, unknown: 0, exitCode: 0 });
  expect(emulator.records(BOOKS)).toHaveLength(20_000);
  expect(emulator.stats().largestWrite).toBe(10);

  const output = join(dir, "out.csv");
  const exported = await runCli(["vika", "export", BOOKS, "--qps", "off", "--out", output], env);
  expect(exported.code, exported.stderr).toBe(0);
  expect(exported.stderr).toMatch(/exported 20000 rows × 18 fields/);
  const csv = readFileSync(output, "utf8");
  expect(csv.split("\n", 1)[0]).toBe("Title,Notes,Genre,Tags,Pages,Price,Share,Published,Read,Stars,Site,Contact,Phone,Owners,Author,Cover,书架,Summary");
  expect(table(csv)).toEqual(table(source));
});

test("JSON and NDJSON exports import again unchanged", async () => {
  const input = join(dir, "books.csv");
  writeFileSync(input, booksCsv(60));
  expect((await runCli(["vika", "import", BOOKS, input, "--qps", "off"], env)).code).toBe(0);
  for (const format of ["json", "ndjson"] as const) {
    const first = join(dir, `first.${format}`);
    expect((await runCli(["vika", "export", BOOKS, "--qps", "off", "--out", first], env)).code).toBe(0);
    const text = readFileSync(first, "utf8");
    const rows = format === "json" ? JSON.parse(text) : text.trim().split("\n").map((line) => JSON.parse(line));
    expect(rows).toHaveLength(60);
    expect(rows.find((row: { Title: string }) => row.Title === "Book 00003")).toMatchObject({ Tags: ["Classic", "New"], Pages: 3, Read: false, Owners: ["Ada", "Bo"] });

    // Into an emptied datasheet and out again: the same records; the formula column is left to the server.
    await resetBooks();
    const reimported = await runCli(["vika", "import", BOOKS, first, "--qps", "off", "--journal", join(dir, `${format}.journal`)], env);
    expect(reimported.code, reimported.stderr).toBe(0);
    expect(reimported.stderr).toContain('warning: skipping "Summary" (Formula)');
    const second = join(dir, `second.${format}`);
    expect((await runCli(["vika", "export", BOOKS, "--qps", "off", "--out", second], env)).code).toBe(0);
    const again = readFileSync(second, "utf8");
    const sortRows = (all: Array<{ Title: string }>) => [...all].sort((a, b) => a.Title.localeCompare(b.Title));
    const parsed = format === "json" ? JSON.parse(again) : again.trim().split("\n").map((line) => JSON.parse(line));
    expect(sortRows(parsed)).toEqual(sortRows(rows));
  }
});
