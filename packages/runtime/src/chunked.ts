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
  /** Requests in flight at once. Default 3; the rate limiter still paces them. */
  concurrency?: number | undefined;
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

function positiveInteger(name: string, value: number): number {
  return Number.isInteger(value) && value > 0 ? value : invalid(name, "a positive integer", value);
}

export async function writeInChunks<Item, Result>(options: ChunkedWriteOptions<Item, Result>): Promise<Result[]> {
  const { items, method, path, signal } = options;
  if (!Array.isArray(items)) invalid(`${method} ${path}: records`, "an array", items);
  const chunkSize = positiveInteger("chunkSize", options.chunkSize ?? 10);
  const concurrency = positiveInteger("concurrency", options.concurrency ?? 3);
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

  const worker = async () => {
    while (!stopped && next < chunks.length && !signal?.aborted) {
      const index = next++;
      const chunk = chunks[index]!;
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
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));

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
