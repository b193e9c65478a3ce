import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startEmulator } from "@bikavika/emulator";
import { expect, test } from "vitest";
import { CLI, TOKEN, tempDir } from "./helpers.js";
import { BOOKS, seed } from "./seed.js";

/** Heap for the command's JavaScript objects: streamed, 100,000 records fit; held at once (well over 100 MB), they do not. */
const HEAP_MB = 48;

test(`an export streams: 100,000 records (30 MB of CSV) go out with the heap capped at ${HEAP_MB} MB`, async () => {
  const emulator = await startEmulator({ api: "vika", seed, qps: false, maxRecordsPerDatasheet: 100_000 });
  try {
    emulator.insert(
      BOOKS,
      Array.from({ length: 100_000 }, (_, index) => ({ Title: `Book ${index}`, Notes: "a note of some length, repeated ".repeat(8), Pages: index, Genre: "Novel", Read: index % 2 === 0 })),
    );
    const out = join(tempDir(), "books.csv");
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, CLI, "vika", "export", BOOKS, "--qps", "off", "--out", out], {
        env: { PATH: process.env.PATH, VIKA_TOKEN: TOKEN, VIKA_HOST: emulator.url },
      });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stderr }));
    });
    expect(result.code, result.stderr.slice(-500)).toBe(0);
    const csv = readFileSync(out, "utf8");
    expect(csv.length).toBeGreaterThan(25_000_000);
    expect(csv.trimEnd().split("\n")).toHaveLength(100_001);
  } finally {
    await emulator.stop();
  }
});
