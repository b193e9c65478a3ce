/**
 * Input files (CSV, JSON, NDJSON) read into rows of named cells with every file-level problem reported as one
 * message, and the export writers, which stream: one record in, one line out.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import type { Writable } from "node:stream";
import { CsvError, parse } from "csv-parse/sync";
import { stringify } from "csv-stringify";
import { CliError, UsageError } from "./errors.js";

export type Format = "csv" | "json" | "ndjson";
export const FORMATS: readonly Format[] = ["csv", "json", "ndjson"];

export interface InputRow {
  /** 1-based among the data rows (a CSV's header is not a row). */
  row: number;
  /** Cells by column: strings from CSV, any JSON value from JSON and NDJSON. */
  values: Record<string, unknown>;
}

export interface Input {
  format: Format;
  columns: string[];
  rows: InputRow[];
  /** sha256 of the file's bytes: a journal belongs to one content. */
  digest: string;
}

export function formatOfPath(path: string): Format {
  const extension = extname(path).slice(1).toLowerCase();
  if (extension === "jsonl") return "ndjson";
  if ((FORMATS as readonly string[]).includes(extension)) return extension as Format;
  if (extension === "xlsx" || extension === "xls") throw new UsageError(`${path}: Excel files are not read; save the sheet as CSV (UTF-8) and import that`);
  throw new UsageError(`${path}: cannot tell the format from the extension "${extension ? `.${extension}` : ""}"; name it .csv, .json or .ndjson`);
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Reads and checks a whole input file: it is validated in full before anything is written. */
export function readInput(path: string): Input {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${path}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : `cannot read it (${code ?? (error as Error).message})`}`);
  }
  const format = formatOfPath(path);
  const digest = createHash("sha256").update(bytes).digest("hex");
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new CliError(`${path}: not UTF-8 text (a binary file, or another encoding: save it as UTF-8)`);
  }
  if (text.includes("\u0000")) throw new CliError(`${path}: holds NUL bytes: a binary file, not ${format.toUpperCase()}`);
  if (text.startsWith("\uFEFF")) text = text.slice(1);
  if (text.trim() === "") throw new CliError(`${path}: the file is empty`);
  const { columns, rows } = format === "csv" ? readCsv(path, text) : format === "json" ? readJson(path, text) : readNdjson(path, text);
  if (rows.length === 0) throw new CliError(`${path}: no rows to import${format === "csv" ? " (only a header)" : ""}`);
  return { format, columns, rows, digest };
}

function readCsv(path: string, text: string): { columns: string[]; rows: InputRow[] } {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, { info: true, skip_empty_lines: true, relax_column_count: false }) as unknown as typeof records;
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      const why =
        error.code === "CSV_RECORD_INCONSISTENT_FIELDS_LENGTH"
          ? "a row has a different number of cells than the header (ragged rows)"
          : error.code === "CSV_QUOTE_NOT_CLOSED"
            ? "a quoted cell is never closed"
            : error.message;
      throw new CliError(`${path}${line ? `, line ${line}` : ""}: not valid CSV: ${why}`);
    }
    throw error;
  }
  const [header, ...body] = records;
  const columns = header!.record.map((name) => name.trim());
  checkHeader(path, columns);
  return {
    columns,
    rows: body.map(({ record }, index) => ({ row: index + 1, values: Object.fromEntries(columns.map((column, at) => [column, record[at]])) })),
  };
}

function checkHeader(path: string, columns: string[]): void {
  const blank = columns.findIndex((name) => name === "");
  if (blank >= 0) throw new CliError(`${path}: column ${blank + 1} of the header has no name`);
  const seen = new Set<string>();
  for (const column of columns) {
    if (seen.has(column)) throw new CliError(`${path}: the header names column "${column}" twice`);
    seen.add(column);
  }
}

function rowsOfObjects(path: string, objects: unknown[], where: (index: number) => string): { columns: string[]; rows: InputRow[] } {
  const columns = new Set<string>();
  const rows = objects.map((object, index) => {
    if (!isRecord(object)) throw new CliError(`${path}, ${where(index)}: expected an object of column → value, got ${Array.isArray(object) ? "an array" : object === null ? "null" : typeof object}`);
    for (const key of Object.keys(object)) columns.add(key);
    return { row: index + 1, values: object };
  });
  return { columns: [...columns], rows };
}

function readJson(path: string, text: string) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${path}: not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new CliError(`${path}: expected a JSON array of objects (one per row)`);
  return rowsOfObjects(path, parsed, (index) => `item ${index + 1}`);
}

function readNdjson(path: string, text: string) {
  const objects: unknown[] = [];
  const lines: number[] = [];
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === "") continue;
    try {
      objects.push(JSON.parse(line));
    } catch (error) {
      throw new CliError(`${path}, line ${index + 1}: not valid JSON: ${(error as Error).message}`);
    }
    lines.push(index + 1);
  }
  return rowsOfObjects(path, objects, (index) => `line ${lines[index]}`);
}

/** Streams records out in one format; `close()` ends the document (the closing bracket of a JSON array). */
export interface RowWriter {
  write(row: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

/** Waits for 'drain' when the stream's buffer is full, so memory stays flat however many rows go out. */
function writeTo(out: Writable, chunk: string): Promise<void> {
  if (out.write(chunk)) return Promise.resolve();
  return new Promise((resolveWrite, reject) => {
    const onError = (error: Error) => {
      out.off("drain", onDrain);
      reject(error);
    };
    const onDrain = () => {
      out.off("error", onError);
      resolveWrite();
    };
    out.once("drain", onDrain);
    out.once("error", onError);
  });
}

export function rowWriter(format: Format, columns: string[], out: Writable): RowWriter {
  if (format !== "csv") {
    // The destination's failure, whenever it comes: the next write or the close reports it.
    let failed: Error | undefined;
    out.on("error", (error) => (failed ??= error));
    const send = (chunk: string) => (failed ? Promise.reject(failed) : writeTo(out, chunk));
    if (format === "ndjson") {
      return { write: (row) => send(`${JSON.stringify(row)}\n`), close: async () => void (failed && (await Promise.reject(failed))) };
    }
    let first = true;
    return {
      write: (row) => {
        const chunk = `${first ? "[\n" : ",\n"}${JSON.stringify(row)}`;
        first = false;
        return send(chunk);
      },
      close: () => send(first ? "[]\n" : "\n]\n"),
    };
  }
  const csv = stringify({ header: true, columns, record_delimiter: "unix" });
  // A destination that fails (a full disk, a closed pipe) never drains: every write waiting then, and every one
  // after, fails with its error instead of waiting for ever.
  let failed: Error | undefined;
  const waiting = new Set<(error: Error) => void>();
  const fail = (error: Error) => {
    failed ??= error;
    for (const reject of waiting) reject(failed);
    waiting.clear();
    csv.destroy();
  };
  // `on`, not `once`: a stream may report its failure more than once, and none may go unheard.
  out.on("error", fail);
  csv.on("error", fail);
  const piped = new Promise<void>((resolvePipe, reject) => {
    waiting.add(reject);
    csv.on("end", () => {
      waiting.delete(reject);
      resolvePipe();
    });
  });
  // Awaited by close(); a writer abandoned after a failed write never gets there, and that is no unhandled failure.
  piped.catch(() => undefined);
  csv.on("data", (chunk: Buffer | string) => {
    if (!out.write(chunk)) {
      csv.pause();
      out.once("drain", () => csv.resume());
    }
  });
  return {
    write: (row) =>
      failed
        ? Promise.reject(failed)
        : new Promise((resolveWrite, reject) => {
            waiting.add(reject);
            csv.write(columns.map((column) => row[column] ?? ""), (error) => {
              waiting.delete(reject);
              if (error) reject(failed ?? error);
              else resolveWrite();
            });
          }),
    close: async () => {
      if (failed) throw failed;
      csv.end();
      await piped;
    },
  };
}
