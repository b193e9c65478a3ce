// The export's writers against a destination that fails: each fails with it, none waits for a drain that never comes.
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { rowWriter } from "../src/formats.js";

/** A destination that takes one small write, then reports backpressure and fails instead of draining. */
function failing(): Writable {
  let writes = 0;
  return new Writable({
    highWaterMark: 1,
    write(_chunk, _encoding, callback) {
      writes += 1;
      if (writes > 1) setTimeout(() => callback(new Error("disk full")), 5);
      else setTimeout(callback, 5);
    },
  });
}

describe("rowWriter", () => {
  it.each(["csv", "json", "ndjson"] as const)("%s: a destination that fails makes the writes fail, not hang", async (format) => {
    const writer = rowWriter(format, ["Name"], failing());
    const outcome = (async () => {
      for (let index = 0; index < 10_000; index += 1) await writer.write({ Name: `row ${index}`.repeat(50) });
      await writer.close();
    })();
    await expect(outcome).rejects.toThrow();
  });
});
