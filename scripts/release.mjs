#!/usr/bin/env node
// Release: builds every package, packs every publishable (non-private) workspace package with `pnpm pack`, checks the
// tarballs, and only with --publish hands over to `changeset publish`.
//
//   pnpm release                        dry run: build, pack into a fresh temp dir, check, print what would be published
//   pnpm release --out <dir>            dry run into <dir> (emptied first)
//   pnpm release:publish                the same, then `changeset publish` (needs npm credentials; run `changeset version` first)
//   node scripts/release.mjs --skip-build --out <dir>   pack only (the fixture tests do this after turbo has built)
//
// The dry run writes <out>/manifest.json: [{ name, version, dir, tarball }] in workspace order, and fails when a tarball
// lacks package.json, README.md or LICENSE (each package keeps a copy of the root LICENSE) or still has a `workspace:`
// range. --publish packs and checks the same way before `changeset publish` packs again from the package dirs.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const env = {
  ...process.env,
  TURBO_TELEMETRY_DISABLED: "1",
  DO_NOT_TRACK: "1",
  REDOCLY_TELEMETRY: "off",
  SCARF_ANALYTICS: "false",
};
// pnpm as the caller ran it (`pnpm release` sets npm_execpath), else whatever `pnpm` is on PATH.
const execPath = process.env.npm_execpath ?? "";
const pnpm = !/pnpm/.test(execPath) ? ["pnpm"] : /\.[cm]?js$/.test(execPath) ? [process.execPath, execPath] : [execPath];

/** The workspace packages under packages/ that npm would publish. */
export function publishablePackages() {
  const packagesDir = join(root, "packages");
  return readdirSync(packagesDir)
    .sort()
    .map((entry) => join(packagesDir, entry))
    .filter((dir) => existsSync(join(dir, "package.json")))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) }))
    .filter(({ manifest }) => manifest.private !== true);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, env, stdio: "inherit", ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`release: \`${[command, ...args].join(" ")}\` exited with ${result.status ?? result.signal}`);
  }
}

function runAsync(command, args, cwd) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolveRun(output) : reject(new Error(`${[command, ...args].join(" ")} in ${cwd} exited with ${code}:\n${output}`)),
    );
  });
}

/** The regular files in a .tgz, without the leading `package/`: name -> contents. */
export function tarballFiles(tarball) {
  const data = gunzipSync(readFileSync(tarball));
  const files = new Map();
  let longName;
  for (let offset = 0; offset + 512 <= data.length; ) {
    const header = data.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const field = (start, length) => header.subarray(start, start + length).toString("utf8").replace(/\0.*$/s, "");
    const size = Number.parseInt(field(124, 12).trim() || "0", 8);
    const type = field(156, 1);
    const body = data.subarray(offset + 512, offset + 512 + size);
    const prefix = field(345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    longName = undefined;
    if (type === "L") longName = body.toString("utf8").replace(/\0.*$/s, "");
    else if (type === "0" || type === "") files.set(name.replace(/^package\//, ""), Buffer.from(body));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** Problems a tarball must not have whatever the package: what npm needs, and no unresolved workspace protocol. */
function checkTarball({ name }, tarball) {
  const files = tarballFiles(tarball);
  const problems = ["package.json", "README.md", "LICENSE"]
    .filter((file) => !files.has(file))
    .map((file) => `${name}: ${file} is missing from the tarball`);
  const packed = JSON.parse(files.get("package.json")?.toString("utf8") ?? "{}");
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
    for (const [dependency, range] of Object.entries(packed[field] ?? {})) {
      if (String(range).startsWith("workspace:")) problems.push(`${name}: ${field}.${dependency} is still ${range}`);
    }
  }
  return problems;
}

async function pack(packages, out) {
  // Emptied first, but only when it holds nothing but an earlier run's output.
  const foreign = existsSync(out) ? readdirSync(out).filter((file) => !/\.tgz$|^manifest\.json$/.test(file)) : [];
  if (foreign.length > 0) throw new Error(`release: ${out} holds other files (${foreign.slice(0, 3).join(", ")}…); pick an empty --out`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const manifest = await Promise.all(
    packages.map(async ({ dir, manifest: pkg }) => {
      await runAsync(pnpm[0], [...pnpm.slice(1), "pack", "--pack-destination", out], dir);
      const tarball = join(out, `${pkg.name.replace(/^@/, "").replace("/", "-")}-${pkg.version}.tgz`);
      if (!existsSync(tarball)) throw new Error(`release: pnpm pack wrote no ${tarball}`);
      return { name: pkg.name, version: pkg.version, dir, tarball };
    }),
  );
  writeFileSync(join(out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const problems = manifest.flatMap((entry) => checkTarball(entry, entry.tarball));
  return { manifest, problems };
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  try {
    await main();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}

async function main() {
  const { values } = parseArgs({
    // `pnpm release -- --out x` passes the `--` on.
    args: process.argv.slice(2).filter((arg) => arg !== "--"),
    options: {
      publish: { type: "boolean", default: false },
      "skip-build": { type: "boolean", default: false },
      out: { type: "string" },
    },
  });
  const packages = publishablePackages();
  if (!values["skip-build"]) run(pnpm[0], [...pnpm.slice(1), "exec", "turbo", "run", "build"]);

  const out = values.out ? resolve(values.out) : mkdtempSync(join(tmpdir(), "bikavika-release-"));
  const { manifest, problems } = await pack(packages, out);
  for (const { name, version, tarball } of manifest) console.log(`packed ${name}@${version} -> ${tarball}`);
  if (problems.length > 0) {
    throw new Error(`release: the tarballs are not fit to publish:\n  ${problems.join("\n  ")}`);
  }

  if (!values.publish) {
    console.log(`\nDry run: ${manifest.length} tarballs in ${out}. Nothing was published (pnpm release:publish does that).`);
  } else {
    const changeset = join(root, "node_modules", "@changesets", "cli", "bin.js");
    run(process.execPath, [changeset, "publish"]);
  }
}
