/**
 * A minimal type of the OpenAPI 3.1 documents these packages ship: the parts a tool usually walks (paths,
 * operations, parameters, bodies, responses, components). Every operation of these specs has an operationId.
 * JSON Schemas are left open (`SchemaObject`), and `x-…` extensions are `unknown`.
 */
export interface OpenAPIDocument {
  openapi: string;
  info: InfoObject;
  jsonSchemaDialect?: string;
  servers?: ServerObject[];
  paths: Record<string, PathItemObject>;
  webhooks?: Record<string, PathItemObject | ReferenceObject>;
  components?: ComponentsObject;
  security?: SecurityRequirementObject[];
  tags?: TagObject[];
  externalDocs?: ExternalDocumentationObject;
  [extension: `x-${string}`]: unknown;
}

export interface InfoObject {
  title: string;
  /** The package version: the build writes it here (semver). */
  version: string;
  summary?: string;
  description?: string;
  termsOfService?: string;
  contact?: { name?: string; url?: string; email?: string };
  license?: { name: string; identifier?: string; url?: string };
  [extension: `x-${string}`]: unknown;
}

export interface ServerObject {
  url: string;
  description?: string;
  variables?: Record<string, { enum?: string[]; default: string; description?: string }>;
}

export interface ReferenceObject {
  $ref: string;
  summary?: string;
  description?: string;
}

export type HttpMethod = "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace";

export type PathItemObject = {
  $ref?: string;
  summary?: string;
  description?: string;
  servers?: ServerObject[];
  parameters?: Array<ParameterObject | ReferenceObject>;
  [extension: `x-${string}`]: unknown;
} & { [method in HttpMethod]?: OperationObject };

export interface OperationObject {
  operationId: string;
  summary?: string;
  description?: string;
  tags?: string[];
  externalDocs?: ExternalDocumentationObject;
  parameters?: Array<ParameterObject | ReferenceObject>;
  requestBody?: RequestBodyObject | ReferenceObject;
  responses: Record<string, ResponseObject | ReferenceObject>;
  callbacks?: Record<string, Record<string, PathItemObject> | ReferenceObject>;
  deprecated?: boolean;
  security?: SecurityRequirementObject[];
  servers?: ServerObject[];
  [extension: `x-${string}`]: unknown;
}

export interface ParameterObject {
  name: string;
  in: "query" | "header" | "path" | "cookie";
  description?: string;
  required?: boolean;
  deprecated?: boolean;
  allowEmptyValue?: boolean;
  style?: string;
  explode?: boolean;
  allowReserved?: boolean;
  schema?: SchemaObject;
  example?: unknown;
  examples?: Record<string, ExampleObject | ReferenceObject>;
  content?: Record<string, MediaTypeObject>;
  [extension: `x-${string}`]: unknown;
}

export interface RequestBodyObject {
  description?: string;
  content: Record<string, MediaTypeObject>;
  required?: boolean;
  [extension: `x-${string}`]: unknown;
}

export interface ResponseObject {
  description: string;
  headers?: Record<string, HeaderObject | ReferenceObject>;
  content?: Record<string, MediaTypeObject>;
  links?: Record<string, unknown>;
  [extension: `x-${string}`]: unknown;
}

export type HeaderObject = Omit<ParameterObject, "name" | "in">;

export interface MediaTypeObject {
  schema?: SchemaObject;
  example?: unknown;
  examples?: Record<string, ExampleObject | ReferenceObject>;
  encoding?: Record<string, unknown>;
  [extension: `x-${string}`]: unknown;
}

export interface ExampleObject {
  summary?: string;
  description?: string;
  value?: unknown;
  externalValue?: string;
  [extension: `x-${string}`]: unknown;
}

/** A JSON Schema 2020-12 object (OpenAPI 3.1 dialect). Only the keywords tools reach for most are typed. */
export interface SchemaObject {
  $ref?: string;
  type?: string | string[];
  description?: string;
  properties?: Record<string, SchemaObject>;
  required?: string[];
  items?: SchemaObject;
  additionalProperties?: SchemaObject | boolean;
  allOf?: SchemaObject[];
  oneOf?: SchemaObject[];
  anyOf?: SchemaObject[];
  enum?: unknown[];
  const?: unknown;
  examples?: unknown[];
  [keyword: string]: unknown;
}

export interface ComponentsObject {
  schemas?: Record<string, SchemaObject>;
  responses?: Record<string, ResponseObject | ReferenceObject>;
  parameters?: Record<string, ParameterObject | ReferenceObject>;
  examples?: Record<string, ExampleObject | ReferenceObject>;
  requestBodies?: Record<string, RequestBodyObject | ReferenceObject>;
  headers?: Record<string, HeaderObject | ReferenceObject>;
  securitySchemes?: Record<string, SecuritySchemeObject | ReferenceObject>;
  links?: Record<string, unknown>;
  callbacks?: Record<string, unknown>;
  pathItems?: Record<string, PathItemObject | ReferenceObject>;
  [extension: `x-${string}`]: unknown;
}

export interface SecuritySchemeObject {
  type: "apiKey" | "http" | "mutualTLS" | "oauth2" | "openIdConnect";
  description?: string;
  name?: string;
  in?: "query" | "header" | "cookie";
  scheme?: string;
  bearerFormat?: string;
  flows?: Record<string, unknown>;
  openIdConnectUrl?: string;
  [extension: `x-${string}`]: unknown;
}

export type SecurityRequirementObject = Record<string, string[]>;

export interface TagObject {
  name: string;
  description?: string;
  externalDocs?: ExternalDocumentationObject;
  [extension: `x-${string}`]: unknown;
}

export interface ExternalDocumentationObject {
  url: string;
  description?: string;
}

/** "bundled": one document, internal $refs kept (dist/openapi.json). "dereferenced": every $ref resolved (dist/openapi.deref.json). */
export type SpecKind = "bundled" | "dereferenced";

/** The files in dist/: openapi.yaml, openapi.json, openapi.deref.json. */
export type SpecFormat = "yaml" | "json" | "deref.json";

/** Reads and parses the spec. Returns a new object on every call, so callers may mutate it. */
export declare function loadSpec(kind?: SpecKind): OpenAPIDocument;

/** The absolute path of `dist/openapi.<format>` in this package. */
export declare function specPath(format: SpecFormat): string;
