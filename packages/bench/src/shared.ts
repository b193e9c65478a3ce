// What the bench's processes agree on.

/** Records in the virtual datasheet that part (c) iterates. */
export const TOTAL_RECORDS = 100_000;
/** The Fusion API's largest page. */
export const MAX_PAGE_SIZE = 1000;
/** The servers' limit on records per write. */
export const MAX_WRITE = 10;

export interface ServerStats {
  requests: number;
  /** Requests answered 429 by the budget. */
  rateLimited: number;
  created: number;
  /** Writes refused for carrying more than MAX_WRITE records. */
  oversizeWrites: number;
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
