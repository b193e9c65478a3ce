// (d) What the clients cost the compiler: `tsc --noEmit --extendedDiagnostics` on small consumer projects that use
// each client as an application would, against the same project without any import. Time is the median of a few
// runs; types and instantiations are counted exactly, so a change in the generated types shows up run to run.
import { execFile } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const RUNS = 3;
const execFileAsync = promisify(execFile);
// Inside the bench package, so that `@bikavika/*` resolve to the built packages through its node_modules.
const root = fileURLToPath(new URL("../.bench/typecheck", import.meta.url));
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

const TSCONFIG = {
  compilerOptions: {
    target: "es2022",
    module: "preserve",
    moduleResolution: "bundler",
    lib: ["es2022", "dom"],
    types: [],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  },
  include: ["main.ts"],
};

/** What each project's main.ts does: nothing, or what a typical application does with one client. */
const PROJECTS: Record<string, string> = {
  "no import (baseline)": `export const answer: number = 42;\n`,
  "@bikavika/vika": `import { Vika, createVikaClient } from "@bikavika/vika";
const vika = new Vika({ token: "usk" });
const datasheet = vika.datasheet("dst");
export const page = await datasheet.records.query<{ Title: string; Done?: boolean }>({ viewId: "viw", pageSize: 10 });
export const created = await datasheet.records.create([{ fields: { Title: "new" } }]);
for await (const record of datasheet.records.queryAll()) console.log(record.recordId);
export const fields = await datasheet.fields.list();
export const spaces = await vika.spaces.list();
export const raw = await createVikaClient({ token: "usk" }).GET("/fusion/v1/datasheets/{datasheetId}/records", {
  params: { path: { datasheetId: "dst" }, query: { pageSize: 10 } },
});
`,
  "@bikavika/bika": `import { Bika, createBikaClient } from "@bikavika/bika";
const bika = new Bika({ token: "bkt" });
const [space] = await bika.space.list();
const database = bika.space.byId(space!.id).database("dat");
export const page = await database.records.list({ pageSize: 10 });
export const created = await database.recordsV2.create({ records: [{ fields: { Name: "new" } }] });
for await (const record of database.recordsV2.listAll()) console.log(record.id);
export const fields = await database.fields.list();
export const raw = await createBikaClient({ token: "bkt" }).GET("/v1/spaces/{spaceId}/nodes", { params: { path: { spaceId: "spc" } } });
`,
};

export interface TypecheckResult {
  project: string;
  /** Median `Total time` of the runs, in ms. */
  totalMs: number;
  /** Median `Check time`, in ms. */
  checkMs: number;
  memoryKb: number;
  types: number;
  instantiations: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function statistic(output: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+([\\d.]+)(s|K)?$`, "m").exec(output);
  if (!match) throw new Error(`tsc --extendedDiagnostics printed no "${name}":\n${output}`);
  return Number(match[1]) * (match[2] === "s" ? 1000 : 1);
}

export async function measureTypecheck(): Promise<TypecheckResult[]> {
  rmSync(root, { recursive: true, force: true });
  const results: TypecheckResult[] = [];
  for (const [project, source] of Object.entries(PROJECTS)) {
    const dir = join(root, project.replace(/[^a-z]+/g, "-"));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2));
    writeFileSync(join(dir, "main.ts"), source);
    const runs: string[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      // A type error fails the bench: the measured project must be what an application would compile.
      const { stdout } = await execFileAsync(process.execPath, [tsc, "-p", dir, "--extendedDiagnostics"], { cwd: dir }).catch(
        (error: { stdout?: string }) => {
          throw new Error(`tsc rejected the ${project} consumer project:\n${error.stdout ?? String(error)}`);
        },
      );
      runs.push(stdout);
    }
    results.push({
      project,
      totalMs: median(runs.map((output) => statistic(output, "Total time"))),
      checkMs: median(runs.map((output) => statistic(output, "Check time"))),
      memoryKb: median(runs.map((output) => statistic(output, "Memory used"))),
      types: statistic(runs[0]!, "Types"),
      instantiations: statistic(runs[0]!, "Instantiations"),
    });
  }
  rmSync(root, { recursive: true, force: true });
  return results;
}
