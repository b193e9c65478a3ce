/**
 * The Vika (AITable / APITable) Fusion API, with state: the routes of spec/vika/openapi.yaml over spaces, nodes,
 * datasheets, records, attachments, embed links and the organisation. The semantics are the room-server's
 * (apitable/apitable:packages/room-server/src/fusion), as the spec's descriptions cite them: paging and `total`,
 * `recordIds`, view order and hidden fields, `fieldKey`, `cellFormat`, per-type cell validation, the 10-record
 * write limit, business errors under HTTP 200.
 */
import { createHash, randomBytes } from "node:crypto";
import type { EmulatedApi } from "../api.js";
import { type Formula, FormulaError, type Value, evaluate, parseFormula, truthy } from "../formula.js";
import { ApiFailure, type EmulatorRequest, type Route, badRequest, compareText, isObject } from "../http.js";
import { newId } from "../ids.js";
import {
  type CellContext,
  type Field,
  type FieldType,
  FIELD_TYPES,
  PRIMARY_TYPES,
  type StoredAttachment,
  type Unit,
  cellText,
  fieldMeta,
  propertyFromCreate,
  writeCell,
} from "./fields.js";
import type { VikaSeed, VikaSeedNode } from "./seed.js";

/** The server's limits (`API_MAX_MODIFY_RECORD_COUNTS`, `API_MAX_PAGE_SIZE`, `SERVER_MAX_RECORD_COUNT`). */
export interface VikaLimits {
  maxRecordsPerWrite: number;
  maxRecordsPerDatasheet: number;
}

type NodeType = VikaSeedNode["type"];

interface StoredRecord {
  id: string;
  createdAt: number;
  updatedAt: number;
  autoNumber: number;
  /** Stored cells by field id; empty cells are absent. */
  cells: Record<string, unknown>;
}

interface View {
  id: string;
  name: string;
  type: string;
  hidden: Set<string>;
}

interface Datasheet {
  id: string;
  spaceId: string;
  fields: Field[];
  views: View[];
  records: StoredRecord[];
  byId: Map<string, StoredRecord>;
  nextAutoNumber: number;
  /** Ids of deleted records, oldest first (the timemachine route). */
  deleted: string[];
}

interface NodeEntry {
  id: string;
  name: string;
  type: NodeType;
  spaceId: string;
  parentId: string | undefined;
  children: string[];
}

interface Member {
  unitId: string;
  name: string;
  email: string | undefined;
  type: "PrimaryAdmin" | "SubAdmin" | "Member";
  teams: Set<string>;
  roles: Set<string>;
}

interface Team {
  unitId: string;
  name: string;
  sequence: number;
  parentUnitId: string;
  roles: Set<string>;
}

interface Space {
  id: string;
  name: string;
  isAdmin: boolean;
  roots: string[];
  members: Map<string, Member>;
  teams: Map<string, Team>;
  roles: Map<string, { unitId: string; name: string; sequence: number }>;
  embedLinks: Map<string, Map<string, Record<string, unknown>>>;
}

interface State {
  user: { id: string; name: string; avatar: string };
  spaces: Map<string, Space>;
  nodes: Map<string, NodeEntry>;
  datasheets: Map<string, Datasheet>;
  attachments: Map<string, StoredAttachment & { bytes: Buffer }>;
  /** Upload slots handed out by presignedUrl: key → token. */
  slots: Map<string, string>;
}

const NOT_FOUND_DATASHEET = () => new ApiFailure(301, "api_datasheet_not_exist: the datasheet does not exist");
const AVATAR = "https://s1.vika.cn/default/avatar001.jpg";
let unitCounter = 0;
const newUnitId = () => `${Date.now()}${String((unitCounter += 1) % 100000).padStart(5, "0")}`;


/** A query parameter given as a repeated key, `key[]`, or one comma-separated value (`stringToArray`). */
function listParam(query: URLSearchParams, name: string): string[] | undefined {
  const values = [...query.getAll(name), ...query.getAll(`${name}[]`)];
  if (values.length === 0) return undefined;
  return values.flatMap((value) => value.split(",")).map((value) => value.trim()).filter(Boolean);
}

/** An integer query parameter within [min, max], else the server's parameter error. */
function intParam(query: URLSearchParams, name: string, fallback: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === "") return fallback;
  const value = Number(raw);
  if (!(Number.isInteger(value) && value >= min && value <= max)) {
    throw badRequest(`api_params_${name.toLowerCase()}_error: ${name} must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ""}`);
  }
  return value;
}

/** `sort` as JSON objects (repeated or `},`-joined) or the qs bracket form, as `objStringToArray` reads it. */
function sortParam(query: URLSearchParams): Array<{ field: string; order: "asc" | "desc" }> {
  const rules: Array<{ field: unknown; order: unknown }> = [];
  for (const raw of [...query.getAll("sort"), ...query.getAll("sort[]")]) {
    const pieces = raw.trim().startsWith("[") ? [raw] : raw.split(/},\s*/).map((piece, index, all) => (index < all.length - 1 ? `${piece}}` : piece));
    for (const piece of pieces) {
      try {
        const parsed: unknown = JSON.parse(piece);
        for (const rule of Array.isArray(parsed) ? parsed : [parsed]) rules.push(rule as { field: unknown; order: unknown });
      } catch {
        throw badRequest("api_params_invalid_sort: sort must be {\"field\": …, \"order\": \"asc\" | \"desc\"}");
      }
    }
  }
  const fields = query.getAll("sort[][field]");
  const orders = query.getAll("sort[][order]");
  fields.forEach((field, index) => rules.push({ field, order: orders[index] ?? "asc" }));
  // Indexed pairs by their index, kept in a map: an index such as 4294967290 must not become an array that long.
  const indexed = new Map<number, { field: unknown; order: unknown }>();
  for (const [key, value] of query) {
    const match = /^sort\[(\d+)\]\[(field|order)\]$/.exec(key);
    if (match) {
      const index = Number(match[1]);
      const rule = indexed.get(index) ?? { field: undefined, order: "asc" };
      rule[match[2] as "field" | "order"] = value;
      indexed.set(index, rule);
    }
  }
  rules.push(...[...indexed].sort(([a], [b]) => a - b).map(([, rule]) => rule));
  return rules.map((rule) => {
    if (!isObject(rule) || typeof rule.field !== "string" || (rule.order !== "asc" && rule.order !== "desc")) {
      throw badRequest("api_params_invalid_sort: each sort rule needs a field and an order of asc or desc");
    }
    return { field: rule.field, order: rule.order };
  });
}

function fieldKeyOf(value: unknown): "name" | "id" {
  if (value === undefined || value === null || value === "") return "name";
  if (value !== "name" && value !== "id") throw badRequest("api_params_invalid_field_key: fieldKey must be name or id");
  return value;
}

export function createVikaApi(seed: VikaSeed, limits: VikaLimits = { maxRecordsPerWrite: 10, maxRecordsPerDatasheet: 50_000 }): EmulatedApi & {
  /** The records of a datasheet as stored, for tests that compare what a client reported with what happened. */
  records(datasheetId: string): Array<{ recordId: string; fields: Record<string, unknown> }>;
  /** Adds records without a request (no rate limit, no faults, no write limit), cells checked as a create checks them. */
  insert(datasheetId: string, cells: ReadonlyArray<Record<string, unknown>>): Array<{ recordId: string; fields: Record<string, unknown> }>;
} {
  // Assigned by load() (called once everything below is defined), which the helpers read while it builds.
  let state!: State;

  function load(from: VikaSeed): State {
    const fresh: State = {
      user: { id: from.user?.id ?? createHash("sha1").update(from.user?.name ?? "user").digest("hex").slice(0, 32), name: from.user?.name ?? "Emulator User", avatar: AVATAR },
      spaces: new Map(),
      nodes: new Map(),
      datasheets: new Map(),
      attachments: new Map(),
      slots: new Map(),
    };
    state = fresh;
    for (const seedSpace of from.spaces) {
      const space: Space = {
        id: seedSpace.id ?? newId("spc"),
        name: seedSpace.name,
        isAdmin: seedSpace.isAdmin ?? true,
        roots: [],
        members: new Map(),
        teams: new Map(),
        roles: new Map(),
        embedLinks: new Map(),
      };
      if (fresh.spaces.has(space.id)) throw new SeedError(`spaces: the id ${space.id} is used twice`);
      fresh.spaces.set(space.id, space);
      for (const member of seedSpace.members ?? []) {
        const unitId = member.unitId ?? newUnitId();
        space.members.set(unitId, { unitId, name: member.name, email: member.email, type: member.type ?? "Member", teams: new Set(), roles: new Set() });
      }
      for (const role of seedSpace.roles ?? []) {
        const unitId = role.unitId ?? newUnitId();
        space.roles.set(unitId, { unitId, name: role.name, sequence: space.roles.size + 1 });
      }
      for (const seedTeam of seedSpace.teams ?? []) {
        const unitId = seedTeam.unitId ?? newUnitId();
        space.teams.set(unitId, { unitId, name: seedTeam.name, sequence: space.teams.size + 1, parentUnitId: "0", roles: new Set() });
        for (const reference of seedTeam.members ?? []) {
          const member = [...space.members.values()].find((candidate) => candidate.unitId === reference || candidate.name === reference);
          if (!member) throw new SeedError(`teams: "${seedTeam.name}" names a member "${reference}" the space does not have`);
          member.teams.add(unitId);
        }
      }
      // Datasheets first (without records), so that link fields can point at any datasheet of the seed.
      const pending: Array<{ node: VikaSeedNode; id: string }> = [];
      const addNode = (node: VikaSeedNode, parentId: string | undefined, path: string) => {
        const prefix = { Folder: "fod", Datasheet: "dst", Form: "fom", Dashboard: "dsb", Mirror: "mir", Automation: "aut" }[node.type];
        const nodeId = node.id ?? newId(prefix, node.type === "Datasheet" ? 15 : 10);
        if (fresh.nodes.has(nodeId)) throw new SeedError(`${path}: the id ${nodeId} is used twice`);
        fresh.nodes.set(nodeId, { id: nodeId, name: node.name, type: node.type, spaceId: space.id, parentId, children: [] });
        if (parentId) fresh.nodes.get(parentId)!.children.push(nodeId);
        else space.roots.push(nodeId);
        if (node.type === "Datasheet") {
          if (!node.fields?.length) throw new SeedError(`${path}: a datasheet needs at least one field`);
          pending.push({ node, id: nodeId });
          createDatasheetIn(space.id, nodeId, node.fields, node.views, path);
        }
        node.children?.forEach((child, index) => {
          if (node.type !== "Folder") throw new SeedError(`${path}: only folders have children`);
          addNode(child, nodeId, `${path}.children[${index}]`);
        });
      };
      seedSpace.nodes?.forEach((node, index) => addNode(node, undefined, `spaces[${from.spaces.indexOf(seedSpace)}].nodes[${index}]`));
      // Records in two passes: link cells last, so that a link may point at a record seeded later.
      const links: Array<() => void> = [];
      for (const { node, id } of pending) {
        const datasheet = fresh.datasheets.get(id)!;
        // Found once per datasheet, and records without link cells go in whole: a seed of 100,000 records loads
        // in a second or two instead of spending its time splitting cells.
        const linkNames = new Set(datasheet.fields.filter((field) => ["OneWayLink", "TwoWayLink", "MagicLink"].includes(field.type)).map((field) => field.name));
        node.records?.forEach((record, index) => {
          const where = `datasheet "${node.name}" records[${index}]`;
          const linkCells = linkNames.size === 0 ? [] : Object.entries(record.fields).filter(([key]) => linkNames.has(key));
          const plainCells = linkCells.length === 0 ? record.fields : Object.fromEntries(Object.entries(record.fields).filter(([key]) => !linkNames.has(key)));
          const stored = seedStep(where, () => insertRecord(datasheet, plainCells, "name", record.id));
          if (linkCells.length === 0) return;
          links.push(() =>
            seedStep(where, () => {
              for (const [fieldId, value] of Object.entries(convertCells(datasheet, Object.fromEntries(linkCells), "name", where))) {
                if (value === undefined) continue;
                stored.cells[fieldId] = value;
                syncLinks(datasheet, stored, {});
              }
            }),
          );
        });
      }
      for (const link of links) link();
    }
    return fresh;
  }

  /** Runs one step of loading a seed, naming where in the seed a refusal came from. */
  function seedStep<T>(where: string, step: () => T): T {
    try {
      return step();
    } catch (error) {
      if (error instanceof ApiFailure) throw new SeedError(`${where}: ${error.message}`);
      throw error;
    }
  }

  function createDatasheetIn(
    spaceId: string,
    id: string,
    fields: ReadonlyArray<{ id?: string | undefined; name: unknown; type: unknown; property?: unknown; desc?: unknown }>,
    views: ReadonlyArray<{ id?: string; name: string; type?: string; hiddenFields?: string[] }> | undefined,
    where: string,
  ): Datasheet {
    const datasheet: Datasheet = { id, spaceId, fields: [], views: [], records: [], byId: new Map(), nextAutoNumber: 1, deleted: [] };
    state.datasheets.set(id, datasheet);
    try {
      fields.forEach((field, index) => {
        if (index === 0 && !PRIMARY_TYPES.has(field.type as FieldType)) {
          throw badRequest(`api_params_primary_field_type_error: the first field cannot be of type ${String(field.type)}`);
        }
        addField(datasheet, field);
      });
    } catch (error) {
      state.datasheets.delete(id);
      if (error instanceof ApiFailure && where) throw new SeedError(`${where}: ${error.message}`);
      throw error;
    }
    for (const view of views?.length ? views : [{ name: "Grid view", type: "Grid" }]) {
      const hidden = new Set(
        (view.hiddenFields ?? []).map((reference) => {
          const field = datasheet.fields.find((candidate) => candidate.id === reference || candidate.name === reference);
          if (!field) throw new SeedError(`${where}: view "${view.name}" hides a field "${reference}" the datasheet does not have`);
          return field.id;
        }),
      );
      datasheet.views.push({ id: view.id ?? newId("viw"), name: view.name, type: view.type ?? "Grid", hidden });
    }
    return datasheet;
  }

  function addField(datasheet: Datasheet, request: { id?: string | undefined; name: unknown; type: unknown; property?: unknown; desc?: unknown }): Field {
    if (typeof request.name !== "string" || !request.name.trim() || request.name.length > 100) {
      throw badRequest("api_params_invalid_field_name: a field needs a name of 1–100 characters");
    }
    if (!FIELD_TYPES.includes(request.type as FieldType)) throw badRequest(`api_params_invalid_field_type: ${String(request.type)} is not a field type`);
    if (datasheet.fields.some((field) => field.name === request.name)) {
      throw badRequest(`api_params_must_unique: a field named "${request.name}" already exists`);
    }
    const type = request.type as FieldType;
    const field: Field = {
      id: request.id ?? newId("fld"),
      name: request.name,
      type,
      property: propertyFromCreate(request.name, type, request.property, { datasheetExists: (id) => state.datasheets.has(id) }),
      desc: typeof request.desc === "string" ? request.desc : undefined,
    };
    if (type === "TwoWayLink" || type === "MagicLink") {
      const foreign = state.datasheets.get(String(field.property!.foreignDatasheetId))!;
      if (foreign !== datasheet) {
        // The server creates the sibling field in the foreign datasheet.
        const brother: Field = {
          id: newId("fld"),
          name: uniqueName(foreign, datasheetName(datasheet.id)),
          type,
          property: { foreignDatasheetId: datasheet.id, brotherFieldId: field.id },
        };
        foreign.fields.push(brother);
        field.property!.brotherFieldId = brother.id;
      }
    }
    datasheet.fields.push(field);
    return field;
  }

  const uniqueName = (datasheet: Datasheet, base: string) => {
    let name = base;
    for (let index = 2; datasheet.fields.some((field) => field.name === name); index += 1) name = `${base} ${index}`;
    return name;
  };
  const datasheetName = (id: string) => state.nodes.get(id)?.name ?? id;

  function cellContext(datasheet: Datasheet): CellContext {
    const space = state.spaces.get(datasheet.spaceId)!;
    return {
      unit: (reference) => {
        const id = reference.id ?? reference.unitId;
        if (id !== undefined) {
          const member = space.members.get(id);
          if (member) return unitOf(member);
          const team = space.teams.get(id);
          return team && { unitId: team.unitId, name: team.name, type: "Team" };
        }
        const member = [...space.members.values()].find((candidate) => candidate.name === reference.name);
        if (member && reference.type !== "Team") return unitOf(member);
        const team = [...space.teams.values()].find((candidate) => candidate.name === reference.name);
        return team && reference.type !== "Member" ? { unitId: team.unitId, name: team.name, type: "Team" } : undefined;
      },
      attachment: (token) => state.attachments.get(token),
      recordExists: (datasheetId, recordId) => state.datasheets.get(datasheetId)?.byId.has(recordId) ?? false,
    };
  }
  const unitOf = (member: Member): Unit => ({ unitId: member.unitId, name: member.name, type: "Member", avatar: AVATAR });

  const findField = (datasheet: Datasheet, key: string, fieldKey: "name" | "id") =>
    datasheet.fields.find((field) => (fieldKey === "id" ? field.id === key : field.name === key));

  /** Cells of a write, checked per field; unknown keys are dropped, as the field pipe does. */
  function convertCells(datasheet: Datasheet, cells: unknown, fieldKey: "name" | "id", where: string): Record<string, unknown | undefined> {
    if (!isObject(cells)) throw badRequest(`api_params_invalid_fields_value: ${where}.fields must be an object`);
    const context = cellContext(datasheet);
    const converted: Record<string, unknown | undefined> = {};
    for (const [key, value] of Object.entries(cells)) {
      const field = findField(datasheet, key, fieldKey);
      if (!field) continue;
      converted[field.id] = writeCell(field, value, context);
    }
    return converted;
  }

  function insertRecord(datasheet: Datasheet, cells: unknown, fieldKey: "name" | "id", id?: string): StoredRecord {
    const converted = convertCells(datasheet, cells, fieldKey, "record");
    const now = Date.now();
    const record: StoredRecord = { id: id ?? newId("rec"), createdAt: now, updatedAt: now, autoNumber: datasheet.nextAutoNumber, cells: {} };
    if (datasheet.byId.has(record.id)) throw badRequest(`the record id ${record.id} is used twice`);
    datasheet.nextAutoNumber += 1;
    for (const [fieldId, value] of Object.entries(converted)) if (value !== undefined) record.cells[fieldId] = value;
    datasheet.records.push(record);
    datasheet.byId.set(record.id, record);
    return record;
  }

  // ---- reading ----

  function formulaValue(datasheet: Datasheet, record: StoredRecord, field: Field, depth = 0): Value {
    const value = readCell(datasheet, record, field, "json", depth);
    if (value === undefined || value === null) return null;
    switch (field.type) {
      case "SingleSelect":
      case "Text":
      case "SingleText":
      case "Phone":
      case "Email":
      case "Number":
      case "Currency":
      case "Percent":
      case "Rating":
      case "AutoNumber":
      case "DateTime":
      case "CreatedTime":
      case "LastModifiedTime":
      case "Checkbox":
        return value as Value;
      case "MultiSelect":
      case "OneWayLink":
      case "TwoWayLink":
      case "MagicLink":
        return value as Value;
      case "URL":
        return (value as { text: string }).text;
      case "Member":
        return (value as Array<{ name: string }>).map((unit) => unit.name);
      case "Attachment":
        return (value as Array<{ name: string }>).map((item) => item.name);
      case "CreatedBy":
      case "LastModifiedBy":
        return (value as { name: string }).name;
      case "Formula":
        return isObject(value) ? null : (value as Value);
      default:
        return null;
    }
  }

  function formulaContext(datasheet: Datasheet, record: StoredRecord, depth: number) {
    return {
      recordId: record.id,
      field: (name: string) => {
        const field = datasheet.fields.find((candidate) => candidate.id === name || candidate.name === name);
        return field ? formulaValue(datasheet, record, field, depth + 1) : undefined;
      },
    };
  }

  const parsedFormulas = new Map<string, Formula>();
  const parse = (expression: string) => {
    let parsed = parsedFormulas.get(expression);
    if (!parsed) {
      parsed = parseFormula(expression);
      if (parsedFormulas.size > 1000) parsedFormulas.clear();
      parsedFormulas.set(expression, parsed);
    }
    return parsed;
  };

  /** A cell as the API returns it (json), or undefined when empty. */
  function readCell(datasheet: Datasheet, record: StoredRecord, field: Field, format: "json" | "string", depth = 0): unknown {
    let value: unknown;
    switch (field.type) {
      case "AutoNumber":
        value = record.autoNumber;
        break;
      case "CreatedTime":
        value = record.createdAt;
        break;
      case "LastModifiedTime":
        value = record.updatedAt;
        break;
      case "CreatedBy":
      case "LastModifiedBy":
        value = { id: state.user.id, name: state.user.name, avatar: state.user.avatar };
        break;
      case "Formula": {
        const expression = String(field.property?.expression ?? "");
        if (!expression.trim()) return undefined;
        // A formula referring to itself (directly or through others) is an error cell, as on the server.
        if (depth > 20) return { message: "#Error: circular reference" };
        try {
          const result = evaluate(parse(expression), formulaContext(datasheet, record, depth));
          value = result === "" || result === null || (typeof result === "number" && !Number.isFinite(result)) ? undefined : result;
        } catch (error) {
          if (!(error instanceof FormulaError)) throw error;
          value = { message: `#Error: ${error.message}` };
        }
        break;
      }
      case "Member": {
        const space = state.spaces.get(datasheet.spaceId)!;
        const stored = record.cells[field.id] as string[] | undefined;
        value = stored
          ?.map((unitId) => {
            const member = space.members.get(unitId);
            const team = space.teams.get(unitId);
            if (member) return { id: unitId, unitId, type: "Member", name: member.name, avatar: AVATAR };
            return team ? { id: unitId, unitId, type: "Team", name: team.name } : undefined;
          })
          .filter(Boolean);
        if (!(value as unknown[] | undefined)?.length) value = undefined;
        break;
      }
      case "Button":
      case "WorkDoc":
      case "NotSupport":
        value = record.cells[field.id];
        if (field.type === "Button") return undefined;
        break;
      default:
        value = record.cells[field.id];
    }
    if (value === undefined) return undefined;
    if (format === "string") {
      const space = state.spaces.get(datasheet.spaceId)!;
      const text = cellText(field, field.type === "Member" ? record.cells[field.id] : value, (id) => space.members.get(id)?.name ?? space.teams.get(id)?.name ?? id);
      return text === "" ? undefined : text;
    }
    return value;
  }

  function recordView(datasheet: Datasheet, record: StoredRecord, fields: Field[], fieldKey: "name" | "id", format: "json" | "string") {
    const cells: Record<string, unknown> = {};
    for (const field of fields) {
      const value = readCell(datasheet, record, field, format);
      if (value !== undefined) cells[fieldKey === "id" ? field.id : field.name] = value;
    }
    return { recordId: record.id, createdAt: record.createdAt, updatedAt: record.updatedAt, fields: cells };
  }

  function datasheetOf(params: Record<string, string>): Datasheet {
    const datasheet = state.datasheets.get(params.datasheetId!);
    if (!datasheet) throw NOT_FOUND_DATASHEET();
    return datasheet;
  }

  function spaceOf(params: Record<string, string>): Space {
    const space = state.spaces.get(params.spaceId!);
    if (!space) throw new ApiFailure(403, "api_forbidden_because_of_not_in_space: you are not in this space", 403);
    return space;
  }

  function viewOf(datasheet: Datasheet, viewId: string | null | undefined): View | undefined {
    if (!viewId) return undefined;
    const view = datasheet.views.find((candidate) => candidate.id === viewId);
    if (!view) throw badRequest(`api_params_viewid_not_exists: the view ${viewId} does not exist`);
    return view;
  }

  function listRecords(request: EmulatorRequest, params: Record<string, string>) {
    const datasheet = datasheetOf(params);
    const query = request.url.searchParams;
    const pageSize = intParam(query, "pageSize", 100, 1, 1000)!;
    const pageNum = intParam(query, "pageNum", 1, 1)!;
    const maxRecords = intParam(query, "maxRecords", undefined, 1);
    const fieldKey = fieldKeyOf(query.get("fieldKey"));
    const cellFormat = query.get("cellFormat") || "json";
    if (cellFormat !== "json" && cellFormat !== "string") throw badRequest("api_params_invalid_cell_format: cellFormat must be json or string");
    const view = viewOf(datasheet, query.get("viewId"));
    const sort = sortParam(query);
    const recordIds = listParam(query, "recordIds");
    const formula = query.get("filterByFormula");

    let rows: StoredRecord[];
    if (recordIds) {
      // In the order asked for; view filtering is skipped (the server's getRecords with recordIds).
      rows = recordIds.map((id) => datasheet.byId.get(id)).filter((row): row is StoredRecord => row !== undefined);
    } else {
      rows = datasheet.records;
    }
    if (formula?.trim()) {
      let parsed: Formula;
      try {
        parsed = parseFormula(formula);
      } catch (error) {
        if (error instanceof FormulaError) throw badRequest(`api_param_formula_error: filterByFormula is not a valid formula (${error.message})`);
        throw error;
      }
      rows = rows.filter((row) => {
        try {
          return truthy(evaluate(parsed, formulaContext(datasheet, row, 0)));
        } catch (error) {
          if (error instanceof FormulaError) throw badRequest(`api_param_formula_error: ${error.message}`);
          throw error;
        }
      });
    }
    if (sort.length) {
      const keys = sort.map((rule) => {
        const field = findField(datasheet, rule.field, fieldKey);
        if (!field) throw badRequest(`api_params_invalid_sort: sort names a field "${rule.field}" the datasheet does not have`);
        return { field, direction: rule.order === "asc" ? 1 : -1 };
      });
      // Each row's sort values are read once, not once per comparison (a formula cell is computed each read).
      const decorated = rows.map((row) => ({ row, values: keys.map(({ field }) => formulaValue(datasheet, row, field)) }));
      decorated.sort((left, right) => {
        for (const [index, { direction }] of keys.entries()) {
          const a = left.values[index]!;
          const b = right.values[index]!;
          if (a === b) continue;
          // Empty cells sort first in ascending order.
          if (a === null) return -direction;
          if (b === null) return direction;
          const order = typeof a === "number" && typeof b === "number" ? a - b : compareText(String(a), String(b));
          if (order !== 0) return order * direction;
        }
        return 0;
      });
      rows = decorated.map(({ row }) => row);
    }
    const total = maxRecords ? Math.min(maxRecords, rows.length) : rows.length;
    const start = (pageNum - 1) * pageSize;
    const page = rows.slice(start, Math.max(start, Math.min(start + pageSize, total)));

    let fields = view ? datasheet.fields.filter((field) => !view.hidden.has(field.id)) : datasheet.fields;
    const wanted = listParam(query, "fields");
    if (wanted) {
      fields = wanted.map((key) => {
        const field = findField(datasheet, key, fieldKey);
        if (!field) throw badRequest(`api_params_invalid_fields: the datasheet has no field "${key}"`);
        return field;
      });
    }
    return {
      total,
      records: page.map((row) => recordView(datasheet, row, fields, fieldKey, cellFormat)),
      pageNum,
      pageSize: page.length,
    };
  }

  function writeBody(request: EmulatorRequest): { records: unknown[]; fieldKey: "name" | "id" } {
    const body = request.body;
    if (!isObject(body) || !Array.isArray(body.records)) throw badRequest("api_params_records_empty_error: records must be a non-empty array");
    if (body.records.length === 0) throw badRequest("api_params_records_empty_error: records must be a non-empty array");
    return { records: body.records, fieldKey: fieldKeyOf(body.fieldKey) };
  }

  const tooMany = () => badRequest(`api_params_records_max_count_error: at most ${limits.maxRecordsPerWrite} records per request`);

  /**
   * Runs a write so that a refusal changes nothing: converting cells adds select options and member options to
   * the fields as it goes, and a write refused afterwards (one bad record, too many records) must not keep them.
   */
  function allOrNothing<T>(datasheet: Datasheet, write: () => T): T {
    const properties = datasheet.fields.map((field) => structuredClone(field.property));
    try {
      return write();
    } catch (error) {
      datasheet.fields.forEach((field, index) => (field.property = properties[index]));
      throw error;
    }
  }

  function createRecords(request: EmulatorRequest, params: Record<string, string>) {
    const datasheet = datasheetOf(params);
    return allOrNothing(datasheet, () => createRecordsIn(datasheet, request));
  }

  function createRecordsIn(datasheet: Datasheet, request: EmulatorRequest) {
    viewOf(datasheet, request.url.searchParams.get("viewId"));
    const { records, fieldKey } = writeBody(request);
    // Every record's cells are checked before anything is written, and before the count (as the field pipe does).
    const converted = records.map((record, index) => {
      if (!isObject(record)) throw badRequest(`api_params_invalid_fields_value: records[${index}] must be an object`);
      const cells = convertCells(datasheet, record.fields, fieldKey, `records[${index}]`);
      if (Object.keys(cells).length === 0) throw badRequest(`api_params_invalid_fields_value: records[${index}] names no field of the datasheet`);
      return cells;
    });
    if (records.length > limits.maxRecordsPerWrite) throw tooMany();
    checkRowLimit(datasheet, records.length);
    const created = addRecords(datasheet, converted);
    return { records: created.map((record) => recordView(datasheet, record, datasheet.fields, fieldKey, "json")) };
  }

  function checkRowLimit(datasheet: Datasheet, adding: number) {
    if (datasheet.records.length + adding > limits.maxRecordsPerDatasheet) {
      throw new ApiFailure(304, `您的功能使用量已经超出「公测版」${limits.maxRecordsPerDatasheet}行的限制`, 500);
    }
  }

  /** Stores new records from checked cells (by field id); their links appear on the other side too. */
  function addRecords(datasheet: Datasheet, converted: Array<Record<string, unknown>>): StoredRecord[] {
    const created = converted.map(() => {
      const now = Date.now();
      const record: StoredRecord = { id: newId("rec"), createdAt: now, updatedAt: now, autoNumber: datasheet.nextAutoNumber, cells: {} };
      datasheet.nextAutoNumber += 1;
      return record;
    });
    created.forEach((record, index) => {
      for (const [fieldId, value] of Object.entries(converted[index]!)) if (value !== undefined) record.cells[fieldId] = value;
      datasheet.records.push(record);
      datasheet.byId.set(record.id, record);
      syncLinks(datasheet, record, {});
    });
    return created;
  }

  /** Keeps TwoWayLink siblings in step: a link written in one datasheet appears in the other. */
  function syncLinks(datasheet: Datasheet, record: StoredRecord, before: Record<string, unknown>): Set<StoredRecord> {
    const touched = new Set<StoredRecord>();
    for (const field of datasheet.fields) {
      if (field.type !== "TwoWayLink" && field.type !== "MagicLink") continue;
      const foreign = state.datasheets.get(String(field.property?.foreignDatasheetId));
      const brotherId = field.property?.brotherFieldId as string | undefined;
      if (!foreign || !brotherId) continue;
      const old = new Set((before[field.id] as string[] | undefined) ?? []);
      const now = new Set((record.cells[field.id] as string[] | undefined) ?? []);
      for (const id of new Set([...old, ...now])) {
        if (old.has(id) === now.has(id)) continue;
        const other = foreign.byId.get(id);
        if (!other) continue;
        const links = new Set((other.cells[brotherId] as string[] | undefined) ?? []);
        if (now.has(id)) links.add(record.id);
        else links.delete(record.id);
        if (links.size) other.cells[brotherId] = [...links];
        else delete other.cells[brotherId];
        other.updatedAt = Date.now();
        touched.add(other);
      }
    }
    return touched;
  }

  function updateRecords(request: EmulatorRequest, params: Record<string, string>) {
    const datasheet = datasheetOf(params);
    return allOrNothing(datasheet, () => updateRecordsIn(datasheet, request));
  }

  function updateRecordsIn(datasheet: Datasheet, request: EmulatorRequest) {
    viewOf(datasheet, request.url.searchParams.get("viewId"));
    const { records, fieldKey } = writeBody(request);
    const updates = records.map((record, index) => {
      if (!isObject(record) || typeof record.recordId !== "string") throw badRequest(`api_params_invalid_record_id: records[${index}].recordId must be a string`);
      const stored = datasheet.byId.get(record.recordId);
      if (!stored) throw badRequest(`api_param_record_not_exists: the record ${record.recordId} does not exist`);
      return { stored, cells: convertCells(datasheet, record.fields, fieldKey, `records[${index}]`) };
    });
    if (records.length > limits.maxRecordsPerWrite) throw tooMany();
    const extra = new Set<StoredRecord>();
    const now = Date.now();
    for (const { stored, cells } of updates) {
      const before = { ...stored.cells };
      for (const [fieldId, value] of Object.entries(cells)) {
        if (value === undefined) delete stored.cells[fieldId];
        else stored.cells[fieldId] = value;
      }
      stored.updatedAt = now;
      // A self-linking datasheet's update answer also lists the records linked before and after.
      for (const touched of syncLinks(datasheet, stored, before)) if (datasheet.byId.get(touched.id) === touched) extra.add(touched);
    }
    const answered = [...new Set([...updates.map(({ stored }) => stored), ...extra])];
    return { records: answered.map((record) => recordView(datasheet, record, datasheet.fields, fieldKey, "json")) };
  }

  function deleteRecords(request: EmulatorRequest, params: Record<string, string>) {
    const datasheet = datasheetOf(params);
    const ids = [...new Set(listParam(request.url.searchParams, "recordIds") ?? [])];
    if (ids.length === 0) throw badRequest("api_params_recordids_empty_error: recordIds is required");
    if (ids.length > limits.maxRecordsPerWrite) throw tooMany();
    for (const id of ids) if (!datasheet.byId.has(id)) throw new ApiFailure(214, `api_delete_error: the record ${id} does not exist`);
    const gone = new Set(ids);
    for (const id of ids) {
      const record = datasheet.byId.get(id)!;
      const before = { ...record.cells };
      for (const field of datasheet.fields) if (field.type === "TwoWayLink" || field.type === "MagicLink") delete record.cells[field.id];
      syncLinks(datasheet, record, before);
      datasheet.byId.delete(id);
      datasheet.deleted.push(id);
    }
    datasheet.records = datasheet.records.filter((record) => !gone.has(record.id));
    return undefined;
  }

  // ---- nodes, spaces, organisation ----

  const PERMISSION = 0;
  function nodeView(node: NodeEntry, withParent: boolean) {
    return {
      id: node.id,
      name: node.name,
      type: node.type,
      icon: "",
      isFav: false,
      permission: PERMISSION,
      ...(withParent && node.parentId ? { parentId: node.parentId } : {}),
    };
  }
  function nodeDetail(node: NodeEntry, depth = 0): Record<string, unknown> {
    return {
      ...nodeView(node, false),
      ...(node.type === "Folder" && depth < 20 ? { children: node.children.map((id) => nodeDetail(state.nodes.get(id)!, depth + 1)) } : {}),
    };
  }
  function nodeOf(params: Record<string, string>): NodeEntry {
    const node = state.nodes.get(params.nodeId!);
    if (!node || (params.spaceId && node.spaceId !== params.spaceId)) throw badRequest("api_node_not_exist: the node does not exist");
    return node;
  }

  const memberView = (space: Space, member: Member, sensitive: boolean) => ({
    unitId: member.unitId,
    name: member.name,
    avatar: AVATAR,
    ...(sensitive && member.email ? { email: member.email } : {}),
    status: 1,
    type: member.type,
    teams: [...member.teams].map((id) => teamView(space.teams.get(id)!)),
    roles: [...member.roles].map((id) => space.roles.get(id)!).filter(Boolean),
  });
  const teamView = (team: Team) => ({ unitId: team.unitId, name: team.name, sequence: team.sequence, parentUnitId: team.parentUnitId });
  const unitPage = <T>(request: EmulatorRequest, items: T[]) => {
    const query = request.url.searchParams;
    const pageSize = intParam(query, "pageSize", 100, 1, 1000)!;
    const pageNum = intParam(query, "pageNum", 1, 1)!;
    return { pageNum, pageSize, total: items.length, page: items.slice((pageNum - 1) * pageSize, pageNum * pageSize) };
  };
  const memberOf = (space: Space, params: Record<string, string>) => {
    const member = space.members.get(params.unitId!);
    if (!member) throw badRequest("api_org_member_not_exist: the member does not exist");
    return member;
  };
  const teamOf = (space: Space, params: Record<string, string>) => {
    const team = space.teams.get(params.unitId!);
    if (!team) throw badRequest("api_org_team_not_exist: the team does not exist");
    return team;
  };
  const roleOf = (space: Space, params: Record<string, string>) => {
    const role = space.roles.get(params.unitId!);
    if (!role) throw badRequest("api_org_role_not_exist: the role does not exist");
    return role;
  };
  const requireName = (body: unknown): string => {
    if (!isObject(body) || typeof body.name !== "string" || !body.name.trim()) throw badRequest("api_params_invalid_name: name is required");
    return body.name;
  };
  const stringList = (value: unknown, what: string): string[] | undefined => {
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) throw badRequest(`${what} must be an array of unit ids`);
    return value;
  };

  function storeFile(request: EmulatorRequest, bytes: Buffer, name: string, mimeType: string, token?: string): StoredAttachment {
    const key = randomBytes(16).toString("hex");
    const day = new Date().toISOString().slice(0, 10).replaceAll("-", "/");
    const stored = {
      token: token ?? `space/${day}/${key}`,
      name,
      size: bytes.length,
      mimeType: mimeType || "application/octet-stream",
      url: `${request.origin}/emulator/files/${encodeURIComponent(token ?? `space/${day}/${key}`)}`,
      bytes,
    };
    state.attachments.set(stored.token, stored);
    const { bytes: _bytes, ...attachment } = stored;
    return attachment;
  }

  const V1 = "/fusion/v1";
  const DATASHEET = `${V1}/datasheets/{datasheetId}`;
  const SPACE = `${V1}/spaces/{spaceId}`;
  const routes: Route[] = [
    { method: "GET", path: `${DATASHEET}/records`, handler: listRecords },
    { method: "POST", path: `${DATASHEET}/records`, handler: createRecords },
    { method: "PATCH", path: `${DATASHEET}/records`, handler: updateRecords },
    { method: "PUT", path: `${DATASHEET}/records`, handler: updateRecords },
    { method: "DELETE", path: `${DATASHEET}/records`, handler: deleteRecords },
    // DataBus (v3) records: the SDKs read them as the v1 page, and the emulator answers in that form.
    ...(["GET", "POST", "PATCH", "PUT", "DELETE"] as const).map((method) => ({
      method,
      path: "/fusion/v3/datasheets/{datasheetId}/records",
      handler: { GET: listRecords, POST: createRecords, PATCH: updateRecords, PUT: updateRecords, DELETE: deleteRecords }[method],
    })),
    {
      method: "GET",
      path: `${V1}/timemachine/{datasheetId}`,
      handler: (_request, params) => [...datasheetOf(params).deleted],
    },
    {
      method: "GET",
      path: `${DATASHEET}/fields`,
      handler: (request, params) => {
        const datasheet = datasheetOf(params);
        const view = viewOf(datasheet, request.url.searchParams.get("viewId"));
        const fields = view ? datasheet.fields.filter((field) => !view.hidden.has(field.id)) : datasheet.fields;
        return { fields: fields.map((field) => fieldMeta(field, field === datasheet.fields[0])) };
      },
    },
    {
      method: "POST",
      path: `${SPACE}/datasheets/{datasheetId}/fields`,
      handler: (request, params) => {
        spaceOf(params);
        const datasheet = datasheetOf(params);
        if (!isObject(request.body)) throw badRequest("api_params_invalid_field: the body must be {name, type, property?}");
        const field = addField(datasheet, request.body as { name: unknown; type: unknown; property?: unknown; desc?: unknown });
        return { id: field.id, name: field.name };
      },
    },
    {
      method: "DELETE",
      path: `${SPACE}/datasheets/{datasheetId}/fields/{fieldId}`,
      handler: (_request, params) => {
        spaceOf(params);
        const datasheet = datasheetOf(params);
        const index = datasheet.fields.findIndex((field) => field.id === params.fieldId);
        if (index < 0) throw badRequest("api_params_field_not_exists: the field does not exist");
        if (index === 0) throw badRequest("api_params_primary_field_not_allowed_to_delete: the primary field cannot be deleted");
        const [field] = datasheet.fields.splice(index, 1);
        for (const record of datasheet.records) delete record.cells[field!.id];
        return {};
      },
    },
    {
      method: "GET",
      path: `${DATASHEET}/views`,
      handler: (_request, params) => ({ views: datasheetOf(params).views.map(({ id, name, type }) => ({ id, name, type })) }),
    },
    {
      method: "POST",
      path: `${SPACE}/datasheets`,
      handler: (request, params) => {
        const space = spaceOf(params);
        const body = request.body;
        if (!isObject(body)) throw badRequest("[datasheet] should contains name");
        const name = requireName(body);
        if (name.length > 100) throw badRequest("api_params_invalid_name: name is at most 100 characters");
        const parent = typeof body.folderId === "string" ? state.nodes.get(body.folderId) : undefined;
        if (body.folderId !== undefined && (!parent || parent.type !== "Folder" || parent.spaceId !== space.id)) {
          throw badRequest("api_params_invalid_folder_id: folderId must be a folder of this space");
        }
        const fields = body.fields === undefined ? [{ name: "Title", type: "SingleText" }] : body.fields;
        if (!Array.isArray(fields) || fields.length === 0) throw badRequest("api_params_invalid_fields: fields must be a non-empty array");
        const id = newId("dst", 15);
        const datasheet = createDatasheetIn(space.id, id, fields.map((field) => (isObject(field) ? field : { name: undefined, type: undefined })) as never, undefined, "");
        const node: NodeEntry = { id, name, type: "Datasheet", spaceId: space.id, parentId: parent?.id, children: [] };
        state.nodes.set(id, node);
        if (parent) {
          const at = typeof body.preNodeId === "string" ? parent.children.indexOf(body.preNodeId) : -1;
          parent.children.splice(at < 0 ? parent.children.length : at + 1, 0, id);
        } else {
          space.roots.push(id);
        }
        return { id, createdAt: Date.now(), fields: datasheet.fields.map((field) => ({ id: field.id, name: field.name })) };
      },
    },
    {
      method: "POST",
      path: `${DATASHEET}/attachments`,
      handler: async (request, params) => {
        datasheetOf(params);
        const file = request.form && [...request.form.values()].find((value): value is File => value instanceof Blob);
        if (!file) throw badRequest("api_upload_attachment_error: the request must be multipart/form-data with one file");
        return storeFile(request, Buffer.from(await file.arrayBuffer()), file.name || "file", file.type);
      },
    },
    {
      method: "GET",
      path: `${DATASHEET}/attachments/presignedUrl`,
      handler: (request, params) => {
        datasheetOf(params);
        const count = intParam(request.url.searchParams, "count", 1, 1, 20)!;
        return {
          results: Array.from({ length: count }, () => {
            const slot = randomBytes(16).toString("hex");
            const token = `space/${new Date().toISOString().slice(0, 10).replaceAll("-", "/")}/${slot}`;
            state.slots.set(slot, token);
            return { token, uploadUrl: `${request.origin}/emulator/uploads/${slot}`, uploadRequestMethod: "PUT" };
          }),
        };
      },
    },
    {
      method: "PUT",
      path: "/emulator/uploads/{slot}",
      public: true,
      rawBody: true,
      handler: (request, params) => {
        const token = state.slots.get(params.slot!);
        if (!token) return { raw: { status: 404, headers: {}, body: "no such upload slot" } };
        state.slots.delete(params.slot!);
        const bytes = request.body as Buffer;
        storeFile(request, bytes, token.split("/").pop()!, String(request.headers["content-type"] ?? ""), token);
        return { raw: { status: 200, headers: {}, body: "" } };
      },
    },
    {
      method: "GET",
      path: "/emulator/files/{token}",
      public: true,
      handler: (_request, params) => {
        const stored = state.attachments.get(params.token!);
        if (!stored) return { raw: { status: 404, headers: { "content-type": "text/plain" }, body: "not found" } };
        return { raw: { status: 200, headers: { "content-type": stored.mimeType, "content-length": String(stored.size) }, body: stored.bytes } };
      },
    },
    {
      method: "GET",
      path: `${V1}/spaces`,
      handler: () => ({
        spaces: [...state.spaces.values()].map((space) => ({ id: space.id, name: space.name, ...(space.isAdmin ? { isAdmin: true } : {}) })),
      }),
    },
    {
      method: "GET",
      path: `${SPACE}/nodes`,
      handler: (_request, params) => ({ nodes: spaceOf(params).roots.map((id) => nodeView(state.nodes.get(id)!, false)) }),
    },
    {
      method: "GET",
      path: "/fusion/v2/spaces/{spaceId}/nodes",
      handler: (request, params) => {
        const space = spaceOf(params);
        const query = request.url.searchParams;
        const type = query.get("type");
        if (!type || !["Folder", "Datasheet", "Form", "Dashboard", "Mirror", "Automation"].includes(type)) {
          throw badRequest("api_params_invalid_node_type: type must be Folder, Datasheet, Form, Dashboard, Mirror or Automation");
        }
        const permissions = listParam(query, "permissions")?.map(Number);
        if (permissions?.some((value) => !(Number.isInteger(value) && value >= 0 && value <= 3))) {
          throw badRequest("api_params_invalid_permission: permissions are 0–3");
        }
        const text = query.get("query")?.toLowerCase() ?? "";
        const nodes = [...state.nodes.values()].filter(
          (node) =>
            node.spaceId === space.id &&
            node.type === type &&
            node.name.toLowerCase().includes(text) &&
            (!permissions?.length || permissions.includes(PERMISSION)),
        );
        return { nodes: nodes.map((node) => nodeView(node, true)) };
      },
    },
    { method: "GET", path: `${V1}/nodes/{nodeId}`, handler: (_request, params) => nodeDetail(nodeOf(params)) },
    { method: "GET", path: `${SPACE}/nodes/{nodeId}`, handler: (_request, params) => (spaceOf(params), nodeDetail(nodeOf(params))) },
    {
      method: "POST",
      path: `${SPACE}/nodes/{nodeId}/embedlinks`,
      handler: (request, params) => {
        const space = spaceOf(params);
        const node = nodeOf(params);
        const body = isObject(request.body) ? request.body : {};
        if (body.theme !== undefined && body.theme !== "light" && body.theme !== "dark") throw new ApiFailure(1501, "api_params_embedlink_theme_error: theme must be light or dark");
        const linkId = newId("emb", 12);
        const link = {
          linkId,
          url: `${request.origin}/embed/${linkId}`,
          ...(isObject(body.payload) ? { payload: body.payload } : {}),
          theme: body.theme ?? "light",
        };
        let links = space.embedLinks.get(node.id);
        if (!links) space.embedLinks.set(node.id, (links = new Map()));
        links.set(linkId, link);
        return link;
      },
    },
    {
      method: "GET",
      path: `${SPACE}/nodes/{nodeId}/embedlinks`,
      handler: (_request, params) => [...(spaceOf(params).embedLinks.get(nodeOf(params).id)?.values() ?? [])],
    },
    {
      method: "DELETE",
      path: `${SPACE}/nodes/{nodeId}/embedlinks/{linkId}`,
      handler: (_request, params) => {
        const links = spaceOf(params).embedLinks.get(nodeOf(params).id);
        if (!links?.delete(params.linkId!)) throw new ApiFailure(1501, "api_embed_link_id_not_exist: the embed link does not exist");
        return undefined;
      },
    },
    {
      method: "GET",
      path: `${SPACE}/members/{unitId}`,
      handler: (request, params) => {
        const space = spaceOf(params);
        return { member: memberView(space, memberOf(space, params), request.url.searchParams.get("sensitiveData") === "true") };
      },
    },
    {
      method: "PUT",
      path: `${SPACE}/members/{unitId}`,
      handler: (request, params) => {
        const space = spaceOf(params);
        const member = memberOf(space, params);
        const body = isObject(request.body) ? request.body : {};
        const teams = stringList(body.teams, "teams");
        const roles = stringList(body.roles, "roles");
        if (teams?.some((id) => !space.teams.has(id))) throw new ApiFailure(1521, "api_org_member_team_error: a team does not exist");
        if (roles?.some((id) => !space.roles.has(id))) throw new ApiFailure(1523, "api_org_member_role_error: a role does not exist");
        if (typeof body.name === "string" && body.name.trim()) member.name = body.name;
        if (teams) member.teams = new Set(teams);
        if (roles) member.roles = new Set(roles);
        return { member: memberView(space, member, request.url.searchParams.get("sensitiveData") === "true") };
      },
    },
    {
      method: "DELETE",
      path: `${SPACE}/members/{unitId}`,
      handler: (_request, params) => {
        const space = spaceOf(params);
        const member = memberOf(space, params);
        if (member.type === "PrimaryAdmin") throw new ApiFailure(1524, "api_org_member_delete_primary_admin_error: the primary admin cannot be deleted");
        space.members.delete(member.unitId);
        return undefined;
      },
    },
    {
      method: "POST",
      path: `${SPACE}/teams`,
      handler: (request, params) => {
        const space = spaceOf(params);
        const name = requireName(request.body);
        const body = request.body as Record<string, unknown>;
        if ([...space.teams.values()].some((team) => team.name === name)) throw new ApiFailure(1506, "api_org_team_name_unique_error: the team name is taken");
        const parentUnitId = typeof body.parentUnitId === "string" ? body.parentUnitId : "0";
        if (parentUnitId !== "0" && !space.teams.has(parentUnitId)) throw badRequest("api_org_team_parent_not_exist: the parent team does not exist");
        const roles = stringList(body.roles, "roles") ?? [];
        const team: Team = { unitId: newUnitId(), name, sequence: Number(body.sequence ?? space.teams.size + 1), parentUnitId, roles: new Set(roles) };
        space.teams.set(team.unitId, team);
        return { team: teamView(team) };
      },
    },
    {
      method: "PUT",
      path: `${SPACE}/teams/{unitId}`,
      handler: (request, params) => {
        const space = spaceOf(params);
        const team = teamOf(space, params);
        const body = isObject(request.body) ? request.body : {};
        if (typeof body.name === "string" && body.name.trim()) {
          if ([...space.teams.values()].some((other) => other !== team && other.name === body.name)) throw new ApiFailure(1506, "api_org_team_name_unique_error: the team name is taken");
          team.name = body.name;
        }
        if (typeof body.sequence === "number") team.sequence = body.sequence;
        if (typeof body.parentUnitId === "string") team.parentUnitId = body.parentUnitId;
        return { team: teamView(team) };
      },
    },
    {
      method: "DELETE",
      path: `${SPACE}/teams/{unitId}`,
      handler: (_request, params) => {
        const space = spaceOf(params);
        const team = teamOf(space, params);
        const occupied = [...space.members.values()].some((member) => member.teams.has(team.unitId)) || [...space.teams.values()].some((other) => other.parentUnitId === team.unitId);
        if (occupied) throw new ApiFailure(1507, "api_org_team_delete_error: only an empty team can be deleted");
        space.teams.delete(team.unitId);
        return undefined;
      },
    },
    {
      method: "GET",
      path: `${SPACE}/teams/{unitId}/members`,
      handler: (request, params) => {
        const space = spaceOf(params);
        const team = teamOf(space, params);
        const sensitive = request.url.searchParams.get("sensitiveData") === "true";
        const { page, ...paging } = unitPage(request, [...space.members.values()].filter((member) => member.teams.has(team.unitId)));
        return { ...paging, members: page.map((member) => memberView(space, member, sensitive)) };
      },
    },
    {
      method: "GET",
      path: `${SPACE}/teams/{unitId}/children`,
      handler: (request, params) => {
        const space = spaceOf(params);
        const parent = params.unitId === "0" ? "0" : teamOf(space, params).unitId;
        const { page, ...paging } = unitPage(request, [...space.teams.values()].filter((team) => team.parentUnitId === parent));
        return { ...paging, teams: page.map(teamView) };
      },
    },
    {
      method: "GET",
      path: `${SPACE}/roles`,
      handler: (request, params) => {
        const { page, ...paging } = unitPage(request, [...spaceOf(params).roles.values()]);
        return { ...paging, roles: page };
      },
    },
    {
      method: "POST",
      path: `${SPACE}/roles`,
      handler: (request, params) => {
        const space = spaceOf(params);
        const name = requireName(request.body);
        if ([...space.roles.values()].some((role) => role.name === name)) throw new ApiFailure(1509, "api_org_role_name_unique_error: the role name is taken");
        const sequence = (request.body as Record<string, unknown>).sequence;
        const role = { unitId: newUnitId(), name, sequence: typeof sequence === "number" ? sequence : space.roles.size + 1 };
        space.roles.set(role.unitId, role);
        return { role };
      },
    },
    {
      method: "PUT",
      path: `${SPACE}/roles/{unitId}`,
      handler: (request, params) => {
        const space = spaceOf(params);
        const role = roleOf(space, params);
        const body = isObject(request.body) ? request.body : {};
        if (typeof body.name === "string" && body.name.trim()) {
          if ([...space.roles.values()].some((other) => other !== role && other.name === body.name)) throw new ApiFailure(1509, "api_org_role_name_unique_error: the role name is taken");
          role.name = body.name;
        }
        if (typeof body.sequence === "number") role.sequence = body.sequence;
        return { role };
      },
    },
    {
      method: "DELETE",
      path: `${SPACE}/roles/{unitId}`,
      handler: (_request, params) => {
        const space = spaceOf(params);
        const role = roleOf(space, params);
        const used = [...space.members.values()].some((member) => member.roles.has(role.unitId)) || [...space.teams.values()].some((team) => team.roles.has(role.unitId));
        if (used) throw new ApiFailure(1520, "api_org_role_in_use: the role still has units");
        space.roles.delete(role.unitId);
        return undefined;
      },
    },
    {
      method: "GET",
      path: `${SPACE}/roles/{unitId}/units`,
      handler: (request, params) => {
        const space = spaceOf(params);
        const role = roleOf(space, params);
        const sensitive = request.url.searchParams.get("sensitiveData") === "true";
        return {
          teams: [...space.teams.values()].filter((team) => team.roles.has(role.unitId)).map(teamView),
          members: [...space.members.values()].filter((member) => member.roles.has(role.unitId)).map((member) => memberView(space, member, sensitive)),
        };
      },
    },
    {
      method: "POST",
      path: `${V1}/ai/{aiId}/chat/completions`,
      unenveloped: true,
      handler: (request, params) => {
        const body = request.body;
        const messages = isObject(body) && Array.isArray(body.messages) ? body.messages : undefined;
        if (!messages?.length) throw badRequest("messages must be a non-empty array");
        const last = messages[messages.length - 1] as { content?: unknown };
        const content = `You said: ${typeof last?.content === "string" ? last.content : ""}`;
        return {
          id: `chatcmpl-${randomBytes(8).toString("hex")}`,
          conversation_id: `${params.aiId}-${randomBytes(4).toString("hex")}`,
          object: "chat.completion",
          created: Math.floor(Date.now() / 1000),
          model: isObject(body) && typeof body.model === "string" ? body.model : "gpt-3.5-turbo",
          choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2, total_cost: 0 },
        };
      },
    },
  ];

  load(seed);
  // Built once, so that ids the seed leaves out are made up once and reset() brings back the very same ones.
  const initial = structuredClone(state);
  return {
    routes,
    bucketOf: (path) => (/\/datasheets\/([^/]+)/.exec(path) ?? /\/timemachine\/([^/]+)/.exec(path) ?? /\/spaces\/([^/]+)/.exec(path))?.[1] ?? "user",
    errors: { unauthorized: "身份认证失败", notFound: "接口不存在", rateLimited: "操作太频繁", serverError: "服务器错误" },
    reset: () => {
      state = structuredClone(initial);
    },
    exportState: () => state,
    importState: (saved) => {
      state = saved as State;
    },
    recordsIn: (method, url, body) => {
      if (!/^\/fusion\/v[13]\/datasheets\/[^/]+\/records\/?$/.test(url.pathname)) return undefined;
      if (method === "DELETE") return new Set(listParam(url.searchParams, "recordIds") ?? []).size;
      if (method !== "POST" && method !== "PATCH" && method !== "PUT") return undefined;
      try {
        const records: unknown = JSON.parse(body.toString("utf8"))?.records;
        return Array.isArray(records) ? records.length : 0;
      } catch {
        return 0;
      }
    },
    records: (datasheetId) => {
      const datasheet = state.datasheets.get(datasheetId);
      if (!datasheet) return [];
      return datasheet.records.map((record) => ({ recordId: record.id, fields: recordView(datasheet, record, datasheet.fields, "name", "json").fields }));
    },
    insert: (datasheetId, cells) => {
      const datasheet = state.datasheets.get(datasheetId);
      if (!datasheet) throw new RangeError(`insert: there is no datasheet ${datasheetId}`);
      let created: StoredRecord[];
      try {
        // Every record is checked before any is stored, as a create request is.
        created = allOrNothing(datasheet, () => {
          const converted = cells.map((fields, index) => convertCells(datasheet, fields, "name", `records[${index}]`));
          checkRowLimit(datasheet, converted.length);
          return addRecords(datasheet, converted);
        });
      } catch (error) {
        if (error instanceof ApiFailure) throw new RangeError(`insert: ${error.message}`);
        throw error;
      }
      return created.map((record) => ({ recordId: record.id, fields: recordView(datasheet, record, datasheet.fields, "name", "json").fields }));
    },
  };
}

/** A seed that cannot be loaded; the message names where in the seed. */
export class SeedError extends Error {
  override name = "SeedError";
}
