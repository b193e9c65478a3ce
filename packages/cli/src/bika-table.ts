import { Bika, type Field } from "@bikavika/bika";
import { CliError } from "./errors.js";
import { fromCell, kindOf } from "./convert.js";
import type { ClientSettings } from "./client-settings.js";
import type { Table, TableField, TableRecord } from "./model.js";

const COMPUTED = new Set(["LOOKUP", "FORMULA", "AUTONUMBER", "CREATED_TIME", "LAST_MODIFIED_TIME", "CREATED_BY", "LAST_MODIFIED_BY", "CASCADER"]);

function tableField(field: Field): TableField {
  const { id, name, type, property, primary } = field;
  return {
    id,
    name,
    type,
    property: typeof property === "object" && property !== null ? (property as Record<string, unknown>) : undefined,
    isPrimary: primary === true,
    writable: !COMPUTED.has(type),
  };
}

export function bikaClient(settings: ClientSettings): Bika {
  return new Bika({
    token: settings.token,
    baseURL: settings.host,
    rateLimit: settings.qps === false ? false : { requestsPerSecond: settings.qps },
    fetch: settings.fetch,
  });
}

/**
 * A Bika database. Its writes differ from Vika's in shape only: dates as ISO 8601 strings, members as id strings,
 * attachments as the `{ id, name }` an upload returns; select options must exist already (Bika does not add them).
 */
export function bikaTable(bika: Bika, spaceId: string, databaseId: string): Table {
  const space = bika.space.byId(spaceId);
  const database = space.database(databaseId);
  let known: TableField[] | undefined;
  const fieldsOnce = async () => (known ??= (await database.fields.list()).map(tableField));
  const forWrite = async (cells: Record<string, unknown>) => {
    const byId = new Map((await fieldsOnce()).map((field) => [field.id, field]));
    const out: Record<string, unknown> = {};
    for (const [fieldId, value] of Object.entries(cells)) {
      const field = byId.get(fieldId);
      const kind = field ? kindOf(field) : undefined;
      if (kind === "datetime" && typeof value === "number") out[fieldId] = new Date(value).toISOString();
      else if (kind === "member" && Array.isArray(value)) out[fieldId] = value.map((unit) => (unit as { id: string }).id);
      else out[fieldId] = value;
    }
    return out;
  };
  const table: Table = {
    label: `database ${databaseId}`,
    maxPerWrite: 10,
    createsOptions: false,
    // A prefix and a random tail, as in mebX1y2Z3a4B5c6D7e8F9g0H.
    memberId: /^[a-z]{3}[A-Za-z0-9]{8,}$/,
    memberExport: "id",
    // The field list has no view: a view's hidden fields stay columns, empty in every row.
    fields: () => fieldsOnce(),
    async *records(options = {}): AsyncGenerator<TableRecord> {
      if (options.viewId === undefined) {
        for await (const record of database.recordsV2.listAll({ fieldKey: "id", pageSize: 1000, fields: options.fieldIds })) {
          yield { id: record.id, cells: record.fields as Record<string, unknown> };
        }
        return;
      }
      // Only the v1 listing reads through a view (its filter and order); it keys cells by field name.
      const idOf = new Map((await fieldsOnce()).map((field) => [field.name, field.id]));
      for await (const record of database.records.listAll({ viewId: options.viewId, pageSize: 1000 })) {
        const cells: Record<string, unknown> = {};
        for (const [name, value] of Object.entries(record.fields)) cells[idOf.get(name) ?? name] = value;
        yield { id: record.recordId, cells };
      }
    },
    async create(cells) {
      const records = await Promise.all(cells.map(async (fields) => ({ fields: (await forWrite(fields)) as never })));
      const created = await database.recordsV2.create({ fieldKey: "id", records });
      return created.records.map((record) => record.id);
    },
    async update(records) {
      const updates = await Promise.all(records.map(async ({ id, cells }) => ({ id, fields: (await forWrite(cells)) as never })));
      await database.recordsV2.updateMany({ fieldKey: "id", records: updates });
    },
    async delete(ids) {
      await database.recordsV2.deleteMany(ids);
    },
    async upload(bytes, name) {
      const [attachment] = await space.attachments.upload(bytes, name);
      if (!attachment) throw new CliError(`uploading ${name}: the server answered with no attachment`);
      return { id: attachment.id, name };
    },
    async primaryIndex(field) {
      const foreignId = typeof field.property?.foreignDatabaseId === "string" ? field.property.foreignDatabaseId : databaseId;
      const foreign = bikaTable(bika, spaceId, foreignId);
      const index = new Map<string, string[]>();
      const primary = (await foreign.fields()).find((candidate) => candidate.isPrimary);
      if (!primary) return index;
      const kind = kindOf(primary);
      for await (const record of foreign.records()) {
        const text = String(fromCell(primary, kind, record.cells[primary.id], { separator: ", ", as: "text", members: "id" })).trim();
        if (text !== "") index.set(text, [...(index.get(text) ?? []), record.id]);
      }
      return index;
    },
  };
  return table;
}
