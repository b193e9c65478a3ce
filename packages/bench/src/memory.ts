// Part (c), run in a fresh process per mode (`node --expose-gc memory.js <stream|array> <baseUrl>`), so that each
// measurement starts from the same heap and RSS high-water mark: iterate 100,000 records with records.queryAll()
// one at a time ("stream"), or collect them all into an array ("array", the baseline), sampling memory throughout.
import { Vika } from "@bikavika/vika";
import { BENCH_DATASHEET, type MemoryResult } from "./shared.js";

const [mode, baseUrl] = process.argv.slice(2) as [MemoryResult["mode"], string];
let requests = 0;
const vika = new Vika({
  token: "uskBenchMemory",
  host: baseUrl,
  // The rate limit would only add waiting (100 requests at 5/s); it holds no records, so it does not change memory.
  rateLimit: false,
  retry: false,
  fetch: (input, init) => {
    requests += 1;
    return fetch(input, init);
  },
});

const collect = (globalThis as { gc?: () => void }).gc;
collect?.();
collect?.();
const start = process.memoryUsage();
const peak = { rss: start.rss, heapUsed: start.heapUsed };
let samples = 0;
const sample = () => {
  const now = process.memoryUsage();
  peak.rss = Math.max(peak.rss, now.rss);
  peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
  samples += 1;
};
const timer = setInterval(sample, 5);

const began = performance.now();
let records = 0;
let checksum = 0;
const iterator = vika.datasheet(BENCH_DATASHEET).records.queryAll<{ Number: number }>();
if (mode === "stream") {
  for await (const record of iterator) {
    records += 1;
    checksum += record.fields.Number;
    if (records % 500 === 0) sample();
  }
} else {
  const all = [];
  for await (const record of iterator) {
    all.push(record);
    if (all.length % 500 === 0) sample();
  }
  sample();
  records = all.length;
  for (const record of all) checksum += record.fields.Number;
}
const seconds = (performance.now() - began) / 1000;
clearInterval(timer);
sample();

const result: MemoryResult = { mode, requests, records, seconds, baseline: { rss: start.rss, heapUsed: start.heapUsed }, peak, samples, checksum };
process.send?.(result, () => process.exit(0));
