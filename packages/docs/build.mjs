#!/usr/bin/env node
// Builds the offline reference site into dist/:
//   dist/index.html              links to everything below
//   dist/<api>/index.html        the API reference: `redocly build-docs` of the bundled spec, Redoc's scripts inlined
//   dist/<api>/openapi.{yaml,json}  the bundled spec, to download
//   dist/clients/<api>.html      the client's README, rendered
// Nothing is loaded from the network at runtime (test/offline.test.ts and test/browser.test.ts check it).
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as bika from "@bikavika/bika-openapi";
import * as vika from "@bikavika/vika-openapi";
import { Marked } from "marked";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const dist = join(here, "dist");
const redocly = join(dirname(createRequire(import.meta.url).resolve("@redocly/cli/package.json")), "bin", "cli.js");

export const APIS = [
  { id: "bika", name: "Bika.ai", spec: bika, client: "@bikavika/bika" },
  { id: "vika", name: "Vika / AITable", spec: vika, client: "@bikavika/vika" },
];

// Redoc 3 shows "API docs by <Redocly logo>" with the logo image taken from Redocly's CDN. The link to redocly.com
// stays (a link loads nothing); the image becomes an inline SVG of the same words.
const REDOCLY_LOGO = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" width="56" height="16" viewBox="0 0 56 16"><text x="0" y="12" font-family="sans-serif" font-size="12" font-weight="bold" fill="#0044d4">Redocly</text></svg>',
)}`;
const CDN_ASSETS = ["https://cdn.redoc.ly/redoc/logo-mini-full.svg", "https://cdn.redoc.ly/redoc/logo-mini.svg"];

function run(args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [redocly, ...args], {
      cwd,
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
    });
    let log = "";
    child.stdout.on("data", (chunk) => (log += chunk));
    child.stderr.on("data", (chunk) => (log += chunk));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(log) : reject(new Error(`redocly ${args[0]} failed (${code}):\n${log}`))));
  });
}

async function buildReference(api) {
  const out = join(dist, api.id, "index.html");
  mkdirSync(dirname(out), { recursive: true });
  const doc = api.spec.loadSpec();
  await run(
    ["build-docs", api.spec.specPath("json"), "--output", out, "--inlineBundle", "--title", `${doc.info.title} ${doc.info.version} reference`, "--config", join(here, "redocly.yaml")],
    here,
  );
  let html = readFileSync(out, "utf8");
  if (/import\s*\{[^}]*\}\s*from\s*["']https?:/.test(html) || /<link[^>]+modulepreload[^>]+https?:/.test(html)) {
    throw new Error(`${out}: Redoc's script is loaded from a CDN; --inlineBundle did not take`);
  }
  for (const asset of CDN_ASSETS) html = html.replaceAll(asset, REDOCLY_LOGO);
  writeFileSync(out, html);
  copyFileSync(api.spec.specPath("yaml"), join(dist, api.id, "openapi.yaml"));
  copyFileSync(api.spec.specPath("json"), join(dist, api.id, "openapi.json"));
  return doc;
}

const escapeHtml = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

const STYLE = `
  body { font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; margin: 0; }
  main { max-width: 52rem; margin: 0 auto; padding: 2rem 1.25rem 4rem; }
  nav.crumbs { font-size: 0.9rem; margin-bottom: 1.5rem; }
  a { color: #0550ae; }
  code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; }
  pre { background: #f6f8fa; padding: 0.9rem 1rem; overflow: auto; border-radius: 6px; }
  :not(pre) > code { background: #eff1f3; padding: 0.1em 0.3em; border-radius: 4px; }
  table { border-collapse: collapse; } th, td { border: 1px solid #d0d7de; padding: 0.35rem 0.6rem; text-align: left; }
  .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr)); gap: 1rem; padding: 0; list-style: none; }
  .cards li { border: 1px solid #d0d7de; border-radius: 8px; padding: 1rem 1.1rem; }
  .cards h3 { margin: 0 0 0.4rem; } .muted { color: #59636e; font-size: 0.92rem; }
`;

function page({ title, body, crumbs = true }) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${crumbs ? '<nav class="crumbs"><a href="../index.html">← bikavika reference</a></nav>\n' : ""}${body}
</main>
</body>
</html>
`;
}

// READMEs link to files of the repository (../../spec/…, ./examples), which are not part of this site: those links
// become their text; web links stay links; images from the web would be loaded, so they become their alt text.
function renderReadme(markdown) {
  const marked = new Marked({ gfm: true });
  marked.use({
    renderer: {
      link({ href, title, tokens }) {
        const text = this.parser.parseInline(tokens);
        if (/^(https?:|mailto:|#)/i.test(href)) {
          return `<a href="${escapeHtml(href)}"${title ? ` title="${escapeHtml(title)}"` : ""}>${text}</a>`;
        }
        return `<span title="${escapeHtml(`${href} in the repository`)}">${text}</span>`;
      },
      image({ text }) {
        return escapeHtml(text);
      },
      html({ text }) {
        return escapeHtml(text); // no raw HTML from a README reaches the page
      },
    },
  });
  return marked.parse(markdown);
}

function buildReadme(api) {
  const readme = readFileSync(join(root, "packages", api.id, "README.md"), "utf8");
  const out = join(dist, "clients", `${api.id}.html`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, page({ title: `${api.client}: README`, body: renderReadme(readme) }));
}

function buildIndex(docs) {
  const operations = (doc) =>
    Object.values(doc.paths).reduce(
      (n, item) => n + ["get", "put", "post", "delete", "options", "head", "patch", "trace"].filter((m) => item[m]).length,
      0,
    );
  const cards = APIS.map((api, i) => {
    const doc = docs[i];
    return `<li>
  <h3><a href="${api.id}/index.html">${escapeHtml(doc.info.title)}</a></h3>
  <p class="muted">${escapeHtml(api.name)} · spec ${escapeHtml(doc.info.version)} · ${operations(doc)} operations</p>
  <p>${escapeHtml(doc.info.summary ?? "")}</p>
  <p><a href="clients/${api.id}.html">${escapeHtml(api.client)} client README</a></p>
  <p class="muted">Spec: <a href="${api.id}/openapi.yaml">openapi.yaml</a> · <a href="${api.id}/openapi.json">openapi.json</a></p>
</li>`;
  }).join("\n");
  const body = `<h1>bikavika API reference</h1>
<p>Typed TypeScript clients for the Bika.ai and Vika (AITable / APITable) APIs, and the OpenAPI 3.1 specs they are
generated from. Each reference below is built from the bundled spec of its <code>@bikavika/*-openapi</code> package and
works offline.</p>
<ul class="cards">
${cards}
</ul>`;
  writeFileSync(join(dist, "index.html"), page({ title: "bikavika API reference", body, crumbs: false }));
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
const docs = await Promise.all(APIS.map(buildReference));
for (const api of APIS) buildReadme(api);
buildIndex(docs);
for (const file of ["index.html", ...APIS.flatMap((a) => [`${a.id}/index.html`, `clients/${a.id}.html`])]) console.log(`dist/${file}`);
