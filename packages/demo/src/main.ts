// The demo: each client runs its Quick Start flows against the live API when its token is set
// (BIKA_TOKEN / VIKA_TOKEN, optionally BIKA_BASE_URL / VIKA_BASE_URL), and against the stateful emulator otherwise,
// so that what it prints is a real round trip: a created record is read back, updated and deleted.
import { Bika } from "@bikavika/bika";
import { type Emulator, startEmulator } from "@bikavika/emulator";
import { Vika } from "@bikavika/vika";
import { bikaFlow } from "./bika-flow.js";
import { Report } from "./report.js";
import { vikaFlow } from "./vika-flow.js";

const report = new Report();
const emulators: Emulator[] = [];

async function target(api: "bika" | "vika", tokenVariable: string, baseUrlVariable: string) {
  const token = process.env[tokenVariable];
  if (token) {
    const baseUrl = process.env[baseUrlVariable];
    console.log(`${api}: live API${baseUrl ? ` at ${baseUrl}` : ""} (${tokenVariable} is set)`);
    return { token, baseUrl };
  }
  const emulator = await startEmulator({ api });
  emulators.push(emulator);
  console.log(`${api}: emulator at ${emulator.baseUrl} (set ${tokenVariable} to use the live API)`);
  return { token: "demo-token", baseUrl: emulator.baseUrl };
}

try {
  const bikaTarget = await target("bika", "BIKA_TOKEN", "BIKA_BASE_URL");
  await bikaFlow(new Bika({ token: bikaTarget.token, baseURL: bikaTarget.baseUrl }), report);
  const vikaTarget = await target("vika", "VIKA_TOKEN", "VIKA_BASE_URL");
  await vikaFlow(new Vika({ token: vikaTarget.token, host: vikaTarget.baseUrl }), report);
} finally {
  await Promise.all(emulators.map((emulator) => emulator.stop()));
}

console.log(report.failures === 0 ? "\nAll flows completed." : `\n${report.failures} step(s) failed.`);
process.exitCode = report.failures === 0 ? 0 : 1;
