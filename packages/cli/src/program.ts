/**
 * The `bikavika` command line: commander parses, each action runs one command and reports its exit code; every
 * failure becomes one message on stderr (never a stack trace, never the token).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { ApiError, AuthenticationError, ConfigurationError } from "@bikavika/runtime";
import { fieldMapsModule } from "@bikavika/vika/typegen";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { type ClientSettings, RequestStats, parseQps, readToken } from "./client-settings.js";
import { DATE_RULE } from "./convert.js";
import { CliError, EXIT, type ExitCode, UsageError } from "./errors.js";
import { runExport } from "./export.js";
import { FORMATS, type Format, formatOfPath } from "./formats.js";
import { type Mode, runImport } from "./import.js";
import { type Io, say } from "./io.js";
import type { Table } from "./model.js";
import { runSchema } from "./schema.js";
import { bikaClient, bikaTable } from "./bika-table.js";
import { bikaFieldMapsModule } from "./bika-typegen.js";
import { vikaClient, vikaTable } from "./vika-table.js";
// Inlined by the bundler, so `--version` says what was published.
import packageJson from "../package.json" with { type: "json" };


interface CommonOptions {
  tokenFile?: string;
  qps: string;
  json?: boolean;
  progress: boolean;
}

interface Api {
  name: "vika" | "bika";
  tokenEnv: string;
  hostEnv: string;
  table(settings: ClientSettings, ids: string[]): Table;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function mapOption(values: string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const value of values) {
    const at = value.lastIndexOf("=");
    if (at <= 0 || at === value.length - 1) throw new UsageError(`--map takes COLUMN=FIELD, got ${JSON.stringify(value)}`);
    const column = value.slice(0, at).trim();
    if (map[column] !== undefined) throw new UsageError(`--map names column "${column}" twice`);
    map[column] = value.slice(at + 1).trim();
  }
  return map;
}

function positiveInt(name: string, max: number) {
  return (value: string) => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1 || number > max) throw new InvalidArgumentError(`${name} must be a whole number from 1 to ${max}.`);
    return number;
  };
}

/** The options every command takes; `--json` where there is something to summarise, `--no-progress` where a bar is drawn. */
function common(command: Command, api: Api, has: { json: string | false; progress: boolean }): Command {
  command
    .option("--token-file <file>", `read the token from this file instead of ${api.tokenEnv}`)
    .option("--qps <n|off>", "requests per second to keep to (the servers allow 5 by default; plans 2 to 20); off for a local server", "5");
  if (has.json) command.option("--json", has.json);
  if (has.progress) command.option("--no-progress", "no progress bar, even on a terminal");
  return command;
}

function settingsOf(api: Api, options: CommonOptions, io: Io, stats: RequestStats): ClientSettings {
  const token = readToken(options.tokenFile, api.tokenEnv, io.env);
  io.secrets.add(token);
  return { token, host: io.env[api.hostEnv] || undefined, qps: parseQps(options.qps), fetch: stats.fetch };
}

const ENV_HELP = (api: Api) => `
Environment:
  ${api.tokenEnv}  the API token (or --token-file FILE); it is never printed
  ${api.hostEnv}  the server (default ${api.name === "vika" ? "https://vika.cn" : "https://bika.ai/api/openapi/bika"})

Exit codes: 0 done, 1 failed (nothing or nothing more written), 2 usage error, 3 partly done (see the report file).`;

export function buildProgram(io: Io, setCode: (code: ExitCode) => void): Command {
  const program = new Command("bikavika")
    .description("Import, export and inspect Vika (AITable/APITable) datasheets and Bika.ai databases")
    .version(packageJson.version)
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .exitOverride()
    .addHelpText(
      "after",
      `
Examples:
  VIKA_TOKEN=usk… bikavika vika export dstXXXXXXXX --out tasks.csv
  VIKA_TOKEN=usk… bikavika vika import dstXXXXXXXX tasks.csv --key Title --mode upsert
  BIKA_TOKEN=bkt… bikavika bika schema spcXXXX datXXXX
Run \`bikavika vika <command> --help\` for each command's options.`,
    );

  const act = async (body: () => Promise<ExitCode>) => setCode(await body());

  const apis: Api[] = [
    {
      name: "vika",
      tokenEnv: "VIKA_TOKEN",
      hostEnv: "VIKA_HOST",
      table: (settings, [datasheetId]) => vikaTable(vikaClient(settings), datasheetId!),
    },
    {
      name: "bika",
      tokenEnv: "BIKA_TOKEN",
      hostEnv: "BIKA_BASE_URL",
      table: (settings, [spaceId, databaseId]) => bikaTable(bikaClient(settings), spaceId!, databaseId!),
    },
  ];
  // Bika lists a database's fields without views: its schema takes no view.
  const withView = (command: Command, api: Api, what: string) => (api.name === "vika" ? command.option("--view <viewId>", what) : command);

  for (const api of apis) {
    const ids = api.name === "vika" ? "<datasheetId>" : "<spaceId> <databaseId>";
    const idsOf = (args: string[]) => args.slice(0, api.name === "vika" ? 1 : 2);
    const sample = api.name === "vika" ? "dstXXXXXXXX" : "spcXXXX datXXXX";
    const token = `${api.tokenEnv}=${api.name === "vika" ? "usk…" : "bkt…"}`;
    const group = program.command(api.name).description(`${api.name === "vika" ? "Vika datasheets" : "Bika databases"}: export, import, schema, typegen`).exitOverride();
    group.addHelpText("after", ENV_HELP(api));

    common(
      group
        .command(`export ${ids}`)
        .option(
          "--view <viewId>",
          api.name === "vika" ? "the records and fields of this view, in its order" : "the records of this view, in its order (every field stays a column)",
        )
        .description(`Every record ${api.name === "vika" ? "of the datasheet" : "of the database"}, streamed to a file or stdout (flat memory at any size)`)
        .addOption(new Option("--format <format>", "csv, json or ndjson (default: from --out's extension, else csv)").choices(FORMATS))
        .option("--out <file>", "write here instead of stdout")
        .addOption(new Option("--field-key <key>", "name the columns by field name or id").choices(["name", "id"]).default("name"))
        .option("--separator <text>", "between the items of multi-valued cells in CSV (multi select, members, links, attachments)", ", ")
        .exitOverride(),
      api,
    { json: "print a machine-readable summary on stdout (with --out)", progress: true },
    )
      .addHelpText(
        "after",
        `
Cells are written as import reads them, so an export imports again unchanged: numbers plain (percent as a
fraction), checkboxes true/false, members by ${api.name === "vika" ? "name" : "id"}, links by record id, attachments as
"name (URL)" (JSON: { name, url }), which import downloads and uploads again.
${DATE_RULE}

Examples:
  ${token} bikavika ${api.name} export ${sample} --out records.csv
  ${token} bikavika ${api.name} export ${sample} --format ndjson > records.ndjson
  ${token} bikavika ${api.name} export ${sample} --view viwXXXX --field-key id --out records.json
${ENV_HELP(api)}`,
      )
      .action(async (...args: unknown[]) => {
        const options = args.at(-2) as CommonOptions & { format?: Format; out?: string; view?: string; fieldKey: "name" | "id"; separator: string };
        const stats = new RequestStats();
        await act(async () => {
          if (options.json && options.out === undefined) throw new UsageError("--json prints the summary on stdout, where the records go without --out; add --out FILE");
          const format = options.format ?? (options.out !== undefined ? formatOfPath(options.out) : "csv");
          const table = api.table(settingsOf(api, options, io, stats), idsOf(args as string[]));
          return runExport(table, { viewId: options.view, format, out: options.out, fieldKey: options.fieldKey, separator: options.separator, json: options.json === true, progress: options.progress }, stats, io);
        });
      });

    common(
      group
        .command(`import ${ids} <file>`)
        .description("Write the rows of a CSV, JSON or NDJSON file: every row checked first, then written exactly once, resumable")
        .option("--key <field>", "match rows to existing records by this field")
        .addOption(
          new Option("--mode <mode>", "create new records, upsert (update the matched, create the rest), update (matched only) or sync (upsert, then delete the records no row names)")
            .choices(["create", "upsert", "update", "sync"])
            .default("create"),
        )
        .option("--map <column=field>", "send a column to a field of another name (repeatable)", collect, [])
        .option("--skip <column>", "leave a column out (repeatable)", collect, [])
        .option("--dry-run", "check every row and say what would be written; write nothing")
        .option("--separator <text>", "between the items of multi-valued cells in CSV", ",")
        .option("--journal <file>", "the journal that makes a re-run resume (default: <file>.bikavika-journal)")
        .option("--report <file>", "where the failed rows go (default: <file>.bikavika-report.csv)")
        .addOption(new Option("--unknown <what>", "rows whose create got no answer, without --key: stop and name them, skip them (written) or resend them").choices(["stop", "skip", "resend"]).default("stop"))
        .option("--concurrency <n>", "requests in flight (rows keep the file's order with 1)", positiveInt("--concurrency", 10), 3)
        .exitOverride(),
      api,
    { json: "print a machine-readable summary on stdout", progress: true },
    )
      .addHelpText(
        "after",
        `
The format comes from the extension (.csv, .json, .ndjson). Columns go to the fields of the same name (or id);
columns naming computed fields are skipped with a warning. Cells are converted by the field's type: numbers,
currency (the symbol may lead) and percent (0.25 or 25%); checkbox true/false, yes/no, 1/0; single select; multi
select, members, links and attachments as items between --separator (members by ${api.name === "vika" ? "name or unit id" : "member id"}, links by record
id or the linked record's primary value, attachments as local file paths or the "name (URL)" an export writes,
uploaded); rating, URL, email, phone.${api.name === "bika" ? "\nSelect cells must name options the field has: Bika does not add options on write." : ""}
${DATE_RULE}
An empty cell is left out of a new record and clears the cell of an updated one.

Nothing is written when a row is not valid: each problem is reported with its row, column, value and what was
expected. The journal records every request, so after a crash (even kill -9) the same command continues where it
stopped and every row is written once; rows whose create got no answer are looked up by --key, or named.
Ctrl-C stops once the requests in flight are answered, leaving none unknown.

Examples:
  ${token} bikavika ${api.name} import ${sample} books.csv --dry-run
  ${token} bikavika ${api.name} import ${sample} books.csv --map "Book title=Title" --skip Notes
  ${token} bikavika ${api.name} import ${sample} books.ndjson --key ISBN --mode upsert --json
  ${token} bikavika ${api.name} import ${sample} books.csv --key ISBN --mode sync --dry-run
${ENV_HELP(api)}`,
      )
      .action(async (...args: unknown[]) => {
        const options = args.at(-2) as CommonOptions & {
          key?: string;
          mode: Mode;
          map: string[];
          skip: string[];
          dryRun?: boolean;
          separator: string;
          journal?: string;
          report?: string;
          unknown: "stop" | "skip" | "resend";
          concurrency: number;
        };
        const positional = args.slice(0, -2) as string[];
        const stats = new RequestStats();
        await act(async () => {
          const map = mapOption(options.map);
          const file = positional.at(-1)!;
          formatOfPath(file);
          const table = api.table(settingsOf(api, options, io, stats), idsOf(positional));
          return runImport(
            table,
            {
              command: `${api.name} import`,
              file,
              key: options.key,
              mode: options.mode,
              map,
              skip: options.skip,
              dryRun: options.dryRun === true,
              separator: options.separator,
              journal: options.journal,
              report: options.report,
              unknown: options.unknown,
              concurrency: options.concurrency,
              json: options.json === true,
              progress: options.progress,
            },
            stats,
            io,
          );
        });
      });

    common(
      withView(group.command(`schema ${ids}`), api, "the fields of this view, in its order")
        .description("The fields: name, id, type, whether writable, options")
        .exitOverride(),
      api,
    { json: "print the fields as JSON", progress: false },
    )
      .addHelpText(
        "after",
        `
Examples:
  ${token} bikavika ${api.name} schema ${sample}
  ${token} bikavika ${api.name} schema ${sample} --json | jq '.[].name'
${ENV_HELP(api)}`,
      )
      .action(async (...args: unknown[]) => {
        const options = args.at(-2) as CommonOptions & { view?: string };
        const stats = new RequestStats();
        await act(async () => runSchema(api.table(settingsOf(api, options, io, stats), idsOf(args as string[])), { viewId: options.view, json: options.json === true }, io));
      });
  }

  const vikaGroup = program.commands.find((command) => command.name() === "vika")!;
  common(
    vikaGroup
      .command("typegen <datasheetId...>")
      .description("A TypeScript module with a field-map interface per datasheet, for records.query<Fields>()")
      .addOption(new Option("--field-key <key>", "key the maps by field name or id").choices(["name", "id"]).default("name"))
      .option("--out <file>", "write the module here instead of stdout")
      .option("--check", "with --out: write nothing; exit 1 when the file differs from what the datasheets give now")
      .exitOverride(),
    apis[0]!,
    { json: false, progress: false },
  )
    .addHelpText(
      "after",
      `
Examples:
  VIKA_TOKEN=usk… bikavika vika typegen dstXXXXXXXX --out src/tasks-fields.ts
  VIKA_TOKEN=usk… bikavika vika typegen dstXXXXXXXX --out src/tasks-fields.ts --check
${ENV_HELP(apis[0]!)}`,
    )
    .action(async (datasheetIds: string[], options: CommonOptions & { fieldKey: "name" | "id"; out?: string; check?: boolean }) => {
      const stats = new RequestStats();
      await act(async () => {
        if (options.check && options.out === undefined) throw new UsageError("--check compares with the file --out names");
        const vika = vikaClient(settingsOf(apis[0]!, options, io, stats));
        const datasheets = [];
        for (const id of datasheetIds) {
          const { fields } = await vika.datasheet(id).fields.list();
          const name = await vika.nodes.get({ nodeId: id }).then(
            (node) => node.name,
            (error: unknown) => {
              if (error instanceof ApiError) return undefined;
              throw error;
            },
          );
          datasheets.push({ id, name, fields });
        }
        const source = fieldMapsModule(datasheets, { fieldKey: options.fieldKey }).replace("bikavika-vika-typegen", "bikavika vika typegen");
        return writeModule(source, options, io);
      });
    });

  const bikaGroup = program.commands.find((command) => command.name() === "bika")!;
  common(
    bikaGroup
      .command("typegen <spaceId> <databaseId...>")
      .description("A TypeScript module with a field-map interface per database, for the v2 record calls")
      .addOption(new Option("--field-key <key>", "key the maps by field name or id").choices(["name", "id"]).default("name"))
      .option("--out <file>", "write the module here instead of stdout")
      .option("--check", "with --out: write nothing; exit 1 when the file differs from what the databases give now")
      .exitOverride(),
    apis[1]!,
    { json: false, progress: false },
  )
    .addHelpText(
      "after",
      `
Examples:
  BIKA_TOKEN=bkt… bikavika bika typegen spcXXXX datXXXX --out src/customers-fields.ts
  BIKA_TOKEN=bkt… bikavika bika typegen spcXXXX datXXXX datYYYY --out src/fields.ts --check
${ENV_HELP(apis[1]!)}`,
    )
    .action(async (spaceId: string, databaseIds: string[], options: CommonOptions & { fieldKey: "name" | "id"; out?: string; check?: boolean }) => {
      const stats = new RequestStats();
      await act(async () => {
        if (options.check && options.out === undefined) throw new UsageError("--check compares with the file --out names");
        const space = bikaClient(settingsOf(apis[1]!, options, io, stats)).space.byId(spaceId);
        const databases = [];
        for (const id of databaseIds) {
          const database = space.database(id);
          const [fields, meta] = await Promise.all([database.fields.list(), database.get()]);
          databases.push({ id, name: meta.name, fields });
        }
        return writeModule(bikaFieldMapsModule(databases, options.fieldKey), options, io);
      });
    });

  return program;
}

function writeModule(source: string, options: { out?: string; check?: boolean }, io: Io): ExitCode {
  if (options.out === undefined) {
    io.stdout.write(source);
    return EXIT.ok;
  }
  if (options.check) {
    const current = existsSync(options.out) ? readFileSync(options.out, "utf8") : undefined;
    if (current === source) return EXIT.ok;
    say(io, `bikavika: ${options.out} ${current === undefined ? "does not exist" : "is out of date: the fields changed since it was generated"}; run without --check to write it`);
    return EXIT.failed;
  }
  try {
    writeFileSync(options.out, source);
  } catch (error) {
    throw new CliError(`cannot write ${options.out} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  return EXIT.ok;
}

/** Runs the command line; resolves to the exit code. */
export async function run(argv: string[], io: Io): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  const program = buildProgram(io, (result) => {
    code = result;
  });
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (error) {
    return failure(error, io);
  }
}

function failure(error: unknown, io: Io): ExitCode {
  if (error instanceof CommanderError) {
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return EXIT.ok;
    // Everything else, including a group named without a command (which prints its help), is a usage error.
    return EXIT.usage;
  }
  if (error instanceof CliError) {
    say(io, `bikavika: ${error.message}`);
    return error.exitCode;
  }
  if (error instanceof AuthenticationError) {
    say(io, `bikavika: the server refused the token (${error.message}); check the token, and that it belongs to this server`);
    return EXIT.failed;
  }
  if (error instanceof ConfigurationError) {
    say(io, `bikavika: ${error.message}`);
    return EXIT.usage;
  }
  if (error instanceof ApiError) {
    say(io, `bikavika: ${error.message}`);
    return EXIT.failed;
  }
  say(io, `bikavika: unexpected failure: ${error instanceof Error ? error.message : String(error)}`);
  return EXIT.failed;
}
