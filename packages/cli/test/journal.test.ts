import { join } from "node:path";
import { expect, test, vi } from "vitest";
import { Journal, type JournalHeader } from "../src/journal.js";
import { tempDir } from "./helpers.js";

const synced = vi.hoisted(() => ({ count: 0 }));
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  return {
    ...fs,
    fdatasyncSync: (fd: number) => {
      synced.count += 1;
      fs.fdatasyncSync(fd);
    },
  };
});

const header: JournalHeader = { command: "vika import", target: "datasheet dst1", digest: "d", mode: "create", key: null, map: {}, skip: [], separator: ",", rows: 20 };

test("a send line reaches the disk before the request goes out; answers need not", () => {
  const path = join(tempDir(), "rows.csv.bikavika-journal");
  const journal = Journal.open(path, header);
  const afterHeader = synced.count;
  expect(afterHeader).toBe(1);
  journal.sending([1, 2, 3], "create");
  expect(synced.count).toBe(afterHeader + 1);
  journal.written([1, 2, 3], ["rec1", "rec2", "rec3"]);
  journal.failed([4], "refused");
  expect(synced.count).toBe(afterHeader + 1);
  journal.close();

  // What was recorded is what a resume reads.
  const resumed = Journal.open(path, header);
  expect([...resumed.state.written]).toEqual([[1, "rec1"], [2, "rec2"], [3, "rec3"]]);
  expect(resumed.state.unknown.size).toBe(0);
  resumed.close();
});
