/**
 * Vika field types: how each one's property is stored (the read shape listFields returns), how a create request's
 * property becomes it, how a written cell is checked and converted, and how a stored cell is read back. The rules
 * follow spec/vika/schemas/fields.yaml (`CellValueWrite`, the `*Property` and `*CreateProperty` schemas), which
 * cites the room-server's field validators.
 */
import { newId } from "../ids.js";
import { badRequest, isObject } from "../http.js";

export type FieldType =
  | "SingleText"
  | "Text"
  | "SingleSelect"
  | "MultiSelect"
  | "Number"
  | "Currency"
  | "Percent"
  | "DateTime"
  | "Attachment"
  | "Member"
  | "Checkbox"
  | "Rating"
  | "URL"
  | "Phone"
  | "Email"
  | "WorkDoc"
  | "OneWayLink"
  | "TwoWayLink"
  | "MagicLink"
  | "MagicLookUp"
  | "Formula"
  | "AutoNumber"
  | "CreatedTime"
  | "LastModifiedTime"
  | "CreatedBy"
  | "LastModifiedBy"
  | "Button"
  | "Cascader"
  | "NotSupport";

export const FIELD_TYPES: readonly FieldType[] = [
  "SingleText", "Text", "SingleSelect", "MultiSelect", "Number", "Currency", "Percent", "DateTime", "Attachment",
  "Member", "Checkbox", "Rating", "URL", "Phone", "Email", "WorkDoc", "OneWayLink", "TwoWayLink", "MagicLink",
  "MagicLookUp", "Formula", "AutoNumber", "CreatedTime", "LastModifiedTime", "CreatedBy", "LastModifiedBy", "Button",
  "Cascader", "NotSupport",
];

/** Types whose cells the server computes: every written value, `null` included, is refused. */
export const COMPUTED: ReadonlySet<FieldType> = new Set([
  "Formula", "MagicLookUp", "AutoNumber", "CreatedTime", "LastModifiedTime", "CreatedBy", "LastModifiedBy",
]);
/** Types no write can touch at all (WorkDoc takes only null). */
const UNWRITABLE: ReadonlySet<FieldType> = new Set(["Button", "NotSupport", "Cascader"]);
/** Types that can be a datasheet's first (primary) field: not attachments, links, checkboxes, buttons or lookups. */
export const PRIMARY_TYPES: ReadonlySet<FieldType> = new Set([
  "SingleText", "Text", "Number", "Currency", "Percent", "DateTime", "URL", "Phone", "Email", "Formula", "AutoNumber",
  "SingleSelect", "MultiSelect", "Member", "CreatedTime", "LastModifiedTime", "CreatedBy", "LastModifiedBy", "Rating",
]);

export interface SelectOption {
  id: string;
  name: string;
  color: { name: string; value: string };
}

export interface Field {
  id: string;
  name: string;
  type: FieldType;
  /** The read shape of listFields, or undefined for types without one. */
  property: Record<string, unknown> | undefined;
  desc?: string | undefined;
}

export interface Unit {
  unitId: string;
  name: string;
  type: "Member" | "Team";
  avatar?: string | undefined;
}

export interface StoredAttachment {
  token: string;
  name: string;
  size: number;
  mimeType: string;
  url: string;
  width?: number | undefined;
  height?: number | undefined;
}

/** What cell conversion needs from the rest of the emulator. */
export interface CellContext {
  /** A unit of the space by unit id, or by name (and type) when no id is given. */
  unit(reference: { id?: string; unitId?: string; name?: string; type?: string }): Unit | undefined;
  attachment(token: string): StoredAttachment | undefined;
  /** Whether a record exists in a datasheet. */
  recordExists(datasheetId: string, recordId: string): boolean;
}

const PALETTE = ["deepPurple", "indigo", "blue", "teal", "green", "yellow", "orange", "tangerine", "pink", "red"];
const HEX = ["#7B67EE", "#5586FF", "#55CDFF", "#3DD7CD", "#6DD37D", "#FFD53E", "#FFAB00", "#FF7A00", "#FF6FA8", "#FF4D4F"];
const EMOJI: Record<string, string> = { white_check_mark: "✅", star: "⭐", heart: "❤️", thumbsup: "👍", tada: "🎉", fire: "🔥", flags: "🎏" };

function color(name: unknown, index: number): SelectOption["color"] {
  const chosen = typeof name === "string" && /^[a-zA-Z]+_[0-9]+$/.test(name) && PALETTE.includes(name.split("_")[0]!) ? name : `${PALETTE[index % 10]}_4`;
  return { name: chosen, value: HEX[PALETTE.indexOf(chosen.split("_")[0]!)]! };
}

export function newOption(name: string, existing: number, colorName?: unknown): SelectOption {
  return { id: newId("opt"), name, color: color(colorName, existing) };
}


const dateFormatOf = (property: Record<string, unknown>) => {
  const date = typeof property.dateFormat === "string" ? property.dateFormat : "YYYY/MM/DD";
  const time = typeof property.timeFormat === "string" ? property.timeFormat : "HH:mm";
  const includeTime = property.includeTime === true;
  return {
    format: includeTime ? `${date} ${time}` : date,
    includeTime,
    ...(property.autoFill === true ? { autoFill: true } : {}),
    ...(typeof property.timeZone === "string" ? { timeZone: property.timeZone } : {}),
    ...(property.includeTimeZone === true ? { includeTimeZone: true } : {}),
  };
};

/**
 * A create request's `property` as stored (the read shape). `resolveField` finds a field of the same datasheet by
 * id or name, for formulas and lookups. Refusals name the field.
 */
export function propertyFromCreate(
  name: string,
  type: FieldType,
  property: unknown,
  resolve: { datasheetExists(id: string): boolean },
): Record<string, unknown> | undefined {
  const given = isObject(property) ? property : undefined;
  const need = () => {
    if (!given) throw badRequest(`field "${name}" (${type}) needs a property object`);
    return given;
  };
  const precision = (value: unknown, fallback: number) => {
    if (value === undefined) return fallback;
    if (!(Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 10)) throw badRequest(`field "${name}": precision must be 0–10`);
    return value as number;
  };
  switch (type) {
    case "SingleText":
      return typeof given?.defaultValue === "string" ? { defaultValue: given.defaultValue } : {};
    case "SingleSelect":
    case "MultiSelect": {
      const options = need().options;
      if (!Array.isArray(options)) throw badRequest(`field "${name}": property.options must be an array`);
      const names = new Set<string>();
      return {
        options: options.map((option, index) => {
          if (!isObject(option) || typeof option.name !== "string" || !option.name) throw badRequest(`field "${name}": every option needs a name`);
          if (names.has(option.name)) throw badRequest(`field "${name}": option names must be unique`);
          names.add(option.name);
          return newOption(option.name, index, option.color);
        }),
      };
    }
    case "Number":
    case "Percent": {
      const p = need();
      return {
        precision: precision(p.precision, 0),
        ...(typeof p.defaultValue === "string" ? { defaultValue: p.defaultValue } : {}),
        ...(type === "Number" && typeof p.symbol === "string" ? { symbol: p.symbol } : {}),
      };
    }
    case "Currency": {
      const p = need();
      return {
        precision: precision(p.precision, 2),
        symbol: typeof p.symbol === "string" ? p.symbol : "¥",
        ...(typeof p.defaultValue === "string" ? { defaultValue: p.defaultValue } : {}),
        ...(typeof p.symbolAlign === "string" ? { symbolAlign: p.symbolAlign } : {}),
      };
    }
    case "DateTime":
    case "CreatedTime":
    case "LastModifiedTime":
      return dateFormatOf(need());
    case "Checkbox":
      return { icon: EMOJI[String(need().icon)] ?? "✅" };
    case "Rating": {
      const p = need();
      if (!(Number.isInteger(p.max) && (p.max as number) >= 1 && (p.max as number) <= 10)) throw badRequest(`field "${name}": max must be 1–10`);
      return { icon: EMOJI[String(p.icon)] ?? "⭐", max: p.max };
    }
    case "Member": {
      const p = need();
      return { options: [], isMulti: p.isMulti !== false, shouldSendMsg: p.shouldSendMsg === true, subscription: false };
    }
    case "OneWayLink":
    case "TwoWayLink":
    case "MagicLink": {
      const p = need();
      if (typeof p.foreignDatasheetId !== "string" || !resolve.datasheetExists(p.foreignDatasheetId)) {
        throw badRequest(`field "${name}": foreignDatasheetId must name an existing datasheet`);
      }
      return {
        foreignDatasheetId: p.foreignDatasheetId,
        ...(typeof p.limitToViewId === "string" ? { limitToViewId: p.limitToViewId } : {}),
        ...(typeof p.limitSingleRecord === "boolean" ? { limitSingleRecord: p.limitSingleRecord } : {}),
      };
    }
    case "Formula": {
      const p = given ?? {};
      return { expression: typeof p.expression === "string" ? p.expression : "", valueType: "String", hasError: false };
    }
    case "CreatedBy":
    case "LastModifiedBy":
      return { options: [] };
    case "MagicLookUp":
    case "Button":
    case "Cascader":
    case "NotSupport":
      throw badRequest(`field "${name}": creating a ${type} field is not supported by this emulator`);
    default:
      return undefined;
  }
}

/** The first value that `fail` rejects, with what was expected, as the server's 400. */
const refuse = (field: Field, expected: string) =>
  badRequest(`api_param_invalid_value: the value of field "${field.name}" (${field.type}) must be ${expected}`);

/**
 * A written cell, checked and converted to its stored form; `null` clears it (returns undefined). Select options
 * unknown so far are created, as the server does. See `CellValueWrite` in the spec for each type's rule.
 */
export function writeCell(field: Field, value: unknown, context: CellContext): unknown {
  if (COMPUTED.has(field.type)) throw badRequest(`api_params_${field.type.toLowerCase()}_can_not_operate: field "${field.name}" is computed and cannot be written`);
  if (UNWRITABLE.has(field.type)) throw refuse(field, "left out: this type cannot be written");
  if (value === null) return undefined;
  if (field.type === "WorkDoc") throw badRequest(`api_params_workdoc_can_not_operate: field "${field.name}" (WorkDoc) cannot be written`);
  switch (field.type) {
    case "SingleText":
    case "Text":
    case "Phone":
    case "Email":
      if (typeof value !== "string") throw refuse(field, "a string");
      return value === "" ? undefined : value;
    case "SingleSelect": {
      if (typeof value !== "string") throw refuse(field, "one option name (a string)");
      return selectOption(field, value).name;
    }
    case "MultiSelect": {
      if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) throw refuse(field, "an array of option names");
      const names = [...new Set(value.map((item) => selectOption(field, item as string).name))];
      return names.length ? names : undefined;
    }
    case "Number":
    case "Currency":
    case "Percent":
      if (typeof value !== "number" || !Number.isFinite(value)) throw refuse(field, "a number");
      return value;
    case "Rating": {
      const max = Number(field.property?.max ?? 5);
      if (!(typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= max)) throw refuse(field, `a whole number from 0 to ${max}`);
      return value === 0 ? undefined : value;
    }
    case "Checkbox":
      if (typeof value !== "boolean") throw refuse(field, "true or false");
      return value ? true : undefined;
    case "DateTime": {
      const ms = typeof value === "number" ? value : typeof value === "string" ? Date.parse(value) : Number.NaN;
      // Within what a Date can hold (±8.64e15 ms), or the cell could not be read back as a date.
      if (!(Number.isFinite(ms) && Math.abs(ms) <= 8.64e15)) throw refuse(field, "a timestamp in ms or a date string");
      return ms;
    }
    case "URL": {
      if (typeof value === "string") return value === "" ? undefined : { text: value, title: value, favicon: "" };
      if (!isObject(value) || typeof value.text !== "string" || !value.text) throw refuse(field, "a string or {text, title?, favicon?}");
      return { text: value.text, title: typeof value.title === "string" ? value.title : value.text, favicon: typeof value.favicon === "string" ? value.favicon : "" };
    }
    case "Member": {
      if (!Array.isArray(value)) throw refuse(field, "an array of {id} or {unitId}");
      const units = value.map((item) => {
        if (!isObject(item)) throw refuse(field, "an array of {id} or {unitId}");
        const reference = item as { id?: unknown; unitId?: unknown; name?: unknown; type?: unknown };
        if ((reference.id !== undefined && typeof reference.id !== "string") || (reference.unitId !== undefined && typeof reference.unitId !== "string")) {
          throw refuse(field, "units named by string ids");
        }
        const unit = context.unit(reference as { id?: string; unitId?: string; name?: string; type?: string });
        if (!unit) throw badRequest(`api_param_member_not_exists: field "${field.name}": no such member or team`);
        return unit;
      });
      if (units.length > 1 && field.property?.isMulti === false) throw refuse(field, "one member (the field takes one)");
      const options = (field.property!.options ??= []) as Array<Record<string, unknown>>;
      for (const unit of units) {
        if (!options.some((option) => option.id === unit.unitId)) options.push(memberOption(unit));
      }
      return units.length ? units.map((unit) => unit.unitId) : undefined;
    }
    case "Attachment": {
      if (!Array.isArray(value)) throw refuse(field, "an array of {token, name}");
      const list = value.map((item) => {
        if (!isObject(item) || typeof item.token !== "string" || typeof item.name !== "string") throw refuse(field, "an array of {token, name}");
        const stored = context.attachment(item.token);
        if (!stored) throw badRequest(`api_param_attachment_not_exists: field "${field.name}": no uploaded attachment has the token ${item.token}`);
        return { ...stored, name: item.name };
      });
      return list.length ? list : undefined;
    }
    case "OneWayLink":
    case "TwoWayLink":
    case "MagicLink": {
      if (!Array.isArray(value) || value.length === 0 || !value.every((item) => typeof item === "string")) {
        throw refuse(field, "a non-empty array of record ids (null clears)");
      }
      if (field.property?.limitSingleRecord === true && value.length > 1) throw refuse(field, "one record id (the field links one record)");
      const foreign = String(field.property?.foreignDatasheetId);
      for (const id of value as string[]) {
        if (!context.recordExists(foreign, id)) throw badRequest(`api_param_record_not_exists: field "${field.name}": record ${id} does not exist`);
      }
      return [...new Set(value as string[])];
    }
    default:
      throw refuse(field, "left out");
  }
}

function selectOption(field: Field, name: string): SelectOption {
  const options = ((field.property ??= { options: [] }).options ??= []) as SelectOption[];
  let option = options.find((candidate) => candidate.name === name);
  if (!option) {
    option = newOption(name, options.length);
    options.push(option);
  }
  return option;
}

export function memberOption(unit: Unit): Record<string, unknown> {
  return { id: unit.unitId, name: unit.name, type: unit.type, ...(unit.avatar ? { avatar: unit.avatar } : {}) };
}

/** The field as listFields returns it. */
export function fieldMeta(field: Field, isPrimary: boolean): Record<string, unknown> {
  return {
    id: field.id,
    name: field.name,
    type: field.type,
    ...(field.property === undefined ? {} : { property: field.property }),
    editable: !COMPUTED.has(field.type) && !UNWRITABLE.has(field.type),
    ...(isPrimary ? { isPrimary: true } : {}),
    ...(field.desc ? { desc: field.desc } : {}),
  };
}

/** Text of a cell for `cellFormat=string` and for formulas that need text. */
export function cellText(field: Field, value: unknown, unitName: (id: string) => string): string {
  if (value === undefined || value === null) return "";
  switch (field.type) {
    case "DateTime":
    case "CreatedTime":
    case "LastModifiedTime": {
      const iso = new Date(value as number).toISOString();
      return field.property?.includeTime === true ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
    }
    case "URL":
      return String((value as { text: string }).text);
    case "Member":
      return (value as string[]).map(unitName).join(", ");
    case "Attachment":
      return (value as StoredAttachment[]).map((item) => `${item.name} (${item.url})`).join(", ");
    case "CreatedBy":
    case "LastModifiedBy":
      return String((value as { name: string }).name);
    case "Checkbox":
      return value ? "1" : "";
    case "Percent":
      return `${Math.round((value as number) * 10000) / 100}%`;
    case "Currency":
      return `${String(field.property?.symbol ?? "")}${String(value)}`;
    default:
      return Array.isArray(value) ? value.map(String).join(", ") : isObject(value) ? JSON.stringify(value) : String(value);
  }
}
