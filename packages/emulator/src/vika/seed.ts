/**
 * The Vika seed: spaces, their node tree (folders, datasheets with fields, views and records, other node types),
 * and the units (members and teams) that Member cells and the organisation routes use.
 */
import { FIELD_TYPES } from "./fields.js";

export interface VikaSeedField {
  id?: string;
  name: string;
  type: string;
  /** The field's property in the create shape (as `createField` takes it). */
  property?: Record<string, unknown>;
  desc?: string;
}

export interface VikaSeedNode {
  id?: string;
  name: string;
  type: "Folder" | "Datasheet" | "Form" | "Dashboard" | "Mirror" | "Automation";
  children?: VikaSeedNode[];
  fields?: VikaSeedField[];
  views?: Array<{ id?: string; name: string; type?: string; hiddenFields?: string[] }>;
  /** Cells keyed by field name, in the write format (`createRecords`). */
  records?: Array<{ id?: string; fields: Record<string, unknown> }>;
}

export interface VikaSeedSpace {
  id?: string;
  name: string;
  isAdmin?: boolean;
  nodes?: VikaSeedNode[];
  members?: Array<{ unitId?: string; name: string; email?: string; type?: "PrimaryAdmin" | "SubAdmin" | "Member" }>;
  teams?: Array<{ unitId?: string; name: string; members?: string[] }>;
  roles?: Array<{ unitId?: string; name: string }>;
}

export interface VikaSeed {
  api: "vika";
  /** The token owner, shown in CreatedBy / LastModifiedBy cells. */
  user?: { id?: string; name: string };
  spaces: VikaSeedSpace[];
}

const id = (prefix: string) => ({ type: "string", pattern: `^${prefix}[A-Za-z0-9]+$` });
const name = { type: "string", minLength: 1, maxLength: 100 };

/** JSON Schema (2020-12) of a Vika seed file; published with the package as part of seed.schema.json. */
export const vikaSeedSchema = {
  $id: "vika",
  type: "object",
  required: ["api", "spaces"],
  additionalProperties: false,
  properties: {
    $schema: { type: "string" },
    api: { const: "vika" },
    user: {
      type: "object",
      required: ["name"],
      additionalProperties: false,
      properties: { id: { type: "string", minLength: 1 }, name },
    },
    spaces: { type: "array", minItems: 1, items: { $ref: "#/$defs/space" } },
  },
  $defs: {
    space: {
      type: "object",
      required: ["name"],
      additionalProperties: false,
      properties: {
        id: id("spc"),
        name,
        isAdmin: { type: "boolean" },
        nodes: { type: "array", items: { $ref: "#/$defs/node" } },
        members: {
          type: "array",
          items: {
            type: "object",
            required: ["name"],
            additionalProperties: false,
            properties: {
              unitId: { type: "string", pattern: "^[0-9]+$" },
              name,
              email: { type: "string" },
              type: { enum: ["PrimaryAdmin", "SubAdmin", "Member"] },
            },
          },
        },
        teams: {
          type: "array",
          items: {
            type: "object",
            required: ["name"],
            additionalProperties: false,
            properties: {
              unitId: { type: "string", pattern: "^[0-9]+$" },
              name,
              members: { type: "array", items: { type: "string" }, description: "Member names or unit ids." },
            },
          },
        },
        roles: {
          type: "array",
          items: {
            type: "object",
            required: ["name"],
            additionalProperties: false,
            properties: { unitId: { type: "string", pattern: "^[0-9]+$" }, name },
          },
        },
      },
    },
    node: {
      type: "object",
      required: ["name", "type"],
      additionalProperties: false,
      properties: {
        id: { type: "string", pattern: "^(fod|dst|fom|dsb|mir|aut)[A-Za-z0-9]+$" },
        name,
        type: { enum: ["Folder", "Datasheet", "Form", "Dashboard", "Mirror", "Automation"] },
        children: { type: "array", items: { $ref: "#/$defs/node" } },
        fields: {
          type: "array",
          minItems: 1,
          items: {
            type: "object",
            required: ["name", "type"],
            additionalProperties: false,
            properties: {
              id: id("fld"),
              name,
              type: { enum: FIELD_TYPES },
              property: { type: "object" },
              desc: { type: "string" },
            },
          },
        },
        views: {
          type: "array",
          minItems: 1,
          items: {
            type: "object",
            required: ["name"],
            additionalProperties: false,
            properties: {
              id: id("viw"),
              name,
              type: { enum: ["Grid", "Gallery", "Kanban", "Gantt", "Calendar", "Architecture"] },
              hiddenFields: { type: "array", items: { type: "string" } },
            },
          },
        },
        records: {
          type: "array",
          items: {
            type: "object",
            required: ["fields"],
            additionalProperties: false,
            properties: { id: id("rec"), fields: { type: "object" } },
          },
        },
      },
    },
  },
} as const;

/** A fresh emulator: one space, with a small project-tracker datasheet and two members, so every flow works. */
export const defaultVikaSeed: VikaSeed = {
  api: "vika",
  user: { name: "Emulator User" },
  spaces: [
    {
      id: "spcEmulator01",
      name: "Emulator Space",
      isAdmin: true,
      members: [
        { unitId: "1000000000000000001", name: "Emulator User", email: "user@example.com", type: "PrimaryAdmin" },
        { unitId: "1000000000000000002", name: "Alex", email: "alex@example.com", type: "Member" },
      ],
      teams: [{ unitId: "2000000000000000001", name: "Engineering", members: ["Alex"] }],
      roles: [{ unitId: "3000000000000000001", name: "Reviewer" }],
      nodes: [
        {
          id: "fodEmulator01",
          name: "Projects",
          type: "Folder",
          children: [
            {
              id: "dstEmulator0000001",
              name: "Tasks",
              type: "Datasheet",
              fields: [
                { id: "fldTitle00001", name: "Title", type: "SingleText" },
                { id: "fldStatus0001", name: "Status", type: "SingleSelect", property: { options: [{ name: "To do" }, { name: "Doing" }, { name: "Done" }] } },
                { id: "fldEstimate01", name: "Estimate", type: "Number", property: { precision: 1 } },
                { id: "fldDue0000001", name: "Due", type: "DateTime", property: { dateFormat: "YYYY-MM-DD" } },
                { id: "fldDoneFlag01", name: "Done", type: "Checkbox", property: { icon: "white_check_mark" } },
                { id: "fldOwner00001", name: "Owner", type: "Member", property: { isMulti: false } },
                { id: "fldNumber0001", name: "No.", type: "AutoNumber" },
              ],
              views: [{ id: "viwEmulator01", name: "All tasks", type: "Grid" }],
              records: [
                { fields: { Title: "Write the spec", Status: "Done", Estimate: 3, Due: "2026-01-15", Done: true, Owner: [{ unitId: "1000000000000000001" }] } },
                { fields: { Title: "Build the client", Status: "Doing", Estimate: 5, Due: "2026-02-01", Owner: [{ unitId: "1000000000000000002" }] } },
                { fields: { Title: "Ship it", Status: "To do", Estimate: 1.5 } },
              ],
            },
          ],
        },
      ],
    },
  ],
};
