// What the bench's processes agree on, and the statistics and table main.ts and compare.ts both print with.
import type { EmulatorStats } from "@bikavika/emulator";

/** Records in the datasheet that part (c) iterates. */
export const TOTAL_RECORDS = 100_000;
/** The Fusion API's largest page. */
export const MAX_PAGE_SIZE = 1000;
/** The servers' limit on records per write. */
export const MAX_WRITE = 10;

export const BENCH_SPACE = "spcBench";
/** The Vika datasheet read in parts (a) and (c), seeded with TOTAL_RECORDS records. */
export const BENCH_DATASHEET = "dstBench";
/** Empty Vika datasheets: for the emulator's create throughput, and for part (b). */
export const WRITES_DATASHEET = "dstWrites";
export const BULK_DATASHEET = "dstBulk";
/** The Bika database read in part (a). */
export const BENCH_DATABASE = "datBench";

/** What the emulator child (emulator.ts) reports once it listens. */
export interface EmulatorReady {
  url: string;
  baseUrl: string;
  records: number;
  loadMs: number;
  /** After loading the seed and a garbage collection. */
  rss: number;
  heapUsed: number;
}

/** The emulator child's answer to a report request. */
export interface EmulatorReport {
  stats: EmulatorStats;
  /** Records the applied creates carried. */
  created: number;
  rss: number;
  /** Server-side ms of each 1000-record page served since the previous report. */
  pageMs: number[];
}

/** What a memory child (memory.ts) reports. */
export interface MemoryResult {
  mode: "stream" | "array";
  requests: number;
  records: number;
  seconds: number;
  baseline: { rss: number; heapUsed: number };
  peak: { rss: number; heapUsed: number };
  samples: number;
  checksum: number;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A Markdown table, the first column left-aligned and the others right-aligned. */
export function table(headers: string[], rowsOfCells: string[][]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rowsOfCells.map((row) => row[column]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join(" | ")} |`;
  return [line(headers), `|${widths.map((width, column) => (column === 0 ? ":" : "") + "-".repeat(width + 1) + (column === 0 ? "" : ":")).join("|")}|`, ...rowsOfCells.map(line)].join("\n");
}
