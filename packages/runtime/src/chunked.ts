/**
 * Writes of any number of records, split into requests the server accepts (≤ 10 records), sent with bounded
 * concurrency, results in input order. A failure says exactly which records were written, which were refused,
 * which have an unknown outcome and which were never sent. See RUNTIME.md, "Chunked writes".
 */
import { invalid } from "./config.js";
import { ApiError, InvalidResponseError, OutcomeUnknownError } from "./errors.js";

export interface ChunkedWriteOptions<Item, Result> {
  items: readonly Item[];
  /** Records per request. Default 10, the servers' limit (raisable on self-hosted APITable). */
  chunkSize?: number | undefined;
  /**
   * Requests in flight at once, at most. Without it the number follows the rate and the observed latency: a whole
   * window's worth (`requestsPerSecond`), or more when round trips are long enough to need it, 1 to 20, the rate
   * limiter pacing their starts.
   */
  concurrency?: number | undefined;
  /** The client's rate limit, for the adaptive concurrency: default 5; `false` (no limit) keeps 20 in flight. */
  requestsPerSecond?: number | false | undefined;
  /** Keep sending the remaining chunks after one fails. Default false: stop at the first failure. */
  continueOnError?: boolean | undefined;
  signal?: AbortSignal | undefined;
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

/** The four lists of a bulk write's report. */
interface WriteReport<Item, Result> {
  written: Array<{ item: Item; result: Result }>;
  failed: Array<WriteOutcome<Item>>;
  unknown: Array<WriteOutcome<Item>>;
  notSent: Item[];
}

/** Some chunks of a bulk write failed. Every input item is in exactly one of the four lists. */
export class BulkWriteError<Item = unknown, Result = unknown> extends ApiError {
  override name = "BulkWriteError";
  // Declared, not defined: the constructor sets all four.
  /** Written: the item and what the server returned for it, in input order. */
  declare readonly written: ReadonlyArray<{ item: Item; result: Result }>;
  /** Refused by the server: not written. */
  declare readonly failed: ReadonlyArray<WriteOutcome<Item>>;
  /** Sent, but the server may or may not have written them (a create hit a 5xx, a drop or a timeout). */
  declare readonly unknown: ReadonlyArray<WriteOutcome<Item>>;
  /** Never sent, because an earlier chunk failed or the call was aborted. */
  declare readonly notSent: readonly Item[];

  constructor({ method, path, ...report }: { method: string; path: string } & WriteReport<Item, Result>) {
    const first = report.failed[0]?.error ?? report.unknown[0]?.error;
    // "bulk write incomplete: 20 written, 10 failed, 0 unknown, 20 notSent": the counts under the lists' names.
    const counts = Object.entries(report).map(([list, entries]) => `${entries.length} ${list}`);
    super({
      method,
      path,
      status: first?.status,
      code: first?.code,
      requestId: first?.requestId,
      message: `bulk write incomplete: ${counts.join(", ")}${first ? ` (first failure: ${first.serverMessage})` : ""}`,
      cause: first,
    });
    Object.assign(this, report);
  }
}

/** The most writes the adaptive concurrency keeps in flight: a window of the largest plan (20 requests/s). */
const MAX_ADAPTIVE = 20;

function positiveInteger(name: string, value: number): number {
  return Number.isInteger(value) && value > 0 ? value : invalid(name, "a positive integer", value);
}

export async function writeInChunks<Item, Result>(options: ChunkedWriteOptions<Item, Result>): Promise<Result[]> {
  const { items, method, path, signal } = options;
  if (!Array.isArray(items)) invalid(`${method} ${path}: records`, "an array", items);
  const chunkSize = positiveInteger("chunkSize", options.chunkSize ?? 10);
  const fixed = options.concurrency === undefined ? undefined : positiveInteger("concurrency", options.concurrency);
  const rate = options.requestsPerSecond === false ? Number.POSITIVE_INFINITY : (options.requestsPerSecond ?? 5);
  const chunks: Item[][] = [];
  for (let start = 0; start < items.length; start += chunkSize) chunks.push(items.slice(start, start + chunkSize));
  if (chunks.length === 1) {
    // A write that fits in one request behaves as an unchunked call: its own error, the server's answer as is.
    return options.send(chunks[0]!);
  }
  /** Per chunk: the server's results, the error the chunk failed with, or nothing when it was not sent. */
  const outcomes: Array<Result[] | ApiError | undefined> = [];
  let next = 0;
  let stopped = false;

  // The last few requests' durations, in seconds. Their shortest is the round trip without a wait for a rate-limit
  // slot (each window's first starts wait for none): a wait must not count, or more writes in flight would mean
  // longer waits, which would ask for more writes in flight.
  const recent: number[] = [];
  /**
   * Writes in flight: the limiter lets a window's `rate` starts go at once, and all of them in flight means each
   * window's writes are answered one round trip after it opens, the last window's too. When round trips are
   * longer, as many as keep `rate` starts a second going at that round trip (Little's law), plus one.
   */
  const wanted = () => {
    if (fixed) return fixed;
    // Before any answer: a quarter-second round trip.
    const roundTrip = recent.length ? Math.min(...recent) : 0.25;
    return Math.min(MAX_ADAPTIVE, Math.max(Math.ceil(rate), Math.ceil(rate * roundTrip) + 1));
  };

  const sendChunk = async (index: number) => {
    const chunk = chunks[index]!;
    const started = performance.now();
    try {
      const results = await options.send(chunk);
      if (!Array.isArray(results) || results.length !== chunk.length) {
        const details = {
          method,
          path,
          message: `the server returned ${Array.isArray(results) ? results.length : "no list of"} results for ${chunk.length} records`,
        };
        // A create whose answer cannot be matched to its records may still have written them.
        throw method.toUpperCase() === "POST"
          ? new OutcomeUnknownError({ ...details, note: "not re-sent: the create may have been written", records: chunk })
          : new InvalidResponseError(details);
      }
      outcomes[index] = results;
    } catch (error) {
      outcomes[index] = error instanceof ApiError ? error : new ApiError({ method, path, message: String(error), cause: error });
      if (!options.continueOnError) stopped = true;
    }
    recent.push((performance.now() - started) / 1000);
    if (recent.length > 10) recent.shift();
  };

  await new Promise<void>((done) => {
    let active = 0;
    const launch = () => {
      while (!stopped && next < chunks.length && !signal?.aborted && active < wanted()) {
        active += 1;
        void sendChunk(next++).finally(() => {
          active -= 1;
          launch();
        });
      }
      if (active === 0) done();
    };
    launch();
  });

  const report: WriteReport<Item, Result> = { written: [], failed: [], unknown: [], notSent: [] };
  chunks.forEach((chunk, index) => {
    const outcome = outcomes[index];
    chunk.forEach((item, position) => {
      if (!outcome) report.notSent.push(item);
      else if (Array.isArray(outcome)) report.written.push({ item, result: outcome[position]! });
      else (outcome instanceof OutcomeUnknownError ? report.unknown : report.failed).push({ item, error: outcome });
    });
  });
  if (report.written.length === items.length) return report.written.map(({ result }) => result);
  throw new BulkWriteError({ method, path, ...report });
}
