// `node dist/compare.js` (run by `pnpm bench` after main.js): the working tree's clients against a baseline's, in
// one process, against the same two emulators, request by request, so that a regression shows in one run instead
// of between two noisy ones.
//  - The baseline: the git ref in BENCH_BASELINE; else the newest release tag reachable from HEAD, as changesets
//    writes them (@bikavika/vika@x.y.z, @bikavika/bika@x.y.z, @bikavika/runtime@x.y.z); else HEAD.
//  - Both sides are built the same way: packages/{runtime,vika,bika}/src of each (the working tree's copied, the
//    baseline's from `git archive`) bundled by esbuild, @bikavika/runtime taken from the same tree's runtime
//    sources and npm dependencies (openapi-fetch) from this checkout's node_modules, then imported.
//  - For every scenario, each round calls once with each side, the order alternating (ABBA), and the ratio of the
//    pair (current / baseline) is kept; reported: each side's median, the median ratio and its 95 % interval (the
//    sign test's, distribution-free), and a verdict: "slower" when the whole interval is above 1.03, "faster"
//    when below 0.97, else "same". Also each entry's minified + gzipped size, current against baseline.
//  - BENCH_CURRENT=<ref> builds the "current" side from that ref instead of the working tree (an A/A check with
//    BENCH_BASELINE unset and no tag: BENCH_CURRENT=HEAD). BENCH_SELF_TEST=slow[:ms] makes the current side's fetch
//    busy-wait that long (default 2 ms) before each request, and the run fails unless every verdict says "slower".
// Results go to packages/bench/results-compare.json (git-ignored).
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import type { Bika } from "@bikavika/bika";
import type { Vika } from "@bikavika/vika";
import { type BuildOptions, build } from "esbuild";
import { startEmulatorProcess } from "./processes.js";
import { BENCH_DATABASE, BENCH_DATASHEET, BENCH_SPACE, MAX_PAGE_SIZE, MAX_WRITE, TOTAL_RECORDS, WRITES_DATASHEET, median, table } from "./shared.js";

const TOKEN = "uskBenchCompare";
/** Records in the Bika database: one full page, as in main.ts. */
const BIKA_RECORDS = 1000;
/** A verdict needs the whole 95 % interval of the median ratio beyond 1 ± this. */
const THRESHOLD = 0.03;
const SOURCES = ["packages/runtime/src", "packages/vika/src", "packages/bika/src"];
const RELEASE_TAGS = ["@bikavika/vika@*", "@bikavika/bika@*", "@bikavika/runtime@*"];
/** The entries whose size is compared: each package's low-level client and its facade. */
const SIZE_ENTRIES = [
  { name: "@bikavika/vika/client (low-level)", path: "packages/vika/src/low-level.ts" },
  { name: "@bikavika/vika (facade)", path: "packages/vika/src/index.ts" },
  { name: "@bikavika/bika/client (low-level)", path: "packages/bika/src/low-level.ts" },
  { name: "@bikavika/bika (facade)", path: "packages/bika/src/index.ts" },
];
const REQUIRED = ["packages/runtime/src/index.ts", ...SIZE_ENTRIES.map((entry) => entry.path)];

const root = fileURLToPath(new URL("../../../", import.meta.url));
const output = fileURLToPath(new URL("../results-compare.json", import.meta.url));

// ---------------------------------------------------------------------------------------------------------------
// Which trees

function git(args: string[]): string {
  return execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** The commit a ref names, or undefined. */
function commitOf(ref: string): string | undefined {
  try {
    return git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]) || undefined;
  } catch {
    return undefined;
  }
}

const named = process.env.BENCH_BASELINE?.trim() || undefined;
const currentRef = process.env.BENCH_CURRENT?.trim() || undefined;
const selfTestSetting = process.env.BENCH_SELF_TEST?.trim() || undefined;
const selfTest = selfTestSetting === undefined ? undefined : /^slow(?::(\d+(?:\.\d+)?))?$/.exec(selfTestSetting);
if (selfTestSetting !== undefined && !selfTest) {
  console.error(`compare: BENCH_SELF_TEST=${selfTestSetting} is not understood; it takes slow or slow:<ms>`);
  process.exit(2);
}
const selfTestDelayMs = selfTest ? Number(selfTest[1] ?? 2) : 0;

/**
 * The baseline cannot be used: a failure when the user named it, otherwise a skipped comparison (a checkout
 * without git history, say, still runs the rest of the bench).
 */
function baselineUnusable(reason: string): never {
  if (named !== undefined) {
    console.error(`compare: BENCH_BASELINE=${named}: ${reason}`);
    process.exit(1);
  }
  console.log(`compare: skipped, ${reason} (set BENCH_BASELINE=<git ref> to choose a baseline)`);
  process.exit(0);
}

function chooseBaseline(): { ref: string; sha: string; why: string } {
  if (named !== undefined) {
    const sha = commitOf(named);
    if (sha === undefined) baselineUnusable("no such commit in this repository");
    return { ref: named, sha, why: "BENCH_BASELINE" };
  }
  try {
    git(["rev-parse", "--git-dir"]);
  } catch {
    baselineUnusable(`${root} is not a git checkout, so there is no release to compare with`);
  }
  let tag: string | undefined;
  try {
    tag = git(["describe", "--tags", "--abbrev=0", ...RELEASE_TAGS.flatMap((pattern) => ["--match", pattern]), "HEAD"]) || undefined;
  } catch {
    // No release tag reachable from HEAD.
  }
  if (tag !== undefined) return { ref: tag, sha: commitOf(tag)!, why: "the newest release tag reachable from HEAD" };
  const sha = commitOf("HEAD");
  if (sha === undefined) baselineUnusable("this checkout has no commit yet");
  console.log(`compare: no release tag yet: the baseline is HEAD, ${sha}`);
  return { ref: "HEAD", sha, why: "no release tag yet (the last commit)" };
}

const baseline = chooseBaseline();
const current = currentRef === undefined ? { ref: "working tree", sha: undefined as string | undefined } : { ref: currentRef, sha: commitOf(currentRef) };
if (currentRef !== undefined && current.sha === undefined) {
  console.error(`compare: BENCH_CURRENT=${currentRef}: no such commit in this repository`);
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------------------------
// Building both the same way

const work = mkdtempSync(join(tmpdir(), "bikavika-bench-compare-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));

/** Puts the sources of `sha` (or of the working tree) under `dir`; throws with the reason when it cannot. */
function extract(sha: string | undefined, dir: string) {
  mkdirSync(dir, { recursive: true });
  if (sha === undefined) {
    for (const source of SOURCES) cpSync(join(root, source), join(dir, source), { recursive: true });
  } else {
    let archive: Buffer;
    try {
      archive = execFileSync("git", ["archive", "--format=tar", sha, ...SOURCES], { cwd: root, maxBuffer: 2 ** 30, stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      const stderr = String((error as { stderr?: unknown }).stderr ?? "").trim();
      throw new Error(`git archive ${sha.slice(0, 12)} ${SOURCES.join(" ")} failed (the source layout differs?): ${stderr || (error as Error).message}`);
    }
    execFileSync("tar", ["-x", "-C", dir], { input: archive, stdio: ["pipe", "ignore", "pipe"] });
  }
  const missing = REQUIRED.filter((path) => !existsSync(join(dir, path)));
  if (missing.length > 0) throw new Error(`the source layout differs: no ${missing.join(", ")}`);
}

// The same compiler settings for both trees (the repository's, not either tree's), and npm dependencies from this
// checkout's node_modules: only the clients' own sources differ.
const tsconfigRaw = readFileSync(join(root, "tsconfig.base.json"), "utf8");
const nodePaths = SOURCES.map((source) => join(root, source, "..", "node_modules"));
const buildOptions = (tree: string): BuildOptions => ({
  bundle: true,
  format: "esm",
  platform: "node",
  target: "es2022",
  tsconfigRaw,
  nodePaths,
  logLevel: "silent",
  plugins: [
    {
      name: "runtime-from-the-same-tree",
      setup(builder) {
        builder.onResolve({ filter: /^@bikavika\/runtime$/ }, () => ({ path: join(tree, "packages/runtime/src/index.ts") }));
      },
    },
  ],
});

interface Built {
  vika: { Vika: typeof Vika };
  bika: { Bika: typeof Bika };
  /** Minified bundle of each SIZE_ENTRIES entry. */
  minified: Uint8Array[];
}

/** Extracts, bundles and imports one side; throws with the reason when it cannot. */
async function buildSide(side: "current" | "baseline", sha: string | undefined): Promise<Built> {
  const tree = join(work, side, "tree");
  const out = join(work, side, "out");
  extract(sha, tree);
  try {
    await build({
      ...buildOptions(tree),
      entryPoints: { vika: join(tree, "packages/vika/src/index.ts"), bika: join(tree, "packages/bika/src/index.ts") },
      outdir: out,
      // Outside any package.json, .mjs is what makes Node read them as modules.
      outExtension: { ".js": ".mjs" },
    });
    const minified: Uint8Array[] = [];
    for (const entry of SIZE_ENTRIES) {
      const result = await build({ ...buildOptions(tree), entryPoints: [join(tree, entry.path)], minify: true, write: false });
      minified.push(result.outputFiles[0]!.contents);
    }
    const vika = (await import(pathToFileURL(join(out, "vika.mjs")).href)) as Built["vika"];
    const bika = (await import(pathToFileURL(join(out, "bika.mjs")).href)) as Built["bika"];
    if (typeof vika.Vika !== "function" || typeof bika.Bika !== "function") throw new Error("the bundles export no Vika or no Bika class");
    return { vika, bika, minified };
  } catch (error) {
    const errors = (error as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }).errors;
    if (errors?.length) {
      throw new Error(
        errors
          .slice(0, 5)
          .map((message) => `${message.location ? `${message.location.file.replace(`${tree}/`, "")}:${message.location.line}: ` : ""}${message.text}`)
          .join("; "),
      );
    }
    throw error;
  }
}

const began = performance.now();
let currentBuild: Built;
try {
  currentBuild = await buildSide("current", current.sha);
} catch (error) {
  console.error(`compare: the ${current.ref} does not build: ${(error as Error).message}`);
  process.exit(1);
}
let baselineBuild: Built;
try {
  baselineBuild = await buildSide("baseline", baseline.sha);
} catch (error) {
  baselineUnusable(`the baseline ${baseline.ref} (${baseline.sha}) does not build: ${(error as Error).message}`);
}
const identical = currentBuild.minified.every((bytes, index) => Buffer.compare(bytes, baselineBuild.minified[index]!) === 0);
const buildSeconds = (performance.now() - began) / 1000;

// ---------------------------------------------------------------------------------------------------------------
// The servers: emulator.ts in its own processes, seeded as main.ts seeds them, rate limit off

const [vikaServer, bikaServer] = await Promise.all([startEmulatorProcess("vika", TOTAL_RECORDS, "off"), startEmulatorProcess("bika", BIKA_RECORDS, "off")]);

// ---------------------------------------------------------------------------------------------------------------
// The scenarios

/** For BENCH_SELF_TEST: the global fetch after a busy wait, handed to the current side's clients only. */
const slowFetch: typeof fetch = (input, init) => {
  const until = performance.now() + selfTestDelayMs;
  while (performance.now() < until) {
    // Burning the CPU, as slower client code would.
  }
  return fetch(input, init);
};

const off = { rateLimit: false as const, retry: false as const };
function clients(built: Built, slow: boolean) {
  const fetchOption = slow ? { fetch: slowFetch } : {};
  const vika = new built.vika.Vika({ token: TOKEN, host: vikaServer.baseUrl, ...off, ...fetchOption });
  const bika = new built.bika.Bika({ token: TOKEN, baseURL: bikaServer.baseUrl, ...off, ...fetchOption });
  return { vika, datasheet: vika.datasheet(BENCH_DATASHEET), writes: vika.datasheet(WRITES_DATASHEET), database: bika.space.byId(BENCH_SPACE).database(BENCH_DATABASE) };
}
type Clients = ReturnType<typeof clients>;

interface Scenario {
  name: string;
  warmup: number;
  rounds: number;
  /** Resolves to the number of records received or written, checked against `expect`. */
  run(side: Clients, label: string, round: number): Promise<number>;
  expect: number;
}

const lowLevelPage = async (side: Clients, pageSize: number) => {
  const { data } = await side.vika.client.GET("/fusion/v1/datasheets/{datasheetId}/records", {
    params: { path: { datasheetId: BENCH_DATASHEET }, query: { pageSize } },
  });
  return (data as { data: { records: unknown[] } }).data.records.length;
};

const scenarios: Scenario[] = [
  {
    name: `Vika records.query, ${MAX_PAGE_SIZE}-record page`,
    warmup: 30,
    rounds: 300,
    expect: MAX_PAGE_SIZE,
    run: async (side) => (await side.datasheet.records.query({ pageSize: MAX_PAGE_SIZE })).records.length,
  },
  { name: "Vika records.query, 1-record page", warmup: 200, rounds: 1500, expect: 1, run: async (side) => (await side.datasheet.records.query({ pageSize: 1 })).records.length },
  { name: "Vika client.GET (low-level), 1-record page", warmup: 200, rounds: 1500, expect: 1, run: (side) => lowLevelPage(side, 1) },
  {
    name: `Bika records.list, ${BIKA_RECORDS}-record page`,
    warmup: 30,
    rounds: 300,
    expect: BIKA_RECORDS,
    run: async (side) => (await side.database.records.list({ pageSize: BIKA_RECORDS })).records.length,
  },
  {
    name: `Vika records.create, ${MAX_WRITE} records`,
    warmup: 100,
    rounds: 800,
    expect: MAX_WRITE,
    run: async (side, label, round) => {
      const rows = Array.from({ length: MAX_WRITE }, (_, index) => ({ fields: { Name: `Compare ${label} ${round}.${index}`, Number: index } }));
      return (await side.writes.records.create(rows)).records.length;
    },
  },
];


/**
 * The sign test's 95 % interval of the median: [x(k), x(n+1−k)] of the sorted values, k the largest with
 * P(Binomial(n, ½) ≤ k−1) ≤ 2.5 %. It assumes nothing about the distribution of the ratios.
 */
function medianInterval(values: number[]): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  let k = 0;
  let cumulative = 0;
  let logProbability = -n * Math.LN2; // P(X = 0)
  for (let i = 0; i < n; i += 1) {
    cumulative += Math.exp(logProbability);
    if (cumulative > 0.025) break;
    k = i + 1;
    logProbability += Math.log((n - i) / (i + 1));
  }
  return k === 0 ? [sorted[0]!, sorted[n - 1]!] : [sorted[k - 1]!, sorted[n - k]!];
}

const verdictOf = ([low, high]: [number, number]) => (low > 1 + THRESHOLD ? "slower" : high < 1 - THRESHOLD ? "faster" : "same");

class SideFailure extends Error {
  constructor(
    readonly side: "current" | "baseline",
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

const sides = { current: clients(currentBuild, selfTest !== undefined), baseline: clients(baselineBuild, false) };

async function timed(scenario: Scenario, side: "current" | "baseline", round: number): Promise<number> {
  try {
    const start = performance.now();
    const received = await scenario.run(sides[side], side, round);
    const elapsed = performance.now() - start;
    if (received !== scenario.expect) throw new Error(`received ${received} records, not ${scenario.expect}`);
    return elapsed;
  } catch (error) {
    throw new SideFailure(side, error);
  }
}

interface Row {
  scenario: string;
  rounds: number;
  currentMs: number;
  baselineMs: number;
  ratio: number;
  interval: [number, number];
  /** Share of rounds in which the current side took longer. */
  currentSlowerShare: number;
  verdict: "slower" | "faster" | "same";
}

const currentLabel = current.sha === undefined ? "the working tree" : `${current.ref} (${current.sha.slice(0, 12)})`;
console.log(
  `compare: ${currentLabel} against ${baseline.ref} (${baseline.sha}; ${baseline.why}), built in ${buildSeconds.toFixed(1)} s` +
    (identical ? `; the two builds are byte-identical (an A/A run${selfTest ? "" : ": expect ratios ≈ 1.00, same"})` : "") +
    (selfTest ? `; self-test: the current side busy-waits ${selfTestDelayMs} ms before each request` : ""),
);
console.log(`compare: node ${process.version}, ${cpus().length} CPUs, load ${loadavg().map((l) => l.toFixed(1)).join(" ")}; rounds alternate which side goes first`);

const rows: Row[] = [];
const failures: Array<{ scenario: string; side: "current" | "baseline"; reason: string }> = [];
for (const scenario of scenarios) {
  const currentMs: number[] = [];
  const baselineMs: number[] = [];
  try {
    for (let round = 0; round < scenario.warmup + scenario.rounds; round += 1) {
      // ABBA: current first in even rounds, the baseline first in odd ones, so that neither always follows the other.
      const order = round % 2 === 0 ? (["current", "baseline"] as const) : (["baseline", "current"] as const);
      const times = { current: 0, baseline: 0 };
      for (const side of order) times[side] = await timed(scenario, side, round);
      if (round >= scenario.warmup) {
        currentMs.push(times.current);
        baselineMs.push(times.baseline);
      }
    }
  } catch (error) {
    if (!(error instanceof SideFailure)) throw error;
    failures.push({ scenario: scenario.name, side: error.side, reason: error.message });
    console.log(`compare: ${scenario.name}: the ${error.side} side failed: ${error.message}`);
    continue;
  }
  const ratios = currentMs.map((ms, index) => ms / baselineMs[index]!);
  const interval = medianInterval(ratios);
  rows.push({
    scenario: scenario.name,
    rounds: scenario.rounds,
    currentMs: median(currentMs),
    baselineMs: median(baselineMs),
    ratio: median(ratios),
    interval,
    currentSlowerShare: ratios.filter((ratio) => ratio > 1).length / ratios.length,
    verdict: verdictOf(interval),
  });
}
vikaServer.stop();
bikaServer.stop();

const sizes = SIZE_ENTRIES.map((entry, index) => {
  const mine = currentBuild.minified[index]!;
  const theirs = baselineBuild.minified[index]!;
  return {
    entry: entry.name,
    current: { minified: mine.length, gzipped: gzipSync(mine, { level: 9 }).length },
    baseline: { minified: theirs.length, gzipped: gzipSync(theirs, { level: 9 }).length },
  };
});

// ---------------------------------------------------------------------------------------------------------------
// Report


const baselineShort = `${baseline.ref === baseline.sha ? "" : `${baseline.ref}, `}${baseline.sha.slice(0, 12)}`;
console.log(
  `\nCompared request by request: ${currentLabel} (current) against ${baselineShort} (baseline), medians after warm-up; ` +
    `rate limit and retries off; the verdict needs the whole 95 % interval of the median ratio beyond 1 ± ${THRESHOLD}\n`,
);
console.log(
  table(
    ["scenario", "rounds", "current ms", "baseline ms", "current / baseline", "95 % interval", "current slower in", "verdict"],
    rows.map((row) => [
      row.scenario,
      String(row.rounds),
      row.currentMs.toFixed(3),
      row.baselineMs.toFixed(3),
      row.ratio.toFixed(3),
      `${row.interval[0].toFixed(3)} – ${row.interval[1].toFixed(3)}`,
      `${(row.currentSlowerShare * 100).toFixed(0)} % of rounds`,
      row.verdict,
    ]),
  ),
);
const kb = (bytes: number) => (bytes / 1000).toFixed(2);
const delta = (mine: number, theirs: number) => `${mine >= theirs ? "+" : "−"}${Math.abs(mine - theirs)}`;
console.log("\nBundle size: each entry with the runtime and openapi-fetch, esbuild minified, then gzip -9; kB\n");
console.log(
  table(
    ["entry", "current min", "baseline min", "current gz", "baseline gz", "Δ gz bytes"],
    sizes.map((size) => [
      size.entry,
      kb(size.current.minified),
      kb(size.baseline.minified),
      kb(size.current.gzipped),
      kb(size.baseline.gzipped),
      delta(size.current.gzipped, size.baseline.gzipped),
    ]),
  ),
);

let exitCode = 0;
if (failures.some((failure) => failure.side === "current")) exitCode = 1;
if (failures.some((failure) => failure.side === "baseline") && named !== undefined) exitCode = 1;
const selfTestPassed = selfTest === undefined ? undefined : failures.length === 0 && rows.every((row) => row.verdict === "slower");
if (selfTestPassed !== undefined) {
  console.log(
    selfTestPassed
      ? `\nself-test passed: ${selfTestDelayMs} ms added to every current request is called slower in every scenario`
      : `\nself-test FAILED: ${selfTestDelayMs} ms added to every current request is not called slower in every scenario`,
  );
  if (!selfTestPassed) exitCode = 1;
}

const results = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  loadAverage: loadavg(),
  current: { ref: current.ref, sha: current.sha ?? null },
  baseline,
  identicalBuilds: identical,
  selfTest: selfTest ? { delayMs: selfTestDelayMs, passed: selfTestPassed } : null,
  threshold: THRESHOLD,
  scenarios: rows,
  failures,
  sizes,
};
writeFileSync(output, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwritten to ${output}`);
process.exit(exitCode);
