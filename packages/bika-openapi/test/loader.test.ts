// The loader (lib/): what `import { loadSpec, specPath } from "@bikavika/<api>-openapi"` gives, through the
// package's own exports map, in ESM and CommonJS. Needs dist/ (turbo runs `build` before `test`).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadSpec, specPath, type OpenAPIDocument, type SpecFormat } from "../lib/index.mjs";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { name: string; version: string };
const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

function operations(doc: OpenAPIDocument) {
  return Object.values(doc.paths).flatMap((item) => methods.flatMap((m) => (item[m] ? [item[m]] : [])));
}

describe(`${pkg.name} loader`, () => {
  it("loads the bundled spec: OpenAPI 3.1 with internal $refs, stamped with the package version", () => {
    const doc = loadSpec();
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.version).toBe(pkg.version);
    expect(JSON.stringify(doc)).toContain('"$ref":"#/components/');
    expect(operations(doc).length).toBeGreaterThan(20);
    for (const op of operations(doc)) expect(op.operationId).toMatch(/^[a-z][A-Za-z0-9]+$/);
    expect(loadSpec("bundled")).toEqual(doc);
  });

  it("loads the dereferenced spec: the same operations, no $ref left", () => {
    const deref = loadSpec("dereferenced");
    expect(JSON.stringify(deref)).not.toContain('"$ref"');
    expect(operations(deref).map((op) => op.operationId)).toEqual(operations(loadSpec()).map((op) => op.operationId));
  });

  it("returns a new object on every call", () => {
    const first = loadSpec();
    first.info.title = "changed";
    expect(loadSpec().info.title).not.toBe("changed");
  });

  it("gives absolute paths of the three dist files, the same files the exports map serves", () => {
    const require = createRequire(join(packageDir, "package.json"));
    const expected: Record<SpecFormat, string> = { yaml: "openapi.yaml", json: "openapi.json", "deref.json": "openapi.deref.json" };
    for (const [format, file] of Object.entries(expected) as [SpecFormat, string][]) {
      const path = specPath(format);
      expect(isAbsolute(path)).toBe(true);
      expect(basename(path)).toBe(file);
      expect(existsSync(path)).toBe(true);
      expect(path).toBe(require.resolve(`${pkg.name}/${file}`));
    }
    expect(JSON.parse(readFileSync(specPath("json"), "utf8"))).toEqual(loadSpec());
  });

  it("rejects an unknown kind or format with a TypeError that lists the valid ones", () => {
    // @ts-expect-error: not a SpecKind
    expect(() => loadSpec("yaml")).toThrow(/kind must be "bundled" or "dereferenced"/);
    // @ts-expect-error: not a SpecFormat
    expect(() => specPath("xml")).toThrow(TypeError);
    // @ts-expect-error: not a SpecFormat
    expect(() => specPath("toString")).toThrow(/"yaml", "json", "deref.json"/);
  });

  it("works by package name from CommonJS (require) and ESM (import), with the same functions", () => {
    const script = (kind: "cjs" | "esm") =>
      kind === "cjs"
        ? `const m = require(${JSON.stringify(pkg.name)}); console.log(JSON.stringify([typeof m.loadSpec, m.specPath("json"), m.loadSpec().info.version]))`
        : `import { loadSpec, specPath } from ${JSON.stringify(pkg.name)}; import { createRequire } from "node:module";
           const cjs = createRequire(import.meta.url)(${JSON.stringify(pkg.name)});
           console.log(JSON.stringify([loadSpec === cjs.loadSpec ? "same" : "different", specPath("json"), loadSpec("dereferenced").info.version]))`;
    const run = (kind: "cjs" | "esm") =>
      JSON.parse(
        execFileSync(process.execPath, [...(kind === "esm" ? ["--input-type=module"] : []), "-e", script(kind)], {
          cwd: packageDir, // a package can import itself by name through its exports map
          encoding: "utf8",
        }),
      );
    expect(run("cjs")).toEqual(["function", specPath("json"), pkg.version]);
    expect(run("esm")).toEqual(["same", specPath("json"), pkg.version]);
  });

  it("is the same code in both spec packages, and its ESM and CJS types agree", () => {
    const lib = join(packageDir, "lib");
    const sibling = join(packageDir, "..", pkg.name.includes("bika") ? "vika-openapi" : "bika-openapi", "lib");
    for (const file of ["index.cjs", "index.mjs", "index.d.cts", "index.d.mts"]) {
      expect(readFileSync(join(lib, file), "utf8"), file).toBe(readFileSync(join(sibling, file), "utf8"));
    }
    // The ESM declarations are the CommonJS ones, re-exported: they cannot drift apart.
    expect(readFileSync(join(lib, "index.d.mts"), "utf8")).toContain('export * from "./index.cjs";');
  });
});
