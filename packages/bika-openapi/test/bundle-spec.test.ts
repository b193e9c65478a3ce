// scripts/bundle-spec.mjs: the version rule and the stamping, on a small two-file fixture spec (info.version 0.2.0).
// (Shared build tooling; its tests live here. Each spec package's built dist is checked by its package.test.ts.)
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { LOADER_FILES, OUTPUTS, checkVersions, parseSemver, stampVersion } from "../../../scripts/bundle-spec.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const script = join(here, "..", "..", "..", "scripts", "bundle-spec.mjs");
const fixture = join(here, "fixtures", "versioned", "openapi.yaml");
const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function bundle(packageVersion: string) {
  const dir = mkdtempSync(join(tmpdir(), "bundle-spec-test-"));
  scratch.push(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "@bikavika/fixture-openapi", version: packageVersion }));
  const out = join(dir, "dist");
  const result = spawnSync(process.execPath, [script, "--spec", fixture, "--package", join(dir, "package.json"), "--out", out], {
    encoding: "utf8",
    env: { ...process.env, REDOCLY_TELEMETRY: "off" },
  });
  return { ...result, out };
}

describe("the version rule", () => {
  it("parses semver versions and rejects anything else", () => {
    expect(parseSemver("1.2.3")).toEqual({ major: 1, minor: 2, patch: 3 });
    expect(parseSemver("0.3.0-rc.1+build.5")).toEqual({ major: 0, minor: 3, patch: 0 });
    for (const bad of ["1.2", "v1.2.3", "01.2.3", "1.2.3.4", "", undefined]) expect(() => parseSemver(bad)).toThrow(/not a semver/);
  });

  it("lets the spec lag behind the package, or lead it by patches only", () => {
    expect(checkVersions("0.1.0", "0.1.0")).toBe("0.1.0");
    expect(checkVersions("0.1.0", "2.4.1")).toBe("2.4.1");
    expect(checkVersions("0.1.9", "0.1.0")).toBe("0.1.0");
    expect(checkVersions("1.9.0", "2.0.0")).toBe("2.0.0");
  });

  it("fails when the spec's major.minor is ahead of the package's", () => {
    expect(() => checkVersions("0.2.0", "0.1.5")).toThrow(/ahead of .* 0\.1\.5 \(major\.minor 0\.2 > 0\.1\)/);
    expect(() => checkVersions("1.0.0", "0.9.9")).toThrow(/ahead/);
    expect(() => checkVersions("1.0", "1.0.0")).toThrow(/not a semver/);
  });

  it("stamps a copy and keeps the key order", () => {
    const doc = { openapi: "3.1.0", info: { title: "t", version: "0.0.1", summary: "s" }, paths: {} };
    const stamped = stampVersion(doc, "3.0.0");
    expect(stamped.info).toEqual({ title: "t", version: "3.0.0", summary: "s" });
    expect(Object.keys(stamped.info)).toEqual(["title", "version", "summary"]);
    expect(doc.info.version).toBe("0.0.1");
  });
});

describe("bundle-spec.mjs", () => {
  it("writes the package version into info.version of all three outputs", () => {
    const { status, stderr, out } = bundle("0.3.0-rc.1");
    expect(status, stderr).toBe(0);
    const yaml = parse(readFileSync(join(out, "openapi.yaml"), "utf8"));
    const json = JSON.parse(readFileSync(join(out, "openapi.json"), "utf8"));
    const deref = JSON.parse(readFileSync(join(out, "openapi.deref.json"), "utf8"));
    for (const doc of [yaml, json, deref]) expect(doc.info.version).toBe("0.3.0-rc.1");
    expect(parse(readFileSync(fixture, "utf8")).info.version).toBe("0.2.0"); // the source keeps its own
    // the second file is bundled in, and the dereferenced output has no $ref left
    expect(yaml).toEqual(json);
    expect(JSON.stringify(json)).toContain('"$ref":"#/components/schemas/');
    expect(JSON.stringify(deref)).not.toContain("$ref");
  });

  it("puts the loader beside the outputs, and it reads them", async () => {
    const { status, stderr, out } = bundle("0.3.0");
    expect(status, stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual([...OUTPUTS, ...LOADER_FILES].sort());
    const loader = createRequire(import.meta.url)(join(out, "index.cjs")) as typeof import("../../../scripts/spec-loader/index.cjs");
    expect(loader.specPath("yaml")).toBe(join(out, "openapi.yaml"));
    expect(loader.loadSpec().info.version).toBe("0.3.0");
  });

  it("fails, writing nothing, when the spec is ahead of the package", () => {
    const { status, stderr, out } = bundle("0.1.7");
    expect(status).toBe(1);
    expect(stderr).toMatch(/info\.version 0\.2\.0 is ahead of @bikavika\/fixture-openapi 0\.1\.7/);
    expect(existsSync(out)).toBe(false);
  });
});
