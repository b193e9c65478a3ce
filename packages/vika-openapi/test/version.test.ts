// info.version moves with the package: the build writes the package.json version into all three dist files, and the
// spec source may not be ahead of it (scripts/bundle-spec.mjs; its own tests are in packages/bika-openapi).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { checkVersions } from "../../../scripts/bundle-spec.mjs";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { name: string; version: string };
const api = pkg.name.replace(/^@bikavika\//, "").replace(/-openapi$/, "");

describe(`${pkg.name} version`, () => {
  it.each(["openapi.yaml", "openapi.json", "openapi.deref.json"])("dist/%s carries the package version", (file) => {
    const text = readFileSync(join(packageDir, "dist", file), "utf8");
    const doc = file.endsWith(".yaml") ? parse(text) : JSON.parse(text);
    expect(doc.info.version).toBe(pkg.version);
  });

  it("the package version is semver, and the spec source is not ahead of it", () => {
    const source = parse(readFileSync(join(packageDir, "..", "..", "spec", api, "openapi.yaml"), "utf8"));
    expect(() => checkVersions(source.info.version, pkg.version)).not.toThrow();
  });
});
