/**
 * Async iteration over paged lists. Stopping early (`break`, `return`, an aborted signal) stops fetching.
 * See RUNTIME.md, "Pagination".
 */
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

/**
 * Pages numbered from 1 (Vika, Bika v1). The last page is known from `total`, so no request is made past
 * the end, even when `total` is an exact multiple of the page size.
 */
export async function* pagesByNumber<Item>(
  where: ListOperation,
  fetchPage: (pageNum: number) => Promise<NumberedPage<Item>>,
  signal?: AbortSignal,
): AsyncGenerator<NumberedPage<Item> & { pageNum: number }> {
  let seen = 0;
  for (let pageNum = 1; ; pageNum += 1) {
    signal?.throwIfAborted();
    const page = await fetchPage(pageNum);
    // Without a usable total the end of the list cannot be known: refuse rather than page forever.
    if (!(Number.isFinite(page.total) && page.total >= 0)) throw unexpected(where, "data.total", "a count", page.total);
    seen += page.items.length;
    yield { ...page, pageNum };
    // An empty page ends the list even if `total` claims more: the server has nothing further to give.
    if (page.items.length === 0 || seen >= page.total) return;
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
