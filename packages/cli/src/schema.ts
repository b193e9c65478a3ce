import { kindOf } from "./convert.js";
import { EXIT, type ExitCode } from "./errors.js";
import { type Io, print } from "./io.js";
import type { Table, TableField } from "./model.js";

/** What a field's property says that matters when writing it: options, symbol, precision, linked table. */
function details(field: TableField): string {
  const property = field.property ?? {};
  const parts: string[] = [];
  const options = property.options;
  if (Array.isArray(options) && options.length > 0) {
    const names = options.map((option) => (option as { name?: unknown }).name).filter((name) => typeof name === "string");
    if (names.length) parts.push(`options: ${names.slice(0, 8).join(", ")}${names.length > 8 ? `, … (${names.length})` : ""}`);
  }
  for (const key of ["symbol", "precision", "max", "foreignDatasheetId", "dateFormat", "expression"]) {
    const value = property[key];
    if (typeof value === "string" || typeof value === "number") parts.push(`${key}: ${value}`);
  }
  return parts.join("; ");
}

/** Hangul, CJK, full-width forms: the characters a terminal draws two cells wide (Unicode East Asian Wide). */
const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u;

/** Terminal cells a string takes, so that columns of Chinese field names line up. */
function displayWidth(text: string): number {
  let width = 0;
  for (const character of text) width += WIDE.test(character) ? 2 : 1;
  return width;
}

export async function runSchema(table: Table, options: { viewId: string | undefined; json: boolean }, io: Io): Promise<ExitCode> {
  const fields = await table.fields({ viewId: options.viewId });
  if (options.json) {
    print(io, JSON.stringify(fields.map((field) => ({ ...field, kind: kindOf(field) })), null, 2));
    return EXIT.ok;
  }
  const rows = [
    ["FIELD", "ID", "TYPE", "WRITABLE", "DETAILS"],
    ...fields.map((field) => [`${field.name}${field.isPrimary ? " (primary)" : ""}`, field.id, field.type, kindOf(field) === "computed" ? "no" : "yes", details(field)]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => displayWidth(row[column]!))));
  for (const row of rows) print(io, row.map((cell, column) => (column === row.length - 1 ? cell : cell + " ".repeat(widths[column]! - displayWidth(cell)))).join("  ").trimEnd());
  return EXIT.ok;
}
