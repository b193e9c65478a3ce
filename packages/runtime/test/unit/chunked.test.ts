// RUNTIME.md "Chunked writes".
import { describe, expect, it } from "vitest";
import { BulkWriteError, InvalidResponseError, OutcomeUnknownError, ValidationError, writeInChunks, ConfigurationError } from "../../src/index.js";

const base = { method: "POST", path: "/records" };

async function bulkFailure<Item, Result>(promise: Promise<Result[]>): Promise<BulkWriteError<Item, Result>> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(BulkWriteError);
  return outcome as BulkWriteError<Item, Result>;
}

describe("writeInChunks", () => {
  it("splits into chunks of at most 10 and returns results in input order despite concurrency", async () => {
    const sizes: number[] = [];
    const items = Array.from({ length: 95 }, (_, i) => i);
    const results = await writeInChunks({
      ...base,
      items,
      concurrency: 4,
      send: async (chunk) => {
        sizes.push(chunk.length);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10));
        return chunk.map((item) => `rec${item}`);
      },
    });
    expect(results).toEqual(items.map((item) => `rec${item}`));
    expect(sizes.sort((a, b) => b - a)).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 5]);
  });

  it("never has more than `concurrency` requests in flight", async () => {
    let inFlight = 0;
    let peak = 0;
    await writeInChunks({
      ...base,
      items: Array.from({ length: 100 }, (_, i) => i),
      concurrency: 3,
      send: async (chunk) => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        return chunk;
      },
    });
    expect(peak).toBe(3);
  });

  it("lets a write that fits in one request fail with that request's own error", async () => {
    const refusal = new ValidationError({ ...base, message: "bad cell" });
    await expect(writeInChunks({ ...base, items: [1, 2], send: async () => Promise.reject(refusal) })).rejects.toBe(refusal);
  });

  it("reports every item exactly once: written, failed, unknown or not sent", async () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const error = await bulkFailure<number, number>(writeInChunks({
      ...base,
      items,
      concurrency: 1,
      send: async (chunk) => {
        if (chunk[0] === 20) throw new ValidationError({ ...base, message: "bad cell", status: 200, code: 400 });
        return chunk.map((item) => item * 10);
      },
    }));
    expect(error.written.map(({ item }) => item)).toEqual(items.slice(0, 20));
    expect(error.written.every(({ item, result }) => result === item * 10)).toBe(true);
    expect(error.failed.map(({ item }) => item)).toEqual(items.slice(20, 30));
    expect(error.failed[0]!.error).toBeInstanceOf(ValidationError);
    expect(error.unknown).toEqual([]);
    expect(error.notSent).toEqual(items.slice(30));
    expect(error.message).toContain("bulk write incomplete: 20 written, 10 failed, 0 unknown, 20 notSent (first failure: bad cell)");
  });

  it("puts creates with an unknown outcome apart, and can carry on past failures", async () => {
    const items = Array.from({ length: 30 }, (_, i) => i);
    const error = await bulkFailure<number, number>(writeInChunks({
      ...base,
      items,
      continueOnError: true,
      send: async (chunk) => {
        if (chunk[0] === 10) throw new OutcomeUnknownError({ ...base, message: "dropped", records: chunk });
        return chunk;
      },
    }));
    expect(error.written.map(({ item }) => item)).toEqual([...items.slice(0, 10), ...items.slice(20)]);
    expect(error.unknown.map(({ item }) => item)).toEqual(items.slice(10, 20));
    expect(error.notSent).toEqual([]);
  });

  it("treats a short answer to one of several chunks as a failure of that chunk, not as success", async () => {
    const update = { ...base, method: "PATCH" };
    const error = await bulkFailure(writeInChunks({ ...update, items: Array.from({ length: 13 }, (_, i) => i), send: async (chunk) => chunk.slice(1) }));
    expect(error.failed).toHaveLength(13);
    expect(error.failed[0]!.error).toBeInstanceOf(InvalidResponseError);
    // A create's records in a chunk whose answer cannot be matched may have been written: unknown, not failed.
    const created = await bulkFailure(writeInChunks({ ...base, items: Array.from({ length: 13 }, (_, i) => i), send: async (chunk) => chunk.slice(1) }));
    expect(created.failed).toHaveLength(0);
    expect(created.unknown.map(({ item }) => item)).toEqual(Array.from({ length: 13 }, (_, i) => i));
    expect(created.unknown[0]!.error).toBeInstanceOf(OutcomeUnknownError);
    // One request: the server's answer is passed through, as an unchunked call would.
    await expect(writeInChunks({ ...base, items: [1, 2, 3], send: async () => [1] })).resolves.toEqual([1]);
  });

  it("sends nothing for an empty list and refuses a bad chunk size", async () => {
    await expect(writeInChunks({ ...base, items: [], send: async () => [] })).resolves.toEqual([]);
    await expect(writeInChunks({ ...base, items: [1], chunkSize: 0, send: async (c) => c })).rejects.toThrow(ConfigurationError);
  });
});

describe("writeInChunks, writes in flight", () => {
  /** A send that takes `ms`, counting the most sends in flight at once. */
  function timed(ms: number) {
    let inFlight = 0;
    let most = 0;
    const send = async (chunk: number[]) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, ms));
      inFlight -= 1;
      return chunk;
    };
    return { send, most: () => most };
  }
  const items = Array.from({ length: 400 }, (_, i) => i);

  it("keeps a whole window's writes in flight, more when round trips are long, never more than 20", async () => {
    // The default 5 a second at a 60 ms round trip: the window's 5, so that each window's writes are answered one
    // round trip after it opens.
    const short = timed(60);
    await writeInChunks({ ...base, method: "PATCH", items: items.slice(0, 100), send: short.send });
    expect(short.most()).toBe(5);
    // 3 a second at a 700 ms round trip: 3 start at once, then Little's law asks for 3 × 0.7 + 1 → 4.
    const long = timed(700);
    await writeInChunks({ ...base, method: "PATCH", items: items.slice(0, 80), requestsPerSecond: 3, send: long.send });
    expect(long.most()).toBe(4);
    // A rate above the largest plan, and no limit at all: 20.
    const fast = timed(30);
    await writeInChunks({ ...base, method: "PATCH", items, requestsPerSecond: 100, send: fast.send });
    expect(fast.most()).toBe(20);
    const unlimited = timed(30);
    await writeInChunks({ ...base, method: "PATCH", items, requestsPerSecond: false, send: unlimited.send });
    expect(unlimited.most()).toBe(20);
  });

  it("takes concurrency as a fixed number when given", async () => {
    const capped = timed(20);
    await writeInChunks({ ...base, method: "PATCH", items, concurrency: 2, requestsPerSecond: 100, send: capped.send });
    expect(capped.most()).toBe(2);
  });
});

