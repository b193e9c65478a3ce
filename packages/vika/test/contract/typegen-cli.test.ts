// bikavika-vika-typegen, the built command, against the Prism mock: the module it prints comes from the spec's
// listFields example, and bad usage or a failing server ends with a message and an exit code, never a stack trace.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runNode } from "@bikavika/testkit/process";
import { afterAll, describe, expect, inject, it } from "vitest";
import { fieldMapsModule } from "../../src/typegen.js";
import type { Field } from "../../src/index.js";
import { TOKEN, example } from "./helpers.js";

const cli = fileURLToPath(new URL("../../dist/typegen-cli.js", import.meta.url));

function typegen(args: string[], env: Record<string, string> = {}) {
  return runNode(cli, args, { PATH: process.env.PATH, VIKA_TOKEN: TOKEN, VIKA_HOST: inject("mockUrl"), ...env });
}

const fields = (example("listFields").data as { fields: Field[] }).fields;

describe("bikavika-vika-typegen", () => {
  const dir = mkdtempSync(join(tmpdir(), "vika-typegen-cli-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("prints the field map of the datasheet's fields", async () => {
    const result = await typegen(["dstTypegen01"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    // The node's name in the mock is not ASCII, so the interface is named after the id.
    expect(result.stdout).toBe(fieldMapsModule([{ id: "dstTypegen01", name: "研发部", fields }]));
    expect(result.stdout).toContain("export interface DstTypegen01Fields {");
  });

  it("keys by field id, names the interface, writes a file", async () => {
    const out = join(dir, "fields.ts");
    const result = await typegen(["dstTypegen01", "--field-key", "id", "--name", "Orders", "--out", out]);
    expect(result).toMatchObject({ code: 0, stdout: "", stderr: "" });
    expect(readFileSync(out, "utf8")).toBe(
      fieldMapsModule([{ id: "dstTypegen01", name: "研发部", fields, interfaceName: "Orders" }], { fieldKey: "id" }),
    );
  });

  it("--check passes on an up-to-date file and fails, writing nothing, on a stale or missing one", async () => {
    const out = join(dir, "checked.ts");
    expect(await typegen(["dstTypegen01", "--out", out])).toMatchObject({ code: 0 });
    expect(await typegen(["dstTypegen01", "--out", out, "--check"])).toMatchObject({ code: 0, stdout: "", stderr: "" });

    const stale = readFileSync(out, "utf8").replace('"数量"?: CellValueByType["Number"];', '"数量"?: CellValueByType["Text"];');
    writeFileSync(out, stale);
    const result = await typegen(["dstTypegen01", "--out", out, "--check"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${out} is out of date: the fields changed since it was generated`);
    expect(readFileSync(out, "utf8")).toBe(stale);

    const missing = await typegen(["dstTypegen01", "--out", join(dir, "never-written.ts"), "--check"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("never-written.ts does not exist");
    expect(existsSync(join(dir, "never-written.ts"))).toBe(false);
  });

  it("prints its usage on --help", async () => {
    const result = await typegen(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: bikavika-vika-typegen <datasheetId>/);
  });

  it.each([
    [[], {}, "name at least one datasheet id"],
    [["dstA"], { VIKA_TOKEN: "" }, "set VIKA_TOKEN"],
    [["dstA", "--field-key", "title"], {}, '--field-key must be name or id, got "title"'],
    [["dstA", "dstB", "--name", "X"], {}, "--view and --name apply to one datasheet"],
    [["dstA", "--colour"], {}, "Unknown option '--colour'"],
    [["dstA", "--check"], {}, "--check compares with the file --out names"],
    [["dstA"], { VIKA_HOST: "http://example.com" }, "baseUrl must be https://"],
  ])("exits 2 with a message for bad usage: %j %j", async (args, env, message) => {
    const result = await typegen(args, env);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain("    at ");
  });

  // The client retries a refused connection (three times, with backoff) before giving up.
  it("exits 1 naming the failed call when the server refuses, without echoing the token", { timeout: 30_000 }, async () => {
    const result = await typegen(["dstTypegen01"], { VIKA_HOST: "http://127.0.0.1:1" });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^bikavika-vika-typegen: .*GET \/fusion\/v1\/datasheets\/\{datasheetId\}\/fields/);
    expect(result.stderr).not.toContain(TOKEN);
    expect(result.stderr).not.toContain("    at ");
  });

  it("exits 1 when the output file cannot be written", async () => {
    const result = await typegen(["dstTypegen01", "--out", join(dir, "missing", "fields.ts")]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot write .*missing\/fields\.ts/);
  });
});
