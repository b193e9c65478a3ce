/**
 * The Bika seed: what a fresh emulator holds. A seed names things the way a Bika user sees them (field names,
 * option names, nested folders); ids are optional and, when left out, are made up once when the emulator starts.
 */

/** The field types the emulator stores and validates (spec `FieldType`, less `LOOKUP` and `CASCADER`). */
export const BIKA_FIELD_TYPES = [
  "SINGLE_TEXT",
  "LONG_TEXT",
  "EMAIL",
  "URL",
  "PHONE",
  "CHECKBOX",
  "NUMBER",
  "CURRENCY",
  "PERCENT",
  "RATING",
  "DATETIME",
  "SINGLE_SELECT",
  "MULTI_SELECT",
  "ATTACHMENT",
  "MEMBER",
  "LINK",
  "FORMULA",
  "AUTONUMBER",
  "CREATED_TIME",
  "LAST_MODIFIED_TIME",
  "CREATED_BY",
  "LAST_MODIFIED_BY",
] as const;
export type BikaFieldType = (typeof BIKA_FIELD_TYPES)[number];

export const BIKA_VIEW_TYPES = ["TABLE", "KANBAN", "GALLERY", "GANTT", "CALENDAR", "FORM"] as const;
export type BikaViewType = (typeof BIKA_VIEW_TYPES)[number];

/** Node types that carry nothing but a name in the emulator. */
export const BIKA_PLAIN_NODE_TYPES = ["DOCUMENT", "FORM", "MIRROR", "DASHBOARD", "AI"] as const;
export type BikaPlainNodeType = (typeof BIKA_PLAIN_NODE_TYPES)[number];

export interface BikaSeedOption {
  id?: string;
  name: string;
  color?: string;
}

export interface BikaSeedField {
  id?: string;
  name: string;
  type: BikaFieldType;
  description?: string;
  /** The primary field; the first field when no field says so. */
  primary?: boolean;
  property?: {
    /** SINGLE_SELECT / MULTI_SELECT. */
    options?: BikaSeedOption[];
    /** RATING: the highest value (default 5). */
    max?: number;
    /** NUMBER / CURRENCY / PERCENT: decimal places. */
    precision?: number;
    /** CURRENCY. */
    symbol?: string;
    /** FORMULA: the expression, with `{Field name}` references. */
    expression?: string;
    /** LINK: the database the linked records live in (default: the same database). */
    foreignDatabaseId?: string;
  };
}

export interface BikaSeedView {
  id?: string;
  name: string;
  type?: BikaViewType;
  description?: string;
  /** Applied when records are read through the view, in the filter query language of the records endpoints. */
  filter?: string;
  sort?: Array<{ field: string; order?: "asc" | "desc" }>;
  /** Field names left out when records are read through the view. */
  hiddenFields?: string[];
}

export interface BikaSeedRecord {
  id?: string;
  /** ISO 8601; default: when the emulator starts. */
  createdAt?: string;
  updatedAt?: string;
  /** Cells by field name, written as the v2 API takes them (select options by name or id, members by id…). */
  fields: Record<string, unknown>;
}

export interface BikaSeedTrigger {
  id?: string;
  name?: string;
  type: string;
  description?: string;
  status?: string;
  createdAt?: string;
  updatedAt?: string;
}

interface BikaSeedNodeBase {
  id?: string;
  name: string;
  description?: string;
}

export interface BikaSeedDatabase extends BikaSeedNodeBase {
  type: "DATABASE";
  fields: BikaSeedField[];
  /** Default: one table view "All records". */
  views?: BikaSeedView[];
  records?: BikaSeedRecord[];
}

export interface BikaSeedAutomation extends BikaSeedNodeBase {
  type: "AUTOMATION";
  triggers?: BikaSeedTrigger[];
}

export interface BikaSeedFolder extends BikaSeedNodeBase {
  type: "FOLDER";
  children?: BikaSeedNode[];
}

export interface BikaSeedPlainNode extends BikaSeedNodeBase {
  type: BikaPlainNodeType;
}

export type BikaSeedNode = BikaSeedDatabase | BikaSeedAutomation | BikaSeedFolder | BikaSeedPlainNode;

export interface BikaSeedMember {
  id?: string;
  name: string;
  type?: "Member" | "Team" | "Role";
}

export interface BikaSeedWebhook {
  id?: string;
  eventType: "ON_RECORD_CREATED" | "ON_NODE_CREATED";
  name: string;
  description?: string;
  callbackURL: string;
  databaseId?: string;
}

export interface BikaSeedSpace {
  id?: string;
  name: string;
  slug?: string;
  createdAt?: string;
  /** The subscription plan, e.g. `FREE`. */
  plan?: string;
  /** Id of the space's root node. */
  rootId?: string;
  /** Who MEMBER cells can name. */
  members?: BikaSeedMember[];
  nodes: BikaSeedNode[];
  outgoingWebhooks?: BikaSeedWebhook[];
}

export interface BikaSeedUser {
  id?: string;
  name: string;
  email?: string | null;
  phone?: string | null;
  timeZone?: string;
  locale?: string;
  createdAt?: string;
}

export interface BikaSeed {
  $schema?: string;
  api: "bika";
  /** The token's owner (`getUserProfile`, CREATED_BY cells). */
  user?: BikaSeedUser;
  spaces: BikaSeedSpace[];
}

const text = { type: "string" } as const;
const name = { type: "string", minLength: 1 } as const;
const isoDate = { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}" } as const;
const id = (prefix: string) => ({ type: "string", pattern: `^${prefix}[A-Za-z0-9_-]+$` });
const nodeBase = { id: { type: "string", minLength: 1 }, name, description: text } as const;
const nodeOfType = (...types: string[]) => ({ type: "object", required: ["type"], properties: { type: { enum: types } } });
const sortKeys = {
  type: "array",
  items: {
    type: "object",
    additionalProperties: false,
    required: ["field"],
    properties: { field: name, order: { enum: ["asc", "desc"] } },
  },
} as const;

/** JSON Schema (draft 2020-12) of a Bika seed file. Strict: unknown keys are refused, so typos surface. */
export const bikaSeedSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "bika",
  title: "Bika emulator seed",
  type: "object",
  additionalProperties: false,
  required: ["api", "spaces"],
  properties: {
    $schema: text,
    api: { const: "bika" },
    user: { $ref: "#/$defs/user" },
    spaces: { type: "array", minItems: 1, items: { $ref: "#/$defs/space" } },
  },
  $defs: {
    user: {
      type: "object",
      additionalProperties: false,
      required: ["name"],
      properties: {
        id: id("usr"),
        name,
        email: { type: ["string", "null"] },
        phone: { type: ["string", "null"] },
        timeZone: text,
        locale: text,
        createdAt: isoDate,
      },
    },
    space: {
      type: "object",
      additionalProperties: false,
      required: ["name", "nodes"],
      properties: {
        id: id("spc"),
        name,
        slug: text,
        createdAt: isoDate,
        plan: text,
        rootId: id("rot"),
        members: {
          type: "array",
          items: {
            type: "object",
            additionalProperties: false,
            required: ["name"],
            properties: { id: { type: "string", minLength: 1 }, name, type: { enum: ["Member", "Team", "Role"] } },
          },
        },
        nodes: { type: "array", items: { $ref: "#/$defs/node" } },
        outgoingWebhooks: { type: "array", items: { $ref: "#/$defs/webhook" } },
      },
    },
    webhook: {
      type: "object",
      additionalProperties: false,
      required: ["eventType", "name", "callbackURL"],
      properties: {
        id: { type: "string", minLength: 1 },
        eventType: { enum: ["ON_RECORD_CREATED", "ON_NODE_CREATED"] },
        name,
        description: text,
        callbackURL: { type: "string", pattern: "^https?://" },
        databaseId: id("dat"),
      },
    },
    // Dispatched on `type` with if/then rather than oneOf, so a typo is reported against its own node kind only.
    node: {
      type: "object",
      required: ["type"],
      properties: { type: { enum: ["DATABASE", "AUTOMATION", "FOLDER", ...BIKA_PLAIN_NODE_TYPES] } },
      allOf: [
        { if: nodeOfType("DATABASE"), then: { $ref: "#/$defs/database" } },
        { if: nodeOfType("AUTOMATION"), then: { $ref: "#/$defs/automation" } },
        { if: nodeOfType("FOLDER"), then: { $ref: "#/$defs/folder" } },
        { if: nodeOfType(...BIKA_PLAIN_NODE_TYPES), then: { $ref: "#/$defs/plainNode" } },
      ],
    },
    database: {
      type: "object",
      additionalProperties: false,
      required: ["type", "name", "fields"],
      properties: {
        ...nodeBase,
        id: id("dat"),
        type: { const: "DATABASE" },
        fields: { type: "array", minItems: 1, items: { $ref: "#/$defs/field" } },
        views: { type: "array", items: { $ref: "#/$defs/view" } },
        records: { type: "array", items: { $ref: "#/$defs/record" } },
      },
    },
    automation: {
      type: "object",
      additionalProperties: false,
      required: ["type", "name"],
      properties: {
        ...nodeBase,
        type: { const: "AUTOMATION" },
        triggers: { type: "array", items: { $ref: "#/$defs/trigger" } },
      },
    },
    folder: {
      type: "object",
      additionalProperties: false,
      required: ["type", "name"],
      properties: {
        ...nodeBase,
        type: { const: "FOLDER" },
        children: { type: "array", items: { $ref: "#/$defs/node" } },
      },
    },
    plainNode: {
      type: "object",
      additionalProperties: false,
      required: ["type", "name"],
      properties: { ...nodeBase, type: { enum: [...BIKA_PLAIN_NODE_TYPES] } },
    },
    field: {
      type: "object",
      additionalProperties: false,
      required: ["name", "type"],
      properties: {
        id: id("fld"),
        name,
        type: { enum: [...BIKA_FIELD_TYPES] },
        description: text,
        primary: { type: "boolean" },
        property: {
          type: "object",
          additionalProperties: false,
          properties: {
            options: {
              type: "array",
              items: {
                type: "object",
                additionalProperties: false,
                required: ["name"],
                properties: { id: { type: "string", minLength: 1 }, name, color: text },
              },
            },
            max: { type: "integer", minimum: 1, maximum: 10 },
            precision: { type: "integer", minimum: 0, maximum: 10 },
            symbol: text,
            expression: name,
            foreignDatabaseId: id("dat"),
          },
        },
      },
    },
    view: {
      type: "object",
      additionalProperties: false,
      required: ["name"],
      properties: {
        id: id("viw"),
        name,
        type: { enum: [...BIKA_VIEW_TYPES] },
        description: text,
        filter: name,
        sort: sortKeys,
        hiddenFields: { type: "array", items: name },
      },
    },
    record: {
      type: "object",
      additionalProperties: false,
      required: ["fields"],
      properties: {
        id: id("rec"),
        createdAt: isoDate,
        updatedAt: isoDate,
        fields: { type: "object" },
      },
    },
    trigger: {
      type: "object",
      additionalProperties: false,
      required: ["type"],
      properties: {
        id: { type: "string", minLength: 1 },
        name: text,
        type: name,
        description: text,
        status: text,
        createdAt: isoDate,
        updatedAt: isoDate,
      },
    },
  },
} as const;

/**
 * The seed of a fresh emulator: the spec's example space (`spcND68gdMMZBmGK67gvqNVX`, database
 * `datJubyEnetNFd3UQ6gSeq7U`, record `recpx8ZUBHmRFuD0fGTObHxL`…), so that the ids in the spec and the Quick Start
 * work as they are written. `Description` and `Task` exist because the Quick Start's create and update examples
 * write them.
 */
export const defaultBikaSeed: BikaSeed = {
  api: "bika",
  user: {
    id: "usrQ7sJx2mKp9LwR4tYv6NbZ",
    name: "Ada Lovelace",
    email: "ada@example.com",
    phone: null,
    timeZone: "Europe/London",
    locale: "en",
    createdAt: "2024-03-15T10:30:00.000Z",
  },
  spaces: [
    {
      id: "spcND68gdMMZBmGK67gvqNVX",
      name: "Acme Inc.",
      slug: "acme",
      createdAt: "2024-03-15T10:31:02.000Z",
      plan: "FREE",
      rootId: "rotK2mP8xQ4vN7bL1sR9tY3w",
      members: [
        { id: "mebX1y2Z3a4B5c6D7e8F9g0H", name: "Ada Lovelace" },
        { id: "mebG7h8J9k0L1m2N3p4Q5r6S", name: "Grace Hopper" },
        { id: "tmbS4t5U6v7W8x9Y0z1A2b3C", name: "Sales", type: "Team" },
      ],
      nodes: [
        {
          type: "FOLDER",
          id: "fodR1Lz2x8Ka9sY3nT5uVwXq",
          name: "CRM",
          children: [
            {
              type: "DATABASE",
              id: "datJubyEnetNFd3UQ6gSeq7U",
              name: "Customers",
              description: "All customers and their status",
              fields: [
                { id: "fldN4mQ8rT2vX6zB1cD3eF5g", name: "Name", type: "SINGLE_TEXT", primary: true },
                { id: "fldD2eS4cR6iP8tI0oN2dE4s", name: "Description", type: "LONG_TEXT" },
                { id: "fldT1aS3kK5tT7aA9sS1kK3t", name: "Task", type: "SINGLE_TEXT" },
                {
                  id: "fldP7kL9jH1gF3dS5aZ2xC4v",
                  name: "Status",
                  type: "SINGLE_SELECT",
                  description: "Where the customer is in the funnel",
                  property: {
                    options: [
                      { id: "optA1b2C3d4E5", name: "Active", color: "green" },
                      { id: "optF6g7H8i9J0", name: "Churned", color: "red" },
                    ],
                  },
                },
                { id: "fldR5tY7uI9oP1aS3dF5gH7j", name: "Score", type: "RATING", property: { max: 5 } },
                { id: "fldV3aL5uE7rE9vV1aL3uE5r", name: "Revenue", type: "CURRENCY", property: { precision: 2, symbol: "$" } },
                { id: "fldS1gN3eD5sS7iG9nE1dS3g", name: "Signed", type: "CHECKBOX" },
                { id: "fldR7nW9lD1aA3tT5eE7rR9n", name: "Renewal", type: "DATETIME" },
                {
                  id: "fldT5gS7tA9gG1sS3tA5gG7s",
                  name: "Tags",
                  type: "MULTI_SELECT",
                  property: {
                    options: [
                      { id: "optK1l2M3n4O5", name: "enterprise", color: "blue" },
                      { id: "optP6q7R8s9T0", name: "emea", color: "purple" },
                      { id: "optU1v2W3x4Y5", name: "smb", color: "orange" },
                      { id: "optZ6a7B8c9D0", name: "pharma", color: "teal" },
                    ],
                  },
                },
                { id: "fldO3wN5eR7oO9wW1nN3eE5r", name: "Owner", type: "MEMBER" },
                { id: "fldW2eR4tY6uI8oP0aS2dF4g", name: "Contract", type: "ATTACHMENT" },
              ],
              views: [
                { id: "viwYHuzUxRngq5igMkw9PPIX", name: "All customers", type: "TABLE" },
                { id: "viwK8jH6gF4dS2aQ0wE9rT7y", name: "By status", type: "KANBAN" },
                {
                  id: "viwA4cT6iV8eE0aA2cC4tT6v",
                  name: "Active, best first",
                  type: "TABLE",
                  filter: 'Status=="Active"',
                  sort: [{ field: "Score", order: "desc" }],
                  hiddenFields: ["Description", "Task"],
                },
              ],
              records: [
                {
                  id: "recpx8ZUBHmRFuD0fGTObHxL",
                  createdAt: "2024-03-15T10:31:02.000Z",
                  updatedAt: "2024-04-03T08:00:00.000Z",
                  fields: {
                    Name: "Acme Corp",
                    Description: "Our first customer",
                    Status: "Active",
                    Score: 4,
                    Revenue: 120000,
                    Signed: true,
                    Renewal: "2025-03-15T00:00:00.000Z",
                    Tags: ["enterprise", "emea"],
                    Owner: ["mebX1y2Z3a4B5c6D7e8F9g0H"],
                  },
                },
                {
                  id: "recQ3w5E7r9T1y3U5i7O9p1A",
                  createdAt: "2024-03-16T10:31:02.000Z",
                  updatedAt: "2024-03-16T10:31:02.000Z",
                  fields: { Name: "Globex", Status: "Churned", Score: 2, Revenue: 8000, Tags: ["smb"] },
                },
                {
                  id: "recI7n9I1t3E5c7H9i1N3t5E",
                  createdAt: "2024-03-17T10:31:02.000Z",
                  updatedAt: "2024-03-17T10:31:02.000Z",
                  fields: {
                    Name: "Initech",
                    Task: "Send the renewal quote",
                    Status: "Active",
                    Score: 3,
                    Signed: true,
                    Renewal: "2024-12-01T09:00:00.000Z",
                    Owner: ["mebG7h8J9k0L1m2N3p4Q5r6S"],
                  },
                },
              ],
            },
            {
              type: "AUTOMATION",
              id: "atoV5nB7cX9zL2kJ4hG6fD8s",
              name: "Notify sales on new customer",
              description: "Posts to the sales channel when a customer is added",
              triggers: [
                {
                  id: "trgB4nM6qW8eR0tY2uI4oP6a",
                  name: "When a customer is created",
                  type: "RECORD_CREATED",
                  status: "ACTIVE",
                  createdAt: "2024-03-20T09:00:00.000Z",
                  updatedAt: "2024-03-21T11:30:00.000Z",
                },
                {
                  id: "trgW1e3K5l7Y9r0E2p4O6r8T",
                  name: "Every Monday at 9:00",
                  type: "SCHEDULER",
                  status: "ACTIVE",
                  createdAt: "2024-03-20T09:05:00.000Z",
                  updatedAt: "2024-03-20T09:05:00.000Z",
                },
              ],
            },
          ],
        },
        { type: "DOCUMENT", id: "docG5u7I9d1E3o5N7b9O1a3R", name: "Onboarding guide" },
      ],
    },
  ],
};
