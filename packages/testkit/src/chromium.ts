// Debian's Chromium, as the browser tests drive it through playwright-core: never a downloaded browser.
import { existsSync } from "node:fs";

/** `$CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`; throws, saying what to install, when it is not there. */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
  if (!existsSync(path)) {
    throw new Error(
      `Chromium is not installed at ${path}. The browser tests drive Debian's Chromium and never download a browser. ` +
        "Install it with `apt-get update && apt-get install -y chromium` (`npm test` and CI do this themselves when " +
        "they run as root where apt-get exists), or point CHROMIUM_PATH at a Chromium or Chrome binary.",
    );
  }
  return path;
}

/** Headless, and nothing in the background: no GPU, QUIC, first-run pages, updates, sync or other traffic. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
