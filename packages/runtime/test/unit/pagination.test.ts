// RUNTIME.md "Pagination".
import { describe, expect, it } from "vitest";
import { InvalidResponseError, itemsOf, pagesByCursor, pagesByNumber } from "../../src/index.js";

const LIST = { method: "GET", path: "/things" };

function numbered(total: number, pageSize: number) {
  const requested: number[] = [];
  const fetchPage = async (pageNum: number) => {
    requested.push(pageNum);
    const start = (pageNum - 1) * pageSize;
    return { items: Array.from({ length: Math.max(0, Math.min(pageSize, total - start)) }, (_, i) => start + i), total };
  };
  return { fetchPage, requested };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe("pagesByNumber", () => {
  it.each([
    [0, 100, 1],
    [100, 100, 1],
    [101, 100, 2],
    [1000, 1000, 1],
    [2000, 1000, 2],
  ])("%i items in pages of %i take %i request(s)", async (total, pageSize, requests) => {
    const { fetchPage, requested } = numbered(total, pageSize);
    const items = await collect(itemsOf(pagesByNumber(LIST, fetchPage)));
    expect(items).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(requested).toHaveLength(requests);
  });

  it("stops at an empty page even if total claims more", async () => {
    const fetchPage = async (pageNum: number) => ({ items: pageNum === 1 ? [1, 2] : [], total: 50 });
    expect(await collect(itemsOf(pagesByNumber(LIST, fetchPage)))).toEqual([1, 2]);
  });

  it("refuses pages without a usable total instead of paging forever", async () => {
    for (const total of [undefined, "many", Number.NaN, -1]) {
      const fetchPage = async () => ({ items: [1], total: total as number });
      await expect(collect(pagesByNumber(LIST, fetchPage))).rejects.toThrow(InvalidResponseError);
    }
  });

  it("stops fetching on break", async () => {
    const { fetchPage, requested } = numbered(10_000, 100);
    for await (const item of itemsOf(pagesByNumber(LIST, fetchPage))) if (item === 150) break;
    expect(requested).toEqual([1, 2]);
  });

  it("stops with the signal's reason when aborted between pages", async () => {
    const { fetchPage, requested } = numbered(10_000, 100);
    const controller = new AbortController();
    const pages = pagesByNumber(LIST, fetchPage, controller.signal);
    await pages.next();
    controller.abort(new Error("stop"));
    await expect(pages.next()).rejects.toThrow("stop");
    expect(requested).toEqual([1]);
  });
});

describe("pagesByNumber, reading ahead", () => {
  /** Pages that take a tick to arrive, so that several can be in flight; records what was asked and aborted. */
  function slow(total: number, pageSize: number, serverPageSize = pageSize) {
    const requested: number[] = [];
    const aborted: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const fetchPage = async (pageNum: number, signal: AbortSignal) => {
      requested.push(pageNum);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await new Promise<void>((resolve, reject) => {
          const abort = () => {
            clearTimeout(timer);
            aborted.push(pageNum);
            reject(signal.reason);
          };
          const timer = setTimeout(() => {
            signal.removeEventListener("abort", abort);
            resolve();
          }, 5);
          signal.addEventListener("abort", abort, { once: true });
        });
      } finally {
        inFlight -= 1;
      }
      const start = (pageNum - 1) * serverPageSize;
      return { items: Array.from({ length: Math.max(0, Math.min(serverPageSize, total - start)) }, (_, i) => start + i), total };
    };
    return { fetchPage, requested, aborted, maxInFlight: () => maxInFlight };
  }

  it("keeps readAhead pages in flight once total is known, yields them in order, asks for no page past the end", async () => {
    const source = slow(1000, 100);
    const items = await collect(itemsOf(pagesByNumber(LIST, source.fetchPage, undefined, { pageSize: 100, readAhead: 4 })));
    expect(items).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect([...source.requested].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(source.maxInFlight()).toBe(4);
  });

  it("holds at most readAhead pages while the reader is slow", async () => {
    const source = slow(2000, 100);
    let yielded = 0;
    let mostAhead = 0;
    for await (const _page of pagesByNumber(LIST, source.fetchPage, undefined, { pageSize: 100, readAhead: 3 })) {
      yielded += 1;
      await new Promise((resolve) => setTimeout(resolve, 15));
      mostAhead = Math.max(mostAhead, source.requested.length - yielded);
    }
    expect(yielded).toBe(20);
    expect(mostAhead).toBeLessThanOrEqual(3);
  });

  it("aborts the pages in flight when the reader stops, and asks for nothing more", async () => {
    const source = slow(10_000, 100);
    let seen = 0;
    for await (const _page of pagesByNumber(LIST, source.fetchPage, undefined, { pageSize: 100, readAhead: 4 })) {
      if ((seen += 1) === 3) break;
    }
    const asked = source.requested.length;
    expect(asked).toBeLessThanOrEqual(3 + 4);
    expect(source.aborted.length).toBeGreaterThanOrEqual(1);
    expect(source.aborted.every((pageNum) => pageNum > 3)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(source.requested.length).toBe(asked);
  });

  it("aborts the pages in flight with the signal's reason", async () => {
    const source = slow(10_000, 100);
    const controller = new AbortController();
    const pages = pagesByNumber(LIST, source.fetchPage, controller.signal, { pageSize: 100, readAhead: 4 });
    await pages.next();
    await pages.next();
    controller.abort(new Error("stop"));
    await expect(pages.next()).rejects.toThrow("stop");
    expect(source.aborted.length).toBeGreaterThanOrEqual(1);
  });

  it("reads one page at a time with readAhead 1", async () => {
    const source = slow(500, 100);
    await collect(pagesByNumber(LIST, source.fetchPage, undefined, { pageSize: 100, readAhead: 1 }));
    expect(source.maxInFlight()).toBe(1);
  });

  it("goes on page by page when the server's pages are shorter than asked, until total is reached", async () => {
    const source = slow(500, 100, 50);
    const items = await collect(itemsOf(pagesByNumber(LIST, source.fetchPage, undefined, { pageSize: 100, readAhead: 4 })));
    expect(items).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it("throws a failing page's error when its turn comes, after the pages before it", async () => {
    const seen: number[] = [];
    const fetchPage = async (pageNum: number) => {
      if (pageNum === 3) throw new Error("page 3 failed");
      return { items: [pageNum], total: 10 };
    };
    const pages = pagesByNumber(LIST, fetchPage, undefined, { pageSize: 1, readAhead: 4 });
    await expect(
      (async () => {
        for await (const page of pages) seen.push(page.pageNum);
      })(),
    ).rejects.toThrow("page 3 failed");
    expect(seen).toEqual([1, 2]);
  });

  it("refuses a readAhead that is not a positive integer", async () => {
    const { fetchPage } = numbered(10, 5);
    await expect(pagesByNumber(LIST, fetchPage, undefined, { pageSize: 5, readAhead: 0 }).next()).rejects.toThrow("readAhead must be a positive integer");
  });
});

describe("pagesByCursor", () => {
  it("follows the cursor until there is none", async () => {
    const cursors: Array<string | undefined> = [];
    const fetchPage = async (cursor: string | undefined) => {
      cursors.push(cursor);
      const page = cursor === undefined ? 0 : Number(cursor);
      return { items: [page * 2, page * 2 + 1], next: page < 2 ? String(page + 1) : null };
    };
    expect(await collect(itemsOf(pagesByCursor(LIST, fetchPage)))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(cursors).toEqual([undefined, "1", "2"]);
  });

  it("refuses a cursor the server already gave, instead of looping forever", async () => {
    const fetchPage = async () => ({ items: [1], next: "same" });
    await expect(collect(pagesByCursor(LIST, fetchPage))).rejects.toThrow(InvalidResponseError);
    await expect(collect(pagesByCursor(LIST, fetchPage))).rejects.toThrow(
      `GET /things: expected the next page's cursor to be a string not seen before, got "same"`,
    );
  });
});
