// The demo: each client runs its Quick Start flows against the live API when its token is set
// (BIKA_TOKEN / VIKA_TOKEN, optionally BIKA_BASE_URL / VIKA_BASE_URL), and against a Prism mock of our spec otherwise.
import { Bika } from "@bikavika/bika";
import { type MockServer, startMock } from "@bikavika/mock";
import { Vika } from "@bikavika/vika";
import { bikaFlow } from "./bika-flow.js";
import { Report } from "./report.js";
import { vikaFlow } from "./vika-flow.js";

const report = new Report();
const mocks: MockServer[] = [];

async function target(api: "bika" | "vika", tokenVariable: string, baseUrlVariable: string) {
  const token = process.env[tokenVariable];
  if (token) {
    const baseUrl = process.env[baseUrlVariable];
    console.log(`${api}: live API${baseUrl ? ` at ${baseUrl}` : ""} (${tokenVariable} is set)`);
    return { token, baseUrl };
  }
  const mock = await startMock({ spec: api });
  mocks.push(mock);
  console.log(`${api}: Prism mock of spec/${api} at ${mock.url} (set ${tokenVariable} to use the live API)`);
  return { token: "demo-token", baseUrl: mock.url };
}

try {
  const bikaTarget = await target("bika", "BIKA_TOKEN", "BIKA_BASE_URL");
  await bikaFlow(new Bika({ token: bikaTarget.token, baseURL: bikaTarget.baseUrl }), report);
  const vikaTarget = await target("vika", "VIKA_TOKEN", "VIKA_BASE_URL");
  await vikaFlow(new Vika({ token: vikaTarget.token, host: vikaTarget.baseUrl }), report);
} finally {
  await Promise.all(mocks.map((mock) => mock.stop()));
}

console.log(report.failures === 0 ? "\nAll flows completed." : `\n${report.failures} step(s) failed.`);
process.exitCode = report.failures === 0 ? 0 : 1;
