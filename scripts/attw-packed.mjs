#!/usr/bin/env node
// `attw --pack .` without the shared tarball: packs the package in the current directory into a fresh temp folder
// (so two runs at once never delete each other's tarball) and runs arethetypeswrong on it with the given flags.
//
//   node ../../scripts/attw-packed.mjs [attw flags…]      e.g. --profile node16 --exclude-entrypoints ./openapi.yaml
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const manifest = join(root, "node_modules", "@arethetypeswrong", "cli", "package.json");
const { bin } = JSON.parse(readFileSync(manifest, "utf8"));
const attw = join(dirname(manifest), typeof bin === "string" ? bin : bin.attw);
const env = { ...process.env, npm_config_update_notifier: "false", npm_config_fund: "false" };

const out = mkdtempSync(join(tmpdir(), "attw-pack-"));
try {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const pack = spawnSync(npm, ["pack", "--pack-destination", out], { env, encoding: "utf8", shell: process.platform === "win32" });
  if (pack.status !== 0) {
    process.stderr.write(pack.stdout + pack.stderr);
    process.exit(pack.status ?? 1);
  }
  const tarball = readdirSync(out).find((file) => file.endsWith(".tgz"));
  const result = spawnSync(process.execPath, [attw, join(out, tarball), ...process.argv.slice(2)], { env, stdio: "inherit" });
  process.exitCode = result.status ?? 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
