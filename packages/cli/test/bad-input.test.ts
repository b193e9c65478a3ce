import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@bikavika/emulator";
import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import { type Result, TOKEN, runCli, tempDir } from "./helpers.js";
import { BOOKS, seed } from "./seed.js";

let emulator: Emulator;
let env: Record<string, string>;
let dir: string;
let mark: number;

beforeAll(async () => {
  emulator = await startEmulator({ api: "vika", seed, qps: false });
  env = { VIKA_TOKEN: TOKEN, VIKA_HOST: emulator.url };
});
beforeEach(() => {
  emulator.reset();
  dir = tempDir();
  mark = emulator.log.length;
});
afterAll(() => emulator.stop());

const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const writes = () => emulator.log.slice(mark).filter((entry) => entry.method !== "GET").length;

/** Runs an import that must fail: a non-zero exit, one clear message, no stack trace, no token, nothing written. */
async function refused(args: string[], code: number, message: string | RegExp, runEnv = env): Promise<Result> {
  const result = await runCli(args, runEnv);
  expect(result.code, result.stderr).toBe(code);
  if (typeof message === "string") expect(result.stderr).toContain(message);
  else expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(result.stdout + result.stderr).not.toContain(TOKEN);
  expect(writes()).toBe(0);
  return result;
}

const importFile = (path: string, ...more: string[]) => ["vika", "import", BOOKS, path, "--qps", "off", ...more];

test.each([
  ["an empty file", "empty.csv", "", "the file is empty"],
  ["only blank lines", "blank.csv", "\r\n\n", "the file is empty"],
  ["a header and no rows", "header.csv", "Title,Pages\n", "no rows to import (only a header)"],
  ["ragged rows", "ragged.csv", "Title,Pages\nA,1\nB,2,3\n", "ragged.csv, line 3: not valid CSV: a row has a different number of cells than the header"],
  ["an unclosed quote", "quote.csv", 'Title,Pages\n"A,1\n', "not valid CSV: a quoted cell is never closed"],
  ["a header naming a column twice", "twice.csv", "Title,Pages,Title\nA,1,B\n", 'the header names column "Title" twice'],
  ["a header cell with no name", "noname.csv", "Title,,Pages\nA,x,1\n", "column 2 of the header has no name"],
  ["columns no field has", "unknown.csv", "Title,Colour,Size\nA,red,3\n", 'columns "Colour", "Size" match no field of the datasheet'],
  ["JSON that is not an array", "object.json", '{"Title":"A"}', "expected a JSON array of objects"],
  ["JSON with a non-object row", "rows.json", '[{"Title":"A"}, 3]', "item 2: expected an object of column → value, got number"],
  ["broken NDJSON", "broken.ndjson", '{"Title":"A"}\n{"Title":\n', "broken.ndjson, line 2: not valid JSON"],
])("%s is refused with a clear message", async (_name, name, content, message) => {
  await refused(importFile(file(name, content)), 1, message);
});

test("binary junk is refused as not text", async () => {
  await refused(importFile(file("junk.csv", randomBytes(4096))), 1, /junk\.csv: (not UTF-8 text|holds NUL bytes)/);
  await refused(importFile(file("nul.csv", "Title\nA\u0000B\n")), 1, "holds NUL bytes: a binary file, not CSV");
});

test("a 10 MB cell is refused before anything is sent", async () => {
  await refused(importFile(file("huge.csv", `Title,Notes\nA,${"x".repeat(10 * 1024 * 1024)}\n`)), 1, 'row 1, column "Notes": "xxxxxxxx');
  await refused(importFile(file("huge2.csv", `Title,Notes\nA,${"x".repeat(10 * 1024 * 1024)}\n`)), 1, "expected at most 100,000 characters (got 10,485,760)");
});

test("a BOM, CRLF line ends, quoted newlines and Chinese headers are read as they should be", async () => {
  const path = file("excel.csv", '\uFEFFTitle,书架,Notes\r\nA,上层,"two\r\nlines"\r\nB,下层,"say ""hi"""\r\n');
  const result = await runCli(importFile(path), env);
  expect(result.code, result.stderr).toBe(0);
  expect(emulator.records(BOOKS).map((record) => record.fields)).toEqual([
    expect.objectContaining({ Title: "A", 书架: "上层", Notes: "two\r\nlines" }),
    expect.objectContaining({ Title: "B", 书架: "下层", Notes: 'say "hi"' }),
  ]);
});

test("a column mapped to a computed field, or a --map naming nothing, is a usage error", async () => {
  const path = file("books.csv", "Title,Note\nA,x\n");
  await refused(importFile(path, "--map", "Note=Summary"), 2, '--map Note=Summary: field "Summary" (Formula) is computed or read-only: it cannot be written');
  await refused(importFile(path, "--map", "Note=Nowhere"), 2, '--map Note=Nowhere: no field "Nowhere" in the datasheet');
  await refused(importFile(path, "--map", "Missing=Notes"), 2, '--map Missing=…: the file has no column "Missing"');
  await refused(importFile(path, "--map", "Note"), 2, '--map takes COLUMN=FIELD, got "Note"');
});

test("usage errors exit 2 with a message", async () => {
  const path = file("books.csv", "Title\nA\n");
  await refused(importFile(path, "--mode", "upsert"), 2, "--mode upsert matches rows to records: name the field with --key FIELD");
  await refused(importFile(path, "--mode", "merge"), 2, "argument 'merge' is invalid. Allowed choices are create, upsert, update, sync.");
  await refused(importFile(path, "--key", "Pages"), 2, "--key Pages: no column of the file goes to that field");
  await refused(importFile(path, "--key", "Cover"), 2, "--key Cover: no column of the file goes to that field");
  await refused(importFile(path, "--qps", "fast"), 2, '--qps must be a number of requests per second (up to 1000) or "off", got "fast"');
  await refused(importFile(path, "--concurrency", "0"), 2, "--concurrency must be a whole number from 1 to 10.");
  await refused(importFile(join(dir, "missing.csv")), 2, "missing.csv: no such file");
  await refused(importFile(file("sheet.xlsx", "PK")), 2, "Excel files are not read; save the sheet as CSV (UTF-8) and import that");
  await refused(importFile(file("notes.txt", "x")), 2, 'cannot tell the format from the extension ".txt"');
  await refused(["vika", "import", BOOKS], 2, "error: missing required argument 'file'");
  await refused(["vika", "nonsense"], 2, "error: unknown command 'nonsense'");
  await refused(["vika", "export", BOOKS, "--json"], 2, "--json prints the summary on stdout, where the records go without --out");
  await refused(importFile(path), 2, "no token: set VIKA_TOKEN or pass --token-file FILE", { VIKA_HOST: emulator.url });
  await refused(importFile(path, "--token-file", join(dir, "none")), 2, "--token-file");
});

test("an unknown datasheet is reported as the server says", async () => {
  const path = file("books.csv", "Title\nA\n");
  await refused(["vika", "import", "dstNoSuchSheet0001", path, "--qps", "off"], 1, /bikavika: .*(not found|not exist|301)/i);
  await refused(["vika", "export", "dstNoSuchSheet0001", "--qps", "off"], 1, /bikavika: .*(not found|not exist|301)/i);
});

test("a token the server refuses is reported without ever printing it, even when the server echoes it", async () => {
  // A server that answers 401 and puts the Authorization header it got into its message.
  const server: Server = createServer((request, response) => {
    response.writeHead(401, { "content-type": "application/json" });
    response.end(JSON.stringify({ success: false, code: 401, message: `token ${String(request.headers.authorization)} is not valid` }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const tokenFile = file("token.txt", `${TOKEN}\n`);
    for (const args of [
      ["vika", "schema", BOOKS, "--token-file", tokenFile],
      ["vika", "export", BOOKS, "--token-file", tokenFile],
      importFile(file("books.csv", "Title\nA\n"), "--token-file", tokenFile),
    ]) {
      const result = await refused(args, 1, "the server refused the token", { VIKA_HOST: host });
      expect(result.stderr).toContain("401");
    }
  } finally {
    server.close();
  }
});
