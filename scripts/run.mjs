#!/usr/bin/env node
// The README's entry points (`npm run demo`, `npm test`, `npm run bench`) on a machine that has only Node and npm:
// finds pnpm (or runs the pinned one through npx), installs the locked dependencies, then runs the task with turbo.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pinned = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).packageManager; // "pnpm@x.y.z"
const pinnedVersion = pinned.split("@")[1];

// Each step is the argument list of a pnpm call, or of node when it starts with "node".
const tasks = {
  demo: [
    ["exec", "turbo", "run", "build", "--filter=@bikavika/demo..."],
    ["--filter", "@bikavika/demo", "start"],
  ],
  test: [
    // Before turbo regenerates anything: the committed generated types must match the specs.
    ["node", "scripts/generate.mjs", "--check"],
    ["exec", "turbo", "run", "lint", "typecheck", "test"],
  ],
  bench: [
    ["exec", "turbo", "run", "build"],
    ["--filter", "@bikavika/bench", "start"],
  ],
};

const task = process.argv[2];
if (!(task in tasks)) {
  console.error(`usage: node scripts/run.mjs <${Object.keys(tasks).join("|")}>`);
  process.exit(2);
}

const env = {
  ...process.env,
  TURBO_TELEMETRY_DISABLED: "1",
  DO_NOT_TRACK: "1",
  REDOCLY_TELEMETRY: "off",
  SCARF_ANALYTICS: "false",
};
const isWindows = process.platform === "win32";

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, env, stdio: "inherit", shell: isWindows });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function installedPnpmVersion() {
  const result = spawnSync("pnpm", ["--version"], { env, encoding: "utf8", shell: isWindows });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

// A pnpm on PATH is used only when it is the pinned version; otherwise npx runs the pinned one, which also puts
// it on the PATH that turbo hands to every package script.
const pnpm =
  installedPnpmVersion() === pinnedVersion ? ["pnpm"] : ["npx", "--yes", `pnpm@${pinnedVersion}`];

function pnpmRun(args) {
  return run(pnpm[0], [...pnpm.slice(1), ...args]);
}

// The docs' browser test (packages/docs/test/browser.test.ts) drives Debian's Chromium and never downloads a browser.
// When it is missing and this runs as root where apt-get exists, install it (with a small CJK font, so the Chinese
// in the specs renders in screenshots); otherwise that test fails and says how to install it.
function ensureChromium() {
  const chromium = env.CHROMIUM_PATH || "/usr/bin/chromium";
  if (existsSync(chromium)) return 0;
  const canInstall =
    process.platform === "linux" &&
    process.getuid?.() === 0 &&
    spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status === 0;
  if (!canInstall) {
    console.warn(
      `run.mjs: no Chromium at ${chromium}, and this is not root with apt-get, so the docs browser test will fail. ` +
        "Install it (Debian/Ubuntu: sudo apt-get install -y chromium) or set CHROMIUM_PATH to a Chromium or Chrome binary.",
    );
    return 0;
  }
  const packages = ["chromium", "fonts-wqy-microhei"];
  console.log(`run.mjs: no Chromium at ${chromium}; installing it for the docs browser test: apt-get update && apt-get install -y ${packages.join(" ")}`);
  const aptEnv = { ...env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update"], ["install", "-y", ...packages]]) {
    const result = spawnSync("apt-get", args, { env: aptEnv, stdio: "inherit" });
    if (result.status !== 0) {
      console.error(`run.mjs: apt-get ${args.join(" ")} failed (${result.status ?? result.error?.message}); the docs browser test needs Chromium.`);
      return result.status || 1;
    }
  }
  return 0;
}

let status = task === "test" ? ensureChromium() : 0;
if (status === 0) status = pnpmRun(["install", "--frozen-lockfile"]);
for (const step of tasks[task]) {
  if (status !== 0) break;
  status = step[0] === "node" ? run(process.execPath, step.slice(1)) : pnpmRun(step);
}
process.exit(status);
