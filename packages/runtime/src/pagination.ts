/**
 * Async iteration over paged lists. Stopping early (`break`, `return`, an aborted signal) stops fetching.
 * See RUNTIME.md, "Pagination".
 */

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
  fetchPage: (pageNum: number) => Promise<NumberedPage<Item>>,
  signal?: AbortSignal,
): AsyncGenerator<NumberedPage<Item> & { pageNum: number }> {
  let seen = 0;
  for (let pageNum = 1; ; pageNum += 1) {
    signal?.throwIfAborted();
    const page = await fetchPage(pageNum);
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
    if (seen.has(page.next)) throw new Error(`the server repeated the page cursor ${JSON.stringify(page.next)}`);
    seen.add(page.next);
    cursor = page.next;
  }
}

/** The items of a page iterator, one at a time. */
export async function* itemsOf<Item>(pages: AsyncIterable<{ items: Item[] }>): AsyncGenerator<Item> {
  for await (const page of pages) yield* page.items;
}
