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
