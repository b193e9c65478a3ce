// Opens every built page in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core; no browser is
// ever downloaded), served from dist/ over a local HTTP server on a free loopback port:
//   - each API reference renders, and every operation's summary (read from the bundled spec) is visible, in the
//     sidebar and as the heading of its section once the sidebar link is followed;
//   - the index links both references and both client READMEs, and the README pages render;
//   - no request leaves the local server, and no page throws.
// Screenshots go to screenshots/ (gitignored).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import * as bika from "@bikavika/bika-openapi";
import type { OpenAPIDocument } from "@bikavika/bika-openapi";
import * as vika from "@bikavika/vika-openapi";
import { CHROMIUM_ARGS, chromiumPath } from "@bikavika/testkit/chromium";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "..", "dist");
const screenshots = join(here, "..", "screenshots");
const WAIT_MS = 120_000; // for any one page load, element or condition
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".json": "application/json",
  ".yaml": "application/yaml; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

function serve(dir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const file = normalize(join(dir, path.endsWith("/") ? `${path}index.html` : path));
    if (!file.startsWith(dir + sep) || !existsSync(file)) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

let server: Server;
let context: BrowserContext;
let origin: string;
let userDataDir: string;
const offsite: string[] = []; // requests that tried to leave the local server
const failed: string[] = []; // local requests that failed
const errors: string[] = []; // uncaught page errors

// No Chromium fails this file outright (a failed suite, not skipped tests).
const executablePath = chromiumPath();

beforeAll(async () => {
  if (!existsSync(join(dist, "index.html"))) throw new Error(`no ${join(dist, "index.html")}: run \`pnpm build\` in packages/docs first`);
  server = await serve(dist);
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  userDataDir = mkdtempSync(join(tmpdir(), "docs-chromium-")); // a fresh profile every run
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [
      ...CHROMIUM_ARGS,
      // Belt and braces: no host name resolves, so nothing but the loopback server can be reached.
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ],
    viewport: { width: 1280, height: 900 },
    reducedMotion: "reduce",
  });
  // The limits below are hang guards, not timings: alone, a reference takes about 17 s; under a full parallel test
  // run on two cores, ten times that. Chromium's own defaults (30 s) failed there.
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS);
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`)) return route.continue();
    offsite.push(url);
    return route.abort("blockedbyclient");
  });
  context.on("requestfailed", (request) => {
    if (request.url().startsWith(`${origin}/`)) failed.push(`${request.url()}: ${request.failure()?.errorText}`);
  });
  context.on("weberror", (error) => errors.push(error.error().message));
  mkdirSync(screenshots, { recursive: true });
});

afterAll(async () => {
  await context?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

async function open(path: string, check = expect): Promise<Page> {
  const page = await context.newPage();
  const response = await page.goto(`${origin}/${path}`, { waitUntil: "load" });
  check(response?.status(), path).toBe(200);
  return page;
}

const references = [
  ["bika", bika.loadSpec()],
  ["vika", vika.loadSpec()],
] as const;

function operationsByTag(spec: OpenAPIDocument) {
  // Redoc lists each operation, by summary, under its tag in the sidebar, with the tags in the spec's order.
  const byTag = new Map<string, { summary: string; deprecated: boolean }[]>((spec.tags ?? []).map((t) => [t.name, []]));
  for (const item of Object.values(spec.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const entry = { summary: op.summary ?? op.operationId, deprecated: op.deprecated === true };
      for (const tag of op.tags ?? []) byTag.set(tag, [...(byTag.get(tag) ?? []), entry]);
    }
  }
  for (const [tag, ops] of byTag) if (ops.length === 0) byTag.delete(tag);
  return byTag;
}
// Redoc renders on the server, then hydrates; until then its search box says "Loading…".
async function hydrated(page: Page) {
  await page.getByText("Loading...", { exact: true }).waitFor({ state: "detached" });
  await page.getByText(/^Search/).first().waitFor({ state: "visible" });
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// One reference at a time: two tabs rendering 2.7 MB pages at once starve each other on a busy machine.
describe("the API references", () => {
  it.for(references)("%s: every operation's summary is visible", async ([api, spec], { expect }) => {
    const byTag = operationsByTag(spec);
    const summaries = [...byTag.values()].flat().map((op) => op.summary);
    const page = await open(`${api}/index.html`, expect);
    await expect.poll(() => page.title()).toContain(spec.info.title);
    const main = page.getByRole("main");
    await main.getByRole("heading", { level: 1 }).filter({ hasText: spec.info.title }).waitFor({ state: "visible" });
    await hydrated(page);

    const groups = page.locator('[data-component-name="Menu/MenuItem"].menu-item-type-group');
    expect((await groups.locator(":scope > a").allInnerTexts()).map((t) => t.trim())).toEqual([...byTag.keys()]);
    const seen: string[] = [];
    for (const [tag, tagSummaries] of byTag) {
      // Go to the tag, as its sidebar link does (Redoc routes by the URL's hash here); the sidebar opens the current
      // tag only. Setting the hash, unlike clicking the link again, never closes it.
      const group = groups.filter({ has: page.locator(":scope > a").getByText(tag, { exact: true }) });
      const href = await group.locator(":scope > a").getAttribute("href");
      await page.evaluate((route) => (window.location.hash = `#${route}`), href);
      await expect.poll(() => group.locator(".menu-item-type-operation").count(), { message: tag }).toBe(tagSummaries.length);
      for (const { summary, deprecated } of tagSummaries) {
        const item = group.locator(".menu-item-type-operation a", { has: page.getByText(summary, { exact: true }) });
        await expect.poll(() => item.isVisible(), { message: `sidebar: ${summary}` }).toBe(true);
        // Following the link renders the operation's section, headed by its summary (and a "deprecated" badge).
        await item.evaluate((a: HTMLElement) => a.click());
        const heading = new RegExp(`^${escape(summary)}${deprecated ? "\\s*deprecated" : ""}$`);
        await main.locator("h2").filter({ hasText: heading }).first().waitFor({ state: "visible" });
        seen.push(summary);
      }
    }
    expect(seen.sort()).toEqual([...summaries].sort());
    await page.screenshot({ path: join(screenshots, `${api}-operation.png`) });
    await page.goto(`${origin}/${api}/index.html`, { waitUntil: "load" });
    await main.getByRole("heading", { level: 1 }).filter({ hasText: spec.info.title }).waitFor({ state: "visible" });
    await hydrated(page);
    await page.screenshot({ path: join(screenshots, `${api}-reference.png`) });
    await page.close();
  });
});

describe("the index and the client READMEs", () => {
  it("the index links both references and both READMEs, and each link opens", async () => {
    const page = await open("index.html");
    await page.getByRole("heading", { level: 1, name: "bikavika API reference" }).waitFor({ state: "visible" });
    const links = [
      [bika.loadSpec().info.title, "bika/index.html"],
      [vika.loadSpec().info.title, "vika/index.html"],
      ["@bikavika/bika client README", "clients/bika.html"],
      ["@bikavika/vika client README", "clients/vika.html"],
    ] as const;
    for (const [name, href] of links) {
      const link = page.getByRole("link", { name, exact: true });
      await expect.poll(() => link.isVisible(), { message: name }).toBe(true);
      expect(await link.getAttribute("href")).toBe(href);
    }
    await page.screenshot({ path: join(screenshots, "index.png"), fullPage: true });
    for (const [, href] of links.slice(2)) {
      await page.goto(`${origin}/${href}`, { waitUntil: "load" });
      const name = href.includes("bika") ? "@bikavika/bika" : "@bikavika/vika";
      await page.getByRole("heading", { level: 1, name }).waitFor({ state: "visible" });
      await expect.poll(() => page.getByRole("link", { name: "← bikavika reference" }).isVisible()).toBe(true);
    }
    await page.screenshot({ path: join(screenshots, "client-vika.png") });
    await page.close();
  });
});

describe("the whole visit", () => {
  it("made no request off the local server, no local request failed, and no page threw", () => {
    expect(offsite).toEqual([]);
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
  });
});
