/**
 * The emulator's state of the Bika API and how cells are written and read: one store per space (nodes, members,
 * webhooks, embed links, attachments), records keyed by field id in their stored form (option ids, member ids,
 * attachment references), rendered on the way out in the form each endpoint answers with.
 */
import { type Formula, type Value, FormulaError, evaluate, parseFormula } from "../formula.js";
import { badRequest } from "../http.js";
import { newId } from "../ids.js";
import type { FilterCell } from "./filter.js";
import type { BikaFieldType, BikaSeed, BikaSeedField, BikaSeedNode, BikaViewType } from "./seed.js";

/** Length of an id after its three-letter prefix, as in `spcND68gdMMZBmGK67gvqNVX`. */
const ID_LENGTH = 21;
export const makeId = (prefix: string) => newId(prefix, ID_LENGTH);

export interface Option {
  id: string;
  name: string;
  color?: string;
}

export interface Field {
  id: string;
  name: string;
  type: BikaFieldType;
  description?: string;
  primary: boolean;
  property: {
    options?: Option[];
    max?: number;
    precision?: number;
    symbol?: string;
    expression?: string;
    foreignDatabaseId?: string;
  };
}

export interface SortKey {
  fieldId: string;
  order: "asc" | "desc";
}

export interface View {
  id: string;
  name: string;
  type: BikaViewType;
  description?: string;
  filter?: string;
  sort: SortKey[];
  hiddenFieldIds: string[];
}

export interface AttachmentRef {
  id: string;
  name?: string;
}

export type Stored = string | number | boolean | string[] | AttachmentRef[];

export interface StoredRecord {
  id: string;
  cells: Record<string, Stored>;
  createdAt: number;
  updatedAt: number;
  autoNumber: number;
}

export interface Database {
  fields: Field[];
  views: View[];
  /** In creation order, which is the order records are listed in without a sort. */
  records: Map<string, StoredRecord>;
  nextAutoNumber: number;
}

export interface Trigger {
  id: string;
  name?: string;
  type: string;
  description?: string;
  status: string;
  createdAt: string;
  updatedAt: string;
}

export interface Node {
  id: string;
  name: string;
  description?: string;
  type: string;
  parentId: string | null;
  database?: Database;
  triggers?: Trigger[];
}

export interface Member {
  id: string;
  name: string;
  type: "Member" | "Team" | "Role";
}

export interface Webhook {
  id: string;
  eventType: string;
  name: string;
  description: string;
  callbackURL: string;
  databaseId?: string;
}

export interface EmbedLink {
  id: string;
  objectType: string;
  objectId: string;
  createdAt: string;
}

export interface StoredAttachment {
  id: string;
  name: string;
  mimeType: string;
  size: number;
  bucket: string;
  path: string;
  bytes: Uint8Array;
}

export interface Space {
  id: string;
  name: string;
  slug?: string;
  createdAt: string;
  plan: string;
  rootId: string;
  members: Member[];
  /** Root first, then depth first in seed order; new nodes are not created through the API. */
  nodes: Node[];
  webhooks: Webhook[];
  embedLinks: EmbedLink[];
  attachments: Map<string, StoredAttachment>;
}

export interface User {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  timeZone: string;
  locale: string;
  createdAt: string;
}

/** Where a v2 list stopped: the next record's position in the same query's result. */
export interface Cursor {
  databaseId: string;
  index: number;
}

export interface State {
  user: User;
  spaces: Space[];
  cursors: Map<string, Cursor>;
}

/** What reading or writing a database's cells needs around it. */
export interface Scope {
  state: State;
  space: Space;
  node: Node;
  database: Database;
  /** The emulator's base URL, for attachment URLs. */
  origin: string;
}

export const ATTACHMENT_BUCKET = "bika-emulator";
export const attachmentUrl = (origin: string, attachment: { path: string }) => `${origin}/bika-assets/${attachment.path}`;

const TEXT_TYPES = new Set<BikaFieldType>(["SINGLE_TEXT", "LONG_TEXT", "EMAIL", "URL", "PHONE"]);
const NUMBER_TYPES = new Set<BikaFieldType>(["NUMBER", "CURRENCY", "PERCENT", "RATING", "AUTONUMBER"]);
const COMPUTED_TYPES = new Set<BikaFieldType>([
  "FORMULA",
  "AUTONUMBER",
  "CREATED_TIME",
  "LAST_MODIFIED_TIME",
  "CREATED_BY",
  "LAST_MODIFIED_BY",
]);
const isComputed = (field: Field) => COMPUTED_TYPES.has(field.type);
const ISO_DATE = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/;

/** An ISO 8601 date or date-time as epoch ms; a time without a zone is UTC, so the host's zone never matters. */
function isoTime(text: string): number | undefined {
  const match = ISO_DATE.exec(text);
  if (!match) return undefined;
  const [, date, time, zone] = match;
  const parsed = Date.parse(time === undefined ? date! : `${date}T${time}${zone ?? "Z"}`);
  return Number.isNaN(parsed) ? undefined : parsed;
}

export const iso = (time: number) => new Date(time).toISOString();

function databaseNode(space: Space, id: string): (Node & { database: Database }) | undefined {
  const node = space.nodes.find((candidate) => candidate.id === id);
  return node?.database ? (node as Node & { database: Database }) : undefined;
}

const optionOf = (field: Field, key: string) => field.property.options?.find((option) => option.id === key || option.name === key);

/**
 * A value written to a cell, in its stored form, or undefined for "empty the cell". Refuses (code 400 under HTTP 200,
 * as the server answers an invalid value) anything the spec's `CellValue` table does not allow for the field type.
 */
export function writeCell(scope: Scope, field: Field, value: unknown): Stored | undefined {
  if (isComputed(field)) throw badRequest(`Field "${field.name}" (${field.type}) is read-only`);
  if (value === null || value === undefined) return undefined;
  const refuse = (expected: string) =>
    badRequest(`Invalid value for field "${field.name}" (${field.type}): expected ${expected}, got ${JSON.stringify(value)}`);
  const strings = (expected: string): string[] => {
    if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) throw refuse(expected);
    return [...new Set(value as string[])];
  };
  if (TEXT_TYPES.has(field.type)) {
    if (typeof value !== "string") throw refuse("a string");
    return value === "" ? undefined : value;
  }
  switch (field.type) {
    case "NUMBER":
    case "CURRENCY":
    case "PERCENT":
      if (typeof value !== "number" || !Number.isFinite(value)) throw refuse("a number");
      return value;
    case "RATING": {
      const max = field.property.max ?? 5;
      if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) throw refuse(`an integer from 0 to ${max}`);
      return value === 0 ? undefined : value;
    }
    case "CHECKBOX":
      if (typeof value !== "boolean") throw refuse("true or false");
      return value || undefined;
    case "DATETIME": {
      const time = typeof value === "string" ? isoTime(value) : undefined;
      if (time === undefined) throw refuse("an ISO 8601 date string such as 2024-01-01T12:00:00Z");
      return iso(time);
    }
    case "SINGLE_SELECT": {
      const keys = typeof value === "string" ? [value] : strings("an option name or id, or a one-element array of them");
      if (keys.length > 1) throw refuse("one option");
      if (keys.length === 0) return undefined;
      const option = optionOf(field, keys[0]!);
      if (!option) throw badRequest(`Invalid option "${keys[0]}" for field "${field.name}"`);
      return [option.id];
    }
    case "MULTI_SELECT": {
      const ids = strings("an array of option names or ids").map((key) => {
        const option = optionOf(field, key);
        if (!option) throw badRequest(`Invalid option "${key}" for field "${field.name}"`);
        return option.id;
      });
      return ids.length === 0 ? undefined : [...new Set(ids)];
    }
    case "MEMBER": {
      const ids = strings("an array of member ids");
      for (const id of ids) {
        if (!scope.space.members.some((member) => member.id === id)) throw badRequest(`Member not found: ${id}`);
      }
      return ids.length === 0 ? undefined : ids;
    }
    case "LINK": {
      const ids = strings("an array of record ids");
      const foreign = field.property.foreignDatabaseId ?? scope.node.id;
      const target = databaseNode(scope.space, foreign);
      for (const id of ids) {
        if (!target?.database.records.has(id)) throw badRequest(`Record not found: ${id}`);
      }
      return ids.length === 0 ? undefined : ids;
    }
    case "ATTACHMENT": {
      if (!Array.isArray(value)) throw refuse("an array of { id, name? } objects returned by the attachment upload");
      const refs = value.map((item: unknown): AttachmentRef => {
        const { id, name } = (item ?? {}) as { id?: unknown; name?: unknown };
        if (typeof id !== "string" || !(name === undefined || typeof name === "string")) {
          throw refuse("an array of { id, name? } objects returned by the attachment upload");
        }
        if (!scope.space.attachments.has(id)) throw badRequest(`Attachment not found: ${id}`);
        return name === undefined ? { id } : { id, name };
      });
      return refs.length === 0 ? undefined : refs;
    }
    default:
      throw refuse("a value of a writable field");
  }
}

/** Formulas by expression: fields come only from seeds, so this holds a handful of entries. */
const parsedFormulas = new Map<string, Formula>();

/** The value of a FORMULA field; formulas that cannot be evaluated (or refer to themselves) read as empty. */
function formulaValue(scope: Scope, record: StoredRecord, field: Field, visiting: Set<string>): Value {
  if (visiting.has(field.id)) return null;
  const inner = new Set(visiting).add(field.id);
  try {
    const expression = field.property.expression ?? "";
    let formula = parsedFormulas.get(expression);
    if (!formula) parsedFormulas.set(expression, (formula = parseFormula(expression)));
    return evaluate(formula, {
      recordId: record.id,
      field: (name) => {
        const target = scope.database.fields.find((candidate) => candidate.name === name || candidate.id === name);
        return target ? formulaInput(readCell(scope, record, target, inner)) : undefined;
      },
    });
  } catch (error) {
    if (error instanceof FormulaError) return null;
    throw error;
  }
}

/** A cell read as a formula operand: names for options, members and attachments, scalars as they are. */
function formulaInput(value: unknown): Value {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.map((item) => formulaInput(typeof item === "object" && item ? (item as { name?: unknown }).name : item));
  if (typeof value === "object") return String((value as { name?: unknown }).name ?? "");
  return value as Value;
}

const userCell = (user: User) => ({ id: user.id, name: user.name });

function attachmentObject(scope: Scope, ref: AttachmentRef) {
  // Writes check the id, and attachments only go away on reset(), which takes the records with them.
  const stored = scope.space.attachments.get(ref.id)!;
  return {
    id: stored.id,
    name: ref.name ?? stored.name,
    mimeType: stored.mimeType,
    size: stored.size,
    url: attachmentUrl(scope.origin, stored),
    bucket: stored.bucket,
    path: stored.path,
  };
}

const isEmptyValue = (value: unknown) => value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0);

/** A cell as the read endpoints return it with `cellFormat=json`; undefined for an empty cell. */
export function readCell(scope: Scope, record: StoredRecord, field: Field, visiting = new Set<string>()): unknown {
  const stored = record.cells[field.id];
  let value: unknown;
  switch (field.type) {
    case "SINGLE_SELECT":
      value = (stored as string[] | undefined)?.map((id) => optionOf(field, id)?.name).find((name) => name !== undefined);
      break;
    case "MULTI_SELECT":
      value = (stored as string[] | undefined)?.flatMap((id) => optionOf(field, id)?.name ?? []);
      break;
    case "MEMBER":
      value = (stored as string[] | undefined)?.flatMap((id) => {
        const member = scope.space.members.find((candidate) => candidate.id === id);
        return member ? [{ id: member.id, type: member.type, name: member.name }] : [];
      });
      break;
    case "ATTACHMENT":
      value = (stored as AttachmentRef[] | undefined)?.map((ref) => attachmentObject(scope, ref));
      break;
    case "LINK": {
      // A deleted record drops out of the cells that linked to it.
      const target = databaseNode(scope.space, field.property.foreignDatabaseId ?? scope.node.id);
      value = (stored as string[] | undefined)?.filter((id) => target?.database.records.has(id));
      break;
    }
    case "AUTONUMBER":
      value = record.autoNumber;
      break;
    case "CREATED_TIME":
      value = iso(record.createdAt);
      break;
    case "LAST_MODIFIED_TIME":
      value = iso(record.updatedAt);
      break;
    case "CREATED_BY":
    case "LAST_MODIFIED_BY":
      value = userCell(scope.state.user);
      break;
    case "FORMULA":
      value = formulaValue(scope, record, field, visiting);
      if (typeof value === "number" && !Number.isFinite(value)) value = undefined;
      break;
    default:
      value = stored;
  }
  return isEmptyValue(value) ? undefined : value;
}

/** The stored form of a cell for a `RecordV2VO`'s `data` (option ids, member ids); the read value for the rest. */
export function cellData(scope: Scope, record: StoredRecord, field: Field): unknown {
  const stored = record.cells[field.id];
  if (field.type === "SINGLE_SELECT" || field.type === "MULTI_SELECT" || field.type === "MEMBER") return stored;
  return readCell(scope, record, field);
}

/** A `RecordV2VO` cell's presentation value: option names as an array for both select types. */
export function cellValue(scope: Scope, record: StoredRecord, field: Field): unknown {
  const value = readCell(scope, record, field);
  return field.type === "SINGLE_SELECT" && typeof value === "string" ? [value] : value;
}

function formatNumber(field: Field, value: number, locale: string): string {
  const digits = field.property.precision;
  const options: Intl.NumberFormatOptions = digits === undefined ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits };
  const text = value.toLocaleString(locale, options);
  if (field.type === "CURRENCY") return `${field.property.symbol ?? ""}${text}`;
  if (field.type === "PERCENT") return `${text}%`;
  return text;
}

/** A cell rendered as text for `cellFormat=string`, dates in `timeZone` and numbers in `locale`. */
export function cellText(scope: Scope, record: StoredRecord, field: Field, timeZone: string, locale: string): string | undefined {
  const value = readCell(scope, record, field);
  if (value === undefined) return undefined;
  if (field.type === "DATETIME" || field.type === "CREATED_TIME" || field.type === "LAST_MODIFIED_TIME") {
    return new Intl.DateTimeFormat(locale, { timeZone, dateStyle: "medium", timeStyle: "short" }).format(new Date(value as string));
  }
  if (typeof value === "number") return field.type === "AUTONUMBER" ? String(value) : formatNumber(field, value, locale);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (Array.isArray(value)) {
    return value.map((item) => (typeof item === "object" && item ? String((item as { name?: unknown }).name ?? "") : String(item))).join(", ");
  }
  if (typeof value === "object") return String((value as { name?: unknown }).name ?? "");
  return String(value);
}

/** A cell as the filter language compares it. */
export function filterCell(scope: Scope, record: StoredRecord, field: Field): FilterCell {
  const value = readCell(scope, record, field);
  if (field.type === "CHECKBOX") return { kind: "boolean", value: value === true };
  if (NUMBER_TYPES.has(field.type)) return { kind: "number", value: typeof value === "number" ? value : null };
  if (field.type === "DATETIME" || field.type === "CREATED_TIME" || field.type === "LAST_MODIFIED_TIME") {
    return { kind: "date", value: (value as string | undefined) ?? null };
  }
  if (field.type === "SINGLE_SELECT") return { kind: "list", value: value === undefined ? [] : [value as string] };
  if (Array.isArray(value)) {
    return { kind: "list", value: value.map((item) => (typeof item === "object" && item ? String((item as { name?: unknown }).name) : String(item))) };
  }
  if (typeof value === "number") return { kind: "number", value };
  if (typeof value === "boolean") return { kind: "boolean", value };
  if (value !== undefined && typeof value === "object") return { kind: "text", value: String((value as { name?: unknown }).name ?? "") };
  return { kind: "text", value: value === undefined ? null : String(value) };
}

/** A cell as sorting orders it: numbers, select options in their field's order, text otherwise; null when empty. */
export function sortValue(scope: Scope, record: StoredRecord, field: Field): number | string | null {
  if (field.type === "SINGLE_SELECT" || field.type === "MULTI_SELECT") {
    const first = (record.cells[field.id] as string[] | undefined)?.[0];
    const index = first === undefined ? -1 : (field.property.options ?? []).findIndex((option) => option.id === first);
    return index < 0 ? null : index;
  }
  const cell = filterCell(scope, record, field);
  switch (cell.kind) {
    case "boolean":
      return cell.value ? 1 : 0;
    case "date":
      return cell.value === null ? null : Date.parse(cell.value);
    case "list":
      return cell.value.length === 0 ? null : cell.value.join(", ");
    default:
      return cell.value;
  }
}

/** Builds the state a seed describes; throws when the seed contradicts itself (unknown names, duplicate ids). */
export function buildState(seed: BikaSeed): State {
  const now = Date.now();
  const timeOf = (text: string | undefined, fallback: number, where: string) => {
    if (text === undefined) return fallback;
    const time = isoTime(text);
    if (time === undefined) throw new Error(`seed: ${where} is not an ISO 8601 date: ${text}`);
    return time;
  };
  const unique = (values: string[], what: string) => {
    const seen = new Set<string>();
    for (const value of values) {
      if (seen.has(value)) throw new Error(`seed: duplicate ${what} ${JSON.stringify(value)}`);
      seen.add(value);
    }
  };
  const seedUser = seed.user ?? { name: "Emulator User" };
  const user: User = {
    id: seedUser.id ?? makeId("usr"),
    name: seedUser.name,
    email: seedUser.email === undefined ? null : seedUser.email,
    phone: seedUser.phone === undefined ? null : seedUser.phone,
    timeZone: seedUser.timeZone ?? "UTC",
    locale: seedUser.locale ?? "en",
    createdAt: iso(timeOf(seedUser.createdAt, now, "user.createdAt")),
  };
  const state: State = { user, spaces: [], cursors: new Map() };
  /** Record cells wait until every record of every database exists, so LINK cells can name any of them. */
  const pendingCells: Array<() => void> = [];

  for (const seedSpace of seed.spaces) {
    const rootId = seedSpace.rootId ?? makeId("rot");
    const space: Space = {
      id: seedSpace.id ?? makeId("spc"),
      name: seedSpace.name,
      ...(seedSpace.slug === undefined ? {} : { slug: seedSpace.slug }),
      createdAt: iso(timeOf(seedSpace.createdAt, now, `space ${seedSpace.name} createdAt`)),
      plan: seedSpace.plan ?? "FREE",
      rootId,
      members: (seedSpace.members ?? [{ id: user.id.replace(/^usr/, "meb"), name: user.name }]).map((member) => ({
        id: member.id ?? makeId("meb"),
        name: member.name,
        type: member.type ?? "Member",
      })),
      nodes: [{ id: rootId, name: "ROOT", type: "ROOT", parentId: null }],
      webhooks: [],
      embedLinks: [],
      attachments: new Map(),
    };
    unique(space.members.map((member) => member.id), `member id in space ${space.name}`);

    const addNode = (seedNode: BikaSeedNode, parentId: string) => {
      const prefix = { DATABASE: "dat", AUTOMATION: "ato", FOLDER: "fod", DOCUMENT: "doc", FORM: "fom", MIRROR: "mir", DASHBOARD: "dsb", AI: "agt" }[
        seedNode.type
      ];
      const node: Node = {
        id: seedNode.id ?? makeId(prefix),
        name: seedNode.name,
        ...(seedNode.description === undefined ? {} : { description: seedNode.description }),
        type: seedNode.type,
        parentId,
      };
      space.nodes.push(node);
      if (seedNode.type === "FOLDER") for (const child of seedNode.children ?? []) addNode(child, node.id);
      if (seedNode.type === "AUTOMATION") {
        node.triggers = (seedNode.triggers ?? []).map((trigger) => {
          const createdAt = iso(timeOf(trigger.createdAt, now, `trigger of ${node.name} createdAt`));
          return {
            id: trigger.id ?? makeId("trg"),
            ...(trigger.name === undefined ? {} : { name: trigger.name }),
            type: trigger.type,
            ...(trigger.description === undefined ? {} : { description: trigger.description }),
            status: trigger.status ?? "ACTIVE",
            createdAt,
            updatedAt: trigger.updatedAt === undefined ? createdAt : iso(timeOf(trigger.updatedAt, now, `trigger of ${node.name} updatedAt`)),
          };
        });
        unique(node.triggers.map((trigger) => trigger.id), `trigger id in ${node.name}`);
      }
      if (seedNode.type === "DATABASE") {
        const where = `database ${node.name}`;
        const fields = seedNode.fields.map((seedField, index) => buildField(seedField, index, seedNode.fields));
        unique(fields.map((field) => field.id), `field id in ${where}`);
        unique(fields.map((field) => field.name), `field name in ${where}`);
        if (fields.filter((field) => field.primary).length !== 1) throw new Error(`seed: ${where} has more than one primary field`);
        const fieldId = (name: string, context: string) => {
          const field = fields.find((candidate) => candidate.name === name);
          if (!field) throw new Error(`seed: ${where}, ${context}: no field named ${JSON.stringify(name)}`);
          return field.id;
        };
        const views: View[] = (seedNode.views ?? [{ name: "All records" }]).map((view) => ({
          id: view.id ?? makeId("viw"),
          name: view.name,
          type: view.type ?? "TABLE",
          ...(view.description === undefined ? {} : { description: view.description }),
          ...(view.filter === undefined ? {} : { filter: view.filter }),
          sort: (view.sort ?? []).map((key) => ({ fieldId: fieldId(key.field, `view ${view.name} sort`), order: key.order ?? "asc" })),
          hiddenFieldIds: (view.hiddenFields ?? []).map((name) => fieldId(name, `view ${view.name} hiddenFields`)),
        }));
        unique(views.map((view) => view.id), `view id in ${where}`);
        const database: Database = { fields, views, records: new Map(), nextAutoNumber: 1 };
        node.database = database;
        for (const seedRecord of seedNode.records ?? []) {
          const createdAt = timeOf(seedRecord.createdAt, now, `${where} record createdAt`);
          const record: StoredRecord = {
            id: seedRecord.id ?? makeId("rec"),
            cells: {},
            createdAt,
            updatedAt: timeOf(seedRecord.updatedAt, createdAt, `${where} record updatedAt`),
            autoNumber: database.nextAutoNumber++,
          };
          if (database.records.has(record.id)) throw new Error(`seed: duplicate record id ${record.id} in ${where}`);
          database.records.set(record.id, record);
          pendingCells.push(() => {
            const scope: Scope = { state, space, node, database, origin: "" };
            for (const [name, value] of Object.entries(seedRecord.fields)) {
              const field = fields.find((candidate) => candidate.name === name);
              if (!field) throw new Error(`seed: ${where}, record ${record.id}: no field named ${JSON.stringify(name)}`);
              try {
                const stored = writeCell(scope, field, value);
                if (stored !== undefined) record.cells[field.id] = stored;
              } catch (error) {
                throw new Error(`seed: ${where}, record ${record.id}: ${(error as Error).message}`);
              }
            }
          });
        }
      }
    };
    for (const seedNode of seedSpace.nodes) addNode(seedNode, rootId);
    unique(space.nodes.map((node) => node.id), `node id in space ${space.name}`);

    for (const node of space.nodes) {
      for (const field of node.database?.fields ?? []) {
        const foreign = field.property.foreignDatabaseId;
        if (foreign && !databaseNode(space, foreign)) throw new Error(`seed: field ${field.name} links to ${foreign}, not a database of ${space.name}`);
      }
    }
    space.webhooks = (seedSpace.outgoingWebhooks ?? []).map((webhook) => {
      if (webhook.databaseId && !databaseNode(space, webhook.databaseId)) {
        throw new Error(`seed: webhook ${webhook.name} watches ${webhook.databaseId}, not a database of ${space.name}`);
      }
      return {
        id: webhook.id ?? makeId("owh"),
        eventType: webhook.eventType,
        name: webhook.name,
        description: webhook.description ?? "",
        callbackURL: webhook.callbackURL,
        ...(webhook.databaseId === undefined ? {} : { databaseId: webhook.databaseId }),
      };
    });
    state.spaces.push(space);
  }
  unique(state.spaces.map((space) => space.id), "space id");
  for (const fill of pendingCells) fill();
  return state;
}

function buildField(seedField: BikaSeedField, index: number, all: BikaSeedField[]): Field {
  const where = `field ${seedField.name}`;
  const hasPrimary = all.some((field) => field.primary);
  const property: Field["property"] = {};
  const given = seedField.property ?? {};
  if (seedField.type === "SINGLE_SELECT" || seedField.type === "MULTI_SELECT") {
    if (!given.options) throw new Error(`seed: ${where} (${seedField.type}) needs property.options`);
    property.options = given.options.map((option) => ({
      id: option.id ?? newId("opt", 10),
      name: option.name,
      ...(option.color === undefined ? {} : { color: option.color }),
    }));
    const ids = property.options.map((option) => option.id);
    const names = property.options.map((option) => option.name);
    if (new Set(ids).size !== ids.length || new Set(names).size !== names.length) throw new Error(`seed: ${where} has duplicate options`);
  }
  if (seedField.type === "RATING") property.max = given.max ?? 5;
  if (given.precision !== undefined) property.precision = given.precision;
  if (given.symbol !== undefined) property.symbol = given.symbol;
  if (seedField.type === "FORMULA") {
    if (!given.expression) throw new Error(`seed: ${where} (FORMULA) needs property.expression`);
    try {
      parseFormula(given.expression);
    } catch (error) {
      throw new Error(`seed: ${where}: ${(error as Error).message}`);
    }
    property.expression = given.expression;
  }
  if (seedField.type === "LINK" && given.foreignDatabaseId !== undefined) property.foreignDatabaseId = given.foreignDatabaseId;
  return {
    id: seedField.id ?? makeId("fld"),
    name: seedField.name,
    type: seedField.type,
    ...(seedField.description === undefined ? {} : { description: seedField.description }),
    primary: hasPrimary ? seedField.primary === true : index === 0,
    property,
  };
}
