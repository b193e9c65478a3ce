import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@bikavika/emulator";
import { Vika } from "@bikavika/vika";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import { TOKEN, runCli, tempDir } from "./helpers.js";
import { booksCsv } from "./rows.js";
import { BOOKS, seed } from "./seed.js";

let emulator: Emulator;
let env: Record<string, string>;
let dir: string;
let mark: number;

beforeAll(async () => {
  emulator = await startEmulator({ api: "vika", seed, qps: false, faults: { methods: ["POST", "PATCH"] } });
  env = { VIKA_TOKEN: TOKEN, VIKA_HOST: emulator.url };
});
beforeEach(() => {
  emulator.reset();
  dir = tempDir();
  mark = emulator.log.length;
});
afterAll(() => emulator.stop());

const books = () => emulator.records(BOOKS);
const byTitle = (title: string) => books().find((record) => record.fields.Title === title)?.fields;
const writes = () => emulator.log.slice(mark).filter((entry) => entry.method !== "GET").length;
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const importArgs = (path: string, ...more: string[]) => ["vika", "import", BOOKS, path, "--qps", "off", ...more];

test("upsert by key updates the matching records, creates the rest and clears cells left empty", async () => {
  emulator.insert(BOOKS, Array.from({ length: 50 }, (_, index) => ({ Title: `Book ${String(index + 1).padStart(5, "0")}`, Pages: 1, Notes: "old" })));
  const input = file("books.csv", booksCsv(20, { from: 41, members: false }));
  const result = await runCli(importArgs(input, "--key", "Title", "--mode", "upsert", "--json"), env);
  expect(result.code, result.stderr).toBe(0);
  expect(JSON.parse(result.stdout)).toMatchObject({ rows: 20, created: 10, updated: 10, failed: 0 });
  expect(books()).toHaveLength(60);
  expect(byTitle("Book 00010")).toMatchObject({ Pages: 1, Notes: "old" });
  // The file's cells replace the old ones, and an empty Notes cell (Book 00048's) clears the old note.
  expect(byTitle("Book 00044")).toMatchObject({ Pages: 44, Share: 0.44, Notes: 'quoted "words", and a comma' });
  expect(byTitle("Book 00043")).toMatchObject({ Pages: 43, Notes: "plain" });
  expect(byTitle("Book 00048")?.Notes).toBeUndefined();
  expect(byTitle("Book 00055")).toMatchObject({ Pages: 55 });
  expect(emulator.log.slice(mark).filter((entry) => entry.method === "PATCH")).toHaveLength(1);
});

test("update refuses rows whose key matches no record, and create refuses keys already there; nothing is written", async () => {
  emulator.insert(BOOKS, [{ Title: "Book 00001" }, { Title: "Book 00002" }]);
  const input = file("books.csv", booksCsv(3, { members: false }));
  const update = await runCli(importArgs(input, "--key", "Title", "--mode", "update"), env);
  expect(update.code).toBe(1);
  expect(update.stderr).toContain('row 3, column "Title": "Book 00003" — expected a key of an existing record');
  const create = await runCli(importArgs(input, "--key", "Title"), env);
  expect(create.code).toBe(1);
  expect(create.stderr).toMatch(/row 1, column "Title": "Book 00001" — expected a key not in the datasheet yet \(record rec\w+ has it/);
  expect(writes()).toBe(0);
  expect(books()).toHaveLength(2);
});

test("every bad cell is reported with row, column, value and what was expected, in the report file too, and nothing is written", async () => {
  const input = file(
    "bad.csv",
    [
      "Title,Pages,Published,Read,Stars,Contact,Site,Owners,Author,Genre",
      "Good,1,2024-01-01,yes,1,a@b.co,https://a.b,,,Novel",
      "Bad,12 pages,2024-02-30,maybe,9,nobody,not a url,Nobody,Nobody,Novel",
      "Good too,2,2024-01-02T10:00,0,0,c@d.co,https://c.d,,Ursula,",
    ].join("\n"),
  );
  const result = await runCli(importArgs(input), env);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain("1 row is not valid; nothing was written");
  for (const line of [
    'row 2, column "Pages": "12 pages" — expected a number',
    'row 2, column "Published": "2024-02-30" — expected a date',
    'row 2, column "Read": "maybe" — expected true/false, yes/no or 1/0',
    'row 2, column "Stars": "9" — expected a whole number from 0 to 5',
    'row 2, column "Contact": "nobody" — expected an email address',
    'row 2, column "Site": "not a url" — expected a URL',
    'row 2, column "Owners": "Nobody" — expected member names or unit ids',
    'row 2, column "Author": "Nobody" — expected record ids (rec…) or primary values',
  ]) {
    expect(result.stderr).toContain(line);
  }
  const report = parse(readFileSync(`${input}.bikavika-report.csv`, "utf8"), { columns: true }) as Array<Record<string, string>>;
  expect(report).toHaveLength(8);
  expect(report[0]).toEqual({ row: "2", column: "Pages", value: "12 pages", expected: "a number (1234.5; no thousands separators)" });
  expect(writes()).toBe(0);
  expect(existsSync(`${input}.bikavika-journal`)).toBe(false);

  const json = await runCli(importArgs(input, "--json"), env);
  expect(JSON.parse(json.stdout)).toMatchObject({ valid: false, invalidRows: 1, exitCode: 1 });
});

test("--dry-run checks every row and says what would be written, writing nothing", async () => {
  emulator.insert(BOOKS, [{ Title: "Book 00002" }]);
  const input = file("books.csv", booksCsv(5, { members: false }));
  const result = await runCli(importArgs(input, "--key", "Title", "--mode", "upsert", "--dry-run"), env);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toContain("dry run: 5 rows valid; would create 4 and update 1; nothing written");
  expect(writes()).toBe(0);
  expect(existsSync(`${input}.bikavika-journal`)).toBe(false);
});

test("--map sends a column to a field of another name, --skip leaves one out, links go by primary value, attachments are uploaded", async () => {
  const cover = file("cover.txt", "a cover");
  const input = file("books.csv", "Book title,Writer,Cover,Ignored\nDune,Ursula,cover.txt,x\nSolaris,\"Stanisław,Ursula\",,y\n");
  const result = await runCli(importArgs(input, "--map", "Book title=Title", "--map", "Writer=Author", "--skip", "Ignored"), env);
  expect(result.code, result.stderr).toBe(0);
  expect(byTitle("Dune")).toMatchObject({ Author: ["recAuthorUrsula01"] });
  expect(byTitle("Solaris")).toMatchObject({ Author: ["recAuthorStanis01", "recAuthorUrsula01"] });
  const attachments = byTitle("Dune")!.Cover as Array<{ name: string; size: number }>;
  expect(attachments).toHaveLength(1);
  expect(attachments[0]).toMatchObject({ name: "cover.txt", size: readFileSync(cover).length });

  const missing = await runCli(importArgs(file("more.csv", "Title,Cover\nX,nowhere.png\n")), env);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/row 1, column "Cover": "nowhere.png" — expected paths of local files to upload, or URLs \(.*nowhere.png is not a readable file\)/);
});

test("a request the server refuses fails its rows only: exit 3, a report of them, and a re-run writes just those", async () => {
  const input = file("books.csv", booksCsv(30, { members: false }));
  emulator.forceFaults(["none", "business"]);
  const args = importArgs(input, "--concurrency", "1");
  const first = await runCli(args, env);
  expect(first.code).toBe(3);
  expect(first.stderr).toMatch(/30 rows: 20 created, 0 updated, 0 already written, 10 failed/);
  const report = parse(readFileSync(`${input}.bikavika-report.csv`, "utf8"), { columns: true }) as Array<Record<string, string>>;
  expect(report.map((row) => row.row)).toEqual(["11", "12", "13", "14", "15", "16", "17", "18", "19", "20"]);
  expect(report[0]!.expected).toMatch(/^accepted by the server \(/);
  expect(books()).toHaveLength(20);

  const second = await runCli([...args, "--json"], env);
  expect(second.code, second.stderr).toBe(0);
  expect(JSON.parse(second.stdout)).toMatchObject({ created: 10, skipped: 20, failed: 0 });
  expect(books().map((record) => record.fields.Title).sort()).toEqual(Array.from({ length: 30 }, (_, index) => `Book ${String(index + 1).padStart(5, "0")}`));
});

test("a journal of another import is refused rather than mixed up", async () => {
  const input = file("books.csv", booksCsv(12, { members: false }));
  emulator.forceFaults(["none", "business"]);
  expect((await runCli(importArgs(input, "--concurrency", "1"), env)).code).toBe(3);
  writeFileSync(input, booksCsv(13, { members: false }));
  const changed = await runCli(importArgs(input), env);
  expect(changed.code).toBe(2);
  expect(changed.stderr).toContain("belongs to another import (its digest, rows differ: the file changed since)");
  expect(books()).toHaveLength(10);
});

test("a finished import's journal gives way to the next import of a changed file", async () => {
  const input = file("books.csv", booksCsv(5, { members: false }));
  expect((await runCli(importArgs(input), env)).code).toBe(0);
  writeFileSync(input, booksCsv(3, { from: 6, members: false }));
  const next = await runCli(importArgs(input, "--json"), env);
  expect(next.code, next.stderr).toBe(0);
  expect(JSON.parse(next.stdout)).toMatchObject({ rows: 3, created: 3, skipped: 0 });
  expect(books()).toHaveLength(8);
});

test("a journal another running import holds is refused; a lock left by a process that is gone is taken over", async () => {
  const input = file("books.csv", booksCsv(5, { members: false }));
  const lockPath = `${input}.bikavika-journal.lock`;
  writeFileSync(lockPath, String(process.pid));
  const refused = await runCli(importArgs(input), env);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain(`another import (process ${process.pid}) is writing with the journal ${input}.bikavika-journal`);
  expect(books()).toHaveLength(0);

  // No process has the largest pid Linux allows, less one.
  writeFileSync(lockPath, "4194302");
  const resumed = await runCli(importArgs(input), env);
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(books()).toHaveLength(5);
  expect(existsSync(lockPath)).toBe(false);
});

test("attachments export as name (URL) and import back from the URL: same names, same bytes", async () => {
  file("cover.txt", "a cover");
  file("back.md", "# the back");
  const input = file("books.csv", 'Title,Cover\nDune,cover.txt\nSolaris,"cover.txt,back.md"\n');
  expect((await runCli(importArgs(input), env)).code).toBe(0);
  const first = join(dir, "first.csv");
  expect((await runCli(["vika", "export", BOOKS, "--qps", "off", "--out", first], env)).code).toBe(0);
  const covers = (path: string): Record<string, string> =>
    Object.fromEntries((parse(readFileSync(path, "utf8"), { columns: true }) as Array<Record<string, string>>).map((row) => [row.Title, row.Cover]));
  expect(covers(first).Solaris).toMatch(/^cover\.txt \(http:\/\/127\.0\.0\.1:\d+\/\S+\), back\.md \(http:\/\/127\.0\.0\.1:\d+\/\S+\)$/);

  // Into an emptied datasheet (the uploaded files stay): the cells come back from their URLs.
  const vika = new Vika({ token: TOKEN, host: emulator.url, rateLimit: false });
  await vika.datasheet(BOOKS).records.delete(books().map((record) => record.recordId));
  const again = await runCli(importArgs(first, "--journal", join(dir, "again.journal")), env);
  expect(again.code, again.stderr).toBe(0);
  const second = join(dir, "second.csv");
  expect((await runCli(["vika", "export", BOOKS, "--qps", "off", "--out", second], env)).code).toBe(0);
  const solaris = covers(second).Solaris!.split(", ").map((item) => /^(.*) \((.*)\)$/.exec(item)!);
  expect(solaris.map((match) => match[1])).toEqual(["cover.txt", "back.md"]);
  expect(await Promise.all(solaris.map(async (match) => (await fetch(match[2]!)).text()))).toEqual(["a cover", "# the back"]);
  expect(covers(second).Solaris).not.toBe(covers(first).Solaris);

  const dead = await runCli(importArgs(file("dead.csv", `Title,Cover\nX,gone.png (${emulator.url}/emulator/files/nothing-here)\n`)), env);
  expect(dead.code).toBe(1);
  expect(dead.stderr).toMatch(/1 rows: 0 created, .* 1 failed/);
});

test("sync upserts the file's rows and deletes every record no row names, keyless ones included; --dry-run counts first", async () => {
  emulator.insert(BOOKS, [{ Title: "A" }, { Title: "B", Pages: 1 }, { Title: "C", Pages: 1 }, { Title: "D" }, { Notes: "no title" }]);
  const input = file("books.csv", "Title,Pages\nB,2\nC,3\nE,5\n");
  const dry = await runCli(importArgs(input, "--key", "Title", "--mode", "sync", "--dry-run"), env);
  expect(dry.code, dry.stderr).toBe(0);
  expect(dry.stderr).toContain("would create 1 and update 2 and delete 3 records; nothing written");
  expect(books()).toHaveLength(5);

  const result = await runCli(importArgs(input, "--key", "Title", "--mode", "sync", "--json"), env);
  expect(result.code, result.stderr).toBe(0);
  expect(JSON.parse(result.stdout)).toMatchObject({ created: 1, updated: 2, deleted: 3, failed: 0 });
  expect(books().map((record) => [record.fields.Title, record.fields.Pages]).sort()).toEqual([["B", 2], ["C", 3], ["E", 5]]);

  const again = await runCli(importArgs(input, "--key", "Title", "--mode", "sync"), env);
  expect(again.stderr).toContain("says this import is complete");
  const noKey = await runCli(importArgs(input, "--mode", "sync"), env);
  expect(noKey.code).toBe(2);
  expect(noKey.stderr).toContain("--mode sync matches rows to records: name the field with --key FIELD");
});
