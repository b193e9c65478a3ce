/**
 * Copies real Vika datasheets into a seed: fields (in their create shape), views and records (cells in their
 * write shape), keeping every id so that links between the copied datasheets still hold. What a seed cannot
 * carry is left out and reported: attachment cells (the files stay on the server), computed cells (the emulator
 * computes them), links to datasheets that were not copied, and field types that cannot be created.
 */
import { Vika } from "@bikavika/vika";
import type { VikaSeed, VikaSeedField, VikaSeedNode } from "./vika/seed.js";

export interface SnapshotOptions {
  token: string;
  host?: string | undefined;
  datasheetIds: string[];
  /** Where to say what was left out; stderr by default. */
  warn?: ((message: string) => void) | undefined;
  /** For tests: another fetch. */
  fetch?: typeof globalThis.fetch | undefined;
}

type Meta = { id: string; name: string; type: string; property?: Record<string, unknown> | null | undefined; desc?: string | undefined };

const LEFT_OUT_TYPES = new Set(["MagicLookUp", "Button", "Cascader", "NotSupport"]);
const COMPUTED = new Set(["Formula", "AutoNumber", "CreatedTime", "LastModifiedTime", "CreatedBy", "LastModifiedBy", "MagicLookUp", "WorkDoc"]);
const LINKS = new Set(["OneWayLink", "TwoWayLink", "MagicLink"]);

/** A field's read-shape property as the create shape the emulator (and createField) takes. */
function createProperty(field: Meta): Record<string, unknown> | undefined {
  const property = field.property ?? {};
  switch (field.type) {
    case "SingleSelect":
    case "MultiSelect":
      return {
        options: ((property.options as Array<{ name: string; color?: { name?: string } }> | undefined) ?? []).map((option) => ({
          name: option.name,
          ...(option.color?.name ? { color: option.color.name } : {}),
        })),
      };
    case "Number":
    case "Percent":
    case "Currency":
      return Object.fromEntries(Object.entries(property).filter(([key]) => ["precision", "symbol", "defaultValue", "symbolAlign"].includes(key)));
    case "DateTime":
    case "CreatedTime":
    case "LastModifiedTime": {
      const format = typeof property.format === "string" ? property.format : typeof property.dateFormat === "string" ? property.dateFormat : "YYYY/MM/DD";
      const [dateFormat, timeFormat] = format.split(" ");
      return { dateFormat, ...(timeFormat ? { timeFormat } : {}), includeTime: property.includeTime === true };
    }
    case "Checkbox":
      return { icon: "white_check_mark" };
    case "Rating":
      return { icon: "star", max: property.max ?? 5 };
    case "Member":
      return { isMulti: property.isMulti !== false, shouldSendMsg: property.shouldSendMsg === true };
    case "OneWayLink":
    case "TwoWayLink":
    case "MagicLink":
      return { foreignDatasheetId: property.foreignDatasheetId, ...(property.limitSingleRecord ? { limitSingleRecord: true } : {}) };
    case "Formula":
      return { expression: property.expression ?? "" };
    case "CreatedBy":
    case "LastModifiedBy":
      return {};
    case "SingleText":
      return typeof property.defaultValue === "string" ? { defaultValue: property.defaultValue } : {};
    default:
      return undefined;
  }
}

export async function snapshotVika(options: SnapshotOptions): Promise<VikaSeed> {
  const warn = options.warn ?? ((message: string) => process.stderr.write(`${message}\n`));
  const vika = new Vika({ token: options.token, host: options.host, fetch: options.fetch });
  const copied = new Set(options.datasheetIds);
  const members = new Map<string, string>();
  const nodes: VikaSeedNode[] = [];
  for (const datasheetId of options.datasheetIds) {
    const datasheet = vika.datasheet(datasheetId);
    const [node, { fields }, { views }] = await Promise.all([vika.nodes.get({ nodeId: datasheetId }), datasheet.fields.list(), datasheet.views.list()]);
    const kept = (fields as Meta[]).filter((field) => {
      if (LEFT_OUT_TYPES.has(field.type)) warn(`${datasheetId}: field "${field.name}" (${field.type}) left out: the emulator cannot create this type`);
      else if (LINKS.has(field.type) && !copied.has(String(field.property?.foreignDatasheetId))) {
        warn(`${datasheetId}: field "${field.name}" left out: it links to ${String(field.property?.foreignDatasheetId)}, which is not copied`);
      } else return true;
      return false;
    });
    const seedFields: VikaSeedField[] = kept.map((field) => {
      const property = createProperty(field);
      return { id: field.id, name: field.name, type: field.type, ...(property ? { property } : {}), ...(field.desc ? { desc: field.desc } : {}) };
    });
    const records: NonNullable<VikaSeedNode["records"]> = [];
    let attachmentsLeftOut = 0;
    for await (const record of datasheet.records.queryAll({ fieldKey: "name" })) {
      const cells: Record<string, unknown> = {};
      for (const field of kept) {
        const value = (record.fields as Record<string, unknown>)[field.name];
        if (value === undefined || COMPUTED.has(field.type)) continue;
        if (field.type === "Attachment") {
          attachmentsLeftOut += 1;
          continue;
        }
        if (field.type === "Member") {
          const units = value as Array<{ id: string; name: string; type?: string }>;
          for (const unit of units) if (unit.type !== "Team") members.set(unit.id, unit.name);
          cells[field.name] = units.filter((unit) => unit.type !== "Team").map((unit) => ({ unitId: unit.id }));
          continue;
        }
        cells[field.name] = value;
      }
      records.push({ id: record.recordId, fields: cells });
    }
    if (attachmentsLeftOut) warn(`${datasheetId}: ${attachmentsLeftOut} attachment cell(s) left out: the files stay on the server`);
    nodes.push({
      id: datasheetId,
      name: node.name,
      type: "Datasheet",
      fields: seedFields,
      views: views.map((view) => ({ id: view.id, name: view.name, type: view.type })),
      records,
    });
  }
  return {
    api: "vika",
    spaces: [
      {
        name: "Snapshot",
        members: [...members].map(([unitId, name]) => ({ unitId, name })),
        nodes,
      },
    ],
  };
}
