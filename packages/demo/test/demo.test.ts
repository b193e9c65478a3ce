// `npm run demo`, the README's first command, as built: both clients' Quick Start flows against the embedded
// emulators, then the live-API path (a token and a base URL set) pointed at emulators this test starts.
import { fileURLToPath } from "node:url";
import { type Emulator, startEmulator } from "@bikavika/emulator";
import { runNode } from "@bikavika/testkit/process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));

function demo(env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(BIKA|VIKA)_/.test(key)));
  return runNode(main, [], { ...clean, ...env });
}

/** Every step the demo reported, as `ok` or `FAIL` with its label. */
const steps = (stdout: string) => [...stdout.matchAll(/^ {2}(ok|FAIL) +(.+)$/gm)].map(([, outcome, label]) => `${outcome} ${label}`);

describe("the demo", () => {
  it("runs every flow against its own emulators and says so, with real round trips", async () => {
    const result = await demo({});
    expect(result.stdout).toMatch(/^bika: emulator at http:\/\/127\.0\.0\.1:\d+\/api\/openapi\/bika /m);
    expect(result.stdout).toMatch(/^vika: emulator at http:\/\/127\.0\.0\.1:\d+ /m);
    const reported = steps(result.stdout);
    expect(reported.length).toBeGreaterThanOrEqual(30);
    // What was created is read back, updated, read back again and deleted: state, not canned answers.
    for (const check of ["the new record reads back", "the update reads back", "the record is gone"]) {
      expect(reported.filter((step) => step.startsWith("ok") && step.endsWith(check)), check).toHaveLength(2);
    }
    expect(reported.filter((step) => step.startsWith("FAIL"))).toEqual([]);
    expect(result.stdout).toContain("All flows completed.");
    expect(result.code).toBe(0);
  });

  describe("with tokens set", () => {
    const servers: Emulator[] = [];
    beforeAll(async () => {
      servers.push(...(await Promise.all([startEmulator({ api: "bika" }), startEmulator({ api: "vika" })])));
    });
    afterAll(() => Promise.all(servers.map((server) => server.stop())));

    it("takes the live-API path to the base URLs given", async () => {
      const [bika, vika] = servers as [Emulator, Emulator];
      const result = await demo({ BIKA_TOKEN: "bkt-demo", BIKA_BASE_URL: bika.baseUrl, VIKA_TOKEN: "usk-demo", VIKA_BASE_URL: vika.baseUrl });
      expect(result.stdout).toContain(`bika: live API at ${bika.baseUrl} (BIKA_TOKEN is set)`);
      expect(result.stdout).toContain(`vika: live API at ${vika.baseUrl} (VIKA_TOKEN is set)`);
      expect(result.stdout).not.toContain("emulator at");
      // The requests reached the servers given.
      expect(bika.log.length).toBeGreaterThan(10);
      expect(vika.log.length).toBeGreaterThan(10);
      expect(steps(result.stdout).filter((step) => step.startsWith("FAIL"))).toEqual([]);
      expect(result.code).toBe(0);
      // The tokens never reach the output.
      expect(result.stdout + result.stderr).not.toMatch(/bkt-demo|usk-demo/);
    });
  });
});
