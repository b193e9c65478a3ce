import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type Emulator, startEmulator } from "@bikavika/emulator";
import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import { TOKEN, runCli, startCli, tempDir } from "./helpers.js";
import { booksCsv } from "./rows.js";
import { BOOKS, seed } from "./seed.js";

let emulator: Emulator;
let env: Record<string, string>;
let dir: string;

beforeAll(async () => {
  // A little latency keeps requests in flight, so that a kill lands between a request and its answer.
  emulator = await startEmulator({ api: "vika", seed, qps: false, latencyMs: 3, faults: { methods: ["POST"] } });
  env = { VIKA_TOKEN: TOKEN, VIKA_HOST: emulator.url };
});
beforeEach(() => {
  emulator.reset();
  dir = tempDir();
});
afterAll(() => emulator.stop());

const titles = () => emulator.records(BOOKS).map((record) => record.fields.Title as string);
/** Requests the journal records as answered, counted without parsing it (it grows to thousands of lines). */
const answeredRequests = (path: string) => (existsSync(path) ? readFileSync(path, "utf8").split('{"ok"').length - 1 : 0);
const journalLines = (path: string) => (existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line)) : []);

test("an import killed with SIGKILL part-way and run again ends with every one of 20,000 rows written once", async () => {
  const input = join(dir, "books.csv");
  writeFileSync(input, booksCsv(20_000, { members: false }));
  const args = ["vika", "import", BOOKS, input, "--key", "Title", "--qps", "off", "--json"];
  const journal = `${input}.bikavika-journal`;

  const { child, done } = startCli(args, env);
  // Killed once a third of the rows are in, while requests are in flight.
  while (answeredRequests(journal) < 670) await sleep(25);
  child.kill("SIGKILL");
  const killed = await done;
  expect(killed.signal).toBe("SIGKILL");
  await emulator.settled();
  const before = titles().length;
  expect(before).toBeGreaterThan(6000);
  expect(before).toBeLessThan(20_000);
  const lines = journalLines(journal);
  const answered = new Set(lines.flatMap((entry) => entry.ok ?? []));
  const unanswered = lines.flatMap((entry) => entry.send ?? []).filter((row: number) => !answered.has(row));
  // The kill caught requests on the wire: their rows are the ones the re-run must look up rather than resend.
  expect(unanswered.length).toBeGreaterThan(0);

  const resumed = await runCli(args, env);
  expect(resumed.code, resumed.stderr).toBe(0);
  const summary = JSON.parse(resumed.stdout);
  // Rows the journal had as written are skipped; rows sent without an answer are found by key or sent again.
  expect(summary.created + summary.skipped).toBe(20_000);
  expect(summary.skipped).toBeGreaterThanOrEqual(answered.size);
  expect(summary.skipped).toBeLessThanOrEqual(answered.size + unanswered.length);
  const after = titles();
  expect(after).toHaveLength(20_000);
  expect(new Set(after).size).toBe(20_000);

  // Run a third time: the journal says it is complete, and nothing is sent.
  const requests = emulator.log.length;
  const again = await runCli(args, env);
  expect(again.code).toBe(0);
  expect(again.stderr).toContain("says this import is complete");
  expect(emulator.log.length).toBe(requests);
});

test("a create whose answer is lost is found by --key in the same run, and not written twice", async () => {
  const input = join(dir, "books.csv");
  writeFileSync(input, booksCsv(95, { members: false }));
  emulator.forceFaults(["none", "drop-after", "none", "drop-after"]);
  const result = await runCli(["vika", "import", BOOKS, input, "--key", "Title", "--qps", "off", "--json"], env);
  expect(result.code, result.stderr).toBe(0);
  expect(JSON.parse(result.stdout)).toMatchObject({ created: 75, skipped: 20, unknown: 0 });
  expect(emulator.stats().byFault["drop-after"]).toBe(2);
  expect(titles()).toHaveLength(95);
  expect(new Set(titles()).size).toBe(95);
});

test("without a key, rows of unknown outcome are named and nothing more is written until --unknown says what they were", async () => {
  const input = join(dir, "books.csv");
  writeFileSync(input, booksCsv(40, { members: false }));
  emulator.forceFaults(["none", "drop-after"]);
  const args = ["vika", "import", BOOKS, input, "--qps", "off", "--concurrency", "1"];
  const first = await runCli(args, env);
  expect(first.code).toBe(3);
  expect(first.stderr).toContain("10 rows have an unknown outcome (rows 11, 12, 13, 14, 15, 16, 17, 18, 19, 20)");
  expect(titles()).toHaveLength(40);

  const second = await runCli(args, env);
  expect(second.code).toBe(3);
  expect(second.stderr).toMatch(/10 rows were sent in a create whose answer never came \(rows 11, .*, 20\).*--unknown skip/s);
  expect(titles()).toHaveLength(40);

  const skipped = await runCli([...args, "--unknown", "skip", "--json"], env);
  expect(skipped.code, skipped.stderr).toBe(0);
  expect(JSON.parse(skipped.stdout)).toMatchObject({ created: 0, skipped: 40 });
  expect(titles()).toHaveLength(40);
});

test("--unknown resend sends rows whose create never reached the server", async () => {
  const input = join(dir, "books.csv");
  writeFileSync(input, booksCsv(20, { members: false }));
  // The request fails after the server had it but before it acted: nothing was written, yet the client cannot know.
  emulator.forceFaults(["drop-before"]);
  const args = ["vika", "import", BOOKS, input, "--qps", "off", "--concurrency", "1"];
  const first = await runCli(args, env);
  expect(first.code).toBe(3);
  expect(titles()).toHaveLength(10);
  const resent = await runCli([...args, "--unknown", "resend", "--json"], env);
  expect(resent.code, resent.stderr).toBe(0);
  expect(JSON.parse(resent.stdout)).toMatchObject({ created: 10, skipped: 10 });
  expect(titles().sort()).toEqual(Array.from({ length: 20 }, (_, index) => `Book ${String(index + 1).padStart(5, "0")}`));
});

test("Ctrl-C stops once the requests in flight are answered: nothing is left unknown, and a re-run without a key completes", async () => {
  const input = join(dir, "books.csv");
  writeFileSync(input, booksCsv(3000, { members: false }));
  const args = ["vika", "import", BOOKS, input, "--qps", "off"];
  const journal = `${input}.bikavika-journal`;
  const { child, done } = startCli(args, env);
  while (answeredRequests(journal) < 30) await sleep(10);
  child.kill("SIGINT");
  const interrupted = await done;
  expect(interrupted.code).toBe(3);
  expect(interrupted.stderr).toContain("stopping once the requests in flight are answered");
  expect(interrupted.stderr).toContain("interrupted; every request sent was answered and recorded");
  const lines = journalLines(journal);
  const answered = new Set(lines.flatMap((entry) => entry.ok ?? []));
  expect(lines.flatMap((entry) => entry.send ?? []).filter((row: number) => !answered.has(row))).toEqual([]);
  expect(titles().length).toBe(answered.size);
  expect(answered.size).toBeLessThan(3000);

  const resumed = await runCli(args, env);
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(titles()).toHaveLength(3000);
  expect(new Set(titles()).size).toBe(3000);
});
