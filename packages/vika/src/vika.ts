import {
  type CallOptions,
  type ChunkedWriteOptions,
  type Caller,
  ConfigurationError,
  type InitOf,
  type OperationData,
  type OperationOf,
  type PerCallOptions,
  RESPONSE_SINK,
  type RuntimeOptions,
  type UndefinedWhereOptional,
  type UploadSource,
  type WithResponse,
  createCaller,
  secretsOf,
  itemsOf,
  listIn,
  pagesByNumber,
  singleFileForm,
  withResponse,
  writeInChunks,
} from "@bikavika/runtime";
import { operationsWithoutData } from "./generated/operations.js";
import type { FetchOptions } from "openapi-fetch";
import type { HttpMethod, PathsWithMethod, RequiredKeysOf, Writable } from "openapi-typescript-helpers";
import {
  type VikaBody,
  type VikaClient,
  type VikaData,
  type VikaQuery,
  type components,
  createVikaClient,
  type paths,
} from "./client.js";

type Schemas = components["schemas"];

/*
 * openapi-fetch types request bodies through `Writable<>`, which drops every property whose type is `null` alone
 * (it mistakes `never` for a read-only marker), e.g. `property: null` on Text fields. The bodies below are
 * checked against the spec's own types at the method signature, then asserted to the writable form.
 */

export interface VikaOptions extends RuntimeOptions {
  /** API token from your Vika user settings (`usk…`). */
  token: string;
  /** The official SDK's option: `https://api.vika.cn/fusion/v1`, `https://aitable.ai`… (`/fusion…` is dropped). */
  host?: string | undefined;
  /** Same as `host`. Defaults to `https://vika.cn`. */
  baseUrl?: string | undefined;
  /** Whether record `fields` are keyed by field name (default) or field id, for every call that does not say. */
  fieldKey?: FieldKey | undefined;
  /** A fetch implementation to use instead of the global one. */
  fetch?: typeof globalThis.fetch | undefined;
  /** Extra headers for every request. */
  headers?: Record<string, string> | undefined;
}

export type FieldKey = Schemas["FieldKey"];
export type CellValue = Schemas["CellValue"];
/** Record cells as the API returns them: field name (or id) → value; empty cells are absent. */
export type RecordFields = Schemas["RecordFields"];
/** Record cells as the API takes them on create and update (`null` clears a cell). */
export type RecordFieldsWrite = Schemas["RecordFieldsWrite"];
export type Field = Schemas["Field"];
export type FieldType = Field["type"];

/**
 * The cell value of each field type, as records return it: what `bikavika-vika-typegen` builds field maps from.
 * Button cells never come back from the Fusion API (`never`: always absent); NotSupport cells hold any JSON.
 */
export interface CellValueByType {
  SingleText: Schemas["SingleTextCellValue"];
  Text: Schemas["TextCellValue"];
  SingleSelect: Schemas["SingleSelectCellValue"];
  MultiSelect: Schemas["MultiSelectCellValue"];
  Number: Schemas["NumberCellValue"];
  Currency: Schemas["CurrencyCellValue"];
  Percent: Schemas["PercentCellValue"];
  DateTime: Schemas["DateTimeCellValue"];
  Attachment: Schemas["AttachmentCellValue"];
  Member: Schemas["MemberCellValue"];
  Checkbox: Schemas["CheckboxCellValue"];
  Rating: Schemas["RatingCellValue"];
  URL: Schemas["UrlCellValue"];
  Phone: Schemas["PhoneCellValue"];
  Email: Schemas["EmailCellValue"];
  WorkDoc: Schemas["WorkDocCellValue"];
  OneWayLink: Schemas["LinkCellValue"];
  TwoWayLink: Schemas["LinkCellValue"];
  MagicLink: Schemas["LinkCellValue"];
  MagicLookUp: Schemas["LookUpCellValue"];
  Formula: Schemas["FormulaCellValue"];
  AutoNumber: Schemas["AutoNumberCellValue"];
  CreatedTime: Schemas["CreatedTimeCellValue"];
  LastModifiedTime: Schemas["LastModifiedTimeCellValue"];
  CreatedBy: Schemas["UserRef"];
  LastModifiedBy: Schemas["UserRef"];
  Button: never;
  Cascader: Schemas["CascaderCellValue"];
  NotSupport: unknown;
}

export type FieldCreateRequest = Schemas["FieldCreateRequest"];
export type View = Schemas["View"];
export type Attachment = VikaData<"uploadAttachment">;
export type SortRule = Schemas["SortObject"];
export type Space = Schemas["Space"];
export type Node = Schemas["Node"];
export type NodeDetail = Schemas["NodeDetail"];
export type NodeType = Schemas["NodeType"];
export type EmbedLink = Schemas["EmbedLink"];
export type Member = Schemas["Member"];
export type Team = Schemas["Team"];
export type Role = Schemas["Role"];
export type ChatCompletionRequest = Schemas["ChatCompletionRequest"];
export type ChatCompletion = Schemas["ChatCompletion"];

/** A record whose `fields` have the caller's shape (`records.query<MyFields>()`), or the cell-value union. */
export type VikaRecord<Fields extends object = RecordFields> = Omit<Schemas["Record"], "fields"> & { fields: Fields };

/** One page of `records.query()`: `pageSize` is the number of records returned, not the size asked for. */
export type RecordPage<Fields extends object = RecordFields> = Omit<VikaData<"listRecords">, "records"> & {
  records: VikaRecord<Fields>[];
};

type ListRecordsQuery = VikaQuery<"listRecords">;

/**
 * `records.query()` parameters, as the official SDK takes them: arrays for `recordIds` and `fields`, and
 * `sort` as `{ field, order }` objects (sent in the JSON form the server parses).
 */
export type RecordQuery = Omit<
  ListRecordsQuery,
  "sort" | "sort[][field]" | "sort[][order]" | "recordIds[]" | "fields[]" | "isV3"
> & {
  sort?: SortRule[] | undefined;
};

export interface WriteOptions {
  /** Append new records to this view (default: the first view). */
  viewId?: string | undefined;
  fieldKey?: FieldKey | undefined;
}

/** Records to write, typed by the caller's field map, or by the API's write shapes. */
export interface NewRecord<Fields extends object = RecordFieldsWrite> {
  fields: Partial<Fields> | RecordFieldsWrite;
}
export interface RecordUpdate<Fields extends object = RecordFieldsWrite> extends NewRecord<Fields> {
  recordId: string;
}

/** Thrown before any request when a call needs ids it was not given (e.g. a space id for `fields.create`). */
export class MissingContextError extends ConfigurationError {
  override name = "MissingContextError";
}

interface Context {
  call: Caller<paths>;
  fieldKey: FieldKey | undefined;
  /** Bulk-write settings: records per request, requests in flight, and the calls' signal (which also stops iterators). */
  writes: Pick<ChunkedWriteOptions<unknown, unknown>, "chunkSize" | "concurrency" | "requestsPerSecond" | "signal">;
  /** Pages the iterators request ahead. */
  readAhead: number | undefined;
}

type Operation<Method extends HttpMethod, Path extends PathsWithMethod<paths, Method>> = OperationOf<paths, Path, Method>;

type PathParams<Op> = Op extends { parameters: { path: infer Params extends object } } ? Params : {};

/** openapi-fetch's request options for an operation, with `query` lifted out of `params`. */
type LiftedRequest<Op> = Omit<FetchOptions<Op>, "params"> &
  (Op extends { parameters: infer Params extends { query?: unknown } } ? Pick<Params, "query"> : {});

/**
 * What a call takes besides its path parameters. Optional query values and body members may be `undefined`:
 * openapi-fetch leaves them out of the URL, JSON out of the body.
 */
type RequestOf<Op> = UndefinedWhereOptional<{
  [Key in keyof LiftedRequest<Op>]: Key extends "query" | "body" ? UndefinedWhereOptional<LiftedRequest<Op>[Key]> : LiftedRequest<Op>[Key];
}>;

/** The request may be left out when nothing in it is required. */
type RequestArgs<Op> = RequiredKeysOf<RequestOf<Op>> extends never
  ? [request?: RequestOf<Op>, options?: CallOptions]
  : [request: RequestOf<Op>, options?: CallOptions];

/**
 * `call` for the operations under one object (a datasheet, a space…): `own` fills the path parameters they
 * share, so each call names only its other path parameters, then its query and body.
 */
function scopedCaller<Own extends object>(call: Caller<paths>, own: Own) {
  return <Method extends HttpMethod, Path extends PathsWithMethod<paths, Method>>(
    method: Method,
    path: Path,
    pathParams: Omit<PathParams<Operation<Method, Path>>, keyof Own>,
    ...[request, options]: RequestArgs<Operation<Method, Path>>
  ): Promise<OperationData<Operation<Method, Path>>> => {
    const { query, ...init } = (request ?? {}) as { query?: unknown };
    // The signature has checked each part against the operation; TypeScript cannot follow their reassembly.
    const fullInit = { ...init, params: { path: { ...own, ...pathParams }, query } } as InitOf<Operation<Method, Path>>;
    return call(method, path, fullInit, options);
  };
}

const V1 = "/fusion/v1";
const SPACE = `${V1}/spaces/{spaceId}`;
const DATASHEET = `${V1}/datasheets/{datasheetId}`;
const RECORDS = `${DATASHEET}/records`;
/** The DataBus (v3) records routes, which the official SDKs reach with `isV3`. */
const RECORDS_V3 = "/fusion/v3/datasheets/{datasheetId}/records";
const MEMBER = `${SPACE}/members/{unitId}`;
const TEAM = `${SPACE}/teams/{unitId}`;
const ROLES = `${SPACE}/roles`;
const ROLE = `${ROLES}/{unitId}`;
/** `fields.create` and `fields.delete` sit under the space. */
const SPACE_FIELDS = `${SPACE}/datasheets/{datasheetId}/fields`;
const EMBED_LINKS = `${SPACE}/nodes/{nodeId}/embedlinks`;

const MAX_PAGE_SIZE = 1000;
/**
 * Record ids per by-id read. The server takes any number, but each id costs ~25 characters of URL (repeated
 * `recordIds=` keys), and 200 keep a request near 5 kB, under common proxy limits on the request line.
 */
const IDS_PER_READ = 200;

export interface DatasheetOptions {
  /**
   * Reach the records through the DataBus (v3) routes, `/fusion/v3/datasheets/{id}/records`, as the official SDKs
   * do with `isV3`. Fields, views and attachments stay on v1. The v3 server is not open source: see the spec's
   * *Records (v3)* operations for what is verified.
   */
  v3?: boolean | undefined;
}

/**
 * A v3 read as a page. The DataBus client generated from the v3 spec types `data` as a bare list of records, the
 * SDKs as the v1 page: a list becomes a page whose `total` says whether another page may follow (a full page may).
 */
function v3Page(data: unknown, query: { pageNum?: number | undefined; pageSize?: number | undefined; maxRecords?: number | undefined }) {
  if (!Array.isArray(data)) return data;
  const pageNum = query.pageNum ?? 1;
  const pageSize = query.pageSize ?? 100;
  const before = (pageNum - 1) * pageSize;
  // More records than asked for: the server did not page, so this is everything.
  const more = data.length === pageSize ? 1 : 0;
  const total = data.length > pageSize ? data.length : before + data.length + more;
  return { total: query.maxRecords === undefined ? total : Math.min(total, query.maxRecords), records: data, pageNum, pageSize: data.length };
}

/** A datasheet (维格表): its records, fields, views and attachments. */
export class Datasheet {
  readonly #ctx: Context;
  readonly #call;
  readonly #v3: boolean;

  constructor(
    ctx: Context,
    readonly id: string,
    /** Needed only by `fields.create` / `fields.delete`, whose routes sit under the space. */
    readonly spaceId?: string,
    options: DatasheetOptions = {},
  ) {
    this.#ctx = ctx;
    this.#call = scopedCaller(ctx.call, { datasheetId: id });
    this.#v3 = options.v3 === true;
  }

  /** One page of records; `options` carries a page iterator's signal. */
  #query<Fields extends object>(params: RecordQuery, options?: CallOptions): Promise<RecordPage<Fields>> {
    const { sort, ...rest } = params;
    const query: UndefinedWhereOptional<ListRecordsQuery> = rest;
    if (query.fieldKey === undefined) query.fieldKey = this.#ctx.fieldKey;
    if (sort) query.sort = sort.map((rule) => JSON.stringify(rule));
    if (!this.#v3) return this.#call("get", RECORDS, {}, { query }, options) as Promise<RecordPage<Fields>>;
    return this.#call("get", RECORDS_V3, {}, { query }, options).then((data) => v3Page(data, query)) as Promise<RecordPage<Fields>>;
  }

  /** The records route this datasheet uses (v1, or v3 with `{ v3: true }`), for errors about its answers. */
  get #records(): typeof RECORDS | typeof RECORDS_V3 {
    return this.#v3 ? RECORDS_V3 : RECORDS;
  }

  readonly records = {
    /** One page of records (up to 1000; `pageNum` from 1). */
    query: <Fields extends object = RecordFields>(params: RecordQuery = {}): Promise<RecordPage<Fields>> => this.#query<Fields>(params),

    /** Every page of records matching `params`, fetched as you iterate (1000 per page unless `pageSize` says). */
    pages: <Fields extends object = RecordFields>(params?: Omit<RecordQuery, "pageNum">) => {
      const where = { method: "GET", path: this.#records };
      // A v3 server that ignores pageNum would hand back the same full page for ever: a page that starts with a
      // record already seen ends the list.
      const firsts = new Set<string>();
      const pageSize = params?.pageSize ?? MAX_PAGE_SIZE;
      return pagesByNumber(
        where,
        async (pageNum, signal) => {
          const page = await this.#query<Fields>({ ...params, pageSize, pageNum }, { signal });
          const items = listIn<VikaRecord<Fields>>(page, "records", where);
          const first = items[0]?.recordId;
          if (this.#v3 && first !== undefined && firsts.has(first)) return { ...page, items: [] };
          if (first !== undefined) firsts.add(first);
          return { ...page, items };
        },
        this.#ctx.writes.signal,
        { pageSize, readAhead: this.#ctx.readAhead, requestsPerSecond: this.#ctx.writes.requestsPerSecond },
      );
    },

    /**
     * Every record matching `params`, one at a time. Stops as soon as `total` (or `maxRecords`) records have
     * been yielded: no request past the end; `break` stops fetching.
     */
    queryAll: <Fields extends object = RecordFields>(
      params?: Omit<RecordQuery, "pageNum">,
    ): AsyncGenerator<VikaRecord<Fields>> => itemsOf(this.records.pages<Fields>(params)),

    /**
     * The records with these ids, every one that exists, in the order asked (the official SDK's `records.get`).
     * The server pages a `recordIds` query like any other (100 per page unless `pageSize` says), so a single
     * request would return only the first page: ids go 200 per request, and every page of each is read.
     */
    get: async <Fields extends object = RecordFields>(
      recordIds: string | string[],
      params: Omit<RecordQuery, "recordIds" | "pageNum" | "pageSize" | "maxRecords"> = {},
    ): Promise<{ records: VikaRecord<Fields>[] }> => {
      const ids = typeof recordIds === "string" ? [recordIds] : recordIds;
      const records: VikaRecord<Fields>[] = [];
      for (let start = 0; start < ids.length; start += IDS_PER_READ) {
        const chunk = ids.slice(start, start + IDS_PER_READ);
        for await (const record of this.records.queryAll<Fields>({ ...params, recordIds: chunk })) records.push(record);
      }
      return { records };
    },

    /**
     * Creates any number of records: up to 10 per request (`maxRecordsPerWrite`), sent under the rate limit.
     * Resolves to the created records, read back, in input order. A partial failure throws `BulkWriteError`.
     */
    create: <Fields extends object = RecordFields>(
      records: NewRecord<Fields>[],
      options: WriteOptions = {},
    ): Promise<{ records: VikaRecord<Fields>[] }> =>
      this.#writeRecords<Fields, NewRecord<Fields>>("POST", records, (chunk) => {
        const request = {
          // An undefined query parameter is left out of the URL.
          query: { viewId: options.viewId },
          body: { records: chunk as VikaBody<"createRecords">["records"], fieldKey: this.#fieldKeyOf(options) },
        };
        return this.#v3 ? this.#call("post", RECORDS_V3, {}, request) : this.#call("post", RECORDS, {}, request);
      }),

    /** Sets the given cells of any number of records (`null` clears one); same batching as `create`. */
    update: <Fields extends object = RecordFields>(
      records: RecordUpdate<Fields>[],
      options: Omit<WriteOptions, "viewId"> = {},
    ): Promise<{ records: VikaRecord<Fields>[] }> =>
      this.#writeRecords<Fields, RecordUpdate<Fields>>("PATCH", records, (chunk) => {
        const request = {
          body: { records: chunk as VikaBody<"updateRecords">["records"], fieldKey: this.#fieldKeyOf(options) },
        };
        return this.#v3 ? this.#call("patch", RECORDS_V3, {}, request) : this.#call("patch", RECORDS, {}, request);
      }),

    /** Deletes any number of records; same batching as `create`. */
    delete: async (recordIds: string | string[]): Promise<void> => {
      const items = typeof recordIds === "string" ? [recordIds] : recordIds;
      await writeInChunks({ ...this.#ctx.writes, method: "DELETE", path: this.#records, items, send: async (chunk) => {
        const request = { query: { recordIds: chunk } };
        await (this.#v3 ? this.#call("delete", RECORDS_V3, {}, request) : this.#call("delete", RECORDS, {}, request));
        return chunk;
      } });
    },

    /** The ids of the datasheet's deleted records, from its time machine (v1, open source, not in the reference). */
    deletedIds: (): Promise<VikaData<"listDeletedRecordIds">> => this.#call("get", `${V1}/timemachine/{datasheetId}`, {}),
  };

  /** `create` and `update`: `send` writes one chunk; resolves to the records the server read back, in input order. */
  async #writeRecords<Fields extends object, Item>(
    method: "POST" | "PATCH",
    items: Item[],
    send: (chunk: Item[]) => Promise<unknown>,
  ): Promise<{ records: VikaRecord<Fields>[] }> {
    const where = { method, path: this.#records };
    const records = await writeInChunks({
      ...this.#ctx.writes,
      ...where,
      items,
      send: async (chunk) => listIn<VikaRecord<Fields>>(await send(chunk), "records", where),
    });
    return { records };
  }

  /** The call's `fieldKey`, else the client's; `undefined` leaves it out of the body. */
  #fieldKeyOf(options: { fieldKey?: FieldKey | undefined }): FieldKey | undefined {
    return (options.fieldKey ?? this.#ctx.fieldKey) || undefined;
  }

  readonly fields = {
    /** The fields in the order of `viewId`'s view (hidden ones left out), or of the first view. */
    list: (params?: VikaQuery<"listFields">): Promise<VikaData<"listFields">> =>
      this.#call("get", `${DATASHEET}/fields`, {}, { query: params }),
    create: (field: FieldCreateRequest): Promise<VikaData<"createField">> =>
      this.#call("post", SPACE_FIELDS, { spaceId: this.#requireSpace("fields.create") }, {
        body: field as Writable<FieldCreateRequest>,
      }),
    delete: (fieldId: string, options?: VikaBody<"deleteField">): Promise<VikaData<"deleteField">> =>
      this.#call(
        "delete",
        `${SPACE_FIELDS}/{fieldId}`,
        { spaceId: this.#requireSpace("fields.delete"), fieldId },
        // Without options, no body is sent.
        { body: options },
      ),
  };

  readonly views = {
    list: (): Promise<VikaData<"listViews">> => this.#call("get", `${DATASHEET}/views`, {}),
  };

  /** Uploads one file (Blob/File, Buffer, bytes, or a Node/web stream); use the result as an attachment cell value. */
  async upload(file: UploadSource, filename?: string): Promise<Attachment> {
    return this.#call("post", `${DATASHEET}/attachments`, {}, {
      // openapi-fetch passes FormData through untouched; the generated type describes the parts, not the FormData.
      body: (await singleFileForm("file", file, filename)) as unknown as VikaBody<"uploadAttachment">,
    });
  }

  /** Upload slots for the presigned-URL flow (1–20 per call). */
  presignedUrls(count = 1): Promise<VikaData<"getPresignedUrls">> {
    return this.#call("get", `${DATASHEET}/attachments/presignedUrl`, {}, { query: { count } });
  }

  #requireSpace(method: string): string {
    if (!this.spaceId) {
      throw new MissingContextError(
        `${method}() needs the datasheet's space: use vika.space(spaceId).datasheet(${JSON.stringify(this.id)})`,
      );
    }
    return this.spaceId;
  }
}

/** A node's embed links (enterprise). */
class EmbedLinks {
  readonly #call;

  constructor(ctx: Context, spaceId: string, nodeId: string) {
    this.#call = scopedCaller(ctx.call, { spaceId, nodeId });
  }

  create(options: VikaBody<"createEmbedLink"> = {}): Promise<VikaData<"createEmbedLink">> {
    return this.#call("post", EMBED_LINKS, {}, { body: options });
  }

  list(): Promise<VikaData<"listEmbedLinks">> {
    return this.#call("get", EMBED_LINKS, {});
  }

  async delete(linkId: string): Promise<void> {
    await this.#call("delete", `${EMBED_LINKS}/{linkId}`, { linkId });
  }
}

/** A space: its datasheets, nodes, embed links and organisation (members, teams, roles: enterprise). */
export class VikaSpace {
  readonly #ctx: Context;
  readonly #call;

  constructor(
    ctx: Context,
    readonly id: string,
  ) {
    this.#ctx = ctx;
    this.#call = scopedCaller(ctx.call, { spaceId: id });
  }

  /** A datasheet of this space; unlike `vika.datasheet(id)` it can also create and delete fields. */
  datasheet(datasheetId: string, options?: DatasheetOptions): Datasheet {
    return new Datasheet(this.#ctx, datasheetId, this.id, options);
  }

  readonly datasheets = {
    create: (datasheet: VikaBody<"createDatasheet">): Promise<VikaData<"createDatasheet">> =>
      this.#call("post", `${SPACE}/datasheets`, {}, { body: datasheet as Writable<VikaBody<"createDatasheet">> }),
  };

  /** A node of this space, for its embed links. */
  node(nodeId: string): { embedLinks: EmbedLinks } {
    return { embedLinks: new EmbedLinks(this.#ctx, this.id, nodeId) };
  }

  readonly members = {
    get: (unitId: string, query?: VikaQuery<"getMember">): Promise<VikaData<"getMember">> =>
      this.#call("get", MEMBER, { unitId }, { query }),
    update: (unitId: string, member: VikaBody<"updateMember">): Promise<VikaData<"updateMember">> =>
      this.#call("put", MEMBER, { unitId }, { body: member }),
    delete: async (unitId: string): Promise<void> => {
      await this.#call("delete", MEMBER, { unitId });
    },
  };

  readonly teams = {
    create: (team: VikaBody<"createTeam">): Promise<VikaData<"createTeam">> =>
      this.#call("post", `${SPACE}/teams`, {}, { body: team }),
    update: (unitId: string, team: VikaBody<"updateTeam">): Promise<VikaData<"updateTeam">> =>
      this.#call("put", TEAM, { unitId }, { body: team }),
    /** Only an empty team can be deleted. */
    delete: async (unitId: string): Promise<void> => {
      await this.#call("delete", TEAM, { unitId });
    },
    members: (unitId: string, query?: VikaQuery<"listTeamMembers">): Promise<VikaData<"listTeamMembers">> =>
      this.#call("get", `${TEAM}/members`, { unitId }, { query }),
    children: (unitId: string, query?: VikaQuery<"listTeamChildren">): Promise<VikaData<"listTeamChildren">> =>
      this.#call("get", `${TEAM}/children`, { unitId }, { query }),
  };

  readonly roles = {
    list: (query?: VikaQuery<"listRoles">): Promise<VikaData<"listRoles">> =>
      this.#call("get", ROLES, {}, { query }),
    create: (role: VikaBody<"createRole">): Promise<VikaData<"createRole">> =>
      this.#call("post", ROLES, {}, { body: role }),
    update: (unitId: string, role: VikaBody<"updateRole">): Promise<VikaData<"updateRole">> =>
      this.#call("put", ROLE, { unitId }, { body: role }),
    delete: async (unitId: string): Promise<void> => {
      await this.#call("delete", ROLE, { unitId });
    },
    /** The teams and members that hold a role. */
    units: (unitId: string, query?: VikaQuery<"listRoleUnits">): Promise<VikaData<"listRoleUnits">> =>
      this.#call("get", `${ROLE}/units`, { unitId }, { query }),
  };
}

/**
 * The Vika / AITable / APITable Fusion API in the official `@vikadata/vika` SDK's object model. Every method
 * resolves to the envelope's `data` and throws an `ApiError` subclass on failure, where the official SDK
 * returns `{ success: false }` objects.
 *
 * @example
 * const vika = new Vika({ token: process.env.VIKA_TOKEN! });
 * const { records } = await vika.datasheet("dst…").records.query({ viewId: "viw…" });
 */
export class Vika {
  /** The low-level typed client (openapi-fetch): `{ data, error, response }`, nothing thrown for API errors. */
  readonly client: VikaClient;
  /** Any operation of the spec by method and path, with the same unwrapping and errors as the object model. */
  readonly request: Caller<paths>;
  readonly #ctx: Context;
  readonly #call;
  readonly #options: VikaOptions;
  readonly #callDefaults: PerCallOptions;

  constructor(options: VikaOptions);
  /** @internal `withOptions()`: the same client, other call defaults. */
  constructor(options: VikaOptions, shared: { client: VikaClient; callDefaults: PerCallOptions });
  constructor(options: VikaOptions, shared?: { client: VikaClient; callDefaults: PerCallOptions }) {
    if (typeof options !== "object" || options === null) {
      throw new ConfigurationError("new Vika({ token }) needs an options object");
    }
    if (![undefined, "name", "id"].includes(options.fieldKey)) {
      throw new ConfigurationError(`fieldKey must be "name" or "id", got ${JSON.stringify(options.fieldKey)}`);
    }
    this.#options = options;
    this.client =
      shared?.client ??
      // The client takes the options it knows (token, fetch, headers, retry, rateLimit, timeoutMs) and ignores the
      // rest. An empty base URL means the default, as an absent one does.
      createVikaClient({ ...options, baseUrl: (options.baseUrl ?? options.host) || undefined });
    this.#callDefaults = shared?.callDefaults ?? {};
    this.request = createCaller(this.client, secretsOf(options), this.#callDefaults, operationsWithoutData);
    this.#ctx = {
      call: this.request,
      fieldKey: options.fieldKey,
      // Unset sizes take writeInChunks' defaults (10 records per request, as many in flight as the rate calls for).
      writes: {
        chunkSize: options.maxRecordsPerWrite,
        concurrency: options.writeConcurrency,
        // The adaptive number of writes in flight follows the rate the limiter keeps.
        requestsPerSecond: options.rateLimit === false ? false : options.rateLimit?.requestsPerSecond,
        signal: this.#callDefaults.signal,
      },
      readAhead: options.readAhead,
    };
    this.#call = scopedCaller(this.request, {});
  }

  /**
   * The same client with options for every call made through the returned object: an AbortSignal (which also
   * stops iterators and bulk writes), a timeout, retry rules. `vika.withOptions({ signal }).datasheet(id)…`.
   */
  withOptions(callOptions: PerCallOptions): Vika {
    return new Vika(this.#options, { client: this.client, callDefaults: { ...this.#callDefaults, ...callOptions } });
  }

  /**
   * Runs `call` with this client and resolves to its data with the HTTP response and the request id:
   * `const { data, response, requestId } = await vika.withResponse((v) => v.datasheet(id).records.query())`.
   * Only calls made through the client `call` is given are seen; for work that makes several requests, the
   * response is the last to answer. See RUNTIME.md, "Raw responses".
   */
  withResponse<Data>(call: (client: Vika) => Promise<Data>): Promise<WithResponse<Data>> {
    return withResponse((sink) => call(this.withOptions({ [RESPONSE_SINK]: sink })));
  }

  /**
   * A datasheet by id. For `fields.create/delete`, reach it through `vika.space(spaceId).datasheet(id)`.
   * `{ v3: true }` reads and writes its records through the DataBus (v3) routes, as the official SDKs' `isV3`.
   */
  datasheet(datasheetId: string, options?: DatasheetOptions): Datasheet {
    return new Datasheet(this.#ctx, datasheetId, undefined, options);
  }

  /** A space by id. */
  space(spaceId: string): VikaSpace {
    return new VikaSpace(this.#ctx, spaceId);
  }

  readonly spaces = {
    list: (): Promise<VikaData<"listSpaces">> => this.#call("get", `${V1}/spaces`, {}),
  };

  readonly nodes = {
    /** The root level of a space's file tree. */
    list: ({ spaceId }: { spaceId: string }): Promise<VikaData<"listNodes">> =>
      this.#call("get", `${SPACE}/nodes`, { spaceId }),
    /** A node with its children (folders). `spaceId` is accepted for the official SDK's signature; unused. */
    get: ({ nodeId }: { nodeId: string; spaceId?: string }): Promise<VikaData<"getNode">> =>
      this.#call("get", `${V1}/nodes/{nodeId}`, { nodeId }),
    /** Nodes of one type anywhere in the space, filtered by permission and name (v2). */
    search: ({ spaceId, ...query }: { spaceId: string } & VikaQuery<"searchNodes">): Promise<VikaData<"searchNodes">> =>
      this.#call("get", "/fusion/v2/spaces/{spaceId}/nodes", { spaceId }, {
        query,
        // `permissions=0,1`: the comma form, which the server and the spec (explode: false) both take.
        querySerializer: { array: { style: "form", explode: false } },
      }),
  };

  /** An AI agent (enterprise, allow-listed). Its responses are OpenAI-style, not enveloped. */
  ai(aiId: string) {
    return {
      chat: {
        completions: {
          create: (request: Omit<ChatCompletionRequest, "stream">): Promise<ChatCompletion> =>
            this.#call(
              "post",
              `${V1}/ai/{aiId}/chat/completions`,
              { aiId },
              { body: request },
              { enveloped: false },
            ) as Promise<ChatCompletion>,
        },
      },
    };
  }
}
