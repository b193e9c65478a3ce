import { type Field, Vika } from "@bikavika/vika";
import { fromCell, kindOf } from "./convert.js";
import type { ClientSettings } from "./client-settings.js";
import type { Table, TableField, TableRecord } from "./model.js";

function tableField(field: Field): TableField {
  const { id, name, type, property, isPrimary, editable } = field as Field & { property?: unknown; editable?: unknown };
  return {
    id,
    name,
    type,
    property: typeof property === "object" && property !== null ? (property as Record<string, unknown>) : undefined,
    isPrimary: isPrimary === true,
    writable: editable !== false,
  };
}

export function vikaClient(settings: ClientSettings): Vika {
  return new Vika({
    token: settings.token,
    host: settings.host,
    // Cells by field id: names may hold any character and can be renamed between a run and its resume.
    fieldKey: "id",
    rateLimit: settings.qps === false ? false : { requestsPerSecond: settings.qps },
    fetch: settings.fetch,
  });
}

export function vikaTable(vika: Vika, datasheetId: string): Table {
  const datasheet = vika.datasheet(datasheetId);
  const table: Table = {
    label: `datasheet ${datasheetId}`,
    maxPerWrite: 10,
    createsOptions: true,
    // Unit ids are digits.
    memberId: /^\d+$/,
    memberExport: "name",
    async fields(options = {}) {
      const { fields } = await datasheet.fields.list({ viewId: options.viewId });
      return fields.map(tableField);
    },
    async *records(options = {}): AsyncGenerator<TableRecord> {
      for await (const record of datasheet.records.queryAll({ viewId: options.viewId, fields: options.fieldIds, fieldKey: "id" })) {
        yield { id: record.recordId, cells: record.fields as Record<string, unknown> };
      }
    },
    async create(cells) {
      const { records } = await datasheet.records.create(cells.map((fields) => ({ fields: fields as never })), { fieldKey: "id" });
      return records.map((record) => record.recordId);
    },
    async update(records) {
      await datasheet.records.update(records.map(({ id, cells }) => ({ recordId: id, fields: cells as never })), { fieldKey: "id" });
    },
    delete: (ids) => datasheet.records.delete(ids),
    upload: (bytes, name) => datasheet.upload(bytes, name),
    async primaryIndex(field) {
      const foreignId = field.property?.foreignDatasheetId;
      const index = new Map<string, string[]>();
      if (typeof foreignId !== "string") return index;
      const foreign = vikaTable(vika, foreignId);
      const primary = (await foreign.fields()).find((candidate) => candidate.isPrimary);
      if (!primary) return index;
      const kind = kindOf(primary);
      for await (const record of foreign.records()) {
        const text = String(fromCell(primary, kind, record.cells[primary.id], { separator: ", ", as: "text", members: "name" })).trim();
        if (text === "") continue;
        index.set(text, [...(index.get(text) ?? []), record.id]);
      }
      return index;
    },
  };
  return table;
}
