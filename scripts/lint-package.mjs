#!/usr/bin/env node
// Lints a package as it would be published: publint (warnings are errors) and arethetypeswrong (every entry point
// must resolve with types under node10, node16 from CJS, node16 from ESM and bundler resolution, unless the package
// has an .attw.json that says otherwise, e.g. `{ "profile": "node16" }`).
//
//   node scripts/lint-package.mjs [package-dir | tarball.tgz]...   (default: the current directory)
//
// A directory is packed first with `pnpm pack`, as `pnpm publish` would pack it (`workspace:*` rewritten), and both
// tools lint that one tarball. Exits non-zero when either finds a problem in any of them. Each published package's `lint:package`
// script runs it; scripts/release.mjs packs the same way.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { tarballFiles } from "./release.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

// The root's devDependencies (publint and attw do not export their package.json, so no require.resolve).
function binOf(packageName, binName) {
  const manifestPath = join(root, "node_modules", packageName, "package.json");
  const { bin } = JSON.parse(readFileSync(manifestPath, "utf8"));
  return join(dirname(manifestPath), typeof bin === "string" ? bin : bin[binName]);
}

const env = { ...process.env, DO_NOT_TRACK: "1", npm_config_update_notifier: "false", npm_config_fund: "false" };

/** Lints one package directory or tarball; returns the names of the checks that failed. */
function lint(target) {
  let tarball = target;
  let packDir;
  if (!target.endsWith(".tgz")) {
    // pnpm as the caller ran it (`pnpm run lint:package` sets npm_execpath), else whatever `pnpm` is on PATH.
    const execPath = process.env.npm_execpath ?? "";
    const pnpm = !/pnpm/.test(execPath) ? ["pnpm"] : /\.[cm]?js$/.test(execPath) ? [process.execPath, execPath] : [execPath];
    packDir = mkdtempSync(join(tmpdir(), "bikavika-lint-package-"));
    const packed = spawnSync(pnpm[0], [...pnpm.slice(1), "pack", "--pack-destination", packDir], {
      cwd: target,
      env,
      encoding: "utf8",
      shell: process.platform === "win32",
    });
    const written = existsSync(packDir) ? readdirSync(packDir).filter((file) => file.endsWith(".tgz")) : [];
    if (packed.status !== 0 || written.length !== 1) {
      process.stderr.write(`${packed.stdout ?? ""}${packed.stderr ?? ""}`);
      rmSync(packDir, { recursive: true, force: true });
      return ["pnpm pack"];
    }
    tarball = join(packDir, written[0]);
  }

  // attw checks how TypeScript resolves each entry point as a module. A subpath that exports a data file (an
  // `./openapi.yaml`) is read from disk, never imported, so it is left out; JSON subpaths are still checked.
  const manifest = JSON.parse(tarballFiles(tarball).get("package.json")?.toString("utf8") ?? "{}");
  const moduleFile = /\.(?:[cm]?js|[cm]?ts|json|node)$/;
  const leaves = (value) =>
    typeof value === "string" ? [value] : value && typeof value === "object" ? Object.values(value).flatMap(leaves) : [];
  const exportsMap =
    typeof manifest.exports === "object" && manifest.exports !== null && !Array.isArray(manifest.exports) ? manifest.exports : {};
  const dataEntrypoints = Object.entries(exportsMap)
    .filter(([key, value]) => key.startsWith(".") && leaves(value).length > 0 && !leaves(value).some((file) => moduleFile.test(file)))
    .map(([key]) => key);
  if (dataEntrypoints.length > 0) console.log(`lint-package: attw skips the data-file entry points ${dataEntrypoints.join(", ")}`);
  const attwConfig = packDir && existsSync(join(target, ".attw.json")) ? ["--config-path", join(target, ".attw.json")] : [];

  const checks = [
    ["publint", binOf("publint", "publint"), ["run", tarball, "--strict"]],
    [
      "attw",
      binOf("@arethetypeswrong/cli", "attw"),
      [tarball, ...attwConfig, ...(dataEntrypoints.length > 0 ? ["--exclude-entrypoints", ...dataEntrypoints] : [])],
    ],
  ];

  const failed = [];
  try {
    for (const [name, bin, args] of checks) {
      const result = spawnSync(process.execPath, [bin, ...args], { cwd: dirname(tarball), env, stdio: "inherit" });
      if (result.error) throw result.error;
      if (result.status !== 0) failed.push(name);
    }
  } finally {
    if (packDir) rmSync(packDir, { recursive: true, force: true });
  }
  return failed;
}

const targets = process.argv.length > 2 ? process.argv.slice(2).map((arg) => resolve(arg)) : [process.cwd()];
let status = 0;
for (const target of targets) {
  if (!existsSync(target)) {
    console.error(`lint-package: no such package directory or tarball: ${target}`);
    status = 2;
    continue;
  }
  const failed = lint(target);
  if (failed.length > 0) {
    console.error(`lint-package: ${failed.join(" and ")} found problems in ${target}`);
    status ||= 1;
  }
}
process.exit(status);
