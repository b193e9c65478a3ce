// What every spec package must pass against its built dist/: the loader (`import { loadSpec, specPath } from
// "@bikavika/<api>-openapi"`, through the package's own exports map, in ESM and CommonJS) and the stamped version.
// Each spec package runs it from its test/package.test.ts; turbo builds dist/ before `test`.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, isAbsolute, join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { checkVersions } from "../bundle-spec.mjs";
import type { OpenAPIDocument, SpecFormat } from "./index.cjs";

const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

function operations(doc: OpenAPIDocument) {
  return Object.values(doc.paths).flatMap((item) => methods.flatMap((m) => (item[m] ? [item[m]] : [])));
}

/** The suite for the spec package in `packageDir`. */
export function describeSpecPackage(packageDir: string): void {
  const pkg = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { name: string; version: string };
  const api = pkg.name.replace(/^@bikavika\//, "").replace(/-openapi$/, "");
  const dist = join(packageDir, "dist");
  const { loadSpec, specPath } = createRequire(import.meta.url)(join(dist, "index.cjs")) as typeof import("./index.cjs");

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

    it("ships the loader as written in scripts/spec-loader, its ESM types re-exporting the CommonJS ones", () => {
      for (const file of ["index.cjs", "index.mjs", "index.d.cts", "index.d.mts"]) {
        expect(readFileSync(join(dist, file), "utf8"), file).toBe(readFileSync(new URL(file, import.meta.url), "utf8"));
      }
      // The ESM declarations are the CommonJS ones, re-exported: they cannot drift apart.
      expect(readFileSync(join(dist, "index.d.mts"), "utf8")).toContain('export * from "./index.cjs";');
    });
  });

  // info.version moves with the package: the build writes the package.json version into all three dist files, and
  // the spec source may not be ahead of it (scripts/bundle-spec.mjs; its own tests are in packages/bika-openapi).
  describe(`${pkg.name} version`, () => {
    it.each(["openapi.yaml", "openapi.json", "openapi.deref.json"])("dist/%s carries the package version", (file) => {
      const text = readFileSync(join(dist, file), "utf8");
      const doc = file.endsWith(".yaml") ? parse(text) : JSON.parse(text);
      expect(doc.info.version).toBe(pkg.version);
    });

    it("the package version is semver, and the spec source is not ahead of it", () => {
      const source = parse(readFileSync(join(packageDir, "..", "..", "spec", api, "openapi.yaml"), "utf8"));
      expect(() => checkVersions(source.info.version, pkg.version)).not.toThrow();
    });
  });
}
