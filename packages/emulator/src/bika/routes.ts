/**
 * The routes of the Bika.ai OpenAPI (spec/bika/openapi.yaml) over the state in model.ts. Refusals follow the spec:
 * request and value errors as code 400 under HTTP 200 (the spec: "most parameter and value errors come back as
 * HTTP 200 with `success: false`"), unknown spaces as code 403, unknown nodes, records,
 * webhooks and embed links as code 404 (all under HTTP 200), an unknown field in a write as code 500 under
 * HTTP 200 (`Field "…" does not exist`), and a missing record on the v2 single-record read as HTTP 500, the quirk
 * the spec records from the live server.
 */
import type { EmulatorRequest, RawAnswer, Route } from "../http.js";
import { ApiFailure, badRequest, compareText, isObject } from "../http.js";
import { newId } from "../ids.js";
import { FilterError, type FilterCell, matches, parseFilter } from "./filter.js";
import {
  ATTACHMENT_BUCKET,
  type Database,
  type Field,
  type Node,
  type Scope,
  type SortKey,
  type Space,
  type State,
  type Stored,
  type StoredRecord,
  attachmentUrl,
  cellData,
  cellText,
  cellValue,
  filterCell,
  iso,
  makeId,
  readCell,
  sortValue,
  writeCell,
} from "./model.js";

/** The spec's server path: clients use `https://bika.ai/api/openapi/bika` as their base URL. */
export const BIKA_BASE_PATH = "/api/openapi/bika";

/** Records per v2 batch write or delete (spec: "batches of up to 10 records"). */
const MAX_BATCH = 10;
const MAX_PAGE_SIZE = 1000;
const DEFAULT_PAGE_SIZE = 100;
/** Cursors kept for v2 paging; the oldest are forgotten first. */
const MAX_CURSORS = 10_000;
const USER_LOCALES = ["en", "zh-CN", "zh-TW", "ja", "pt", "de"];

type FieldKey = "name" | "id";

const spaceNotFound = (id: string) => new ApiFailure(403, `Space not found or not accessible: ${id}`);
const nodeNotFound = (id: string) => new ApiFailure(404, `Node not found: ${id}`);
const recordNotFound = (id: string) => new ApiFailure(404, `Record not found: ${id}`);
const unknownField = (key: string) => new ApiFailure(500, `Field "${key}" does not exist`);


function objectBody(request: EmulatorRequest): Record<string, unknown> {
  if (!isObject(request.body)) throw badRequest("Invalid request parameters: the body must be a JSON object");
  return request.body;
}

function integerParam(request: EmulatorRequest, name: string, min: number, max: number, fallback: number): number;
function integerParam(request: EmulatorRequest, name: string, min: number, max: number): number | undefined;
function integerParam(request: EmulatorRequest, name: string, min: number, max: number, fallback?: number): number | undefined {
  const raw = request.url.searchParams.get(name);
  if (raw === null || raw === "") return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
    throw badRequest(`${name} must be an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? "" : ` to ${max}`}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function enumParam<T extends string>(request: EmulatorRequest, name: string, allowed: readonly T[], fallback: T): T {
  const raw = request.url.searchParams.get(name);
  if (raw === null || raw === "") return fallback;
  if (!allowed.includes(raw as T)) throw badRequest(`${name} must be one of ${allowed.join(", ")}, got ${JSON.stringify(raw)}`);
  return raw as T;
}

/** `fieldKey` of a v2 write: the body's when given, else the query's (the spec leaves open which one the server reads). */
function writeFieldKey(request: EmulatorRequest, body: Record<string, unknown>): FieldKey {
  if (body.fieldKey === undefined) return enumParam(request, "fieldKey", ["name", "id"], "name");
  if (body.fieldKey !== "name" && body.fieldKey !== "id") throw badRequest(`fieldKey must be name or id, got ${JSON.stringify(body.fieldKey)}`);
  return body.fieldKey;
}

const fieldByKey = (database: Database, key: string, fieldKey: FieldKey) =>
  database.fields.find((field) => (fieldKey === "id" ? field.id : field.name) === key);

function pathOf(space: Space, node: Node): string {
  const names: string[] = [];
  for (let current: Node | undefined = node; current && current.parentId !== null; ) {
    names.unshift(current.name);
    const parentId: string = current.parentId;
    current = space.nodes.find((candidate) => candidate.id === parentId);
  }
  return `/${names.join("/")}`;
}

const nodeJson = (space: Space, node: Node) => ({
  id: node.id,
  name: node.name,
  ...(node.description === undefined ? {} : { description: node.description }),
  type: node.type,
  parentId: node.parentId,
  path: pathOf(space, node),
});

const fieldJson = (field: Field) => ({
  id: field.id,
  name: field.name,
  ...(field.description === undefined ? {} : { description: field.description }),
  type: field.type,
  ...(Object.keys(field.property).length === 0 ? {} : { property: field.property }),
  ...(field.primary ? { primary: true } : {}),
});

const viewJson = (view: Database["views"][number]) => ({
  id: view.id,
  name: view.name,
  type: view.type,
  ...(view.description === undefined ? {} : { description: view.description }),
});

/** The options of one records read: which records, in which order, with which fields. */
interface ReadQuery {
  viewId?: string | undefined;
  filter?: string | undefined;
  sort?: SortKey[] | undefined;
  fieldIds?: string[] | undefined;
}

/** The records a read returns, filtered and sorted, and the fields to show (a view's hidden fields left out). */
function readRecords(scope: Scope, query: ReadQuery): { records: StoredRecord[]; fields: Field[] } {
  const { database } = scope;
  const view = query.viewId === undefined ? undefined : database.views.find((candidate) => candidate.id === query.viewId);
  if (query.viewId !== undefined && !view) throw new ApiFailure(404, `View not found: ${query.viewId}`);
  let records = [...database.records.values()];
  for (const source of [view?.filter, query.filter]) {
    if (source === undefined || source === "") continue;
    try {
      const filter = parseFilter(source);
      const fields = new Map<string, Field>();
      for (const clause of filter.clauses) {
        const field = database.fields.find((candidate) => candidate.name === clause.field || candidate.id === clause.field);
        if (!field) throw new FilterError(`unknown field "${clause.field}"`);
        fields.set(clause.field, field);
      }
      records = records.filter((record) => matches(filter, (name): FilterCell => filterCell(scope, record, fields.get(name)!)));
    } catch (error) {
      if (error instanceof FilterError) throw badRequest(`Invalid filter: ${error.message}`);
      throw error;
    }
  }
  const sort = query.sort && query.sort.length > 0 ? query.sort : (view?.sort ?? []);
  if (sort.length > 0) {
    const keys = sort.map((key) => ({ field: database.fields.find((field) => field.id === key.fieldId)!, sign: key.order === "desc" ? -1 : 1 }));
    const decorated = records.map((record, index) => ({ record, index, values: keys.map((key) => sortValue(scope, record, key.field)) }));
    decorated.sort((a, b) => {
      for (const [position, key] of keys.entries()) {
        const difference = compareSortValues(a.values[position]!, b.values[position]!);
        if (difference !== 0) return difference * key.sign;
      }
      return a.index - b.index;
    });
    records = decorated.map((entry) => entry.record);
  }
  const fields = query.fieldIds
    ? query.fieldIds.map((id) => database.fields.find((field) => field.id === id)!)
    : database.fields.filter((field) => !view?.hiddenFieldIds.includes(field.id));
  return { records, fields };
}

/** Empty cells first in ascending order (and so last in descending), as the tables' own sort does. */
function compareSortValues(a: number | string | null, b: number | string | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return compareText(String(a), String(b));
}

function sortKeysOf(database: Database, keys: Array<{ field: unknown; order: unknown }>, fieldKey: FieldKey): SortKey[] {
  return keys.map(({ field, order }) => {
    if (typeof field !== "string") throw badRequest("Invalid sort: every key needs a field");
    const target = fieldByKey(database, field, fieldKey);
    if (!target) throw badRequest(`Invalid sort field: "${field}"`);
    if (!(order === undefined || order === "asc" || order === "desc")) throw badRequest(`Invalid sort order: ${JSON.stringify(order)}`);
    return { fieldId: target.id, order: order ?? "asc" };
  });
}

/** v1's `sort`: one JSON-encoded array `[{"field": …, "order": …}]`. */
function v1Sort(request: EmulatorRequest, database: Database): SortKey[] | undefined {
  const raw = request.url.searchParams.get("sort");
  if (raw === null || raw === "") return undefined;
  let keys: unknown;
  try {
    keys = JSON.parse(raw);
  } catch {
    keys = undefined;
  }
  if (!Array.isArray(keys) || !keys.every(isObject)) throw badRequest('Invalid sort: expected a JSON array of {"field", "order"}');
  return sortKeysOf(database, keys as Array<{ field: unknown; order: unknown }>, "name");
}

/** v2's `sort`: bracket notation, `sort[0][field]=Name&sort[0][order]=asc`, in index order. */
function v2Sort(request: EmulatorRequest, database: Database, fieldKey: FieldKey): SortKey[] | undefined {
  const keys = new Map<number, { field: unknown; order: unknown }>();
  for (const [name, value] of request.url.searchParams) {
    if (!name.startsWith("sort")) continue;
    const match = /^sort\[(\d+)\]\[(field|order)\]$/.exec(name);
    if (!match) throw badRequest(`Invalid sort parameter "${name}": use sort[0][field]=…&sort[0][order]=asc`);
    const index = Number(match[1]);
    const key = keys.get(index) ?? { field: undefined, order: undefined };
    key[match[2] as "field" | "order"] = value;
    keys.set(index, key);
  }
  if (keys.size === 0) return undefined;
  return sortKeysOf(database, [...keys.entries()].sort(([a], [b]) => a - b).map(([, key]) => key), fieldKey);
}

/** `fields`: v1 sends one comma-separated value, v2 repeats the key; both forms are read either way. */
function fieldIdsParam(request: EmulatorRequest, database: Database, fieldKey: FieldKey, commaSeparated: boolean): string[] | undefined {
  const values = request.url.searchParams.getAll("fields");
  if (values.length === 0) return undefined;
  const keys = values.flatMap((value) => (commaSeparated ? value.split(",") : [value])).filter((key) => key !== "");
  return keys.map((key) => {
    const field = fieldByKey(database, key, fieldKey);
    if (!field) throw badRequest(`Invalid fields: unknown field "${key}"`);
    return field.id;
  });
}

/** Cells by field name (or id), empty ones left out. */
function cellsOf(scope: Scope, record: StoredRecord, fields: Field[], fieldKey: FieldKey, format?: { timeZone: string; locale: string }) {
  const cells: Record<string, unknown> = {};
  for (const field of fields) {
    const value = format ? cellText(scope, record, field, format.timeZone, format.locale) : readCell(scope, record, field);
    if (value !== undefined) cells[fieldKey === "id" ? field.id : field.name] = value;
  }
  return cells;
}

/** A record as the v1 writes and reads answer it (`RecordV2VO`): every non-empty cell as `{id, name, fieldType, value, data}`. */
function recordVO(scope: Scope, record: StoredRecord) {
  const cells: Record<string, unknown> = {};
  for (const field of scope.database.fields) {
    const value = cellValue(scope, record, field);
    if (value === undefined) continue;
    cells[field.name] = { id: field.id, name: field.name, fieldType: field.type, value, data: cellData(scope, record, field) };
  }
  return { id: record.id, databaseId: scope.node.id, cells };
}

const v2Record = (scope: Scope, record: StoredRecord, fieldKey: FieldKey) => ({
  id: record.id,
  fields: cellsOf(scope, record, scope.database.fields, fieldKey),
  createdAt: iso(record.createdAt),
  updatedAt: iso(record.updatedAt),
});

/**
 * The stored cells a write asks for, all validated before anything changes so a refused write leaves the record
 * as it was. `undefined` values empty their cells.
 */
function cellWrites(scope: Scope, cells: unknown, fieldKey: FieldKey, what: string): Array<[string, Stored | undefined]> {
  if (!isObject(cells)) throw badRequest(`Invalid request parameters: ${what} must be an object of cell values`);
  return Object.entries(cells).map(([key, value]) => {
    const field = fieldByKey(scope.database, key, fieldKey);
    if (!field) throw unknownField(key);
    return [field.id, writeCell(scope, field, value)];
  });
}

function apply(record: StoredRecord, writes: Array<[string, Stored | undefined]>, now: number) {
  for (const [fieldId, stored] of writes) {
    if (stored === undefined) delete record.cells[fieldId];
    else record.cells[fieldId] = stored;
  }
  record.updatedAt = now;
}

/** A write's timestamp: never equal to or before the last one, so `updatedAt` orders writes even within a millisecond. */
function clock(): () => number {
  let last = 0;
  return () => {
    last = Math.max(Date.now(), last + 1);
    return last;
  };
}

function batch(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value) || value.length === 0) throw badRequest(`Invalid request parameters: ${what} must be a non-empty array`);
  if (value.length > MAX_BATCH) throw badRequest(`Invalid request parameters: at most ${MAX_BATCH} records per request, got ${value.length}`);
  return value;
}

function systemHeaders(request: EmulatorRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    // Credentials are not echoed back, whatever the server does with them.
    if (value === undefined || /^(authorization|proxy-authorization|cookie)$/i.test(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

function checkedTimeZone(zone: string): string {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
  } catch {
    throw badRequest(`timeZone must be an IANA time zone, got ${JSON.stringify(zone)}`);
  }
  return zone;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[char]!);

const notFoundRaw = (): RawAnswer => ({ raw: { status: 404, headers: { "content-type": "text/plain; charset=utf-8" }, body: "Not Found" } });

/** The routes over `state()`, which the API swaps on reset. */
export function bikaRoutes(state: () => State): Route[] {
  const now = clock();
  const spaceOf = (spaceId: string): Space => {
    const space = state().spaces.find((candidate) => candidate.id === spaceId);
    if (!space) throw spaceNotFound(spaceId);
    return space;
  };
  const nodeOf = (space: Space, nodeId: string): Node => {
    const node = space.nodes.find((candidate) => candidate.id === nodeId);
    if (!node) throw nodeNotFound(nodeId);
    return node;
  };
  const scopeOf = (request: EmulatorRequest, params: Record<string, string>): Scope => {
    const space = spaceOf(params.spaceId!);
    const node = nodeOf(space, params.nodeId!);
    if (!node.database) throw nodeNotFound(node.id);
    return { state: state(), space, node, database: node.database, origin: request.origin };
  };
  const recordOf = (scope: Scope, recordId: string): StoredRecord => {
    const record = scope.database.records.get(recordId);
    if (!record) throw recordNotFound(recordId);
    return record;
  };
  const triggersOf = (_request: EmulatorRequest, params: Record<string, string>) => {
    const node = nodeOf(spaceOf(params.spaceId!), params.nodeId!);
    if (!node.triggers) throw nodeNotFound(node.id);
    return node.triggers;
  };
  const createRecord = (scope: Scope, writes: Array<[string, Stored | undefined]>): StoredRecord => {
    const time = now();
    const record: StoredRecord = { id: makeId("rec"), cells: {}, createdAt: time, updatedAt: time, autoNumber: scope.database.nextAutoNumber++ };
    apply(record, writes, time);
    scope.database.records.set(record.id, record);
    return record;
  };
  const remember = (databaseId: string, index: number): string => {
    const { cursors } = state();
    if (cursors.size >= MAX_CURSORS) cursors.delete(cursors.keys().next().value!);
    const token = newId("itr", 16);
    cursors.set(token, { databaseId, index });
    return token;
  };

  const updateMany = (request: EmulatorRequest, params: Record<string, string>) => {
    const scope = scopeOf(request, params);
    const body = objectBody(request);
    const fieldKey = writeFieldKey(request, body);
    const updates = batch(body.records, "records").map((item, index) => {
      if (!isObject(item) || typeof item.id !== "string") throw badRequest(`Invalid request parameters: records[${index}].id is required`);
      return { record: recordOf(scope, item.id), writes: cellWrites(scope, item.fields, fieldKey, `records[${index}].fields`) };
    });
    const time = now();
    for (const { record, writes } of updates) apply(record, writes, time);
    return { records: updates.map(({ record }) => v2Record(scope, record, fieldKey)) };
  };

  const DATABASE = `${BIKA_BASE_PATH}/v1/spaces/{spaceId}/resources/databases/{nodeId}`;
  const V2_RECORDS = `${BIKA_BASE_PATH}/v2/spaces/{spaceId}/resources/databases/{nodeId}/records`;
  const SPACE = `${BIKA_BASE_PATH}/v1/spaces/{spaceId}`;

  return [
    {
      method: "GET",
      path: `${BIKA_BASE_PATH}/v1/system/meta`,
      handler: (request) => ({
        version: "1.0.0-emulator",
        appEnv: "EMULATOR",
        hostname: request.origin,
        headers: systemHeaders(request),
      }),
    },
    {
      method: "GET",
      path: `${BIKA_BASE_PATH}/v1/user/profile`,
      handler: () => {
        const { user } = state();
        return {
          id: user.id,
          name: user.name,
          email: user.email,
          phone: user.phone,
          settings: { themeMode: "system", locale: user.locale, notification: { email: true, push: true, SMS: false } },
          timeZone: user.timeZone,
          avatar: { type: "COLOR", color: "BLUE" },
          metadata: { isChinaUser: false },
          createdAt: user.createdAt,
        };
      },
    },
    {
      method: "GET",
      path: `${BIKA_BASE_PATH}/v1/spaces`,
      handler: () => state().spaces.map((space) => spaceJson(state(), space)),
    },
    {
      method: "GET",
      path: SPACE,
      handler: (_request, params) => spaceJson(state(), spaceOf(params.spaceId!)),
    },
    {
      method: "GET",
      path: `${SPACE}/nodes`,
      handler: (_request, params) => {
        const space = spaceOf(params.spaceId!);
        return space.nodes.map((node) => nodeJson(space, node));
      },
    },
    {
      method: "GET",
      path: `${SPACE}/nodes/{nodeId}`,
      handler: (_request, params) => {
        const space = spaceOf(params.spaceId!);
        return nodeJson(space, nodeOf(space, params.nodeId!));
      },
    },
    // The Quick Start's Python form of the triggers route, kept as the spec's deprecated alias.
    { method: "GET", path: `${SPACE}/nodes/{nodeId}/automation/triggers`, handler: triggersOf },
    { method: "GET", path: `${SPACE}/resources/automation/{nodeId}/triggers`, handler: triggersOf },
    {
      method: "GET",
      path: DATABASE,
      handler: (request, params) => {
        const { space, node, database } = scopeOf(request, params);
        return {
          id: node.id,
          name: node.name,
          ...(node.description === undefined ? {} : { description: node.description }),
          spaceId: space.id,
          fields: database.fields.map(fieldJson),
          views: database.views.map(viewJson),
        };
      },
    },
    { method: "GET", path: `${DATABASE}/fields`, handler: (request, params) => scopeOf(request, params).database.fields.map(fieldJson) },
    { method: "GET", path: `${DATABASE}/views`, handler: (request, params) => scopeOf(request, params).database.views.map(viewJson) },
    {
      method: "GET",
      path: `${DATABASE}/records`,
      handler: (request, params) => {
        const scope = scopeOf(request, params);
        const pageNum = integerParam(request, "pageNum", 1, Number.MAX_SAFE_INTEGER, 1);
        const pageSize = integerParam(request, "pageSize", 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE);
        const { records, fields } = readRecords(scope, {
          viewId: request.url.searchParams.get("viewId") ?? undefined,
          filter: request.url.searchParams.get("filter") ?? undefined,
          sort: v1Sort(request, scope.database),
          fieldIds: fieldIdsParam(request, scope.database, "name", true),
        });
        return {
          total: records.length,
          pageNum,
          // The page size asked for, as in the spec's example (pageSize 100 over a total of 2).
          pageSize,
          records: records.slice((pageNum - 1) * pageSize, pageNum * pageSize).map((record) => ({
            recordId: record.id,
            fields: cellsOf(scope, record, fields, "name"),
            createdAt: record.createdAt,
            updatedAt: record.updatedAt,
          })),
        };
      },
    },
    {
      method: "POST",
      path: `${DATABASE}/records`,
      handler: (request, params) => {
        const scope = scopeOf(request, params);
        const body = objectBody(request);
        if (body.cells === undefined) {
          throw badRequest("Invalid request parameters: cells is required (the body is {cells: {<field name>: value}})");
        }
        return recordVO(scope, createRecord(scope, cellWrites(scope, body.cells, "name", "cells")));
      },
    },
    {
      method: "PATCH",
      path: `${DATABASE}/records`,
      handler: (request, params) => {
        const scope = scopeOf(request, params);
        const body = objectBody(request);
        if (typeof body.id !== "string") throw badRequest("Invalid request parameters: id (the record id) is required");
        const record = recordOf(scope, body.id);
        apply(record, cellWrites(scope, body.cells, "name", "cells"), now());
        return recordVO(scope, record);
      },
    },
    {
      method: "GET",
      path: `${DATABASE}/records/{recordId}`,
      handler: (request, params) => {
        const scope = scopeOf(request, params);
        return recordVO(scope, recordOf(scope, params.recordId!));
      },
    },
    {
      // The third-party form of the v1 update (spec `updateRecordById`): the record in the path, `{cells}` in the body.
      method: "PUT",
      path: `${DATABASE}/records/{recordId}`,
      handler: (request, params) => {
        const scope = scopeOf(request, params);
        const body = objectBody(request);
        const record = recordOf(scope, params.recordId!);
        apply(record, cellWrites(scope, body.cells, "name", "cells"), now());
        return recordVO(scope, record);
      },
    },
    {
      method: "DELETE",
      path: `${DATABASE}/records/{recordId}`,
      handler: (request, params) => {
        const scope = scopeOf(request, params);
        const record = recordOf(scope, params.recordId!);
        scope.database.records.delete(record.id);
        return { id: record.id, deleted: true };
      },
    },
    {
      method: "GET",
      path: V2_RECORDS,
      handler: (request, params) => {
        const scope = scopeOf(request, params);
        const query = request.url.searchParams;
        const fieldKey = enumParam(request, "fieldKey", ["name", "id"], "name");
        const cellFormat = enumParam(request, "cellFormat", ["json", "string"], "json");
        const locale = enumParam(request, "userLocale", USER_LOCALES, "en");
        const timeZone = checkedTimeZone(query.get("timeZone") || state().user.timeZone);
        const pageSize = integerParam(request, "pageSize", 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE);
        const maxRecords = integerParam(request, "maxRecords", 1, Number.MAX_SAFE_INTEGER);
        const offset = query.get("offset");
        const cursor = offset ? state().cursors.get(offset) : undefined;
        if (offset && cursor?.databaseId !== scope.node.id) throw badRequest(`Invalid offset: ${offset}`);
        const { records, fields } = readRecords(scope, {
          filter: query.get("filter") ?? undefined,
          sort: v2Sort(request, scope.database, fieldKey),
          fieldIds: fieldIdsParam(request, scope.database, fieldKey, false),
        });
        const capped = maxRecords === undefined ? records : records.slice(0, maxRecords);
        const start = cursor?.index ?? 0;
        const end = start + pageSize;
        const format = cellFormat === "string" ? { timeZone, locale } : undefined;
        const hasMore = end < capped.length;
        return {
          records: capped.slice(start, end).map((record) => ({
            id: record.id,
            fields: cellsOf(scope, record, fields, fieldKey, format),
            createdAt: iso(record.createdAt),
            updatedAt: iso(record.updatedAt),
          })),
          hasMore,
          ...(hasMore ? { offset: remember(scope.node.id, end) } : {}),
        };
      },
    },
    {
      method: "POST",
      path: V2_RECORDS,
      handler: (request, params) => {
        const scope = scopeOf(request, params);
        const body = objectBody(request);
        const fieldKey = writeFieldKey(request, body);
        const writes = batch(body.records, "records").map((item, index) =>
          cellWrites(scope, isObject(item) ? item.fields : undefined, fieldKey, `records[${index}].fields`),
        );
        return { records: writes.map((cells) => v2Record(scope, createRecord(scope, cells), fieldKey)) };
      },
    },
    // The spec declares the batch update with PUT (`updateRecordsV2`) and PATCH (`patchRecordsV2`): clients use both.
    { method: "PUT", path: V2_RECORDS, handler: updateMany },
    { method: "PATCH", path: V2_RECORDS, handler: updateMany },
    {
      method: "DELETE",
      path: V2_RECORDS,
      handler: (request, params) => {
        const scope = scopeOf(request, params);
        // The ids come as a repeated `records` query key or as a `{recordIds}` body: the spec declares both forms.
        const fromQuery = request.url.searchParams.getAll("records");
        const fromBody = isObject(request.body) ? request.body.recordIds : undefined;
        const ids = batch(fromQuery.length > 0 ? fromQuery : fromBody, fromQuery.length > 0 ? "records" : "recordIds");
        if (!ids.every((id) => typeof id === "string")) throw badRequest("Invalid request parameters: record ids must be strings");
        const records = (ids as string[]).map((id) => recordOf(scope, id));
        for (const record of records) scope.database.records.delete(record.id);
        return { records: records.map((record) => ({ id: record.id, deleted: true })) };
      },
    },
    {
      method: "GET",
      path: `${V2_RECORDS}/{recordId}`,
      handler: (request, params) => {
        const scope = scopeOf(request, params);
        const fieldKey = enumParam(request, "fieldKey", ["name", "id"], "name");
        const cellFormat = enumParam(request, "cellFormat", ["json", "string"], "json");
        const locale = enumParam(request, "userLocale", USER_LOCALES, "en");
        const timeZone = checkedTimeZone(request.url.searchParams.get("timeZone") || state().user.timeZone);
        const record = scope.database.records.get(params.recordId!);
        // The spec records the live server answering this read of a missing record with HTTP 500.
        if (!record) throw new ApiFailure(500, `Record not found: ${params.recordId}`, 500);
        return {
          id: record.id,
          fields: cellsOf(scope, record, scope.database.fields, fieldKey, cellFormat === "string" ? { timeZone, locale } : undefined),
          createdAt: iso(record.createdAt),
          updatedAt: iso(record.updatedAt),
        };
      },
    },
    {
      method: "PUT",
      path: `${V2_RECORDS}/{recordId}`,
      handler: (request, params) => {
        const scope = scopeOf(request, params);
        const body = objectBody(request);
        const fieldKey = writeFieldKey(request, body);
        const record = recordOf(scope, params.recordId!);
        apply(record, cellWrites(scope, body.fields, fieldKey, "fields"), now());
        return v2Record(scope, record, fieldKey);
      },
    },
    {
      method: "DELETE",
      path: `${V2_RECORDS}/{recordId}`,
      handler: (request, params) => {
        const scope = scopeOf(request, params);
        const record = recordOf(scope, params.recordId!);
        scope.database.records.delete(record.id);
        return { id: record.id, deleted: true };
      },
    },
    {
      method: "POST",
      path: `${SPACE}/outgoing-webhooks`,
      handler: (request, params) => {
        const space = spaceOf(params.spaceId!);
        const body = objectBody(request);
        const { eventType, name, description, callbackURL, databaseId } = body;
        if (eventType !== "ON_RECORD_CREATED" && eventType !== "ON_NODE_CREATED") {
          throw badRequest(`eventType must be ON_RECORD_CREATED or ON_NODE_CREATED, got ${JSON.stringify(eventType)}`);
        }
        if (typeof name !== "string" || name === "") throw badRequest("name is required");
        if (!(description === undefined || typeof description === "string")) throw badRequest("description must be a string");
        if (typeof callbackURL !== "string" || !isWebUrl(callbackURL)) throw badRequest("callbackURL must be a valid URL");
        if (!(databaseId === undefined || typeof databaseId === "string")) throw badRequest("databaseId must be a string");
        if (databaseId !== undefined && !nodeOf(space, databaseId).database) throw nodeNotFound(databaseId);
        const webhook = {
          id: makeId("owh"),
          eventType,
          name,
          description: description ?? "",
          callbackURL,
          ...(databaseId === undefined ? {} : { databaseId }),
        };
        space.webhooks.push(webhook);
        return webhookJson(space, webhook);
      },
    },
    {
      method: "GET",
      path: `${SPACE}/outgoing-webhooks`,
      handler: (_request, params) => {
        const space = spaceOf(params.spaceId!);
        return space.webhooks.map((webhook) => webhookJson(space, webhook));
      },
    },
    {
      method: "DELETE",
      path: `${SPACE}/outgoing-webhooks/{outgoingWebhookId}`,
      handler: (_request, params) => {
        const space = spaceOf(params.spaceId!);
        const index = space.webhooks.findIndex((webhook) => webhook.id === params.outgoingWebhookId);
        if (index < 0) throw new ApiFailure(404, "Outgoing webhook not found");
        const [webhook] = space.webhooks.splice(index, 1);
        return { id: webhook!.id, deleted: true };
      },
    },
    {
      method: "POST",
      path: `${SPACE}/embed-links`,
      handler: (request, params) => {
        const space = spaceOf(params.spaceId!);
        const { objectType, objectId } = objectBody(request);
        if (objectType !== "NODE_RESOURCE") throw badRequest(`objectType must be NODE_RESOURCE, got ${JSON.stringify(objectType)}`);
        if (typeof objectId !== "string" || objectId === "") throw badRequest("objectId is required");
        nodeOf(space, objectId);
        const link = { id: makeId("emb"), objectType, objectId, createdAt: iso(now()) };
        space.embedLinks.push(link);
        return embedLinkJson(request.origin, link);
      },
    },
    {
      method: "GET",
      path: `${SPACE}/embed-links`,
      handler: (request, params) => spaceOf(params.spaceId!).embedLinks.map((link) => embedLinkJson(request.origin, link)),
    },
    {
      method: "DELETE",
      path: `${SPACE}/embed-links/{embedLinkId}`,
      handler: (_request, params) => {
        const space = spaceOf(params.spaceId!);
        const index = space.embedLinks.findIndex((link) => link.id === params.embedLinkId);
        if (index < 0) throw new ApiFailure(404, "Embed link not found");
        const [link] = space.embedLinks.splice(index, 1);
        return { id: link!.id, deleted: true };
      },
    },
    {
      method: "POST",
      path: `${SPACE}/attachments`,
      handler: async (request, params) => {
        const space = spaceOf(params.spaceId!);
        const file = request.form?.get("file");
        if (!file || typeof file === "string") throw badRequest('Invalid request parameters: send the file as multipart/form-data in the part named "file"');
        const id = makeId("atc");
        const name = file.name || "file";
        const extension = /\.[A-Za-z0-9]{1,10}$/.exec(name)?.[0] ?? "";
        const bytes = new Uint8Array(await file.arrayBuffer());
        const attachment = {
          id,
          name,
          mimeType: file.type || "application/octet-stream",
          size: bytes.length,
          bucket: ATTACHMENT_BUCKET,
          path: `${space.id}/${id}${extension}`,
        };
        space.attachments.set(id, { ...attachment, bytes });
        return [{ ...attachment, url: attachmentUrl(request.origin, attachment) }];
      },
    },
    {
      method: "GET",
      path: "/bika-assets/{spaceId}/{fileName}",
      public: true,
      handler: (_request, params) => {
        const space = state().spaces.find((candidate) => candidate.id === params.spaceId);
        const path = `${params.spaceId}/${params.fileName}`;
        const attachment = space && [...space.attachments.values()].find((candidate) => candidate.path === path);
        if (!attachment) return notFoundRaw();
        return {
          raw: {
            status: 200,
            headers: { "content-type": attachment.mimeType, "content-length": String(attachment.size) },
            body: Buffer.from(attachment.bytes),
          },
        } satisfies RawAnswer;
      },
    },
    {
      method: "GET",
      path: "/bika-embed/{embedLinkId}",
      public: true,
      handler: (_request, params) => {
        for (const space of state().spaces) {
          const link = space.embedLinks.find((candidate) => candidate.id === params.embedLinkId);
          const node = link && space.nodes.find((candidate) => candidate.id === link.objectId);
          if (!node) continue;
          const title = escapeHtml(`${node.name} (${node.type})`);
          return {
            raw: {
              status: 200,
              headers: { "content-type": "text/html; charset=utf-8" },
              body: `<!doctype html><meta charset="utf-8"><title>${title}</title><p>Bika emulator: embedded ${title} of space ${escapeHtml(space.name)}</p>`,
            },
          } satisfies RawAnswer;
        }
        return notFoundRaw();
      },
    },
  ];
}

function isWebUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

function spaceJson(state: State, space: Space) {
  return {
    id: space.id,
    name: space.name,
    ...(space.slug === undefined ? {} : { slug: space.slug }),
    logo: { type: "COLOR", color: "BLUE" },
    settings: { watermark: false },
    owner: state.user.id,
    createBy: state.user.id,
    createdAt: space.createdAt,
    memberCount: space.members.filter((member) => member.type === "Member").length,
    subscription: { plan: space.plan },
  };
}

function webhookJson(space: Space, webhook: Space["webhooks"][number]) {
  const watched = space.nodes.find((node) => node.id === (webhook.databaseId ?? space.rootId));
  return {
    ...webhook,
    ...(watched ? { node: { id: watched.id, name: watched.name, type: watched.type } } : {}),
  };
}

function embedLinkJson(origin: string, link: Space["embedLinks"][number]) {
  return { id: link.id, url: `${origin}/bika-embed/${link.id}`, objectType: link.objectType, objectId: link.objectId, createdAt: link.createdAt };
}

const RECORDS_PATH = /\/(v1|v2)\/spaces\/[^/]+\/resources\/databases\/[^/]+\/records(\/[^/]+)?\/?$/;

/** How many records a write carries, for the request log: one for a single-record write, the batch's size otherwise. */
export function recordsIn(method: string, url: URL, body: Buffer): number | undefined {
  const match = RECORDS_PATH.exec(url.pathname);
  if (!match || method === "GET") return undefined;
  const [, version, recordId] = match;
  if (version === "v1" || recordId !== undefined) return 1;
  if (method === "DELETE" && url.searchParams.has("records")) return url.searchParams.getAll("records").length;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
  const items = isObject(parsed) ? (method === "DELETE" ? parsed.recordIds : parsed.records) : undefined;
  return Array.isArray(items) ? items.length : undefined;
}
