/**
 * `import`: every row converted and checked against the table's fields before anything is sent, then written in
 * requests of up to 10 under the client's rate limit, each recorded in the journal before it is sent and after
 * its answer, so that a re-run after a crash continues and writes every row once.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ApiError, AuthenticationError, ConfigurationError, NotFoundError, OutcomeUnknownError, PermissionError, QuotaError } from "@bikavika/runtime";
import { stringify } from "csv-stringify/sync";
import type { RequestStats } from "./client-settings.js";
import { type AttachmentSource, type ConvertContext, KEY_KINDS, type Kind, PendingUpload, keyText, kindOf, toCell } from "./convert.js";
import { CliError, EXIT, type ExitCode, UsageError } from "./errors.js";
import { type InputRow, readInput } from "./formats.js";
import { type Io, print, say } from "./io.js";
import { Journal, type JournalHeader } from "./journal.js";
import type { Table, TableField } from "./model.js";
import { progressBar } from "./progress.js";

export type Mode = "create" | "upsert" | "update" | "sync";

export interface ImportOptions {
  /** `vika import dst…`, for the journal and messages. */
  command: string;
  file: string;
  key: string | undefined;
  mode: Mode;
  /** Column → field name or id. */
  map: Record<string, string>;
  skip: string[];
  dryRun: boolean;
  separator: string;
  journal: string | undefined;
  report: string | undefined;
  /** What to do with rows whose create has an unknown outcome when there is no key to look them up by. */
  unknown: "stop" | "skip" | "resend";
  concurrency: number;
  json: boolean;
  progress: boolean;
}

interface Column {
  column: string;
  field: TableField;
  kind: Kind;
}

interface Problem {
  row: number | "";
  column: string;
  value: string;
  expected: string;
}

interface Summary {
  rows: number;
  created: number;
  updated: number;
  /** Written by an earlier run (per the journal) or found by key after an unknown outcome. */
  skipped: number;
  failed: number;
  unknown: number;
  /** Records a sync deleted: their key is in no row of the file. */
  deleted: number;
  seconds: number;
  requests: number;
  rateLimited: number;
  retried: number;
}

const shown = (value: unknown): string => {
  const text = typeof value === "string" ? value : JSON.stringify(value) ?? "";
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
};

/** Matches columns to fields: --map first, then a field of the column's name, then of its id. */
function matchColumns(columns: string[], fields: TableField[], options: ImportOptions, io: Io): Column[] {
  for (const column of Object.keys(options.map)) {
    if (!columns.includes(column)) throw new UsageError(`--map ${column}=…: the file has no column "${column}" (columns: ${columns.join(", ")})`);
  }
  for (const column of options.skip) {
    if (!columns.includes(column)) throw new UsageError(`--skip ${column}: the file has no column "${column}"`);
  }
  const byName = new Map(fields.map((field) => [field.name, field]));
  const byId = new Map(fields.map((field) => [field.id, field]));
  const matched: Column[] = [];
  const unknown: string[] = [];
  const computed: string[] = [];
  const used = new Map<string, string>();
  for (const column of columns) {
    if (options.skip.includes(column)) continue;
    const target = options.map[column];
    const field = target !== undefined ? (byName.get(target) ?? byId.get(target)) : (byName.get(column) ?? byId.get(column));
    if (target !== undefined && !field) throw new UsageError(`--map ${column}=${target}: no field "${target}" in the ${tableWord(options)} (fields: ${fields.map((f) => f.name).join(", ")})`);
    if (!field) {
      unknown.push(column);
      continue;
    }
    const kind = kindOf(field);
    if (kind === "computed") {
      if (target !== undefined) throw new UsageError(`--map ${column}=${target}: field "${field.name}" (${field.type}) is computed or read-only: it cannot be written`);
      computed.push(`"${column}" (${field.type})`);
      continue;
    }
    const other = used.get(field.id);
    if (other !== undefined) throw new UsageError(`columns "${other}" and "${column}" both go to field "${field.name}"; map or skip one of them`);
    used.set(field.id, column);
    matched.push({ column, field, kind });
  }
  if (unknown.length > 0) {
    throw new CliError(
      `${unknown.length === 1 ? "column" : "columns"} ${unknown.map((c) => `"${c}"`).join(", ")} ${unknown.length === 1 ? "matches" : "match"} no field of the ${tableWord(options)} (fields: ${fields.map((f) => f.name).join(", ")}); map ${unknown.length === 1 ? "it" : "them"} with --map COLUMN=FIELD or leave ${unknown.length === 1 ? "it" : "them"} out with --skip COLUMN`,
    );
  }
  if (computed.length > 0) say(io, `bikavika: warning: skipping ${computed.join(", ")}: computed or read-only fields are not written`);
  if (matched.length === 0) throw new CliError("no column of the file goes to a writable field: nothing to import");
  return matched;
}

const tableWord = (options: ImportOptions) => (options.command.startsWith("bika") ? "database" : "datasheet");

interface PlannedRow {
  row: number;
  cells: Record<string, unknown>;
  key: string | undefined;
}

export async function runImport(table: Table, options: ImportOptions, stats: RequestStats, io: Io): Promise<ExitCode> {
  const started = Date.now();
  const input = readInput(options.file);
  if (options.mode !== "create" && options.key === undefined) {
    throw new UsageError(`--mode ${options.mode} matches rows to records: name the field with --key FIELD`);
  }
  const journalPath = options.journal ?? `${options.file}.bikavika-journal`;
  const header: JournalHeader = {
    command: options.command,
    target: table.label,
    digest: input.digest,
    mode: options.mode,
    key: options.key ?? null,
    map: options.map,
    skip: options.skip,
    separator: options.separator,
    rows: input.rows.length,
  };
  if (!options.dryRun && Journal.isComplete(journalPath, header)) {
    say(io, `bikavika: ${journalPath} says this import is complete; nothing to do (delete the journal to import the file again)`);
    if (options.json) print(io, JSON.stringify({ rows: input.rows.length, created: 0, updated: 0, skipped: input.rows.length, failed: 0, unknown: 0, deleted: 0, complete: true, exitCode: EXIT.ok }));
    return EXIT.ok;
  }
  const fields = await table.fields();
  const columns = matchColumns(input.columns, fields, options, io);
  let keyColumn: Column | undefined;
  if (options.key !== undefined) {
    keyColumn = columns.find((column) => column.field.name === options.key || column.field.id === options.key);
    if (!keyColumn) {
      const field = fields.find((candidate) => candidate.name === options.key || candidate.id === options.key);
      throw new UsageError(field ? `--key ${options.key}: no column of the file goes to that field` : `--key ${options.key}: no such field in the ${tableWord(options)}`);
    }
    if (!KEY_KINDS.has(keyColumn.kind)) throw new UsageError(`--key ${options.key}: a ${keyColumn.field.type} field cannot identify records; use a text, number, date, single select, URL, email or phone field`);
  }

  // Links given by primary value need the linked table's records, read once per field.
  const linkIndexes = new Map<string, Map<string, string[]>>();
  for (const { field, kind, column } of columns) {
    if (kind !== "link") continue;
    const byName = input.rows.some(({ values }) => {
      const raw = values[column];
      const items = Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(options.separator) : [];
      return items.some((item) => typeof item === "string" && item.trim() !== "" && !/^rec[A-Za-z0-9]+$/.test(item.trim()));
    });
    if (byName) linkIndexes.set(field.id, await table.primaryIndex(field));
  }
  const context: ConvertContext = {
    separator: options.separator,
    createsOptions: table.createsOptions,
    memberId: table.memberId,
    baseDir: dirname(resolve(options.file)),
    linkIndex: (field) => linkIndexes.get(field.id),
  };

  const problems: Problem[] = [];
  const planned: PlannedRow[] = [];
  const keyRows = new Map<string, number>();
  for (const { row, values } of input.rows as InputRow[]) {
    const cells: Record<string, unknown> = {};
    let key: string | undefined;
    for (const { column, field, kind } of columns) {
      const raw = values[column];
      const converted = toCell(field, kind, raw, context);
      if (!converted.ok) {
        problems.push({ row, column, value: shown(raw), expected: converted.expected });
        continue;
      }
      cells[field.id] = converted.value;
      if (column === keyColumn?.column) {
        key = keyText(field, kind, converted.value);
        if (key === "") problems.push({ row, column, value: "", expected: `a value: --key ${options.key} identifies the record` });
        else if (keyRows.has(key)) problems.push({ row, column, value: shown(raw), expected: `a key no other row has (row ${keyRows.get(key)} has it too)` });
        else keyRows.set(key, row);
      }
    }
    planned.push({ row, cells, key });
  }
  if (problems.length > 0) return reportProblems(problems, options, io, "nothing was written");

  const journal = options.dryRun ? undefined : Journal.open(journalPath, header);
  // Closed however the import ends, which also gives up the journal's lock.
  try {
    const summary: Summary = { rows: input.rows.length, created: 0, updated: 0, skipped: 0, failed: 0, unknown: 0, deleted: 0, seconds: 0, requests: 0, rateLimited: 0, retried: 0 };
    const finish = (code: ExitCode): ExitCode => {
      summary.seconds = Math.round((Date.now() - started) / 100) / 10;
      summary.requests = stats.requests;
      summary.rateLimited = stats.rateLimited;
      summary.retried = stats.retried;
      if (options.json) print(io, JSON.stringify({ ...summary, dryRun: options.dryRun, exitCode: code }));
      else say(io, summaryLine(summary, options.dryRun));
      return code;
    };

    const failures: Problem[] = [];
    let deleteFailures = 0;
    let fatal: string | undefined;
    for (let pass = 0; pass < 2; pass += 1) {
      const state = journal?.state;
      const written = state?.written ?? new Map<number, string>();
      const unknown = state?.unknown ?? new Set<number>();
      const existing = keyColumn ? await keyIndex(table, keyColumn) : undefined;
      if (pass === 0) summary.skipped = written.size;

      if (unknown.size > 0) {
        if (existing) {
          for (const row of [...unknown]) {
            const plannedRow = planned[row - 1]!;
            const ids = existing.byKey.get(plannedRow.key!);
            if (ids?.length === 1) {
              journal!.written([row], ids);
              summary.skipped += 1;
            }
          }
          // Rows still unknown were not written: their key is nowhere in the table.
          for (const row of [...unknown]) unknown.delete(row);
        } else if (options.unknown === "skip") {
          summary.skipped += unknown.size;
          for (const row of [...unknown]) journal!.written([row], [""]);
        } else if (options.unknown === "resend") {
          unknown.clear();
        } else {
          summary.unknown = unknown.size;
          const rows = [...unknown].sort((a, b) => a - b);
          say(
            io,
            `bikavika: ${rows.length} ${rows.length === 1 ? "row was" : "rows were"} sent in a create whose answer never came (rows ${list(rows)}): ${rows.length === 1 ? "it" : "they"} may or may not be in the ${tableWord(options)}. Without --key they cannot be looked up, so nothing more is written. Re-run with --key FIELD to match them by a field, or check the ${tableWord(options)} and re-run with --unknown skip (they were written) or --unknown resend (they were not).`,
          );
          return finish(written.size > 0 ? EXIT.partial : EXIT.failed);
        }
      }

      const creates: PlannedRow[] = [];
      const updates: Array<PlannedRow & { id: string }> = [];
      const conflicts: Problem[] = [];
      for (const plannedRow of planned) {
        if (written.has(plannedRow.row)) continue;
        const ids = plannedRow.key === undefined ? undefined : (existing?.byKey.get(plannedRow.key) ?? []);
        const column = keyColumn?.column ?? "";
        if (ids === undefined) creates.push(plannedRow);
        else if (ids.length > 1) conflicts.push({ row: plannedRow.row, column, value: plannedRow.key!, expected: `a key of one record (${ids.length} records have it: ${list(ids)})` });
        else if (options.mode === "create" && ids.length === 1) conflicts.push({ row: plannedRow.row, column, value: plannedRow.key!, expected: `a key not in the ${tableWord(options)} yet (record ${ids[0]} has it; --mode upsert updates it)` });
        else if (options.mode === "update" && ids.length === 0) conflicts.push({ row: plannedRow.row, column, value: plannedRow.key!, expected: `a key of an existing record (--mode update creates none; --mode upsert would)` });
        else if (ids.length === 1) updates.push({ ...plannedRow, id: ids[0]! });
        else creates.push(plannedRow);
      }
      if (conflicts.length > 0) {
        return reportProblems(conflicts, options, io, written.size > 0 ? "nothing more was written" : "nothing was written");
      }
      // A sync leaves the table holding the file's rows: every record no row's key names goes, keyless ones too.
      const deletes: string[] = [];
      if (options.mode === "sync" && existing) {
        const kept = new Set(planned.flatMap((plannedRow) => existing.byKey.get(plannedRow.key!) ?? []));
        deletes.push(...existing.all.filter((id) => !kept.has(id)));
      }
      if (options.dryRun) {
        summary.created = creates.length;
        summary.updated = updates.length;
        summary.deleted = deletes.length;
        return finish(EXIT.ok);
      }
      if (creates.length === 0 && updates.length === 0 && deletes.length === 0) break;

      const progress = progressBar(io, "importing", stats, options.progress && io.stderrIsTTY);
      progress.start(planned.length);
      progress.advance(written.size);
      // Each file is uploaded once, however many rows name it.
      const uploads = new Map<string, Promise<unknown>>();
      const upload = (source: AttachmentSource) => {
        const id = "path" in source ? `path:${source.path}` : `url:${source.url}`;
        let pending = uploads.get(id);
        if (!pending) uploads.set(id, (pending = bytesOf(source).then((bytes) => table.upload(bytes, source.name))));
        return pending;
      };
      const withUploads = async (cells: Record<string, unknown>, op: "create" | "update") => {
        const out: Record<string, unknown> = {};
        for (const [fieldId, value] of Object.entries(cells)) {
          // An empty cell clears an existing record's cell; a new record simply leaves it out.
          if (value === null && op === "create") continue;
          out[fieldId] = value instanceof PendingUpload ? await Promise.all(value.sources.map(upload)) : value;
        }
        return out;
      };
      const chunks: Array<{ op: "create" | "update"; rows: Array<PlannedRow & { id?: string }> } | { op: "delete"; ids: string[] }> = [];
      for (let at = 0; at < creates.length; at += table.maxPerWrite) chunks.push({ op: "create", rows: creates.slice(at, at + table.maxPerWrite) });
      for (let at = 0; at < updates.length; at += table.maxPerWrite) chunks.push({ op: "update", rows: updates.slice(at, at + table.maxPerWrite) });
      for (let at = 0; at < deletes.length; at += table.maxPerWrite) chunks.push({ op: "delete", ids: deletes.slice(at, at + table.maxPerWrite) });
      let next = 0;
      let unknownThisPass = 0;
      const worker = async () => {
        while (next < chunks.length && fatal === undefined) {
          const chunk = chunks[next++]!;
          if (chunk.op === "delete") {
            // Deleting again does no harm, and a re-run finds what is left from a fresh read: no journal needed.
            try {
              await table.delete(chunk.ids);
              summary.deleted += chunk.ids.length;
            } catch (error) {
              if (!(error instanceof ApiError || error instanceof ConfigurationError)) throw error;
              if (isFatal(error)) fatal = error.message;
              deleteFailures += chunk.ids.length;
              for (const id of chunk.ids) failures.push({ row: "", column: keyColumn!.column, value: id, expected: `record ${id} deleted (${error.message})` });
            }
            continue;
          }
          const rows = chunk.rows.map((plannedRow) => plannedRow.row);
          let cells: Array<Record<string, unknown>>;
          try {
            cells = await Promise.all(chunk.rows.map((plannedRow) => withUploads(plannedRow.cells, chunk.op)));
          } catch (error) {
            if (!(error instanceof ApiError || error instanceof DownloadError)) throw error;
            if (isFatal(error)) fatal = error.message;
            journal!.failed(rows, `upload: ${error.message}`);
            for (const row of rows) failures.push({ row, column: "", value: "", expected: `uploaded attachments (${error.message})` });
            continue;
          }
          journal!.sending(rows, chunk.op);
          try {
            if (chunk.op === "create") {
              const ids = await table.create(cells);
              journal!.written(rows, ids);
              summary.created += rows.length;
            } else {
              await table.update(chunk.rows.map((plannedRow, index) => ({ id: plannedRow.id!, cells: cells[index]! })));
              journal!.written(rows, chunk.rows.map((plannedRow) => plannedRow.id!));
              summary.updated += rows.length;
            }
            progress.advance(rows.length);
          } catch (error) {
            if (error instanceof OutcomeUnknownError && chunk.op === "create") {
              unknownThisPass += rows.length;
              continue;
            }
            if (!(error instanceof ApiError || error instanceof ConfigurationError)) throw error;
            if (isFatal(error)) fatal = error.message;
            journal!.failed(rows, error.message);
            for (const row of rows) failures.push({ row, column: "", value: "", expected: `accepted by the server (${error.message})` });
          }
        }
      };
      // Ctrl-C lets the requests in flight be answered and recorded, so that no row is left of unknown outcome.
      const onInterrupt = () => {
        fatal ??= "interrupted; every request sent was answered and recorded: run the same command again to continue";
        say(io, "bikavika: stopping once the requests in flight are answered (Ctrl-C again stops at once)");
        process.once("SIGINT", () => process.exit(130));
      };
      process.once("SIGINT", onInterrupt);
      try {
        await Promise.all(Array.from({ length: Math.min(options.concurrency, chunks.length) }, worker));
      } finally {
        process.off("SIGINT", onInterrupt);
        progress.stop();
      }
      if (fatal !== undefined || unknownThisPass === 0 || !keyColumn) break;
    }

    summary.failed = failures.length;
    summary.unknown = journal!.state.unknown.size;
    const done = journal!.state.written.size;
    if (fatal !== undefined) say(io, `bikavika: stopped: ${fatal}`);
    if (summary.unknown > 0) {
      const rows = [...journal!.state.unknown].sort((a, b) => a - b);
      say(io, `bikavika: ${rows.length} rows have an unknown outcome (rows ${list(rows)}); re-run the same command to ${keyColumn ? "look them up by key" : "decide (see --unknown)"}`);
    }
    if (failures.length > 0) writeReport(failures, options, io);
    if (done === planned.length && deleteFailures === 0) {
      journal!.complete();
      return finish(EXIT.ok);
    }
    const writtenNow = summary.created + summary.updated + summary.skipped + summary.deleted;
    return finish(writtenNow > 0 ? EXIT.partial : EXIT.failed);
  } finally {
    journal?.close();
  }
}

/** An attachment that could not be read or downloaded: its rows fail, the others go on. */
class DownloadError extends Error {
  override name = "DownloadError";
}

/** The bytes of an attachment: a local file, or a URL fetched without the token (it goes to the API's origin only). */
async function bytesOf(source: AttachmentSource): Promise<Uint8Array> {
  if ("path" in source) {
    try {
      return readFileSync(source.path);
    } catch (error) {
      throw new DownloadError(`cannot read ${source.path} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    }
  }
  let response: Response;
  try {
    response = await fetch(source.url, { signal: AbortSignal.timeout(120_000) });
  } catch (error) {
    throw new DownloadError(`cannot download ${source.url} (${(error as Error).message})`);
  }
  if (!response.ok) throw new DownloadError(`cannot download ${source.url} (HTTP ${response.status})`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Errors that every further request would get too: stop at once rather than fail row after row. */
function isFatal(error: Error): boolean {
  return error instanceof AuthenticationError || error instanceof PermissionError || error instanceof NotFoundError || error instanceof QuotaError || error instanceof ConfigurationError;
}

/** The table's records by the text of their key cell, and the ids of all of them. */
async function keyIndex(table: Table, key: Column): Promise<{ byKey: Map<string, string[]>; all: string[] }> {
  const index = new Map<string, string[]>();
  const all: string[] = [];
  for await (const record of table.records({ fieldIds: [key.field.id] })) {
    all.push(record.id);
    const text = keyText(key.field, key.kind, record.cells[key.field.id]);
    if (text === "") continue;
    index.set(text, [...(index.get(text) ?? []), record.id]);
  }
  return { byKey: index, all };
}

function list(items: Array<number | string>): string {
  return items.length > 20 ? `${items.slice(0, 20).join(", ")} and ${items.length - 20} more` : items.join(", ");
}

function summaryLine(summary: Summary, dryRun: boolean): string {
  if (dryRun) return `bikavika: dry run: ${summary.rows} rows valid; would create ${summary.created} and update ${summary.updated}${summary.deleted ? ` and delete ${summary.deleted} records` : ""}; nothing written`;
  return `bikavika: ${summary.rows} rows: ${summary.created} created, ${summary.updated} updated, ${summary.skipped} already written, ${summary.failed} failed${summary.unknown ? `, ${summary.unknown} unknown` : ""}${summary.deleted ? `; ${summary.deleted} records deleted` : ""} in ${summary.seconds} s; ${summary.requests} requests (${summary.rateLimited} × 429, ${summary.retried} retried)`;
}

function writeReport(problems: Problem[], options: ImportOptions, io: Io): string {
  const path = options.report ?? `${options.file}.bikavika-report.csv`;
  try {
    writeFileSync(path, stringify(problems, { header: true, columns: ["row", "column", "value", "expected"] }));
  } catch (error) {
    say(io, `bikavika: cannot write the report ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    return path;
  }
  say(io, `bikavika: the rows that failed and why: ${path}`);
  return path;
}

function reportProblems(problems: Problem[], options: ImportOptions, io: Io, outcome: string): ExitCode {
  const rows = new Set(problems.map((problem) => problem.row)).size;
  say(io, `bikavika: ${rows} ${rows === 1 ? "row is" : "rows are"} not valid; ${outcome}:`);
  for (const problem of problems.slice(0, 20)) {
    say(io, `  row ${problem.row}, column "${problem.column}": ${JSON.stringify(problem.value)} — expected ${problem.expected}`);
  }
  if (problems.length > 20) say(io, `  … and ${problems.length - 20} more`);
  writeReport(problems, options, io);
  if (options.json) print(io, JSON.stringify({ valid: false, invalidRows: rows, problems: problems.slice(0, 1000), exitCode: EXIT.failed }));
  return EXIT.failed;
}
