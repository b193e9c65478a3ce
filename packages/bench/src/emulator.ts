// The server the bench measures against: @bikavika/emulator, run in its own process (forked by main.ts) so that
// its work does not count as the clients'. `node --expose-gc emulator.js <vika|bika> <records> <qps|off> [latency ms]` seeds
// one datasheet (Vika) or database (Bika) with that many records, built here in code, and an empty one for writes
// (`[latency ms]` delays every answer);
// it reports its URL, how long the seed took to load and the process's memory once loaded, then answers every
// "report" message with the emulator's stats, its memory, and the server-side time of each 1000-record page
// served since the last report.
import { subscribe } from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import { startEmulator } from "@bikavika/emulator";
import { BENCH_DATABASE, BENCH_DATASHEET, BENCH_SPACE, BULK_DATASHEET, type EmulatorReady, type EmulatorReport, MAX_PAGE_SIZE, WRITES_DATASHEET } from "./shared.js";

const [api, count, qps, latency = "0"] = process.argv.slice(2) as ["vika" | "bika", string, string, string?];
const records = Number(count);

/** The cells of the bench's records: text, a number, a checkbox, a multi-select and a longer text. */
const cells = (index: number) => ({
  Name: `Record ${index}`,
  Number: index,
  Done: index % 2 === 0,
  Tags: ["alpha", "beta"].slice(0, 1 + (index % 2)),
  Notes: "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
});

function vikaSeed() {
  const fields = [
    { name: "Name", type: "SingleText" },
    { name: "Number", type: "Number", property: { precision: 0 } },
    { name: "Done", type: "Checkbox", property: { icon: "white_check_mark" } },
    { name: "Tags", type: "MultiSelect", property: { options: [{ name: "alpha" }, { name: "beta" }] } },
    { name: "Notes", type: "Text" },
  ];
  const datasheet = (id: string, rows: number) => ({
    id,
    name: id,
    type: "Datasheet",
    fields,
    records: Array.from({ length: rows }, (_, index) => ({ fields: cells(index) })),
  });
  return {
    api: "vika",
    spaces: [{ id: BENCH_SPACE, name: "Bench", nodes: [datasheet(BENCH_DATASHEET, records), datasheet(WRITES_DATASHEET, 0), datasheet(BULK_DATASHEET, 0)] }],
  };
}

function bikaSeed() {
  return {
    api: "bika",
    spaces: [
      {
        id: BENCH_SPACE,
        name: "Bench",
        nodes: [
          {
            type: "DATABASE",
            id: BENCH_DATABASE,
            name: "Bench",
            fields: [
              { name: "Name", type: "SINGLE_TEXT" },
              { name: "Number", type: "NUMBER", property: { precision: 0 } },
              { name: "Done", type: "CHECKBOX" },
              { name: "Tags", type: "MULTI_SELECT", property: { options: [{ name: "alpha" }, { name: "beta" }] } },
              { name: "Notes", type: "LONG_TEXT" },
            ],
            records: Array.from({ length: records }, (_, index) => ({ fields: cells(index) })),
          },
        ],
      },
    ],
  };
}

// Server-side time of each 1000-record page: from the request's arrival to the last byte handed to the socket.
const arrived = new WeakMap<IncomingMessage, number>();
let pageMs: number[] = [];
const isPage = (request: IncomingMessage) => request.method === "GET" && (request.url ?? "").includes(`pageSize=${MAX_PAGE_SIZE}`);
subscribe("http.server.request.start", (message) => {
  const { request } = message as { request: IncomingMessage };
  if (isPage(request)) arrived.set(request, performance.now());
});
subscribe("http.server.response.finish", (message) => {
  const { request } = message as { request: IncomingMessage };
  const start = arrived.get(request);
  if (start !== undefined) pageMs.push(performance.now() - start);
});

const collect = (globalThis as { gc?: () => void }).gc;
const began = performance.now();
const emulator = await startEmulator({
  api,
  // Built as an argument, so that nothing here keeps the seed alive once it is loaded.
  seed: api === "vika" ? vikaSeed() : bikaSeed(),
  qps: qps === "off" ? false : Number(qps),
  // A real network's round trip, for the scenarios at the rate-limit floor.
  latencyMs: Number(latency),
  // The Fusion API allows 50,000 rows per datasheet; iterating 100,000 needs more.
  maxRecordsPerDatasheet: Math.max(50_000, records),
});
const loadMs = performance.now() - began;
collect?.();
const loaded = process.memoryUsage();
const ready: EmulatorReady = { url: emulator.url, baseUrl: emulator.baseUrl, records, loadMs, rss: loaded.rss, heapUsed: loaded.heapUsed };
process.send?.(ready);

process.on("message", () => {
  const report: EmulatorReport = {
    stats: emulator.stats(),
    created: emulator.log.filter((entry) => entry.method === "POST" && entry.applied).reduce((sum, entry) => sum + (entry.records ?? 0), 0),
    rss: process.memoryUsage().rss,
    pageMs,
  };
  pageMs = [];
  process.send?.(report);
});
// The parent process owns this one: when it goes, so does the emulator.
process.on("disconnect", () => process.exit(0));
