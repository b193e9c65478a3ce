#!/usr/bin/env node
/**
 * bikavika-vika-typegen: TypeScript field maps for datasheets, from their fields as the API lists them.
 * Exit codes: 0 written (or, with --check, up to date), 1 the API or the output file failed (or, with --check, the
 * file is out of date), 2 bad usage.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ApiError, ConfigurationError } from "@bikavika/runtime";
import { type DatasheetFields, TypegenError, fieldMapsModule } from "./typegen.js";
import { Vika } from "./vika.js";

const USAGE = `Usage: bikavika-vika-typegen <datasheetId>... [options]

Prints a TypeScript module with one field-map interface per datasheet, for records.query<Fields>() and the other
record calls. Reads the token from VIKA_TOKEN, and the server from VIKA_HOST (default https://vika.cn).

Options:
  --field-key name|id  key the maps by field name (default) or by field id, as the client's fieldKey
  --view <viewId>      the fields of this view, in its order (only with one datasheet)
  --name <Interface>   the interface's name (only with one datasheet)
  --out <file>         write the module to <file> instead of standard output
  --check              with --out: write nothing, and exit 1 if <file> differs from what the datasheets give now
                       (for CI: a field added, renamed, retyped or removed since the file was generated)
  -h, --help           this text`;

class UsageError extends Error {}

interface Arguments {
  datasheetIds: string[];
  fieldKey: "name" | "id";
  viewId: string | undefined;
  name: string | undefined;
  out: string | undefined;
  check: boolean;
}

function parse(argv: string[]): Arguments | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        "field-key": { type: "string" },
        view: { type: "string" },
        name: { type: "string" },
        out: { type: "string" },
        check: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  if (positionals.length === 0) throw new UsageError("name at least one datasheet id (dst…)");
  const fieldKey = values["field-key"] ?? "name";
  if (fieldKey !== "name" && fieldKey !== "id") throw new UsageError(`--field-key must be name or id, got ${JSON.stringify(fieldKey)}`);
  if (positionals.length > 1 && (values.view !== undefined || values.name !== undefined)) {
    throw new UsageError("--view and --name apply to one datasheet; run once per datasheet for those");
  }
  if (values.check && values.out === undefined) throw new UsageError("--check compares with the file --out names");
  return { datasheetIds: positionals, fieldKey, viewId: values.view, name: values.name, out: values.out, check: values.check === true };
}

/** The datasheet's name, for the interface's; without it (no permission on the node, say) the id serves. */
async function datasheetName(vika: Vika, datasheetId: string): Promise<string | undefined> {
  try {
    return (await vika.nodes.get({ nodeId: datasheetId })).name;
  } catch (error) {
    if (error instanceof ApiError) return undefined;
    throw error;
  }
}

async function main(argv: string[], env: NodeJS.ProcessEnv, write: (text: string) => void): Promise<number> {
  let args;
  try {
    args = parse(argv);
    if (args === "help") {
      write(`${USAGE}\n`);
      return 0;
    }
    if (!env.VIKA_TOKEN) throw new UsageError("set VIKA_TOKEN to an API token");
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bikavika-vika-typegen: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }

  try {
    const vika = new Vika({ token: env.VIKA_TOKEN, host: env.VIKA_HOST || undefined });
    const datasheets: DatasheetFields[] = [];
    for (const id of args.datasheetIds) {
      const [{ fields }, name] = await Promise.all([
        vika.datasheet(id).fields.list({ viewId: args.viewId }),
        datasheetName(vika, id),
      ]);
      datasheets.push({ id, name, fields, interfaceName: args.name });
    }
    const source = fieldMapsModule(datasheets, { fieldKey: args.fieldKey });
    if (args.out === undefined) {
      write(source);
      return 0;
    }
    if (args.check) {
      const current = existsSync(args.out) ? readFileSync(args.out, "utf8") : undefined;
      if (current === source) return 0;
      process.stderr.write(
        `bikavika-vika-typegen: ${args.out} ${current === undefined ? "does not exist" : "is out of date: the fields changed since it was generated"}; run without --check to write it\n`,
      );
      return 1;
    }
    try {
      writeFileSync(args.out, source);
    } catch (error) {
      process.stderr.write(`bikavika-vika-typegen: cannot write ${args.out}: ${(error as Error).message}\n`);
      return 1;
    }
    return 0;
  } catch (error) {
    // The client's errors name the call and the server's answer, never the token.
    if (error instanceof ApiError || error instanceof ConfigurationError || error instanceof TypegenError) {
      process.stderr.write(`bikavika-vika-typegen: ${error.message}\n`);
      return error instanceof ConfigurationError ? 2 : 1;
    }
    throw error;
  }
}

main(process.argv.slice(2), process.env, (text) => process.stdout.write(text)).then((code) => {
  process.exitCode = code;
});
