// Field maps from field metadata (src/typegen.ts): one cell type per field type, narrowed where the metadata says
// more, and a generated module that TypeScript compiles and that types records as the API returns them.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadSpec } from "@bikavika/vika-openapi";
import ts from "typescript";
import { afterAll, describe, expect, expectTypeOf, it } from "vitest";
import type { CellValueByType, Field, FieldType } from "../../src/index.js";
import { TypegenError, cellType, fieldMapsModule, interfaceNameFor } from "../../src/typegen.js";

const field = (type: string, overrides: Record<string, unknown> = {}): Field =>
  ({ id: `fld${type}`, name: type, type, editable: true, ...overrides }) as Field;

/** The spec's field types: the discriminator mapping of its `Field` union. */
function specFieldTypes(): string[] {
  const schemas = loadSpec().components?.schemas as Record<string, { discriminator?: { mapping?: Record<string, string> } }>;
  return Object.keys(schemas.Field?.discriminator?.mapping ?? {});
}

describe("cell types", () => {
  it("CellValueByType has exactly the spec's field types", () => {
    expectTypeOf<keyof CellValueByType>().toEqualTypeOf<FieldType>();
    const types = specFieldTypes();
    expect(types).toHaveLength(29);
    for (const type of types) expect(cellType(field(type)), type).toBe(`CellValueByType[${JSON.stringify(type)}]`);
  });

  it("select options become literal types, open to names added later", () => {
    const options = { options: [{ name: "Todo" }, { name: "Done" }, { name: "Todo" }, { name: 'say "hi"' }] };
    expect(cellType(field("SingleSelect", { property: options }))).toBe('"Todo" | "Done" | "say \\"hi\\"" | (string & {})');
    expect(cellType(field("MultiSelect", { property: options }))).toBe('Array<"Todo" | "Done" | "say \\"hi\\"" | (string & {})>');
    expect(cellType(field("SingleSelect", { property: { options: [] } }))).toBe('CellValueByType["SingleSelect"]');
    expect(cellType(field("MultiSelect"))).toBe('CellValueByType["MultiSelect"]');
  });

  it("a formula is typed by its result type; an array result keeps the general formula type", () => {
    const formula = (valueType: string) => cellType(field("Formula", { property: { expression: "1", valueType } }));
    expect(formula("String")).toBe("string");
    expect(formula("Number")).toBe("number");
    expect(formula("Boolean")).toBe("boolean");
    expect(formula("DateTime")).toBe("number");
    expect(formula("Array")).toBe('CellValueByType["Formula"]');
  });

  it("a type newer than the client is unknown, not refused", () => {
    expect(cellType(field("Hologram"))).toBe("unknown");
    expect(cellType(field("toString"))).toBe("unknown");
  });
});

describe("the module", () => {
  it("keys by name or id, quotes what is not an identifier, marks computed fields read-only", () => {
    const fields = [
      field("SingleText", { id: "fldTitle", name: "Title", isPrimary: true }),
      field("Number", { id: "fldQty", name: "数量 (pcs)", desc: "how many\nwe bought" }),
      field("AutoNumber", { id: "fldNo", name: "No" }),
      field("Hologram", { id: "fldNew", name: "New" }),
    ];
    const byName = fieldMapsModule([{ id: "dstA", name: "Orders", fields }]);
    expect(byName).toContain('import type { CellValueByType } from "@bikavika/vika";');
    expect(byName).toContain("export interface OrdersFields {");
    expect(byName).toContain('  /** SingleText · fldTitle · primary */\n  Title?: CellValueByType["SingleText"];');
    expect(byName).toContain('  /** Number · fldQty — how many we bought */\n  "数量 (pcs)"?: CellValueByType["Number"];');
    expect(byName).toContain('  /** AutoNumber · fldNo · read-only */\n  readonly No?: CellValueByType["AutoNumber"];');
    expect(byName).toContain("  /** Hologram · fldNew · a type newer than this client */\n  New?: unknown;");

    const byId = fieldMapsModule([{ id: "dstA", name: "Orders", fields }], { fieldKey: "id" });
    expect(byId).toContain('  /** Number · 数量 (pcs) — how many we bought */\n  fldQty?: CellValueByType["Number"];');
  });

  it("names interfaces after the datasheet, else its id, and keeps them unique", () => {
    expect(interfaceNameFor({ id: "dstA", name: "tasks 2024 (Q3)" })).toBe("Tasks2024Q3Fields");
    expect(interfaceNameFor({ id: "dstAbc9", name: "研发部" })).toBe("DstAbc9Fields");
    expect(interfaceNameFor({ id: "dstA", name: "2024 plan" })).toBe("Datasheet2024PlanFields");
    // A name that is not a string (a server answering out of spec) counts as none.
    expect(interfaceNameFor({ id: "dstAbc9", name: 42 as never })).toBe("DstAbc9Fields");
    expect(fieldMapsModule([{ id: "dstAbc9", name: null as never, fields: [] }])).toContain("datasheet dstAbc9, by field name.");
    const module = fieldMapsModule([
      { id: "dstA", name: "Tasks", fields: [] },
      { id: "dstB", name: "tasks", fields: [] },
    ]);
    expect(module).toContain("export interface TasksFields {");
    expect(module).toContain("export interface TasksFields2 {");
    // Nothing typed through CellValueByType: no import, so `noUnusedLocals` projects compile it.
    expect(module).not.toContain("import");
  });

  it("refuses two fields under one key, and an interface name that is not an identifier", () => {
    const twins = [field("Text", { id: "fld1", name: "Notes" }), field("Text", { id: "fld2", name: "Notes" })];
    expect(() => fieldMapsModule([{ id: "dstA", fields: twins }])).toThrow(TypegenError);
    expect(() => fieldMapsModule([{ id: "dstA", fields: twins }])).toThrow(/fld1 and fld2 share the name "Notes"/);
    expect(() => fieldMapsModule([{ id: "dstA", fields: [], interfaceName: "My Fields" }])).toThrow(TypegenError);
  });

  it("refuses a field without the key it is to be listed under, rather than inventing one", () => {
    const nameless = [field("Text", { id: "fld1", name: "Notes" }), field("Text", { id: "fld2", name: undefined })];
    expect(() => fieldMapsModule([{ id: "dstA", fields: nameless }])).toThrow(TypegenError);
    expect(() => fieldMapsModule([{ id: "dstA", fields: nameless }])).toThrow("datasheet dstA: field 2 has no name (got undefined)");
    expect(fieldMapsModule([{ id: "dstA", fields: nameless }], { fieldKey: "id" })).toContain("  fld2?: CellValueByType[\"Text\"];");
    const idless = [field("Text", { id: "", name: "Notes" })];
    expect(() => fieldMapsModule([{ id: "dstA", fields: idless }], { fieldKey: "id" })).toThrow('field 1 has no id (got "")');
  });
});

// Each test compiles a program with the whole client's types (tsc, cold): seconds on a loaded two-core machine.
describe("the generated module compiles and types records", { timeout: 30_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "vika-typegen-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const src = fileURLToPath(new URL("../../src/index.js", import.meta.url));

  function diagnostics(usage: string): string[] {
    const fields = [
      ...specFieldTypes().map((type) => field(type, { name: `${type} field` })),
      field("SingleSelect", { id: "fldStatus", name: "Status", property: { options: [{ name: "Todo" }, { name: "Done" }] } }),
      field("Formula", { id: "fldTotal", name: "Total", property: { expression: "1", valueType: "Number" } }),
      // Comment text that would end the doc comment early, and a name that is not an identifier.
      field("Text", { id: "fldTricky", name: 'a "b" */ c', desc: "ends */ here" }),
    ];
    writeFileSync(join(dir, "fields.ts"), fieldMapsModule([{ id: "dstAll", name: "All", fields }], { importFrom: src }));
    writeFileSync(join(dir, "usage.ts"), usage);
    const program = ts.createProgram([join(dir, "usage.ts")], {
      strict: true,
      exactOptionalPropertyTypes: true,
      noUnusedLocals: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      types: [],
    });
    return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  }

  it("accepts the cells the API returns and rejects what it cannot return", () => {
    const usage = `
import type { VikaRecord } from ${JSON.stringify(src)};
import type { AllFields } from "./fields.js";

export const record: VikaRecord<AllFields> = {
  recordId: "rec1",
  createdAt: 1,
  updatedAt: 2,
  fields: {
    "SingleText field": "title",
    "Checkbox field": true,
    "Number field": 3,
    "MultiSelect field": ["a", "b"],
    Status: "Todo",
    Total: 12,
    'a "b" */ c': "tricky",
  },
};
export const laterOption: AllFields = { Status: "Archived" };
// @ts-expect-error a Checkbox cell is a boolean
export const checkbox: AllFields = { "Checkbox field": "yes" };
// @ts-expect-error this Formula gives numbers
export const total: AllFields = { Total: "12" };
// @ts-expect-error no such field
export const unknownField: AllFields = { Nope: 1 };
export function edit(fields: AllFields) {
  // @ts-expect-error computed fields are read-only
  fields.Total = 1;
}
`;
    expect(diagnostics(usage)).toEqual([]);
  });

  it("types the formula builder: the map's field names, each field's values", () => {
    const usage = `
import { formula } from ${JSON.stringify(src.replace(/index\.js$/, "formula.js"))};
import type { AllFields } from "./fields.js";

const f = formula<AllFields>();
export const filters = [
  f.field("Status").eq("Done"),
  f.field("Number field").gte(2),
  f.field("Checkbox field").eq(true),
  f.field("Total").plus(1).gt(2),
  f.field("DateTime field").lt(new Date()),
  f.field('a "b" */ c').eq("x"),
  f.field("MultiSelect field").eq("a"),
];
// @ts-expect-error no such field
f.field("Nope");
// @ts-expect-error a Number field takes numbers
f.field("Number field").eq("2");
// @ts-expect-error a Checkbox field takes true or false
f.field("Checkbox field").eq("yes");
// @ts-expect-error a SingleText field takes text
f.field("SingleText field").eq(1);
`;
    expect(diagnostics(usage)).toEqual([]);
  });

  it("fails to compile where it should: the checks above can fail", () => {
    const usage = `
import type { AllFields } from "./fields.js";
export const checkbox: AllFields = { "Checkbox field": "yes" };
`;
    expect(diagnostics(usage)).toEqual(["Type 'string' is not assignable to type 'boolean'."]);
    const filter = `
import { formula } from ${JSON.stringify(src.replace(/index\.js$/, "formula.js"))};
import type { AllFields } from "./fields.js";
export const filter = formula<AllFields>().field("Number field").eq("2");
`;
    expect(diagnostics(filter)).toEqual(["Argument of type 'string' is not assignable to parameter of type 'Operand<number>'."]);
  });
});
