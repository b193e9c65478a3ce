// Our Redocly rules (scripts/redocly-plugin.mjs, switched on in redocly.yaml), run through `redocly lint` with the
// repo's config on small fixture specs: good.yaml follows every convention and has no problem at all; each bad-*.yaml
// breaks one convention in a few ways, and exactly those places are reported by exactly that rule.
// (Shared lint tooling; its tests live here, next to the spec with the one `x-unenveloped` operation.)
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const redocly = join(dirname(createRequire(import.meta.url).resolve("@redocly/cli/package.json")), "bin", "cli.js");

type Problem = { ruleId: string; severity: string; message: string; location: { pointer: string }[] };
type Report = { totals: { errors: number; warnings: number }; problems: Problem[] };

function lint(fixture: string): Promise<{ code: number | null; report: Report }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [redocly, "lint", join(here, "fixtures", "lint", fixture), "--config", join(root, "redocly.yaml"), "--format=json"],
      { cwd: root, env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" } },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      try {
        resolve({ code, report: JSON.parse(stdout) as Report });
      } catch {
        reject(new Error(`redocly lint ${fixture} printed no JSON report (exit ${code}):\n${stdout}\n${stderr}`));
      }
    });
  });
}

const pointers = (report: Report, ruleId: string) =>
  report.problems.filter((p) => p.ruleId === ruleId).map((p) => p.location[0]?.pointer).sort();

describe("custom Redocly rules", () => {
  // The fixtures lint in parallel.
  const results = Promise.all([lint("good.yaml"), lint("bad-examples.yaml"), lint("bad-envelope.yaml"), lint("bad-source.yaml")]);

  it("are switched on and pass a spec that follows the conventions, with no other problem either", async () => {
    const [good] = await results;
    expect(good.report.problems).toEqual([]);
    expect(good.code).toBe(0);
  });

  it("bikavika/response-2xx-examples fails on 2xx responses without examples, inline or shared", async () => {
    const [, bad] = await results;
    expect(bad.code).not.toBe(0);
    expect(pointers(bad.report, "bikavika/response-2xx-examples")).toEqual([
      "#/components/responses/Deleted/content/application~1json",
      "#/paths/~1things~1{thingId}/get/responses/200/content/application~1json",
    ]);
    expect(bad.report.problems.every((p) => p.ruleId === "bikavika/response-2xx-examples" && p.severity === "error")).toBe(true);
  });

  it("bikavika/success-envelope fails on 2xx JSON responses that are not enveloped, unless marked x-unenveloped", async () => {
    const [, , bad] = await results;
    expect(bad.code).not.toBe(0);
    const problems = bad.report.problems.filter((p) => p.ruleId === "bikavika/success-envelope");
    expect(problems.map((p) => p.location[0]?.pointer).sort()).toEqual([
      "#/components/responses/Deleted/content/application~1json/schema", // oneOf with only ErrorEnvelope
      "#/paths/~1things/post/responses/201/content/application~1json/schema", // a bare schema
      "#/paths/~1things~1stream/get/responses/200/content/application~1json/schema", // unmarked now
      "#/paths/~1things~1{thingId}/get/responses/200/content/application~1json/schema", // a oneOf branch that is no envelope
    ]);
    expect(problems.every((p) => p.severity === "error")).toBe(true);
    expect(problems.map((p) => p.message).join("\n")).toMatch(/oneOf branches Thing are neither SuccessEnvelope/);
    // The text/event-stream response of the same operation is not JSON, so not checked.
    expect(problems.some((p) => p.location[0]?.pointer.includes("event-stream"))).toBe(false);
  });

  it("bikavika/operation-source fails on operations without evidence, or with entries that are no source", async () => {
    const [, , , bad] = await results;
    expect(bad.code).not.toBe(0);
    expect(bad.report.problems.every((p) => p.ruleId === "bikavika/operation-source" && p.severity === "error")).toBe(true);
    expect(pointers(bad.report, "bikavika/operation-source")).toEqual([
      "#/paths/~1things/post/x-source", // a string, not a list
      "#/paths/~1things~1stream/get/x-source/1", // free text
      "#/paths/~1things~1stream/get/x-source/2", // not https
      "#/paths/~1things~1{thingId}/delete/x-source", // an empty list
      "#/paths/~1things~1{thingId}/get", // none at all
    ]);
    expect(bad.report.problems.map((p) => p.message).join("\n")).toMatch(/getThing has no `x-source`/);
  });
});
