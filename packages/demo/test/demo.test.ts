// `npm run demo`, the README's first command, as built: both clients' Quick Start flows against the embedded
// mocks, then the live-API path (a token and a base URL set) pointed at mocks this test starts.
import { fileURLToPath } from "node:url";
import { type MockServer, startMock } from "@bikavika/mock";
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
  it("runs every flow against its own mocks and says so", async () => {
    const result = await demo({});
    expect(result.stdout).toContain("bika: Prism mock of spec/bika");
    expect(result.stdout).toContain("vika: Prism mock of spec/vika");
    const reported = steps(result.stdout);
    expect(reported.length).toBeGreaterThanOrEqual(20);
    expect(reported.filter((step) => step.startsWith("FAIL"))).toEqual([]);
    expect(result.stdout).toContain("All flows completed.");
    expect(result.code).toBe(0);
  });

  describe("with tokens set", () => {
    const mocks: MockServer[] = [];
    beforeAll(async () => {
      mocks.push(...(await Promise.all([startMock({ spec: "bika" }), startMock({ spec: "vika" })])));
    });
    afterAll(() => Promise.all(mocks.map((mock) => mock.stop())));

    it("takes the live-API path to the base URLs given", async () => {
      const [bika, vika] = mocks as [MockServer, MockServer];
      const result = await demo({ BIKA_TOKEN: "bkt-demo", BIKA_BASE_URL: bika.url, VIKA_TOKEN: "usk-demo", VIKA_BASE_URL: vika.url });
      expect(result.stdout).toContain(`bika: live API at ${bika.url} (BIKA_TOKEN is set)`);
      expect(result.stdout).toContain(`vika: live API at ${vika.url} (VIKA_TOKEN is set)`);
      expect(result.stdout).not.toContain("Prism mock of spec/");
      expect(steps(result.stdout).filter((step) => step.startsWith("FAIL"))).toEqual([]);
      expect(result.code).toBe(0);
      // The tokens never reach the output.
      expect(result.stdout + result.stderr).not.toMatch(/bkt-demo|usk-demo/);
    });
  });
});
