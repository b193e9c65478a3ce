/**
 * Async iteration over paged lists. Stopping early (`break`, `return`, an aborted signal) stops fetching.
 * See RUNTIME.md, "Pagination".
 */
import { invalid } from "./config.js";
import { InvalidResponseError } from "./errors.js";

/** The list operation, for errors about its pages. */
export interface ListOperation {
  method: string;
  path: string;
}

/**
 * "expected `what` to be `expected`, got …", about a page. Strings are quoted and cut to 40 characters, and
 * structures named by their kind: a server's answer can be long.
 */
function unexpected(where: ListOperation, what: string, expected: string, value: unknown): InvalidResponseError {
  const got =
    typeof value === "string"
      ? JSON.stringify(value.slice(0, 40))
      : Array.isArray(value)
        ? "an array"
        : typeof value === "object" && value !== null
          ? "an object"
          : String(value);
  return new InvalidResponseError({ ...where, message: `expected ${what} to be ${expected}, got ${got}` });
}

/** The list a page's data holds under `key`, or an InvalidResponseError naming what came instead. */
export function listIn<Item>(data: unknown, key: string, where: ListOperation): Item[] {
  const list = (data as Partial<Record<string, unknown>> | null | undefined)?.[key];
  if (!Array.isArray(list)) throw unexpected(where, `data.${key}`, "a list", list ?? data);
  return list;
}

/** `data` itself as a list (Bika's bare-array responses), or an InvalidResponseError. */
export function listOf<Item>(data: unknown, where: ListOperation): Item[] {
  if (!Array.isArray(data)) throw unexpected(where, "data", "a list", data);
  return data;
}

export interface NumberedPage<Item> {
  items: Item[];
  /** How many items the whole list holds (after the server applied maxRecords). */
  total: number;
}

export interface ReadAhead {
  /** The page size asked for: with `total` from the first page it tells how many pages there are. */
  pageSize?: number | undefined;
  /**
   * Pages requested ahead of the one being read, at most (and so held in memory, at most); 1 reads one page at a
   * time. Default: as many as the rate limit lets start in one second (5 at 5/s, 20 on a 20/s plan), at most 20;
   * 4 without a rate limit.
   */
  readAhead?: number | undefined;
  /** The client's rate limit (default 5, `false` for none): it sets the default read-ahead. */
  requestsPerSecond?: number | false | undefined;
}

/** Read-ahead cannot start more pages than the rate limit lets start at once, so it asks for no more than that. */
function defaultReadAhead(rate: number | false = 5): number {
  return rate === false ? 4 : Math.min(20, Math.max(1, Math.floor(rate)));
}

/**
 * Pages numbered from 1 (Vika, Bika v1), yielded in order. Once the first page has told `total`, the following
 * pages are requested ahead, up to `readAhead` at a time (the rate limiter still paces their starts), so latency
 * does not add up page after page; no page past the last one `total` implies is requested, even when `total` is
 * an exact multiple of the page size. Stopping early (`break`, `return`, an error, the signal) aborts the pages
 * still in flight. See RUNTIME.md, "Pagination".
 */
export async function* pagesByNumber<Item>(
  where: ListOperation,
  fetchPage: (pageNum: number, signal: AbortSignal) => Promise<NumberedPage<Item>>,
  signal?: AbortSignal,
  { pageSize, requestsPerSecond, readAhead = defaultReadAhead(requestsPerSecond) }: ReadAhead = {},
): AsyncGenerator<NumberedPage<Item> & { pageNum: number }> {
  if (!(Number.isInteger(readAhead) && readAhead >= 1)) invalid("readAhead", "a positive integer", readAhead);
  // One controller for every page in flight: aborted when the caller's signal aborts and when iteration ends.
  const inFlight = new AbortController();
  const forward = () => inFlight.abort(signal!.reason);
  signal?.addEventListener("abort", forward, { once: true });
  const fetchChecked = async (pageNum: number) => {
    const page = await fetchPage(pageNum, inFlight.signal);
    // Without a usable total the end of the list cannot be known: refuse rather than page forever.
    if (!(Number.isFinite(page.total) && page.total >= 0)) throw unexpected(where, "data.total", "a count", page.total);
    return page;
  };
  try {
    signal?.throwIfAborted();
    const first = await fetchChecked(1);
    let seen = first.items.length;
    yield { ...first, pageNum: 1 };
    if (first.items.length === 0 || seen >= first.total) return;
    // The pages `total` implies (each page may revise it); without a known page size, one page at a time.
    const lastOf = (total: number) => (pageSize && pageSize > 0 ? Math.ceil(total / pageSize) : Number.POSITIVE_INFINITY);
    let total = first.total;
    let last = lastOf(total);
    const ahead = Number.isFinite(last) ? readAhead : 1;
    const queue: Array<{ pageNum: number; page: Promise<NumberedPage<Item>> }> = [];
    let next = 2;
    for (;;) {
      signal?.throwIfAborted();
      while (queue.length < ahead && next <= last) {
        const page = fetchChecked(next);
        // Settled later, in order; until then a rejection must not count as unhandled.
        page.catch(() => undefined);
        queue.push({ pageNum: next, page });
        next += 1;
      }
      const head = queue.shift();
      if (!head) {
        // The pages `total` implied are all read, yet fewer items came than it said (a short page): go on one page
        // at a time, as a server that pages differently would need.
        if (seen >= total) return;
        queue.push({ pageNum: next, page: fetchChecked(next) });
        next += 1;
        continue;
      }
      const page = await head.page;
      seen += page.items.length;
      total = page.total;
      last = Math.max(last, lastOf(total));
      yield { ...page, pageNum: head.pageNum };
      // An empty page ends the list even if `total` claims more: the server has nothing further to give.
      if (page.items.length === 0 || seen >= total) return;
    }
  } finally {
    signal?.removeEventListener("abort", forward);
    inFlight.abort(new DOMException("the iteration ended", "AbortError"));
  }
}

export interface CursorPage<Item> {
  items: Item[];
  /** The cursor of the next page; absent or null on the last one. */
  next?: string | null | undefined;
}

/** Pages linked by a cursor (Bika v2's `offset` while `hasMore`). */
export async function* pagesByCursor<Item>(
  where: ListOperation,
  fetchPage: (cursor: string | undefined) => Promise<CursorPage<Item>>,
  signal?: AbortSignal,
): AsyncGenerator<CursorPage<Item>> {
  const seen = new Set<string>();
  for (let cursor: string | undefined; ; ) {
    signal?.throwIfAborted();
    const page = await fetchPage(cursor);
    yield page;
    if (!page.next) return;
    // A server that hands back a cursor it already gave would loop forever.
    if (typeof page.next !== "string" || seen.has(page.next)) {
      throw unexpected(where, "the next page's cursor", "a string not seen before", page.next);
    }
    cursor = page.next;
    seen.add(cursor);
  }
}

/** The items of a page iterator, one at a time. */
export async function* itemsOf<Item>(pages: AsyncIterable<{ items: Item[] }>): AsyncGenerator<Item> {
  for await (const page of pages) yield* page.items;
}
