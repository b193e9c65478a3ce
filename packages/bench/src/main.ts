// `pnpm bench`: measures the clients against @bikavika/emulator (emulator.ts, in its own process) and prints a
// table; the numbers also go to packages/bench/results.json.
//  (a) per-request overhead of each client against raw fetch of the same URL, for a 1000-record page and a tiny
//      response (median after warm-up; rate limit and retries off: they are not overhead); the Vika clients read
//      a datasheet of 100,000 records, the Bika facade a database of 1000 from the Bika emulator;
//  (b) a 10,000-record bulk write (Vika records.create) against a server allowing N requests/s, with the client's
//      rate limit set to N, against the ideal ceil(10000/10)/N seconds;
//  (c) iterating 100,000 records with records.queryAll(): requests against the minimum, and peak memory against
//      collecting every record into an array (memory.ts, one fresh process per mode);
//  (d) the compiler's cost of each client: tsc on a small consumer project against the same project without it
//      (typecheck.ts);
//  (e) the emulator itself: seed loading, memory with 100,000 records, server-side time per 1000-record page, and
//      requests per second for pages and 10-record creates (raw fetch, 4 at a time);
//  (f) at the rate-limit floor over a real network: the emulator answers after 150 ms and allows 5 or 20 requests
//      a second (the client's rate limit set to match); reading 20,000 records with queryAll and writing 2,000
//      with records.create, each against its floor, (ceil(requests / qps) − 1) s plus one round trip, and against
//      the same work done with raw fetch on a hand-written schedule (rawAtFloor), in the same run;
//  (g) the `bikavika` command line: a 10,000-row CSV import at 5 requests/s against its floor, and the peak memory
//      of exporting 10,000 and 100,000 records to CSV (flat: the export streams).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { Bika } from "@bikavika/bika";
import { Vika, type paths as VikaPaths } from "@bikavika/vika";
import createClient from "openapi-fetch";
import {
  BENCH_DATABASE,
  BENCH_DATASHEET,
  BENCH_SPACE,
  BULK_DATASHEET,
  type EmulatorReady,
  type EmulatorReport,
  MAX_PAGE_SIZE,
  MAX_WRITE,
  type MemoryResult,
  TOTAL_RECORDS,
  WRITES_DATASHEET,
  median,
  table,
} from "./shared.js";
import { nextMessage, start, startEmulatorProcess } from "./processes.js";
import { measureTypecheck } from "./typecheck.js";

const TOKEN = "uskBenchToken";
const BULK_RECORDS = 10_000;
const BULK_QPS = 50;
const OVERHEAD = {
  page: { pageSize: 1000, warmup: 50, iterations: 300 },
  tiny: { pageSize: 1, warmup: 200, iterations: 2000 },
};
/** Records in the Bika database: enough for one full page. */
const BIKA_RECORDS = 1000;
const THROUGHPUT = { warmup: 20, requests: 400, concurrency: 4 };
/** Part (f): the server's answer delay, the plans, and the sizes read and written. */
const FLOOR = { latencyMs: 150, plans: [5, 20], readRecords: 20_000, writeRecords: 2_000 };
/** Part (g): the command line's import size and rate, and the export sizes whose memory is compared. */
const CLI = { importRows: 10_000, qps: 5, exportSizes: [10_000, 100_000] };

const vikaServer = await startEmulatorProcess("vika", TOTAL_RECORDS, "off");
const bikaServer = await startEmulatorProcess("bika", BIKA_RECORDS, "off");
const base = vikaServer.baseUrl;
const bikaBase = bikaServer.baseUrl;

// ---------------------------------------------------------------------------------------------------------------
// (a) Overhead

const off = { rateLimit: false as const, retry: false as const };
const vika = new Vika({ token: TOKEN, host: base, ...off });
const bika = new Bika({ token: TOKEN, baseURL: bikaBase, ...off });
const bare = createClient<VikaPaths>({ baseUrl: base, headers: { Authorization: `Bearer ${TOKEN}`, Accept: "application/json" } });
const database = bika.space.byId(BENCH_SPACE).database(BENCH_DATABASE);
const datasheet = vika.datasheet(BENCH_DATASHEET);

interface Variant {
  name: string;
  /** The raw fetch variant of the same server, which this one's ratio is taken against. */
  baseline: number;
  /** Resolves to the number of records received, checked against the page size so every variant does the same work. */
  run(pageSize: number): Promise<number>;
}

const rawFetch = async (url: string) => {
  const response = await fetch(url, { headers: { Authorization: `Bearer ${TOKEN}`, Accept: "application/json" } });
  const body = (await response.json()) as { data: { records: unknown[] } };
  return body.data.records.length;
};

const variants: Variant[] = [
  {
    name: "raw fetch + res.json()",
    baseline: 0,
    run: (pageSize) => rawFetch(`${base}/fusion/v1/datasheets/${BENCH_DATASHEET}/records?pageSize=${pageSize}`),
  },
  {
    name: "openapi-fetch alone (no transport)",
    baseline: 0,
    run: async (pageSize) => {
      const { data } = await bare.GET("/fusion/v1/datasheets/{datasheetId}/records", {
        params: { path: { datasheetId: BENCH_DATASHEET }, query: { pageSize } },
      });
      return (data as { data: { records: unknown[] } }).data.records.length;
    },
  },
  {
    name: "low-level client (vika.client.GET)",
    baseline: 0,
    run: async (pageSize) => {
      const { data } = await vika.client.GET("/fusion/v1/datasheets/{datasheetId}/records", {
        params: { path: { datasheetId: BENCH_DATASHEET }, query: { pageSize } },
      });
      return (data as { data: { records: unknown[] } }).data.records.length;
    },
  },
  { name: "Vika facade (records.query)", baseline: 0, run: async (pageSize) => (await datasheet.records.query({ pageSize })).records.length },
  {
    name: "raw fetch + res.json(), Bika emulator",
    baseline: 4,
    run: (pageSize) => rawFetch(`${bikaBase}/v1/spaces/${BENCH_SPACE}/resources/databases/${BENCH_DATABASE}/records?pageSize=${pageSize}`),
  },
  { name: "Bika facade (records.list, v1)", baseline: 4, run: async (pageSize) => (await database.records.list({ pageSize })).records.length },
];


function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function overhead(settings: { pageSize: number; warmup: number; iterations: number }) {
  const samples = variants.map(() => [] as number[]);
  for (let round = 0; round < settings.warmup + settings.iterations; round += 1) {
    // Every variant once per round, in a rotating order, so that drift (GC, JIT, a busy machine) spreads evenly.
    for (let offset = 0; offset < variants.length; offset += 1) {
      const index = (round + offset) % variants.length;
      const began = performance.now();
      const received = await variants[index]!.run(settings.pageSize);
      const elapsed = performance.now() - began;
      if (received !== settings.pageSize) throw new Error(`${variants[index]!.name} received ${received} records, not ${settings.pageSize}`);
      if (round >= settings.warmup) samples[index]!.push(elapsed);
    }
  }
  return variants.map((variant, index) => {
    const raw = median(samples[variant.baseline]!);
    return {
      client: variant.name,
      medianMs: median(samples[index]!),
      p90Ms: percentile(samples[index]!, 0.9),
      // The ratio folds in the emulator's own time, the same for every variant; the difference does not.
      overMs: median(samples[index]!) - raw,
      ratio: median(samples[index]!) / raw,
    };
  });
}

console.log(
  `bench: emulators on ${base} (Vika, ${TOTAL_RECORDS.toLocaleString("en")} records) and ${bikaBase} (Bika), own processes; ` +
    `node ${process.version}, ${cpus().length} CPUs, load ${loadavg().map((l) => l.toFixed(1)).join(" ")}`,
);
console.log("(a) measuring per-request overhead …");
const overheadPage = await overhead(OVERHEAD.page);
// Every 1000-record page of (a) was read one at a time, so their server-side times are the emulator's own cost.
const { pageMs: pageTimings } = await vikaServer.report();
const overheadTiny = await overhead(OVERHEAD.tiny);
bikaServer.stop();

// ---------------------------------------------------------------------------------------------------------------
// (b) Bulk write under the server's budget

console.log(`(b) writing ${BULK_RECORDS.toLocaleString("en")} records at ${BULK_QPS} requests/s …`);
const bulkServer = await startEmulatorProcess("vika", 0, BULK_QPS);
const writer = new Vika({ token: `${TOKEN}Bulk`, host: bulkServer.baseUrl, rateLimit: { requestsPerSecond: BULK_QPS } });
const rows = Array.from({ length: BULK_RECORDS }, (_, index) => ({ fields: { Name: `Row ${index}`, Number: index } }));
const bulkStarted = performance.now();
const { records: written } = await writer.datasheet(BULK_DATASHEET).records.create(rows);
const bulkSeconds = (performance.now() - bulkStarted) / 1000;
const { stats: bulkStats, created: bulkCreated } = await bulkServer.report();
bulkServer.stop();
const idealSeconds = Math.ceil(BULK_RECORDS / MAX_WRITE) / BULK_QPS;
const bulk = {
  records: BULK_RECORDS,
  written: written.length,
  created: bulkCreated,
  requestsPerSecond: BULK_QPS,
  actualSeconds: bulkSeconds,
  idealSeconds,
  ratio: bulkSeconds / idealSeconds,
  requests: bulkStats.requests,
  minimumRequests: Math.ceil(BULK_RECORDS / MAX_WRITE),
  status429: bulkStats.rateLimited,
  oversizeWrites: bulkStats.oversizeWrites,
};
if (bulkCreated !== BULK_RECORDS) throw new Error(`the emulator holds ${bulkCreated} of the ${BULK_RECORDS} records written`);

// ---------------------------------------------------------------------------------------------------------------
// (c) Iterating 100,000 records

console.log(`(c) iterating ${TOTAL_RECORDS.toLocaleString("en")} records, one fresh process per mode …`);
const memory: MemoryResult[] = [];
for (const mode of ["stream", "array"] as const) {
  const child = start("./memory.js", [mode, base], ["--expose-gc"]);
  memory.push(await nextMessage<MemoryResult>(child));
}

// ---------------------------------------------------------------------------------------------------------------
// (e) The emulator: what it serves per second, with raw fetch so that no client cost is counted

/** Requests per second for `send`, `concurrency` at a time, after a warm-up that is not counted. */
async function throughput(send: (index: number) => Promise<void>): Promise<number> {
  for (let index = 0; index < THROUGHPUT.warmup; index += 1) await send(index);
  let next = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: THROUGHPUT.concurrency }, async () => {
      while (next < THROUGHPUT.requests) await send(THROUGHPUT.warmup + next++);
    }),
  );
  return THROUGHPUT.requests / ((performance.now() - began) / 1000);
}

console.log(`(e) emulator throughput, ${THROUGHPUT.requests} requests ${THROUGHPUT.concurrency} at a time …`);
const pagesPerSecond = await throughput(async (index) => {
  const pageNum = (index % (TOTAL_RECORDS / MAX_PAGE_SIZE)) + 1;
  const received = await rawFetch(`${base}/fusion/v1/datasheets/${BENCH_DATASHEET}/records?pageSize=${MAX_PAGE_SIZE}&pageNum=${pageNum}`);
  if (received !== MAX_PAGE_SIZE) throw new Error(`page ${pageNum} held ${received} records`);
});
const createsPerSecond = await throughput(async (index) => {
  const response = await fetch(`${base}/fusion/v1/datasheets/${WRITES_DATASHEET}/records`, {
    method: "POST",
    headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify({ records: Array.from({ length: MAX_WRITE }, (_, offset) => ({ fields: { Name: `Write ${index}.${offset}`, Number: offset } })) }),
  });
  const body = (await response.json()) as { success: boolean; data?: { records: unknown[] } };
  if (body.data?.records.length !== MAX_WRITE) throw new Error(`a create was answered ${JSON.stringify(body).slice(0, 200)}`);
});
const finalReport = await vikaServer.report();
vikaServer.stop();
const emulatorResults = {
  records: TOTAL_RECORDS,
  seedLoadSeconds: vikaServer.loadMs / 1000,
  rssLoadedMb: vikaServer.rss / 2 ** 20,
  rssEndMb: finalReport.rss / 2 ** 20,
  pageServerMs: { median: median(pageTimings), p90: percentile(pageTimings, 0.9), samples: pageTimings.length },
  pagesPerSecond,
  createsPerSecond,
  throughput: THROUGHPUT,
  targets: { rssLoadedMb: 300, pageServerMs: 10 },
};

// ---------------------------------------------------------------------------------------------------------------
// (f) At the rate-limit floor over a real network

console.log(`(f) at the rate-limit floor: ${FLOOR.latencyMs} ms answers, plans of ${FLOOR.plans.join(" and ")} requests/s …`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const floorRows: Array<{
  scenario: string;
  qps: number;
  requests: number;
  seconds: number;
  floorSeconds: number;
  ratio: number;
  status429: number;
  raw: { seconds: number; requests: number; status429: number };
  ratioToRaw: number;
}> = [];
/** The hand-written schedule's window: one second plus 10 ms, the least that keeps the emulator's timers' jitter out. */
const RAW_WINDOW_MS = 1010;

/**
 * The same work with raw fetch, scheduled by hand as well as the budget allows: request `slot` starts
 * `floor(slot / qps)` windows after the first, each window's requests at once, and reads ask for the pages after
 * the first as soon as it has told `total`. A 429 (none is expected) is counted and its request sent again a window
 * later, so that the work completes either way.
 */
async function rawAtFloor(baseUrl: string, token: string, qps: number, kind: "read" | "write") {
  const began = performance.now();
  let requests = 0;
  let status429 = 0;
  const headers = { Authorization: `Bearer ${token}`, Accept: "application/json", "Content-Type": "application/json" };
  const send = async <T>(slot: number, path: string, init: RequestInit, check: (body: T) => boolean): Promise<T> => {
    for (;;) {
      const wait = began + Math.floor(slot / qps) * RAW_WINDOW_MS - performance.now();
      if (wait > 0) await pause(wait);
      requests += 1;
      const response = await fetch(`${baseUrl}${path}`, { ...init, headers });
      const body = (await response.json()) as T;
      if (response.status !== 429) {
        if (!check(body)) throw new Error(`raw fetch: ${path} was answered ${JSON.stringify(body).slice(0, 200)}`);
        return body;
      }
      status429 += 1;
      slot += qps;
    }
  };
  type Page = { data: { total: number; records: unknown[] } };
  const hasRecords = (body: Page) => Array.isArray(body?.data?.records);
  if (kind === "read") {
    const pagePath = (pageNum: number) => `/fusion/v1/datasheets/${BENCH_DATASHEET}/records?pageSize=${MAX_PAGE_SIZE}&pageNum=${pageNum}`;
    const first = await send<Page>(0, pagePath(1), {}, hasRecords);
    const pages = Math.ceil(first.data.total / MAX_PAGE_SIZE);
    const rest = await Promise.all(Array.from({ length: pages - 1 }, (_, index) => send<Page>(index + 1, pagePath(index + 2), {}, hasRecords)));
    const done = first.data.records.length + rest.reduce((sum, page) => sum + page.data.records.length, 0);
    if (done !== FLOOR.readRecords) throw new Error(`raw fetch read ${done} of ${FLOOR.readRecords} records`);
  } else {
    const chunks = Math.ceil(FLOOR.writeRecords / MAX_WRITE);
    await Promise.all(
      Array.from({ length: chunks }, (_, chunk) =>
        send<Page>(chunk, `/fusion/v1/datasheets/${WRITES_DATASHEET}/records`, {
          method: "POST",
          body: JSON.stringify({ records: Array.from({ length: MAX_WRITE }, (_, offset) => ({ fields: { Name: `Raw ${chunk}.${offset}`, Number: offset } })) }),
        }, (body) => hasRecords(body) && body.data.records.length === MAX_WRITE),
      ),
    );
  }
  return { seconds: (performance.now() - began) / 1000, requests, status429 };
}

for (const qps of FLOOR.plans) {
  const server = await startEmulatorProcess("vika", FLOOR.readRecords, qps, FLOOR.latencyMs);
  // One round trip, measured (the floor's last term), with pauses that leave the budget whole for what follows.
  const trips: number[] = [];
  for (let index = 0; index < 5; index += 1) {
    const began = performance.now();
    await rawFetch(`${server.baseUrl}/fusion/v1/datasheets/${BENCH_DATASHEET}/records?pageSize=1`);
    trips.push((performance.now() - began) / 1000);
    await pause(1100 / qps);
  }
  const roundTrip = median(trips);
  await pause(1100);
  const client = new Vika({ token: `${TOKEN}Floor${qps}`, host: server.baseUrl, rateLimit: { requestsPerSecond: qps } });
  const floor = (requests: number) => Math.ceil(requests / qps) - 1 + roundTrip;
  const scenario = async (name: string, kind: "read" | "write", work: () => Promise<void>) => {
    const raw = await rawAtFloor(server.baseUrl, `${TOKEN}Raw${qps}`, qps, kind);
    await pause(1100);
    const before = (await server.report()).stats;
    const began = performance.now();
    await work();
    const seconds = (performance.now() - began) / 1000;
    const after = (await server.report()).stats;
    const requests = after.requests - before.requests;
    floorRows.push({
      scenario: name,
      qps,
      requests,
      seconds,
      floorSeconds: floor(requests),
      ratio: seconds / floor(requests),
      status429: after.rateLimited - before.rateLimited,
      raw,
      ratioToRaw: seconds / raw.seconds,
    });
    await pause(1100);
  };
  await scenario(`read ${FLOOR.readRecords.toLocaleString("en")} records (queryAll)`, "read", async () => {
    let read = 0;
    for await (const _record of client.datasheet(BENCH_DATASHEET).records.queryAll()) read += 1;
    if (read !== FLOOR.readRecords) throw new Error(`queryAll read ${read} of ${FLOOR.readRecords} records`);
  });
  await scenario(`write ${FLOOR.writeRecords.toLocaleString("en")} records (records.create)`, "write", async () => {
    const rowsToWrite = Array.from({ length: FLOOR.writeRecords }, (_, index) => ({ fields: { Name: `Floor ${index}`, Number: index } }));
    const { records } = await client.datasheet(WRITES_DATASHEET).records.create(rowsToWrite);
    if (records.length !== FLOOR.writeRecords) throw new Error(`records.create wrote ${records.length} of ${FLOOR.writeRecords} records`);
  });
  server.stop();
}

// ---------------------------------------------------------------------------------------------------------------
// (g) The command line

/** The installed `bikavika` bin, run with Node and a preload that reports its peak RSS. */
const cliBin = join(createRequire(import.meta.url).resolve("@bikavika/cli/package.json"), "..", "dist", "cli.js");
const rssOnExit = fileURLToPath(new URL("../src/rss-on-exit.cjs", import.meta.url));
function bikavika(args: string[], host: string): Promise<{ seconds: number; peakRss: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn(process.execPath, ["--require", rssOnExit, cliBin, ...args], {
      env: { ...process.env, VIKA_TOKEN: `${TOKEN}Cli`, VIKA_HOST: host },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.once("exit", (code) => {
      const seconds = (performance.now() - began) / 1000;
      const peakRss = Number(/bench-peak-rss=(\d+)/.exec(stderr)?.[1]);
      if (code === 0 && peakRss > 0) resolve({ seconds, peakRss, stderr });
      else reject(new Error(`bikavika ${args.join(" ")} exited with ${code}:\n${stderr}`));
    });
  });
}

console.log(`(g) the command line: a ${CLI.importRows.toLocaleString("en")}-row import at ${CLI.qps} requests/s, exports of ${CLI.exportSizes.map((size) => size.toLocaleString("en")).join(" and ")} records …`);
const cliWork = mkdtempSync(join(tmpdir(), "bikavika-bench-cli-"));
const importServer = await startEmulatorProcess("vika", 0, CLI.qps);
const csv = join(cliWork, "rows.csv");
writeFileSync(csv, `Name,Number\n${Array.from({ length: CLI.importRows }, (_, index) => `Row ${index},${index}`).join("\n")}\n`);
const importRun = await bikavika(["vika", "import", BULK_DATASHEET, csv, "--qps", String(CLI.qps), "--no-progress"], importServer.baseUrl);
const { stats: importStats, created: importCreated } = await importServer.report();
importServer.stop();
if (importCreated !== CLI.importRows) throw new Error(`the import left ${importCreated} of ${CLI.importRows} records`);
const importFloor = Math.ceil(importStats.requests / CLI.qps) - 1;
const cliImport = { rows: CLI.importRows, qps: CLI.qps, seconds: importRun.seconds, requests: importStats.requests, floorSeconds: importFloor, ratio: importRun.seconds / importFloor, status429: importStats.rateLimited };
const cliExports: Array<{ records: number; seconds: number; peakRssMb: number }> = [];
for (const size of CLI.exportSizes) {
  const server = await startEmulatorProcess("vika", size, "off");
  const run = await bikavika(["vika", "export", BENCH_DATASHEET, "--format", "csv", "--out", join(cliWork, `export-${size}.csv`), "--qps", "off", "--no-progress"], server.baseUrl);
  server.stop();
  cliExports.push({ records: size, seconds: run.seconds, peakRssMb: run.peakRss / 2 ** 20 });
}
rmSync(cliWork, { recursive: true, force: true });

console.log("(d) type-checking consumer projects …");
const typecheck = await measureTypecheck();
const [typecheckBaseline] = typecheck;

// ---------------------------------------------------------------------------------------------------------------
// Report

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

console.log(
  `\n(a) Per-request overhead, median of ${OVERHEAD.page.iterations} (page) / ${OVERHEAD.tiny.iterations} (tiny) requests after warm-up; rate limit and retries off\n`,
);
console.log(
  table(
    ["client", "1000-record page, ms", "p90 ms", "+ms", "× raw", "tiny response, ms", "p90 ms", "+ms", "× raw"],
    overheadPage.map((row, index) => {
      const tiny = overheadTiny[index]!;
      return [
        row.client,
        row.medianMs.toFixed(3),
        row.p90Ms.toFixed(3),
        row.overMs.toFixed(3),
        row.ratio.toFixed(2),
        tiny.medianMs.toFixed(3),
        tiny.p90Ms.toFixed(3),
        tiny.overMs.toFixed(3),
        tiny.ratio.toFixed(2),
      ];
    }),
  ),
);
console.log(`\n(b) Bulk write: ${BULK_RECORDS.toLocaleString("en")} records with records.create, server budget and client rateLimit ${BULK_QPS} requests/s\n`);
console.log(
  table(
    ["actual s", "ideal s", "× ideal", "requests (min)", "429s", "written (held)"],
    [[bulk.actualSeconds.toFixed(2), bulk.idealSeconds.toFixed(2), bulk.ratio.toFixed(3), `${bulk.requests} (${bulk.minimumRequests})`, String(bulk.status429), `${bulk.written} (${bulk.created})`]],
  ),
);
console.log(`\n(c) Iterating ${TOTAL_RECORDS.toLocaleString("en")} records (pages of ${MAX_PAGE_SIZE}; rate limit off)\n`);
console.log(
  table(
    ["mode", "requests (min)", "seconds", "peak RSS MB (+Δ)", "peak heap used MB (+Δ)"],
    memory.map((result) => [
      result.mode === "stream" ? "records.queryAll(), one at a time" : "baseline: all records in an array",
      `${result.requests} (${Math.ceil(TOTAL_RECORDS / MAX_PAGE_SIZE)})`,
      result.seconds.toFixed(2),
      `${mb(result.peak.rss)} (+${mb(result.peak.rss - result.baseline.rss)})`,
      `${mb(result.peak.heapUsed)} (+${mb(result.peak.heapUsed - result.baseline.heapUsed)})`,
    ]),
  ),
);

console.log("\n(d) Type-check cost: tsc --noEmit on a small consumer project (strict, skipLibCheck), median of 3 runs\n");
console.log(
  table(
    ["project", "total ms", "× baseline", "check ms", "memory MB", "types", "instantiations"],
    typecheck.map((result) => [
      result.project,
      result.totalMs.toFixed(0),
      (result.totalMs / typecheckBaseline!.totalMs).toFixed(2),
      result.checkMs.toFixed(0),
      (result.memoryKb / 1024).toFixed(0),
      String(result.types),
      String(result.instantiations),
    ]),
  ),
);

console.log(`\n(e) The Vika emulator, in its own process, with ${TOTAL_RECORDS.toLocaleString("en")} records\n`);
const target = (value: number, limit: number) => `< ${limit} (${value < limit ? "met" : "missed"})`;
console.log(
  table(
    ["measure", "value", "target"],
    [
      [`seed load, ${TOTAL_RECORDS.toLocaleString("en")} records built in code, s`, emulatorResults.seedLoadSeconds.toFixed(2), ""],
      ["RSS with them loaded (after a GC), MB", emulatorResults.rssLoadedMb.toFixed(0), target(emulatorResults.rssLoadedMb, 300)],
      ["RSS at the end of the run, MB", emulatorResults.rssEndMb.toFixed(0), ""],
      [`1000-record page, server side, median of ${pageTimings.length} (p90), ms`, `${emulatorResults.pageServerMs.median.toFixed(2)} (${emulatorResults.pageServerMs.p90.toFixed(2)})`, target(emulatorResults.pageServerMs.median, 10)],
      [`1000-record pages per second (raw fetch, ${THROUGHPUT.concurrency} at a time)`, pagesPerSecond.toFixed(0), ""],
      [`10-record creates per second (raw fetch, ${THROUGHPUT.concurrency} at a time)`, createsPerSecond.toFixed(0), ""],
    ],
  ),
);

console.log(`\n(f) At the rate-limit floor: ${FLOOR.latencyMs} ms answers, client rate limit = the server's budget; floor = (ceil(requests / qps) − 1) s + one round trip\n`);
console.log(
  table(
    ["scenario", "plan, requests/s", "requests", "seconds", "floor s", "× floor", "raw fetch s (requests)", "× raw fetch", "429s (raw)"],
    floorRows.map((row) => [
      row.scenario,
      String(row.qps),
      String(row.requests),
      row.seconds.toFixed(2),
      row.floorSeconds.toFixed(2),
      row.ratio.toFixed(2),
      `${row.raw.seconds.toFixed(2)} (${row.raw.requests})`,
      row.ratioToRaw.toFixed(2),
      `${row.status429} (${row.raw.status429})`,
    ]),
  ),
);
console.log(
  "\nraw fetch: the same work scheduled by hand, each window's requests at once. A read cannot finish within one round trip of\n" +
    "the floor: its first page must answer (total) before the others are asked for, so the least any client can take is the\n" +
    "floor plus one round trip; where that dominates (20 pages at 20/s), × raw fetch is the measure.",
);

console.log(`\n(g) The bikavika command line: an import against its floor (ceil(requests / qps) − 1 s), exports' peak RSS\n`);
console.log(
  table(
    ["run", "seconds", "requests", "floor s", "× floor", "429s", "peak RSS MB"],
    [
      [`import ${cliImport.rows.toLocaleString("en")} CSV rows at ${cliImport.qps}/s`, cliImport.seconds.toFixed(1), String(cliImport.requests), cliImport.floorSeconds.toFixed(0), cliImport.ratio.toFixed(3), String(cliImport.status429), ""],
      ...cliExports.map((run) => [`export ${run.records.toLocaleString("en")} records to CSV`, run.seconds.toFixed(1), "", "", "", "", run.peakRssMb.toFixed(0)]),
    ],
  ),
);

const results = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  loadAverage: loadavg(),
  overhead: { settings: OVERHEAD, page: overheadPage, tiny: overheadTiny },
  bulk,
  iteration: { totalRecords: TOTAL_RECORDS, minimumRequests: Math.ceil(TOTAL_RECORDS / MAX_PAGE_SIZE), modes: memory },
  typecheck,
  emulator: emulatorResults,
  floor: { settings: FLOOR, rows: floorRows },
  cli: { import: cliImport, exports: cliExports },
};
const output = fileURLToPath(new URL("../results.json", import.meta.url));
writeFileSync(output, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwritten to ${output}`);
