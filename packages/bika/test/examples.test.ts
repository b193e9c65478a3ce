// The Quick Start's TypeScript examples, as shipped in examples/, run against the mock. Each is the official
// code with only the import line changed; the test fills in the placeholders a reader would replace, and
// routes https://bika.ai to the mock.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, inject, it, vi } from "vitest";

const examplesDir = fileURLToPath(new URL("../examples/", import.meta.url));
const workDir = fileURLToPath(new URL("../node_modules/.cache/examples/", import.meta.url));
const LIVE_BASE = "https://bika.ai/api/openapi/bika";

const placeholders: Record<string, string> = {
  __REPLACE_WITH_RECORD_ID__: "recpx8ZUBHmRFuD0fGTObHxL",
  __NODE_RESOURCE_ID_YOU_WANT_TO_EMBED__: "datJubyEnetNFd3UQ6gSeq7U",
};

/** The label of the last thing each example logs when it succeeds. */
const finalLog: Record<string, string> = {
  "01-fetch-records.ts": "Records:",
  "02-create-record.ts": "New Record Created:",
  "03-update-record.ts": "Record Updated:",
  "04-delete-record.ts": "Record Deleted:",
  "05-list-triggers.ts": "Triggers:",
  "06-register-webhook.ts": "Webhook Registered:",
  "07-embed-link.ts": "Embed Link:",
};

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe("Quick Start examples", () => {
  const files = readdirSync(examplesDir).filter((file) => file.endsWith(".ts"));

  it("ships all seven", () => {
    expect(files.sort()).toEqual(Object.keys(finalLog).sort());
  });

  it.each(files)("%s runs to completion against the mock", async (file) => {
    const source = readFileSync(join(examplesDir, file), "utf8");
    expect(source).toContain("import { Bika } from '@bikavika/bika';");
    const filled = Object.entries(placeholders).reduce((code, [from, to]) => code.split(from).join(to), source);
    mkdirSync(workDir, { recursive: true });
    const runnable = join(workDir, file);
    writeFileSync(runnable, filled);

    const mockUrl = inject("mockUrl");
    const realFetch = globalThis.fetch;
    const seen: string[] = [];
    vi.stubGlobal("fetch", (input: Request) => {
      seen.push(`${input.method} ${input.url}`);
      return realFetch(new Request(input.url.replace(LIVE_BASE, mockUrl), input));
    });
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const error = vi.spyOn(console, "error").mockImplementation(() => {});

    await import(/* @vite-ignore */ `${runnable}?t=${Date.now()}`);
    // The examples call their async function without awaiting it: wait for its last log line or an error.
    const finished = () => error.mock.calls.length > 0 || log.mock.calls.some(([label]) => label === finalLog[file]);
    await vi.waitFor(() => expect(finished()).toBe(true), { timeout: 10_000 });
    expect(error.mock.calls).toEqual([]);
    const last = log.mock.calls.find(([label]) => label === finalLog[file]);
    expect(last?.[1]).toBeDefined();
    expect(seen.every((request) => request.includes(LIVE_BASE))).toBe(true);
    expect(seen.length).toBeGreaterThan(0);
  });
});
