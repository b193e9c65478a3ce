/**
 * Cells from text (a CSV cell) or JSON values to the write shapes of the field's type, and back from the read
 * shapes, so that an export imports again unchanged. One conversion per kind of field; each API names its types
 * (see `kindOf`).
 */
import { statSync } from "node:fs";
import { basename, isAbsolute, resolve } from "node:path";
import type { TableField } from "./model.js";

export type Kind =
  | "text"
  | "number"
  | "currency"
  | "percent"
  | "checkbox"
  | "datetime"
  | "select"
  | "multiselect"
  | "rating"
  | "url"
  | "email"
  | "phone"
  | "member"
  | "link"
  | "attachment"
  | "computed";

const VIKA_KINDS: Record<string, Kind> = {
  SingleText: "text",
  Text: "text",
  Number: "number",
  Currency: "currency",
  Percent: "percent",
  Checkbox: "checkbox",
  DateTime: "datetime",
  SingleSelect: "select",
  MultiSelect: "multiselect",
  Rating: "rating",
  URL: "url",
  Email: "email",
  Phone: "phone",
  Member: "member",
  OneWayLink: "link",
  TwoWayLink: "link",
  MagicLink: "link",
  Attachment: "attachment",
};

const BIKA_KINDS: Record<string, Kind> = {
  SINGLE_TEXT: "text",
  LONG_TEXT: "text",
  NUMBER: "number",
  CURRENCY: "currency",
  PERCENT: "percent",
  CHECKBOX: "checkbox",
  DATETIME: "datetime",
  DATERANGE: "computed",
  SINGLE_SELECT: "select",
  MULTI_SELECT: "multiselect",
  RATING: "rating",
  URL: "url",
  EMAIL: "email",
  PHONE: "phone",
  MEMBER: "member",
  LINK: "link",
  ONE_WAY_LINK: "link",
  ATTACHMENT: "attachment",
};

/** The kind of a field: anything the API does not take in writes, or a type this tool does not know, is computed. */
export function kindOf(field: TableField): Kind {
  if (!field.writable) return "computed";
  return VIKA_KINDS[field.type] ?? BIKA_KINDS[field.type] ?? "computed";
}

/** Kinds whose text identifies a record, for `--key`. */
export const KEY_KINDS: ReadonlySet<Kind> = new Set(["text", "number", "currency", "percent", "datetime", "select", "url", "email", "phone"]);

/**
 * This command's bound on one cell, checked before anything is sent: a longer one is almost always a broken file
 * (an unclosed quote swallowing the rest), and ten of them would make a write request of megabytes.
 */
export const MAX_CELL_CHARS = 100_000;

/** A file an attachment cell names: a local path, or the URL an export wrote (downloaded, then uploaded). */
export type AttachmentSource = { path: string; name: string } | { url: string; name: string };

/** The files of an attachment cell, uploaded when the row is written. */
export class PendingUpload {
  constructor(readonly sources: AttachmentSource[]) {}
}

/** `cover.png (https://…)`, the form an export writes an attachment in, as Vika's text cells show them. */
const LABELLED_URL = /^(.*\S)\s+\((https?:\/\/[^\s()]+)\)$/;

function urlName(url: string): string {
  const last = new URL(url).pathname.split("/").filter(Boolean).at(-1);
  try {
    return last ? decodeURIComponent(last) : "attachment";
  } catch {
    return last ?? "attachment";
  }
}

/** One item of an attachment cell as a source, or what was wrong with it. */
function attachmentSource(item: unknown, baseDir: string): AttachmentSource | string {
  if (typeof item === "object" && item !== null && typeof (item as { url?: unknown }).url === "string") {
    const { url, name } = item as { url: string; name?: unknown };
    if (!/^https?:\/\//.test(url) || !URL.canParse(url)) return `an http(s) URL (got ${JSON.stringify(url)})`;
    return { url, name: typeof name === "string" && name !== "" ? name : urlName(url) };
  }
  if (typeof item !== "string") return "local file paths or URLs";
  const labelled = LABELLED_URL.exec(item);
  if (labelled && URL.canParse(labelled[2]!)) return { url: labelled[2]!, name: labelled[1]! };
  if (/^https?:\/\//.test(item)) return URL.canParse(item) ? { url: item, name: urlName(item) } : `a valid URL (got ${JSON.stringify(item)})`;
  const path = isAbsolute(item) ? item : resolve(baseDir, item);
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    isFile = false;
  }
  return isFile ? { path, name: basename(path) } : `paths of local files to upload, or URLs (${path} is not a readable file)`;
}

export interface ConvertContext {
  /** Between the items of multi-valued cells (multi select, members, links, attachments) in text. */
  separator: string;
  /** Relative attachment paths are read from here (the input file's directory). */
  baseDir: string;
  /** What a member id looks like in this API. */
  memberId: RegExp;
  /** Whether select cells may name options the field lacks (the API adds them). */
  createsOptions: boolean;
  /** Record ids of a linked table by the text of their primary field, loaded before conversion. */
  linkIndex(field: TableField): Map<string, string[]> | undefined;
}

export type Converted = { ok: true; value: unknown } | { ok: false; expected: string };

const ok = (value: unknown): Converted => ({ ok: true, value });
const bad = (expected: string): Converted => ({ ok: false, expected });

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?$/;
const EPOCH_MS = /^-?\d{10,}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const RECORD_ID = /^rec[A-Za-z0-9]+$/;
const DAY_MS = 86_400_000;

export const DATE_RULE = [
  "Dates: ISO 8601 with a zone (2024-05-01T09:30:00+08:00) is that instant; without a zone (2024-05-01T09:30)",
  "or date-only (2024-05-01) it is read as UTC, whatever this machine's zone; an integer of 10 or more digits is",
  "epoch milliseconds. Exports write UTC ISO 8601, date-only when the time is midnight UTC.",
].join("\n");

function parseNumber(text: string): number | undefined {
  if (!NUMBER.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** Epoch ms of a date cell, or undefined when it follows none of the forms in DATE_RULE. */
export function parseDate(input: unknown): number | undefined {
  if (typeof input === "number") return Number.isSafeInteger(input) ? input : undefined;
  if (typeof input !== "string") return undefined;
  const text = input.trim();
  if (EPOCH_MS.test(text)) {
    const ms = Number(text);
    return Number.isSafeInteger(ms) ? ms : undefined;
  }
  const day = DATE_ONLY.exec(text);
  const full = day ? undefined : DATE_TIME.exec(text);
  const parts = day ?? full;
  if (!parts) return undefined;
  const [, year, month, date, hour = "00", minute = "00", second = "00", fraction = "0", zone = "Z"] = parts;
  const ms = Date.parse(`${year}-${month}-${date}T${hour}:${minute}:${second}.${fraction.padEnd(3, "0")}${zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`);
  // Date.parse rolls 2024-02-30 over to March: the calendar fields must survive the trip.
  if (!Number.isFinite(ms)) return undefined;
  const check = new Date(Date.UTC(Number(year), Number(month) - 1, Number(date)));
  if (check.getUTCMonth() !== Number(month) - 1 || check.getUTCDate() !== Number(date)) return undefined;
  return ms;
}

export function formatDate(ms: number): string {
  const iso = new Date(ms).toISOString();
  return ms % DAY_MS === 0 ? iso.slice(0, 10) : iso;
}

/** The items of a multi-valued cell: a JSON array as is, text split at the separator, blanks dropped. */
function itemsOf(raw: unknown, separator: string): unknown[] | undefined {
  if (Array.isArray(raw)) return raw;
  if (typeof raw !== "string") return undefined;
  return raw
    .split(separator)
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

const isEmpty = (raw: unknown) => raw === undefined || raw === null || (typeof raw === "string" && raw.trim() === "") || (Array.isArray(raw) && raw.length === 0);

const textOf = (raw: unknown): string | undefined =>
  typeof raw === "string" ? raw : typeof raw === "number" || typeof raw === "boolean" ? String(raw) : undefined;

function optionNames(field: TableField): string[] {
  const options = field.property?.options;
  return Array.isArray(options) ? options.map((option) => (option as { name?: unknown }).name).filter((name): name is string => typeof name === "string") : [];
}

interface MemberOption {
  id: string;
  name: string;
}

function memberOptions(field: TableField): MemberOption[] {
  const options = field.property?.options;
  if (!Array.isArray(options)) return [];
  return options.flatMap((option: unknown) => {
    const { id, unitId, name } = (option ?? {}) as { id?: unknown; unitId?: unknown; name?: unknown };
    const key = typeof unitId === "string" ? unitId : typeof id === "string" ? id : undefined;
    return key !== undefined && typeof name === "string" ? [{ id: key, name }] : [];
  });
}

/**
 * One cell of an input row, converted for a write to `field`. An empty cell is `null` (on create it is left out,
 * on update it clears the cell).
 */
export function toCell(field: TableField, kind: Kind, raw: unknown, context: ConvertContext): Converted {
  if (isEmpty(raw)) return ok(null);
  if (typeof raw === "string" && raw.length > MAX_CELL_CHARS) return bad(`at most ${MAX_CELL_CHARS.toLocaleString("en")} characters (got ${raw.length.toLocaleString("en")})`);
  const text = textOf(raw)?.trim();
  switch (kind) {
    case "text":
      return text === undefined ? bad("text") : ok(textOf(raw));
    case "number":
    case "currency":
    case "percent": {
      if (typeof raw === "number") return Number.isFinite(raw) ? ok(raw) : bad("a finite number");
      if (text === undefined) return bad("a number");
      let digits = text;
      const symbol = field.property?.symbol;
      if (kind === "currency" && typeof symbol === "string" && symbol !== "" && digits.startsWith(symbol)) digits = digits.slice(symbol.length).trim();
      const percent = kind === "percent" && digits.endsWith("%");
      if (percent) digits = digits.slice(0, -1).trim();
      const value = parseNumber(digits);
      if (value === undefined) {
        return bad(kind === "percent" ? "a number (a fraction, 0.25) or a percentage (25%)" : kind === "currency" ? "an amount (12.50, optionally after the field's symbol)" : "a number (1234.5; no thousands separators)");
      }
      return ok(percent ? Number((value / 100).toPrecision(15)) : value);
    }
    case "checkbox": {
      if (typeof raw === "boolean") return ok(raw);
      const word = text?.toLowerCase();
      if (word === "true" || word === "yes" || word === "1") return ok(true);
      if (word === "false" || word === "no" || word === "0") return ok(false);
      return bad("true/false, yes/no or 1/0");
    }
    case "datetime": {
      const ms = parseDate(raw);
      return ms === undefined ? bad("a date: 2024-05-01, 2024-05-01T09:30:00Z (no zone: UTC) or epoch ms") : ok(ms);
    }
    case "select": {
      if (text === undefined) return bad("one option name");
      return context.createsOptions || optionNames(field).includes(text) ? ok(text) : bad(`one of the field's options (${optionNames(field).join(", ")})`);
    }
    case "multiselect": {
      const items = itemsOf(raw, context.separator);
      if (!items?.every((item) => typeof item === "string")) return bad(`option names separated by "${context.separator}"`);
      const names = [...new Set((items as string[]).map((item) => item.trim()).filter(Boolean))];
      if (!context.createsOptions && !names.every((name) => optionNames(field).includes(name))) return bad(`the field's options (${optionNames(field).join(", ")}) separated by "${context.separator}"`);
      return ok(names.length ? names : null);
    }
    case "rating": {
      const max = typeof field.property?.max === "number" ? field.property.max : 5;
      const value = typeof raw === "number" ? raw : parseNumber(text ?? "");
      if (value === undefined || !Number.isInteger(value) || value < 0 || value > max) return bad(`a whole number from 0 to ${max}`);
      return ok(value === 0 ? null : value);
    }
    case "url":
      return text !== undefined && URL.canParse(text) ? ok(text) : bad("a URL with its scheme (https://example.com)");
    case "email":
      return text !== undefined && EMAIL.test(text) ? ok(text) : bad("an email address (name@example.com)");
    case "phone":
      return text !== undefined && /\d/.test(text) ? ok(text) : bad("a phone number");
    case "member": {
      const items = itemsOf(raw, context.separator);
      const options = memberOptions(field);
      const known = options.length ? ` (known to the field: ${options.map((option) => option.name).slice(0, 10).join(", ")})` : "";
      if (!items?.every((item) => typeof item === "string")) return bad(`member names or unit ids separated by "${context.separator}"`);
      const ids: Array<{ id: string }> = [];
      for (const item of items as string[]) {
        const byId = options.find((option) => option.id === item);
        const byName = options.filter((option) => option.name === item);
        if (byId) ids.push({ id: byId.id });
        else if (byName.length === 1) ids.push({ id: byName[0]!.id });
        else if (byName.length > 1) return bad(`one member per name: "${item}" names ${byName.length}; give the unit id`);
        else if (context.memberId.test(item)) ids.push({ id: item });
        else return bad(`member names or unit ids${known}`);
      }
      return ok(ids.length ? ids : null);
    }
    case "link": {
      const items = itemsOf(raw, context.separator);
      if (!items?.every((item) => typeof item === "string")) return bad(`record ids or primary values separated by "${context.separator}"`);
      const index = context.linkIndex(field);
      const ids: string[] = [];
      for (const item of items as string[]) {
        if (RECORD_ID.test(item)) {
          ids.push(item);
          continue;
        }
        const found = index?.get(item) ?? [];
        if (found.length !== 1) {
          return bad(found.length > 1 ? `one linked record per value: "${item}" is the primary value of ${found.length}; give the record id` : "record ids (rec…) or primary values of the linked table's records");
        }
        ids.push(found[0]!);
      }
      return ok(ids.length ? [...new Set(ids)] : null);
    }
    case "attachment": {
      const items = itemsOf(raw, context.separator);
      if (!items) return bad(`local file paths or URLs separated by "${context.separator}"`);
      const sources: AttachmentSource[] = [];
      for (const item of items) {
        const source = attachmentSource(item, context.baseDir);
        if (typeof source === "string") return bad(source);
        sources.push(source);
      }
      return ok(sources.length ? new PendingUpload(sources) : null);
    }
    case "computed":
      return bad("nothing: the field is computed");
  }
}

export interface CellStyle {
  separator: string;
  as: "text" | "json";
  members: "name" | "id";
}

/** Text or a JSON value of a cell as read, the inverse of `toCell` for writable kinds. */
export function fromCell(field: TableField, kind: Kind, value: unknown, style: CellStyle): unknown {
  const { separator, as } = style;
  const list = (items: unknown[]) => (as === "json" ? items : items.map((item) => String(item)).join(separator));
  if (value === undefined || value === null) return kind === "checkbox" ? (as === "json" ? false : "false") : as === "json" ? null : "";
  switch (kind) {
    case "checkbox":
      return as === "json" ? value === true : String(value === true);
    case "datetime": {
      // Vika reads dates as epoch ms, Bika as ISO 8601 strings.
      const ms = typeof value === "number" ? value : typeof value === "string" ? Date.parse(value) : Number.NaN;
      return Number.isFinite(ms) ? formatDate(ms) : String(value);
    }
    case "number":
    case "currency":
    case "percent":
    case "rating":
      return as === "json" ? value : String(value);
    case "url":
      return typeof value === "object" && value !== null && "text" in value ? String((value as { text: unknown }).text) : String(value);
    case "multiselect":
      return Array.isArray(value) ? list(value) : String(value);
    case "member":
      return Array.isArray(value) ? list(value.map((unit) => (style.members === "name" ? ((unit as { name?: unknown }).name ?? (unit as { id?: unknown }).id) : (unit as { id?: unknown }).id))) : String(value);
    case "link":
      return Array.isArray(value) ? list(value.map((item) => (typeof item === "object" && item !== null ? ((item as { id?: unknown; recordId?: unknown }).recordId ?? (item as { id?: unknown }).id) : item))) : String(value);
    case "attachment": {
      if (!Array.isArray(value)) return String(value);
      const files = value.map((item) => ({ name: String((item as { name?: unknown }).name ?? ""), url: String((item as { url?: unknown }).url ?? "") }));
      return as === "json" ? files : files.map(({ name, url }) => (name ? `${name} (${url})` : url)).join(separator);
    }
    default:
      return computedValue(value, separator, as);
  }
}

/** Computed cells (formulas, lookups, users, auto numbers) in their plainest form. */
function computedValue(value: unknown, separator: string, as: "text" | "json"): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => computedValue(item, separator, "text"));
    return as === "json" ? items : items.join(separator);
  }
  if (typeof value === "object" && value !== null) {
    const { name, text, message } = value as { name?: unknown; text?: unknown; message?: unknown };
    const shown = name ?? text ?? message;
    return shown !== undefined ? String(shown) : JSON.stringify(value);
  }
  return as === "json" ? value : String(value);
}

/** The text that identifies a record by its key cell: the same for a converted input cell and a read cell. */
export function keyText(field: TableField, kind: Kind, value: unknown): string {
  if (value === null || value === undefined) return "";
  if (kind === "number" || kind === "currency" || kind === "percent") return String(Number(value));
  return String(fromCell(field, kind, value, { separator: ",", as: "text", members: "id" })).trim();
}
