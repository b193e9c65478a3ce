#!/usr/bin/env node
// Bundles spec/<api>/openapi.yaml into packages/<api>-openapi/dist: openapi.yaml and openapi.json (one file,
// internal $refs kept) and openapi.deref.json (every $ref replaced by its target, for tools that cannot follow refs).
//
//   node scripts/bundle-spec.mjs <api>
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const api = process.argv[2];
const spec = join(root, "spec", api ?? "", "openapi.yaml");
if (!api || !existsSync(spec)) {
  console.error(`usage: node scripts/bundle-spec.mjs <api>   (no spec at ${spec})`);
  process.exit(2);
}
const out = join(root, "packages", `${api}-openapi`, "dist");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const redocly = join(dirname(createRequire(import.meta.url).resolve("@redocly/cli/package.json")), "bin", "cli.js");
const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" };
const outputs = [
  ["openapi.yaml", []],
  ["openapi.json", []],
  ["openapi.deref.json", ["--dereferenced"]],
];
for (const [file, flags] of outputs) {
  const result = spawnSync(process.execPath, [redocly, "bundle", spec, "--output", join(out, file), ...flags], {
    cwd: root,
    env,
    encoding: "utf8",
  });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    process.exit(result.status ?? 1);
  }
  console.log(`spec/${api}/openapi.yaml -> packages/${api}-openapi/dist/${file}`);
}
