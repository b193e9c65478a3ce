#!/usr/bin/env node
// Bundles spec/<api>/openapi.yaml into packages/<api>-openapi/dist: openapi.yaml and openapi.json (one file,
// internal $refs kept) and openapi.deref.json (every $ref replaced by its target, for tools that cannot follow refs),
// beside the package's typed loader (`loadSpec`, `specPath`), copied from scripts/spec-loader/: one loader for
// every spec package.
//
// info.version moves with the package: all three outputs carry the version in packages/<api>-openapi/package.json.
// The spec file keeps its own info.version, which may lag behind the package but never lead it: the build fails
// when the spec's major.minor is greater than the package's (see spec/README.md, "Versions").
//
//   node scripts/bundle-spec.mjs <api>
//   node scripts/bundle-spec.mjs --spec <file.yaml> --package <package.json> --out <dir>   (any spec; used by tests)
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const OUTPUTS = ["openapi.yaml", "openapi.json", "openapi.deref.json"];
/** The loader's files, in scripts/spec-loader/ and in every spec package's dist/. */
export const LOADER_FILES = ["index.cjs", "index.mjs", "index.d.cts", "index.d.mts"];
const loaderDir = join(root, "scripts", "spec-loader");
const redocly = join(dirname(createRequire(import.meta.url).resolve("@redocly/cli/package.json")), "bin", "cli.js");
const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" };

// semver.org's regular expression for a version (no leading "v").
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** Parses a semver version; throws on anything else. */
export function parseSemver(version, what = "version") {
  const match = typeof version === "string" ? SEMVER.exec(version) : null;
  if (!match) throw new Error(`${what} ${JSON.stringify(version)} is not a semver version (major.minor.patch)`);
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

/**
 * The version rule: the spec's info.version may not be ahead of the package in major.minor (a spec that says 0.3.x
 * inside a 0.2.x package means a release was skipped). Returns the version to stamp: the package's.
 */
export function checkVersions(specVersion, packageVersion, { spec = "the spec", pkg = "the package" } = {}) {
  const s = parseSemver(specVersion, `${spec} info.version`);
  const p = parseSemver(packageVersion, `${pkg} version`);
  if (s.major > p.major || (s.major === p.major && s.minor > p.minor)) {
    throw new Error(
      `${spec} info.version ${specVersion} is ahead of ${pkg} ${packageVersion} (major.minor ${s.major}.${s.minor} > ` +
        `${p.major}.${p.minor}). The package version is the one users see, and the build writes it into the bundle: ` +
        `record the change with \`pnpm changeset\` and let \`changeset version\` bump the package, or lower info.version.`,
    );
  }
  return packageVersion;
}

function isRunning(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

/** Returns the document with info.version set to `version` (a copy; key order kept). */
export function stampVersion(document, version) {
  return { ...document, info: { ...document.info, version } };
}

export function redoclyBundle(input, output, flags = []) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [redocly, "bundle", input, "--output", output, ...flags], { cwd: root, env });
    let log = "";
    child.stdout.on("data", (chunk) => (log += chunk));
    child.stderr.on("data", (chunk) => (log += chunk));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`redocly bundle ${relative(root, input)} failed (${code}):\n${log}`)),
    );
  });
}

/**
 * Bundles `spec` into `out` (openapi.json, openapi.yaml, openapi.deref.json), all stamped with the version of the
 * package.json at `packageJson`, and copies the loader beside them. Returns the stamped version.
 */
export async function bundleSpec({ spec, packageJson, out }) {
  const pkg = JSON.parse(readFileSync(packageJson, "utf8"));
  const scratch = mkdtempSync(join(tmpdir(), "bundle-spec-"));
  try {
    // 1. Bundle the source (it may $ref other files) into one JSON document.
    const bundled = join(scratch, "openapi.json");
    await redoclyBundle(spec, bundled);
    const document = JSON.parse(readFileSync(bundled, "utf8"));
    // 2. Check and stamp the version.
    const version = checkVersions(document.info?.version, pkg.version, {
      spec: relative(root, spec),
      pkg: `${pkg.name ?? relative(root, packageJson)}`,
    });
    // 3. Write the three files and the loader into a staging folder inside `out`, then move each into place: a reader
    //    of `out` (a concurrent build of a dependent package) sees the old file or the new one, never none.
    const staging = join(out, `.staging-${process.pid}`);
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    try {
      const json = join(staging, "openapi.json");
      writeFileSync(json, `${JSON.stringify(stampVersion(document, version), null, 2)}\n`);
      // The YAML and the dereferenced JSON come from the stamped JSON, so all three agree.
      await Promise.all([
        redoclyBundle(json, join(staging, "openapi.yaml")),
        redoclyBundle(json, join(staging, "openapi.deref.json"), ["--dereferenced"]),
      ]);
      for (const file of LOADER_FILES) copyFileSync(join(loaderDir, file), join(staging, file));
      const written = [...OUTPUTS, ...LOADER_FILES];
      // Anything else goes, except the staging folder of another build still running.
      for (const file of readdirSync(out)) {
        if (written.includes(file) || (file.startsWith(".staging-") && isRunning(Number(file.slice(9))))) continue;
        rmSync(join(out, file), { recursive: true, force: true });
      }
      for (const file of written) renameSync(join(staging, file), join(out, file));
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    return version;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { spec: { type: "string" }, package: { type: "string" }, out: { type: "string" } },
  });
  const api = positionals[0];
  const spec = values.spec ? resolve(values.spec) : join(root, "spec", api ?? "", "openapi.yaml");
  const packageJson = values.package ? resolve(values.package) : join(root, "packages", `${api}-openapi`, "package.json");
  const out = values.out ? resolve(values.out) : join(root, "packages", `${api}-openapi`, "dist");
  if ((!api && !values.spec) || !existsSync(spec) || !existsSync(packageJson)) {
    console.error(
      `usage: node scripts/bundle-spec.mjs <api>\n       node scripts/bundle-spec.mjs --spec <file> --package <package.json> --out <dir>\n` +
        `(no spec at ${spec} or no package.json at ${packageJson})`,
    );
    process.exit(2);
  }
  try {
    const version = await bundleSpec({ spec, packageJson, out });
    for (const file of OUTPUTS) {
      console.log(`${relative(root, spec)} -> ${relative(root, join(out, file))} (info.version ${version})`);
    }
    console.log(`${relative(root, loaderDir)} -> ${relative(root, out)} (${LOADER_FILES.join(", ")})`);
  } catch (error) {
    console.error(`bundle-spec: ${error.message}`);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
