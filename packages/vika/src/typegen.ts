/**
 * TypeScript field maps from datasheets' field metadata (`fields.list()`), for `records.query<Fields>()` and the
 * other record calls: each field's cell type from `CellValueByType`, select options as literal types, formulas
 * by their result type, computed fields `readonly`. `bikavika-vika-typegen` is the command-line front end.
 */
import type { CellValueByType, Field, FieldKey } from "./vika.js";

/** One datasheet to describe: its id, its name when known, and its fields. */
export interface DatasheetFields {
  id: string;
  name?: string | undefined;
  fields: readonly Field[];
  /** The interface's name. Default: the datasheet's name in PascalCase plus `Fields`, else its id's. */
  interfaceName?: string | undefined;
}

export interface FieldMapOptions {
  /** Key by field name (the API's default) or by field id, matching the client's `fieldKey`. Default `name`. */
  fieldKey?: FieldKey | undefined;
  /** The module the generated file imports `CellValueByType` from. Default `@bikavika/vika`. */
  importFrom?: string | undefined;
}

/** Thrown for field metadata that cannot become one TypeScript interface (two fields under one key). */
export class TypegenError extends Error {
  override name = "TypegenError";
}

/**
 * Every field type this client knows (the keys of `CellValueByType`, checked by the compiler), and whether its
 * cells are computed by the server, hence read-only.
 */
const FIELD_TYPES: Record<keyof CellValueByType, "editable" | "computed"> = {
  SingleText: "editable",
  Text: "editable",
  SingleSelect: "editable",
  MultiSelect: "editable",
  Number: "editable",
  Currency: "editable",
  Percent: "editable",
  DateTime: "editable",
  Attachment: "editable",
  Member: "editable",
  Checkbox: "editable",
  Rating: "editable",
  URL: "editable",
  Phone: "editable",
  Email: "editable",
  WorkDoc: "editable",
  OneWayLink: "editable",
  TwoWayLink: "editable",
  MagicLink: "editable",
  MagicLookUp: "computed",
  Formula: "computed",
  AutoNumber: "computed",
  CreatedTime: "computed",
  LastModifiedTime: "computed",
  CreatedBy: "computed",
  LastModifiedBy: "computed",
  Button: "computed",
  Cascader: "editable",
  NotSupport: "computed",
};
const kindOf = (type: string) => (Object.hasOwn(FIELD_TYPES, type) ? FIELD_TYPES[type as keyof CellValueByType] : undefined);

const FORMULA_RESULT: Record<string, string> = { String: "string", Number: "number", Boolean: "boolean", DateTime: "number" };

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A comment's text, on one line, unable to close the comment early; empty for anything but a string. */
function commentText(text: unknown): string {
  return typeof text === "string" ? text.replace(/\s+/g, " ").trim().replace(/\*\//g, "*\\/") : "";
}

/** `"A" | "B" | (string & {})`: the options known now, and any other name (the server adds unknown options). */
function optionUnion(property: unknown): string | undefined {
  const options = (property as { options?: unknown } | undefined)?.options;
  if (!Array.isArray(options)) return undefined;
  const names = options.map((option) => (option as { name?: unknown } | null)?.name).filter((name) => typeof name === "string");
  if (names.length === 0) return undefined;
  return [...new Set(names)].map((name) => JSON.stringify(name)).concat("(string & {})").join(" | ");
}

/** The TypeScript type of one field's cells. */
export function cellType(field: Pick<Field, "type" | "property">): string {
  const { type, property } = field as { type: string; property?: unknown };
  if (type === "SingleSelect") return optionUnion(property) ?? `CellValueByType["SingleSelect"]`;
  if (type === "MultiSelect") {
    const union = optionUnion(property);
    return union ? `Array<${union}>` : `CellValueByType["MultiSelect"]`;
  }
  if (type === "Formula") {
    const valueType = (property as { valueType?: unknown } | undefined)?.valueType;
    const result = typeof valueType === "string" ? FORMULA_RESULT[valueType] : undefined;
    if (result) return result;
  }
  return kindOf(type) ? `CellValueByType[${JSON.stringify(type)}]` : "unknown";
}

/** `Tasks 2024` → `Tasks2024Fields`; a name with no ASCII letters or digits falls back to the id's. */
export function interfaceNameFor(datasheet: Pick<DatasheetFields, "id" | "name">): string {
  const pascal = (text: string) =>
    (text.match(/[A-Za-z0-9]+/g) ?? []).map((word) => word[0]!.toUpperCase() + word.slice(1)).join("");
  let base = pascal(typeof datasheet.name === "string" ? datasheet.name : "") || pascal(datasheet.id) || "Datasheet";
  if (/^[0-9]/.test(base)) base = `Datasheet${base}`;
  return `${base}Fields`;
}

function interfaceSource(datasheet: DatasheetFields, name: string, fieldKey: FieldKey): string {
  const shownName = commentText(datasheet.name);
  const title = shownName ? `${datasheet.id} (${shownName})` : datasheet.id;
  const lines = [
    `/** The fields of datasheet ${title}, by field ${fieldKey}. Empty cells are absent, so every field is optional. */`,
    `export interface ${name} {`,
  ];
  const seen = new Map<string, string>();
  for (const [index, field] of datasheet.fields.entries()) {
    const key: unknown = fieldKey === "id" ? field.id : field.name;
    if (typeof key !== "string" || key === "") {
      throw new TypegenError(`datasheet ${datasheet.id}: field ${index + 1} has no ${fieldKey} (got ${JSON.stringify(key)})`);
    }
    const other = seen.get(key);
    if (other !== undefined) {
      throw new TypegenError(`datasheet ${datasheet.id}: fields ${other} and ${field.id} share the ${fieldKey} ${JSON.stringify(key)}`);
    }
    seen.set(key, field.id);
    const type = (field as { type: string }).type;
    const notes = [
      type,
      fieldKey === "id" ? commentText(field.name) : field.id,
      field.isPrimary ? "primary" : undefined,
      kindOf(type) === "computed" ? "read-only" : undefined,
      kindOf(type) ? undefined : "a type newer than this client",
    ].filter(Boolean);
    const desc = commentText(field.desc);
    lines.push(`  /** ${notes.join(" · ")}${desc ? ` — ${desc}` : ""} */`);
    const property = IDENTIFIER.test(key) ? key : JSON.stringify(key);
    lines.push(`  ${kindOf(type) === "computed" ? "readonly " : ""}${property}?: ${cellType(field)};`);
  }
  lines.push("}");
  return lines.join("\n");
}

/**
 * A TypeScript module with one field-map interface per datasheet, importing `CellValueByType` from the client.
 * Interface names stay unique (a repeated one gets a number).
 */
export function fieldMapsModule(datasheets: readonly DatasheetFields[], options: FieldMapOptions = {}): string {
  const fieldKey = options.fieldKey ?? "name";
  const importFrom = options.importFrom ?? "@bikavika/vika";
  const used = new Set<string>();
  const interfaces = datasheets.map((datasheet) => {
    const wanted = datasheet.interfaceName ?? interfaceNameFor(datasheet);
    if (!IDENTIFIER.test(wanted)) throw new TypegenError(`${JSON.stringify(wanted)} is not a TypeScript identifier`);
    let name = wanted;
    for (let n = 2; used.has(name); n += 1) name = `${wanted}${n}`;
    used.add(name);
    return interfaceSource(datasheet, name, fieldKey);
  });
  const body = interfaces.join("\n\n");
  return [
    "// Generated by bikavika-vika-typegen from the datasheets' fields. Regenerate it when they change.",
    // Imported only when used, so that `noUnusedLocals` projects compile it.
    ...(body.includes("CellValueByType[") ? [`import type { CellValueByType } from ${JSON.stringify(importFrom)};`, ""] : []),
    body,
    "",
  ].join("\n");
}
