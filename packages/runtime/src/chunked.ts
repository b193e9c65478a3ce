/**
 * Writes of any number of records, split into requests the server accepts (≤ 10 records), sent with bounded
 * concurrency, results in input order. A failure says exactly which records were written, which were refused,
 * which have an unknown outcome and which were never sent. See RUNTIME.md, "Chunked writes".
 */
import { ApiError, ConfigurationError, InvalidResponseError, OutcomeUnknownError } from "./errors.js";

export interface ChunkedWriteOptions<Item, Result> {
  items: readonly Item[];
  /** Records per request. Default 10, the servers' limit (raisable on self-hosted APITable). */
  chunkSize?: number;
  /** Requests in flight at once. Default 3; the rate limiter still paces them. */
  concurrency?: number;
  /** Keep sending the remaining chunks after one fails. Default false: stop at the first failure. */
  continueOnError?: boolean;
  signal?: AbortSignal;
  /** Sends one chunk; resolves to one result per item, in the chunk's order. */
  send(chunk: Item[]): Promise<Result[]>;
  /** For the error report. */
  method: string;
  path: string;
}

export interface WriteOutcome<Item, Error = ApiError> {
  item: Item;
  error: Error;
}

/** Some chunks of a bulk write failed. Every input item is in exactly one of the four lists. */
export class BulkWriteError<Item = unknown, Result = unknown> extends ApiError {
  override name = "BulkWriteError";
  /** Written: the item and what the server returned for it, in input order. */
  readonly written: ReadonlyArray<{ item: Item; result: Result }>;
  /** Refused by the server: not written. */
  readonly failed: ReadonlyArray<WriteOutcome<Item>>;
  /** Sent, but the server may or may not have written them (a create hit a 5xx, a drop or a timeout). */
  readonly unknown: ReadonlyArray<WriteOutcome<Item>>;
  /** Never sent, because an earlier chunk failed or the call was aborted. */
  readonly notSent: readonly Item[];

  constructor(init: {
    method: string;
    path: string;
    written: Array<{ item: Item; result: Result }>;
    failed: Array<WriteOutcome<Item>>;
    unknown: Array<WriteOutcome<Item>>;
    notSent: Item[];
  }) {
    const first = init.failed[0]?.error ?? init.unknown[0]?.error;
    super({
      method: init.method,
      path: init.path,
      status: first?.status,
      code: first?.code,
      requestId: first?.requestId,
      message:
        `bulk write incomplete: ${init.written.length} written, ${init.failed.length} failed, ` +
        `${init.unknown.length} outcome unknown, ${init.notSent.length} not sent` +
        (first ? ` (first failure: ${first.serverMessage})` : ""),
      cause: first,
    });
    this.written = init.written;
    this.failed = init.failed;
    this.unknown = init.unknown;
    this.notSent = init.notSent;
  }
}

function positiveInteger(name: string, value: number): number {
  if (!(Number.isInteger(value) && value > 0)) throw new ConfigurationError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function shortAnswer(where: { method: string; path: string }, got: number, sent: number): InvalidResponseError {
  return new InvalidResponseError({ ...where, message: `the server returned ${got} results for ${sent} records` });
}

export async function writeInChunks<Item, Result>(options: ChunkedWriteOptions<Item, Result>): Promise<Result[]> {
  if (!Array.isArray(options.items)) {
    throw new ConfigurationError(`${options.method} ${options.path} takes an array of records, got ${typeof options.items}`);
  }
  const chunkSize = positiveInteger("chunkSize", options.chunkSize ?? 10);
  const concurrency = positiveInteger("concurrency", options.concurrency ?? 3);
  const chunks: Item[][] = [];
  for (let start = 0; start < options.items.length; start += chunkSize) {
    chunks.push(options.items.slice(start, start + chunkSize));
  }
  if (chunks.length === 1) {
    // A write that fits in one request behaves as an unchunked call: its own error, the server's answer as is.
    return options.send(chunks[0]!);
  }
  type Settled = { ok: true; results: Result[] } | { ok: false; error: ApiError } | undefined;
  const settled: Settled[] = new Array(chunks.length).fill(undefined);
  let next = 0;
  let stopped = false;

  const worker = async () => {
    while (!stopped && next < chunks.length && !options.signal?.aborted) {
      const index = next++;
      const chunk = chunks[index]!;
      try {
        const results = await options.send(chunk);
        if (results.length !== chunk.length) throw shortAnswer(options, results.length, chunk.length);
        settled[index] = { ok: true, results };
      } catch (error) {
        const apiError =
          error instanceof ApiError
            ? error
            : new ApiError({ method: options.method, path: options.path, message: String(error), cause: error });
        settled[index] = { ok: false, error: apiError };
        if (!options.continueOnError) stopped = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));

  if (settled.every((entry) => entry?.ok)) {
    return settled.flatMap((entry) => (entry as { results: Result[] }).results);
  }
  const written: Array<{ item: Item; result: Result }> = [];
  const failed: Array<WriteOutcome<Item>> = [];
  const unknown: Array<WriteOutcome<Item>> = [];
  const notSent: Item[] = [];
  chunks.forEach((chunk, index) => {
    const entry = settled[index];
    if (entry === undefined) notSent.push(...chunk);
    else if (entry.ok) chunk.forEach((item, position) => written.push({ item, result: entry.results[position]! }));
    else if (entry.error instanceof OutcomeUnknownError) chunk.forEach((item) => unknown.push({ item, error: entry.error }));
    else chunk.forEach((item) => failed.push({ item, error: entry.error }));
  });
  throw new BulkWriteError({ method: options.method, path: options.path, written, failed, unknown, notSent });
}
