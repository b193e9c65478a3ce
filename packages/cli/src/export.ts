/** `export`: every record of a table, streamed page by page to a file or stdout, converted as `import` reads it. */
import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import type { RequestStats } from "./client-settings.js";
import { fromCell, kindOf } from "./convert.js";
import { CliError, EXIT, type ExitCode } from "./errors.js";
import { type Format, rowWriter } from "./formats.js";
import { type Io, print, say } from "./io.js";
import type { Table } from "./model.js";
import { progressBar } from "./progress.js";

export interface ExportOptions {
  viewId: string | undefined;
  format: Format;
  out: string | undefined;
  fieldKey: "name" | "id";
  separator: string;
  json: boolean;
  progress: boolean;
}

export async function runExport(table: Table, options: ExportOptions, stats: RequestStats, io: Io): Promise<ExitCode> {
  const started = Date.now();
  const fields = await table.fields({ viewId: options.viewId });
  const columns = fields.map((field) => ({ field, kind: kindOf(field), name: options.fieldKey === "id" ? field.id : field.name }));
  const style = { separator: options.separator, as: options.format === "csv" ? "text" : "json", members: table.memberExport } as const;
  let out: Writable = io.stdout;
  if (options.out !== undefined) {
    out = createWriteStream(options.out);
    await new Promise<void>((resolveOpen, reject) => {
      out.once("open", () => resolveOpen());
      out.once("error", (error: NodeJS.ErrnoException) => reject(new CliError(`cannot write ${options.out} (${error.code ?? error.message})`, EXIT.usage)));
    });
  }
  const writer = rowWriter(options.format, columns.map((column) => column.name), out);
  const progress = progressBar(io, "exporting", stats, options.progress && io.stderrIsTTY && options.out !== undefined);
  progress.start(0);
  let rows = 0;
  try {
    for await (const record of table.records({ viewId: options.viewId })) {
      const row: Record<string, unknown> = {};
      for (const { field, kind, name } of columns) row[name] = fromCell(field, kind, record.cells[field.id], style);
      await writer.write(row);
      rows += 1;
      progress.advance(1);
    }
    await writer.close();
  } finally {
    progress.stop();
    if (out !== io.stdout) {
      out.end();
      await finished(out);
    }
  }
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  if (options.json) print(io, JSON.stringify({ rows, fields: columns.length, seconds, requests: stats.requests, rateLimited: stats.rateLimited, retried: stats.retried, out: options.out ?? null }));
  else say(io, `bikavika: exported ${rows} rows × ${columns.length} fields${options.out ? ` to ${options.out}` : ""} in ${seconds} s; ${stats.requests} requests (${stats.rateLimited} × 429, ${stats.retried} retried)`);
  return EXIT.ok;
}
