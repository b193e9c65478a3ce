// `pnpm bench`: measures the clients against a local HTTP server (server.ts, in its own process) and prints a table;
// the numbers also go to packages/bench/results.json.
//  (a) per-request overhead of each client against raw fetch of the same URL, for a 1000-record page and a tiny
//      response (median after warm-up; rate limit and retries off: they are not overhead);
//  (b) a 10,000-record bulk write (Vika records.create) against a server allowing N requests/s, with the client's
//      rate limit set to N, against the ideal ceil(10000/10)/N seconds;
//  (c) iterating 100,000 records with records.queryAll(): requests against the minimum, and peak memory against
//      collecting every record into an array (memory.ts, one fresh process per mode);
//  (d) the compiler's cost of each client: tsc on a small consumer project against the same project without it
//      (typecheck.ts).
import { type ChildProcess, fork } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { Bika } from "@bikavika/bika";
import { Vika, type paths as VikaPaths } from "@bikavika/vika";
import createClient from "openapi-fetch";
import { MAX_PAGE_SIZE, MAX_WRITE, type MemoryResult, type ServerStats, TOTAL_RECORDS } from "./shared.js";
import { measureTypecheck } from "./typecheck.js";

const TOKEN = "uskBenchToken";
const BULK_RECORDS = 10_000;
const BULK_QPS = 50;
const OVERHEAD = {
  page: { pageSize: 1000, warmup: 50, iterations: 300 },
  tiny: { pageSize: 1, warmup: 200, iterations: 2000 },
};

// ---------------------------------------------------------------------------------------------------------------
// Processes

function start(script: string, args: string[] = [], execArgv: string[] = []): ChildProcess {
  return fork(fileURLToPath(new URL(script, import.meta.url)), args, { execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
}

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once("message", (message) => resolve(message as T));
    child.once("exit", (code) => reject(new Error(`${child.spawnfile} exited (${code}) before reporting`)));
  });
}

const server = start("./server.js");
const { port } = await nextMessage<{ port: number }>(server);
const base = `http://127.0.0.1:${port}`;
const control = async (path: string): Promise<unknown> => (await fetch(`${base}${path}`, { method: "POST" })).json();

// ---------------------------------------------------------------------------------------------------------------
// (a) Overhead

const off = { rateLimit: false as const, retry: false as const };
const vika = new Vika({ token: TOKEN, host: base, ...off });
const bika = new Bika({ token: TOKEN, baseURL: `${base}/api/openapi/bika`, ...off });
const bare = createClient<VikaPaths>({ baseUrl: base, headers: { Authorization: `Bearer ${TOKEN}`, Accept: "application/json" } });
const database = bika.space.byId("spcBench").database("datBench");
const datasheet = vika.datasheet("dstBench");

interface Variant {
  name: string;
  /** Resolves to the number of records received, checked against the page size so every variant does the same work. */
  run(pageSize: number): Promise<number>;
}

const variants: Variant[] = [
  {
    name: "raw fetch + res.json()",
    run: async (pageSize) => {
      const response = await fetch(`${base}/fusion/v1/datasheets/dstBench/records?pageSize=${pageSize}`, {
        headers: { Authorization: `Bearer ${TOKEN}`, Accept: "application/json" },
      });
      const body = (await response.json()) as { data: { records: unknown[] } };
      return body.data.records.length;
    },
  },
  {
    name: "openapi-fetch alone (no transport)",
    run: async (pageSize) => {
      const { data } = await bare.GET("/fusion/v1/datasheets/{datasheetId}/records", {
        params: { path: { datasheetId: "dstBench" }, query: { pageSize } },
      });
      return (data as { data: { records: unknown[] } }).data.records.length;
    },
  },
  {
    name: "low-level client (vika.client.GET)",
    run: async (pageSize) => {
      const { data } = await vika.client.GET("/fusion/v1/datasheets/{datasheetId}/records", {
        params: { path: { datasheetId: "dstBench" }, query: { pageSize } },
      });
      return (data as { data: { records: unknown[] } }).data.records.length;
    },
  },
  { name: "Vika facade (records.query)", run: async (pageSize) => (await datasheet.records.query({ pageSize })).records.length },
  { name: "Bika facade (records.list, v1)", run: async (pageSize) => (await database.records.list({ pageSize })).records.length },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

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
  const raw = median(samples[0]!);
  return variants.map((variant, index) => ({
    client: variant.name,
    medianMs: median(samples[index]!),
    p90Ms: percentile(samples[index]!, 0.9),
    ratio: median(samples[index]!) / raw,
  }));
}

console.log(`bench: server on ${base} (own process); node ${process.version}, ${cpus().length} CPUs, load ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
console.log("(a) measuring per-request overhead …");
await control("/__reset");
const overheadPage = await overhead(OVERHEAD.page);
const overheadTiny = await overhead(OVERHEAD.tiny);

// ---------------------------------------------------------------------------------------------------------------
// (b) Bulk write under the server's budget

console.log(`(b) writing ${BULK_RECORDS.toLocaleString("en")} records at ${BULK_QPS} requests/s …`);
await control(`/__reset?qps=${BULK_QPS}`);
const writer = new Vika({ token: `${TOKEN}Bulk`, host: base, rateLimit: { requestsPerSecond: BULK_QPS } });
const rows = Array.from({ length: BULK_RECORDS }, (_, index) => ({ fields: { Name: `Row ${index}`, Number: index } }));
const bulkStarted = performance.now();
const { records: written } = await writer.datasheet("dstBulk").records.create(rows);
const bulkSeconds = (performance.now() - bulkStarted) / 1000;
const bulkStats = (await (await fetch(`${base}/__stats`)).json()) as ServerStats;
const idealSeconds = Math.ceil(BULK_RECORDS / MAX_WRITE) / BULK_QPS;
const bulk = {
  records: BULK_RECORDS,
  written: written.length,
  requestsPerSecond: BULK_QPS,
  actualSeconds: bulkSeconds,
  idealSeconds,
  ratio: bulkSeconds / idealSeconds,
  requests: bulkStats.requests,
  minimumRequests: Math.ceil(BULK_RECORDS / MAX_WRITE),
  status429: bulkStats.rateLimited,
  oversizeWrites: bulkStats.oversizeWrites,
};

// ---------------------------------------------------------------------------------------------------------------
// (c) Iterating 100,000 records

console.log(`(c) iterating ${TOTAL_RECORDS.toLocaleString("en")} records, one fresh process per mode …`);
await control("/__reset");
const memory: MemoryResult[] = [];
for (const mode of ["stream", "array"] as const) {
  const child = start("./memory.js", [mode, base], ["--expose-gc"]);
  memory.push(await nextMessage<MemoryResult>(child));
}
server.kill();

console.log("(d) type-checking consumer projects …");
const typecheck = await measureTypecheck();
const [typecheckBaseline] = typecheck;

// ---------------------------------------------------------------------------------------------------------------
// Report

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
function table(headers: string[], rowsOfCells: string[][]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rowsOfCells.map((row) => row[column]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join(" | ")} |`;
  return [line(headers), `|${widths.map((width, column) => (column === 0 ? ":" : "") + "-".repeat(width + 1) + (column === 0 ? "" : ":")).join("|")}|`, ...rowsOfCells.map(line)].join("\n");
}

console.log(
  `\n(a) Per-request overhead, median of ${OVERHEAD.page.iterations} (page) / ${OVERHEAD.tiny.iterations} (tiny) requests after warm-up; rate limit and retries off\n`,
);
console.log(
  table(
    ["client", "1000-record page, ms", "p90 ms", "× raw", "tiny response, ms", "p90 ms", "× raw"],
    overheadPage.map((row, index) => {
      const tiny = overheadTiny[index]!;
      return [row.client, row.medianMs.toFixed(3), row.p90Ms.toFixed(3), row.ratio.toFixed(2), tiny.medianMs.toFixed(3), tiny.p90Ms.toFixed(3), tiny.ratio.toFixed(2)];
    }),
  ),
);
console.log(`\n(b) Bulk write: ${BULK_RECORDS.toLocaleString("en")} records with records.create, server budget and client rateLimit ${BULK_QPS} requests/s\n`);
console.log(
  table(
    ["actual s", "ideal s", "× ideal", "requests (min)", "429s", "written"],
    [[bulk.actualSeconds.toFixed(2), bulk.idealSeconds.toFixed(2), bulk.ratio.toFixed(3), `${bulk.requests} (${bulk.minimumRequests})`, String(bulk.status429), String(bulk.written)]],
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

const results = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  loadAverage: loadavg(),
  overhead: { settings: OVERHEAD, page: overheadPage, tiny: overheadTiny },
  bulk,
  iteration: { totalRecords: TOTAL_RECORDS, minimumRequests: Math.ceil(TOTAL_RECORDS / MAX_PAGE_SIZE), modes: memory },
  typecheck,
};
const output = fileURLToPath(new URL("../results.json", import.meta.url));
writeFileSync(output, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwritten to ${output}`);
