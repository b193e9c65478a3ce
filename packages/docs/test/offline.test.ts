// The built pages reference nothing on the network: no <script src>, stylesheet, preload, image, frame or CSS url()
// outside the site, and Redoc's script is inline. (test/browser.test.ts checks the same at runtime, in Chromium.)
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
const pages = (readdirSync(dist, { recursive: true }) as string[]).filter((f) => f.endsWith(".html")).map((f) => join(dist, f));
const external = /^(?:[a-z][a-z0-9+.-]*:)?\/\//i; // http://, https://, //host

// Every attribute that makes a browser fetch something, with the tags it does so on.
function resourceUrls(html: string): string[] {
  const urls: string[] = [];
  for (const tag of html.matchAll(/<(script|link|img|iframe|frame|source|video|audio|track|embed|object|input|image|use)\b[^>]*>/gi)) {
    const [text, name] = tag;
    const attr = (key: string) => new RegExp(`\\s${key}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, "i").exec(text);
    const value = (m: RegExpExecArray | null) => (m ? (m[1] ?? m[2] ?? m[3] ?? "") : undefined);
    if (name!.toLowerCase() === "link") {
      const rel = value(attr("rel")) ?? "";
      if (/\b(stylesheet|preload|modulepreload|prefetch|icon|manifest|import)\b/i.test(rel)) urls.push(value(attr("href")) ?? "");
    } else {
      for (const key of ["src", "data", "poster", "href", "xlink:href"]) {
        const v = value(attr(key));
        if (v !== undefined && !(key === "href" && !/^(image|use)$/i.test(name!))) urls.push(v);
      }
      const srcset = value(attr("srcset"));
      if (srcset) urls.push(...srcset.split(",").map((s) => s.trim().split(/\s+/)[0]!));
    }
  }
  for (const style of html.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/gi)) {
    for (const m of style[1]!.matchAll(/url\(\s*["']?([^"')]+)/gi)) urls.push(m[1]!);
    for (const m of style[1]!.matchAll(/@import\s+(?:url\()?\s*["']?([^"');\s]+)/gi)) urls.push(m[1]!);
  }
  return urls;
}

describe("the built site", () => {
  it("has the index, both references and both client READMEs", () => {
    expect(pages.map((p) => relative(dist, p)).sort()).toEqual(
      ["bika/index.html", "clients/bika.html", "clients/vika.html", "index.html", "vika/index.html"].sort(),
    );
  });

  it.each(pages.map((p) => [relative(dist, p), p]))("%s loads no external resource", (_, page) => {
    const html = readFileSync(page, "utf8");
    const urls = resourceUrls(html);
    expect(urls.filter((u) => external.test(u))).toEqual([]);
  });

  it.each(["bika", "vika"])("%s/index.html has Redoc inline, not from a CDN", (api) => {
    const html = readFileSync(join(dist, api, "index.html"), "utf8");
    expect(html).toContain('<script type="module">');
    expect(html).toMatch(/hydrate\(__redoc_definition, __redoc_options/);
    expect(html).not.toMatch(/from\s*["']https?:/);
    expect(html).not.toContain("cdn.redoc.ly/redoc/logo");
    expect(html.length).toBeGreaterThan(1_000_000); // the ~2 MB standalone bundle is in the page
    expect(html).toContain('"disableTelemetry":true');
  });

  it("the resource scan finds what it should (checked on a sample page)", () => {
    const sample = `<link rel="modulepreload" href="https://cdn.test/x.js"><script src="//cdn.test/y.js"></script>
      <img src="https://img.test/a.png" srcset="b.png 1x, https://img.test/c.png 2x"><a href="https://ok.test">ok</a>
      <style>body{background:url("https://img.test/bg.png")} @import "https://css.test/a.css";</style>`;
    expect(resourceUrls(sample).filter((u) => external.test(u))).toEqual([
      "https://cdn.test/x.js",
      "//cdn.test/y.js",
      "https://img.test/a.png",
      "https://img.test/c.png",
      "https://img.test/bg.png",
      "https://css.test/a.css",
    ]);
  });
});
