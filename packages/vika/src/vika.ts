import {
  type Caller,
  ConfigurationError,
  type PerCallOptions,
  type RuntimeOptions,
  type UploadSource,
  createCaller,
  itemsOf,
  listIn,
  pagesByNumber,
  singleFileForm,
  transportOptionsOf,
  writeInChunks,
} from "@bikavika/runtime";
import type { Writable } from "openapi-typescript-helpers";
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
  host?: string;
  /** Same as `host`. Defaults to `https://vika.cn`. */
  baseUrl?: string;
  /** Whether record `fields` are keyed by field name (default) or field id, for every call that does not say. */
  fieldKey?: FieldKey;
  /** A fetch implementation to use instead of the global one. */
  fetch?: typeof globalThis.fetch;
  /** Extra headers for every request. */
  headers?: Record<string, string>;
}

export type FieldKey = Schemas["FieldKey"];
export type CellValue = Schemas["CellValue"];
/** Record cells as the API returns them: field name (or id) → value; empty cells are absent. */
export type RecordFields = Schemas["RecordFields"];
/** Record cells as the API takes them on create and update (`null` clears a cell). */
export type RecordFieldsWrite = Schemas["RecordFieldsWrite"];
export type Field = Schemas["Field"];
export type FieldType = Field["type"];
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
export type RecordQuery = Omit<ListRecordsQuery, "sort" | "sort[][field]" | "sort[][order]" | "recordIds[]" | "fields[]"> & {
  sort?: SortRule[];
};

export interface WriteOptions {
  /** Append new records to this view (default: the first view). */
  viewId?: string;
  fieldKey?: FieldKey;
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
  /** Bulk-write settings: records per request, requests in flight, and the calls' signal. */
  writes: { chunkSize: number; concurrency: number; signal: AbortSignal | undefined };
  signal: AbortSignal | undefined;
}

const RECORDS = "/fusion/v1/datasheets/{datasheetId}/records";
const LIST_RECORDS = { method: "GET", path: RECORDS };

const MAX_PAGE_SIZE = 1000;

/** A datasheet (维格表): its records, fields, views and attachments. */
export class Datasheet {
  readonly #ctx: Context;

  constructor(
    ctx: Context,
    readonly id: string,
    /** Needed only by `fields.create` / `fields.delete`, whose routes sit under the space. */
    readonly spaceId?: string,
  ) {
    this.#ctx = ctx;
  }

  private get path() {
    return { datasheetId: this.id };
  }

  private toQuery(params: RecordQuery): ListRecordsQuery {
    const { sort, ...rest } = params;
    const query: ListRecordsQuery = { ...rest };
    if (this.#ctx.fieldKey && query.fieldKey === undefined) query.fieldKey = this.#ctx.fieldKey;
    if (sort) query.sort = sort.map((rule) => JSON.stringify(rule));
    return query;
  }

  readonly records = {
    /** One page of records (up to 1000; `pageNum` from 1). */
    query: <Fields extends object = RecordFields>(params: RecordQuery = {}): Promise<RecordPage<Fields>> =>
      this.#ctx.call("get", RECORDS, {
        params: { path: this.path, query: this.toQuery(params) },
      }) as Promise<RecordPage<Fields>>,

    /** Every page of records matching `params`, fetched as you iterate (1000 per page unless `pageSize` says). */
    pages: <Fields extends object = RecordFields>(params: Omit<RecordQuery, "pageNum"> = {}) =>
      pagesByNumber(
        LIST_RECORDS,
        async (pageNum) => {
          const page = await this.records.query<Fields>({ pageSize: MAX_PAGE_SIZE, ...params, pageNum });
          return { ...page, items: listIn<VikaRecord<Fields>>(page, "records", LIST_RECORDS) };
        },
        this.#ctx.signal,
      ),

    /**
     * Every record matching `params`, one at a time. Stops as soon as `total` (or `maxRecords`) records have
     * been yielded: no request past the end; `break` stops fetching.
     */
    queryAll: <Fields extends object = RecordFields>(
      params: Omit<RecordQuery, "pageNum"> = {},
    ): AsyncGenerator<VikaRecord<Fields>> => itemsOf(this.records.pages<Fields>(params)),

    /**
     * Creates any number of records: up to 10 per request (`maxRecordsPerWrite`), sent under the rate limit.
     * Resolves to the created records, read back, in input order. A partial failure throws `BulkWriteError`.
     */
    create: async <Fields extends object = RecordFields>(
      records: NewRecord<Fields>[],
      options: WriteOptions = {},
    ): Promise<{ records: VikaRecord<Fields>[] }> => {
      const created = await writeInChunks({ ...this.#ctx.writes, method: "POST", path: RECORDS, items: records, send: async (chunk) => {
        const result = await this.#ctx.call("post", RECORDS, {
          params: { path: this.path, query: options.viewId ? { viewId: options.viewId } : {} },
          body: { records: chunk as VikaBody<"createRecords">["records"], ...this.fieldKeyOf(options) },
        });
        return listIn<VikaRecord<Fields>>(result, "records", { method: "POST", path: RECORDS });
      } });
      return { records: created };
    },

    /** Sets the given cells of any number of records (`null` clears one); same batching as `create`. */
    update: async <Fields extends object = RecordFields>(
      records: RecordUpdate<Fields>[],
      options: Omit<WriteOptions, "viewId"> = {},
    ): Promise<{ records: VikaRecord<Fields>[] }> => {
      const updated = await writeInChunks({ ...this.#ctx.writes, method: "PATCH", path: RECORDS, items: records, send: async (chunk) => {
        const result = await this.#ctx.call("patch", RECORDS, {
          params: { path: this.path },
          body: { records: chunk as VikaBody<"updateRecords">["records"], ...this.fieldKeyOf(options) },
        });
        return listIn<VikaRecord<Fields>>(result, "records", { method: "PATCH", path: RECORDS });
      } });
      return { records: updated };
    },

    /** Deletes any number of records; same batching as `create`. */
    delete: async (recordIds: string | string[]): Promise<void> => {
      const items = typeof recordIds === "string" ? [recordIds] : recordIds;
      await writeInChunks({ ...this.#ctx.writes, method: "DELETE", path: RECORDS, items, send: async (chunk) => {
        await this.#ctx.call("delete", RECORDS, { params: { path: this.path, query: { recordIds: chunk } } });
        return chunk;
      } });
    },
  };

  private fieldKeyOf(options: { fieldKey?: FieldKey }): { fieldKey?: FieldKey } {
    const fieldKey = options.fieldKey ?? this.#ctx.fieldKey;
    return fieldKey ? { fieldKey } : {};
  }

  readonly fields = {
    /** The fields in the order of `viewId`'s view (hidden ones left out), or of the first view. */
    list: (params: VikaQuery<"listFields"> = {}): Promise<VikaData<"listFields">> =>
      this.#ctx.call("get", "/fusion/v1/datasheets/{datasheetId}/fields", {
        params: { path: this.path, query: params },
      }),
    create: (field: FieldCreateRequest): Promise<VikaData<"createField">> =>
      this.#ctx.call("post", "/fusion/v1/spaces/{spaceId}/datasheets/{datasheetId}/fields", {
        params: { path: { spaceId: this.requireSpace("fields.create"), datasheetId: this.id } },
        body: field as Writable<FieldCreateRequest>,
      }),
    delete: (fieldId: string, options?: VikaBody<"deleteField">): Promise<VikaData<"deleteField">> =>
      this.#ctx.call("delete", "/fusion/v1/spaces/{spaceId}/datasheets/{datasheetId}/fields/{fieldId}", {
        params: { path: { spaceId: this.requireSpace("fields.delete"), datasheetId: this.id, fieldId } },
        ...(options ? { body: options } : {}),
      }),
  };

  readonly views = {
    list: (): Promise<VikaData<"listViews">> =>
      this.#ctx.call("get", "/fusion/v1/datasheets/{datasheetId}/views", { params: { path: this.path } }),
  };

  /** Uploads one file (Blob/File, Buffer, bytes, or a Node/web stream); use the result as an attachment cell value. */
  async upload(file: UploadSource, filename?: string): Promise<Attachment> {
    return this.#ctx.call("post", "/fusion/v1/datasheets/{datasheetId}/attachments", {
      params: { path: this.path },
      // openapi-fetch passes FormData through untouched; the generated type describes the parts, not the FormData.
      body: (await singleFileForm("file", file, filename)) as unknown as VikaBody<"uploadAttachment">,
    });
  }

  /** Upload slots for the presigned-URL flow (1–20 per call). */
  presignedUrls(count = 1): Promise<VikaData<"getPresignedUrls">> {
    return this.#ctx.call("get", "/fusion/v1/datasheets/{datasheetId}/attachments/presignedUrl", {
      params: { path: this.path, query: { count } },
    });
  }

  private requireSpace(method: string): string {
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
  readonly #ctx: Context;

  constructor(
    ctx: Context,
    private readonly spaceId: string,
    private readonly nodeId: string,
  ) {
    this.#ctx = ctx;
  }

  private get path() {
    return { spaceId: this.spaceId, nodeId: this.nodeId };
  }

  create(options: VikaBody<"createEmbedLink"> = {}): Promise<VikaData<"createEmbedLink">> {
    return this.#ctx.call("post", "/fusion/v1/spaces/{spaceId}/nodes/{nodeId}/embedlinks", {
      params: { path: this.path },
      body: options,
    });
  }

  list(): Promise<VikaData<"listEmbedLinks">> {
    return this.#ctx.call("get", "/fusion/v1/spaces/{spaceId}/nodes/{nodeId}/embedlinks", { params: { path: this.path } });
  }

  async delete(linkId: string): Promise<void> {
    await this.#ctx.call("delete", "/fusion/v1/spaces/{spaceId}/nodes/{nodeId}/embedlinks/{linkId}", {
      params: { path: { ...this.path, linkId } },
    });
  }
}

/** A space: its datasheets, nodes, embed links and organisation (members, teams, roles: enterprise). */
export class VikaSpace {
  readonly #ctx: Context;

  constructor(
    ctx: Context,
    readonly id: string,
  ) {
    this.#ctx = ctx;
  }

  private get path() {
    return { spaceId: this.id };
  }

  /** A datasheet of this space; unlike `vika.datasheet(id)` it can also create and delete fields. */
  datasheet(datasheetId: string): Datasheet {
    return new Datasheet(this.#ctx, datasheetId, this.id);
  }

  readonly datasheets = {
    create: (datasheet: VikaBody<"createDatasheet">): Promise<VikaData<"createDatasheet">> =>
      this.#ctx.call("post", "/fusion/v1/spaces/{spaceId}/datasheets", {
        params: { path: this.path },
        body: datasheet as Writable<VikaBody<"createDatasheet">>,
      }),
  };

  /** A node of this space, for its embed links. */
  node(nodeId: string): { embedLinks: EmbedLinks } {
    return { embedLinks: new EmbedLinks(this.#ctx, this.id, nodeId) };
  }

  readonly members = {
    get: (unitId: string, query: VikaQuery<"getMember"> = {}): Promise<VikaData<"getMember">> =>
      this.#ctx.call("get", "/fusion/v1/spaces/{spaceId}/members/{unitId}", {
        params: { path: { ...this.path, unitId }, query },
      }),
    update: (unitId: string, member: VikaBody<"updateMember">): Promise<VikaData<"updateMember">> =>
      this.#ctx.call("put", "/fusion/v1/spaces/{spaceId}/members/{unitId}", {
        params: { path: { ...this.path, unitId } },
        body: member,
      }),
    delete: async (unitId: string): Promise<void> => {
      await this.#ctx.call("delete", "/fusion/v1/spaces/{spaceId}/members/{unitId}", {
        params: { path: { ...this.path, unitId } },
      });
    },
  };

  readonly teams = {
    create: (team: VikaBody<"createTeam">): Promise<VikaData<"createTeam">> =>
      this.#ctx.call("post", "/fusion/v1/spaces/{spaceId}/teams", { params: { path: this.path }, body: team }),
    update: (unitId: string, team: VikaBody<"updateTeam">): Promise<VikaData<"updateTeam">> =>
      this.#ctx.call("put", "/fusion/v1/spaces/{spaceId}/teams/{unitId}", {
        params: { path: { ...this.path, unitId } },
        body: team,
      }),
    /** Only an empty team can be deleted. */
    delete: async (unitId: string): Promise<void> => {
      await this.#ctx.call("delete", "/fusion/v1/spaces/{spaceId}/teams/{unitId}", {
        params: { path: { ...this.path, unitId } },
      });
    },
    members: (unitId: string, query: VikaQuery<"listTeamMembers"> = {}): Promise<VikaData<"listTeamMembers">> =>
      this.#ctx.call("get", "/fusion/v1/spaces/{spaceId}/teams/{unitId}/members", {
        params: { path: { ...this.path, unitId }, query },
      }),
    children: (unitId: string, query: VikaQuery<"listTeamChildren"> = {}): Promise<VikaData<"listTeamChildren">> =>
      this.#ctx.call("get", "/fusion/v1/spaces/{spaceId}/teams/{unitId}/children", {
        params: { path: { ...this.path, unitId }, query },
      }),
  };

  readonly roles = {
    list: (query: VikaQuery<"listRoles"> = {}): Promise<VikaData<"listRoles">> =>
      this.#ctx.call("get", "/fusion/v1/spaces/{spaceId}/roles", { params: { path: this.path, query } }),
    create: (role: VikaBody<"createRole">): Promise<VikaData<"createRole">> =>
      this.#ctx.call("post", "/fusion/v1/spaces/{spaceId}/roles", { params: { path: this.path }, body: role }),
    update: (unitId: string, role: VikaBody<"updateRole">): Promise<VikaData<"updateRole">> =>
      this.#ctx.call("put", "/fusion/v1/spaces/{spaceId}/roles/{unitId}", {
        params: { path: { ...this.path, unitId } },
        body: role,
      }),
    delete: async (unitId: string): Promise<void> => {
      await this.#ctx.call("delete", "/fusion/v1/spaces/{spaceId}/roles/{unitId}", {
        params: { path: { ...this.path, unitId } },
      });
    },
    /** The teams and members that hold a role. */
    units: (unitId: string, query: VikaQuery<"listRoleUnits"> = {}): Promise<VikaData<"listRoleUnits">> =>
      this.#ctx.call("get", "/fusion/v1/spaces/{spaceId}/roles/{unitId}/units", {
        params: { path: { ...this.path, unitId }, query },
      }),
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
  readonly #options: VikaOptions;
  readonly #callDefaults: PerCallOptions;

  constructor(options: VikaOptions);
  /** @internal `withOptions()`: the same client, other call defaults. */
  constructor(options: VikaOptions, shared: { client: VikaClient; callDefaults: PerCallOptions });
  constructor(options: VikaOptions, shared?: { client: VikaClient; callDefaults: PerCallOptions }) {
    if (typeof options !== "object" || options === null) {
      throw new ConfigurationError("new Vika({ token }) needs an options object");
    }
    if (options.fieldKey !== undefined && options.fieldKey !== "name" && options.fieldKey !== "id") {
      throw new ConfigurationError(`fieldKey must be "name" or "id", got ${JSON.stringify(options.fieldKey)}`);
    }
    this.#options = options;
    const baseUrl = options.baseUrl ?? options.host;
    this.client =
      shared?.client ??
      createVikaClient({
        token: options.token,
        ...(baseUrl ? { baseUrl } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(options.headers ? { headers: options.headers } : {}),
        ...transportOptionsOf(options),
      });
    this.#callDefaults = shared?.callDefaults ?? {};
    this.request = createCaller(this.client, [options.token], this.#callDefaults);
    this.#ctx = {
      call: this.request,
      fieldKey: options.fieldKey,
      writes: {
        chunkSize: options.maxRecordsPerWrite ?? 10,
        concurrency: options.writeConcurrency ?? 3,
        signal: this.#callDefaults.signal,
      },
      signal: this.#callDefaults.signal,
    };
  }

  /**
   * The same client with options for every call made through the returned object: an AbortSignal (which also
   * stops iterators and bulk writes), a timeout, retry rules. `vika.withOptions({ signal }).datasheet(id)…`.
   */
  withOptions(callOptions: PerCallOptions): Vika {
    return new Vika(this.#options, { client: this.client, callDefaults: { ...this.#callDefaults, ...callOptions } });
  }

  /** A datasheet by id. For `fields.create/delete`, reach it through `vika.space(spaceId).datasheet(id)`. */
  datasheet(datasheetId: string): Datasheet {
    return new Datasheet(this.#ctx, datasheetId);
  }

  /** A space by id. */
  space(spaceId: string): VikaSpace {
    return new VikaSpace(this.#ctx, spaceId);
  }

  readonly spaces = {
    list: (): Promise<VikaData<"listSpaces">> => this.#ctx.call("get", "/fusion/v1/spaces", {}),
  };

  readonly nodes = {
    /** The root level of a space's file tree. */
    list: ({ spaceId }: { spaceId: string }): Promise<VikaData<"listNodes">> =>
      this.#ctx.call("get", "/fusion/v1/spaces/{spaceId}/nodes", { params: { path: { spaceId } } }),
    /** A node with its children (folders). `spaceId` is accepted for the official SDK's signature; unused. */
    get: ({ nodeId }: { nodeId: string; spaceId?: string }): Promise<VikaData<"getNode">> =>
      this.#ctx.call("get", "/fusion/v1/nodes/{nodeId}", { params: { path: { nodeId } } }),
    /** Nodes of one type anywhere in the space, filtered by permission and name (v2). */
    search: ({ spaceId, ...query }: { spaceId: string } & VikaQuery<"searchNodes">): Promise<VikaData<"searchNodes">> =>
      this.#ctx.call("get", "/fusion/v2/spaces/{spaceId}/nodes", {
        params: { path: { spaceId }, query },
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
            this.#ctx.call(
              "post",
              "/fusion/v1/ai/{aiId}/chat/completions",
              { params: { path: { aiId } }, body: request },
              { enveloped: false },
            ) as Promise<ChatCompletion>,
        },
      },
    };
  }
}
