import { spawn } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator } from "@bikavika/emulator";
import { expect, test } from "vitest";
import { CLI, TOKEN, tempDir } from "./helpers.js";
import { BOOKS, seed } from "./seed.js";

const PRELOAD = fileURLToPath(new URL("./report-rss.cjs", import.meta.url));

/** Runs an export with the peak-RSS reporter preloaded; resolves to the peak in MB. */
function exportPeak(env: Record<string, string>, out: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-r", PRELOAD, CLI, "vika", "export", BOOKS, "--qps", "off", "--out", out], { env: { PATH: process.env.PATH, ...env } });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const peak = /peak-rss-kb=(\d+)/.exec(stderr);
      if (code !== 0 || !peak) reject(new Error(`export exited with ${code}:\n${stderr}`));
      else resolve(Number(peak[1]) / 1024);
    });
  });
}

test("an export's memory stays flat: 100,000 records take about what 10,000 do", async () => {
  const emulator = await startEmulator({ api: "vika", seed, qps: false, maxRecordsPerDatasheet: 100_000 });
  try {
    const env = { VIKA_TOKEN: TOKEN, VIKA_HOST: emulator.url };
    const dir = tempDir();
    const cells = (count: number) => Array.from({ length: count }, (_, index) => ({ Title: `Book ${index}`, Notes: "a note of some length, repeated ".repeat(8), Pages: index, Genre: "Novel", Read: index % 2 === 0 }));
    emulator.insert(BOOKS, cells(10_000));
    const small = await exportPeak(env, join(dir, "small.csv"));
    emulator.insert(BOOKS, cells(90_000));
    const large = await exportPeak(env, join(dir, "large.csv"));
    // 100,000 rows are about 30 MB of CSV and well over 100 MB as records in memory; streamed, the peak barely moves.
    expect(statSync(join(dir, "large.csv")).size).toBeGreaterThan(25_000_000);
    expect(large - small).toBeLessThan(40);
  } finally {
    await emulator.stop();
  }
});
