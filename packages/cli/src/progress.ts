import { SingleBar } from "cli-progress";
import type { RequestStats } from "./client-settings.js";
import type { Io } from "./io.js";

/** Rows done (out of a total, when known) on stderr, only when stderr is a terminal: elsewhere nothing is drawn. */
export interface Progress {
  /** `total` 0: the total is not known, so the bar shows the count and the rate only. */
  start(total: number): void;
  advance(rows: number): void;
  stop(): void;
}

export function progressBar(io: Io, label: string, stats: RequestStats, enabled: boolean): Progress {
  if (!enabled) return { start() {}, advance() {}, stop() {} };
  let bar: SingleBar | undefined;
  let started = Date.now();
  let value = 0;
  const payload = () => ({
    speed: Math.round(value / Math.max((Date.now() - started) / 1000, 0.001)),
    retried: stats.retried,
    limited: stats.rateLimited,
  });
  const tail = "{speed} rows/s | {retried} retried, {limited} × 429 waited out";
  return {
    start: (total) => {
      started = Date.now();
      bar = new SingleBar({
        stream: io.stderr as NodeJS.WriteStream,
        format: total > 0 ? `${label} [{bar}] {value}/{total} rows | ETA {eta_formatted} | ${tail}` : `${label} {value} rows | ${tail}`,
        hideCursor: true,
        etaBuffer: 50,
        // The bar is drawn only on a terminal; cli-progress would otherwise decide by itself.
        noTTYOutput: false,
      });
      bar.start(total, 0, payload());
    },
    advance: (rows) => {
      value += rows;
      bar?.update(value, payload());
    },
    stop: () => bar?.stop(),
  };
}
