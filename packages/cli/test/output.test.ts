import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { type Emulator, startEmulator } from "@bikavika/emulator";
import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import { run } from "../src/index.js";
import { TOKEN, runCli, startCli, tempDir } from "./helpers.js";
import { booksCsv } from "./rows.js";
import { BOOKS, seed } from "./seed.js";

let emulator: Emulator;
let env: Record<string, string>;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator({ api: "vika", seed, qps: false });
  env = { VIKA_TOKEN: TOKEN, VIKA_HOST: emulator.url };
});
beforeEach(() => {
  emulator.reset();
  dir = tempDir();
});
afterAll(() => emulator.stop());

/** Runs the command in this process with stderr taken for a terminal, or not. */
async function runHere(argv: string[], tty: boolean) {
  const stdout = new PassThrough();
  // cli-progress draws on streams that say they are terminals, as process.stderr does on one.
  const stderr = Object.assign(new PassThrough(), { isTTY: tty, columns: 160 });
  let out = "";
  let err = "";
  stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const code = await run(argv, { stdout, stderr, stderrIsTTY: tty, env, secrets: new Set() });
  return { code, stdout: out, stderr: err };
}

test("schema prints a table of the fields, and JSON with --json", async () => {
  const table = await runCli(["vika", "schema", BOOKS, "--qps", "off"], env);
  expect(table.code).toBe(0);
  const lines = table.stdout.trimEnd().split("\n");
  expect(lines[0]).toMatch(/^FIELD\s+ID\s+TYPE\s+WRITABLE\s+DETAILS$/);
  expect(lines).toContainEqual(expect.stringMatching(/^Title \(primary\)\s+fldTitle\s+SingleText\s+yes$/));
  expect(lines).toContainEqual(expect.stringMatching(/^Genre\s+fldGenre\s+SingleSelect\s+yes\s+options: Novel, Poetry$/));
  expect(lines).toContainEqual(expect.stringMatching(/^Summary\s+fldSummary\s+Formula\s+no\s+expression: CONCATENATE/));
  expect(lines).toHaveLength(19);
  // The ids line up under their heading, after a Chinese name too (each character two cells wide).
  const shelf = lines.find((line) => line.startsWith("书架"))!;
  expect(shelf.indexOf("fldShelf") + 2).toBe(lines[0]!.indexOf("ID"));

  const json = await runCli(["vika", "schema", BOOKS, "--qps", "off", "--json"], env);
  const fields = JSON.parse(json.stdout);
  expect(fields).toHaveLength(18);
  expect(fields[0]).toMatchObject({ id: "fldTitle", name: "Title", type: "SingleText", isPrimary: true, writable: true, kind: "text" });
  expect(fields.find((field: { name: string }) => field.name === "Summary")).toMatchObject({ writable: false, kind: "computed" });
});

test("on a terminal a progress bar is drawn on stderr; off a terminal there is no bar and no escape code", async () => {
  const input = join(dir, "books.csv");
  writeFileSync(input, booksCsv(300, { members: false }));
  const onTty = await runHere(["vika", "import", BOOKS, input, "--qps", "off"], true);
  expect(onTty.code, onTty.stderr).toBe(0);
  expect(onTty.stderr).toMatch(/importing \[[=-]+\] 300\/300 rows \| ETA \S+ \| \d+ rows\/s \| 0 retried, 0 × 429 waited out/);
  expect(onTty.stderr).toContain("\u001b[");
  expect(onTty.stderr).toMatch(/bikavika: 300 rows: 300 created, 0 updated, 0 already written, 0 failed in [\d.]+ s; 31 requests \(0 × 429, 0 retried\)/);

  emulator.reset();
  const piped = await runCli(["vika", "import", BOOKS, input, "--qps", "off", "--journal", join(dir, "second.journal")], env);
  expect(piped.code).toBe(0);
  expect(piped.stderr).not.toContain("\u001b");
  expect(piped.stderr).not.toContain("importing");
  expect(piped.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^bikavika: 300 rows: 300 created, .* 31 requests/)]);

  const noBar = await runHere(["vika", "import", BOOKS, input, "--qps", "off", "--journal", join(dir, "third.journal"), "--no-progress"], true);
  expect(noBar.stderr).not.toContain("\u001b");

  const exported = await runHere(["vika", "export", BOOKS, "--qps", "off", "--out", join(dir, "out.csv")], true);
  expect(exported.stderr).toMatch(/exporting 600 rows \| \d+ rows\/s/);
});

test("the import summary counts what was done; --json puts it on stdout", async () => {
  const input = join(dir, "books.csv");
  writeFileSync(input, booksCsv(25, { members: false }));
  const result = await runCli(["vika", "import", BOOKS, input, "--qps", "off", "--json"], env);
  const summary = JSON.parse(result.stdout);
  expect(summary).toEqual({
    rows: 25,
    created: 25,
    updated: 0,
    skipped: 0,
    failed: 0,
    unknown: 0,
    deleted: 0,
    seconds: expect.any(Number),
    requests: 4,
    rateLimited: 0,
    retried: 0,
    dryRun: false,
    exitCode: 0,
  });
});

test("--help on every command shows examples and exits 0; --version gives the package's", async () => {
  const commands = [[], ["vika"], ["bika"], ...["vika", "bika"].flatMap((api) => ["export", "import", "schema", "typegen"].map((name) => [api, name]))];
  for (const command of commands) {
    const result = await runCli([...command, "--help"]);
    expect(result.code, command.join(" ")).toBe(0);
    if (command.length !== 1) expect(result.stdout, command.join(" ")).toContain("Examples:");
    else expect(result.stdout, command.join(" ")).toContain("Exit codes:");
    expect(result.stdout).toMatch(/^Usage: bikavika/);
  }
  const version = await runCli(["--version"]);
  expect(version.code).toBe(0);
  expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version);
  const importHelp = (await runCli(["vika", "import", "--help"])).stdout;
  expect(importHelp).toContain("without a zone (2024-05-01T09:30)");
  expect(importHelp).toContain("Exit codes: 0 done, 1 failed");
});

test("vika typegen prints the datasheet's field map, writes it with --out and checks it with --check", async () => {
  const printed = await runCli(["vika", "typegen", BOOKS, "--qps", "off"], env);
  expect(printed.code, printed.stderr).toBe(0);
  expect(printed.stdout).toContain("// Generated by bikavika vika typegen");
  expect(printed.stdout).toContain("export interface BooksFields {");
  expect(printed.stdout).toMatch(/Genre\?: "Novel" \| "Poetry" \| \(string & \{\}\);/);
  expect(printed.stdout).toMatch(/readonly Summary\?: string;/);

  const out = join(dir, "fields.ts");
  expect((await runCli(["vika", "typegen", BOOKS, "--qps", "off", "--out", out], env)).code).toBe(0);
  expect((await runCli(["vika", "typegen", BOOKS, "--qps", "off", "--out", out, "--check"], env)).code).toBe(0);
  writeFileSync(out, "// stale\n");
  const stale = await runCli(["vika", "typegen", BOOKS, "--qps", "off", "--out", out, "--check"], env);
  expect(stale.code).toBe(1);
  expect(stale.stderr).toContain("is out of date");
});

test("an export whose reader closes the pipe early (| head) ends quietly with exit 0", async () => {
  const input = join(dir, "books.csv");
  writeFileSync(input, booksCsv(3000, { members: false }));
  expect((await runCli(["vika", "import", BOOKS, input, "--qps", "off"], env)).code).toBe(0);
  const { child, done } = startCli(["vika", "export", BOOKS, "--qps", "off"], env);
  // Read the header, then close the pipe, as `head -1` does.
  await new Promise<void>((resolve) => child.stdout!.once("data", () => resolve()));
  child.stdout!.destroy();
  const result = await done;
  expect(result.code).toBe(0);
  expect(result.stderr).not.toContain("EPIPE");
  expect(result.stderr).not.toContain("bikavika:");
});
