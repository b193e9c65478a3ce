import {
  type Caller,
  ConfigurationError,
  type PerCallOptions,
  type RuntimeOptions,
  type UploadSource,
  createCaller,
  itemsOf,
  listIn,
  listOf,
  pagesByCursor,
  pagesByNumber,
  singleFileForm,
  transportOptionsOf,
  writeInChunks,
} from "@bikavika/runtime";
import {
  BIKA_BASE_URL,
  type BikaBody,
  type BikaClient,
  type BikaData,
  type BikaQuery,
  createBikaClient,
  type paths,
} from "./client.js";

export interface BikaOptions extends RuntimeOptions {
  /** API token from your Bika user settings (`bkt…`). */
  token: string;
  /** Defaults to `https://bika.ai/api/openapi/bika`. The official SDK's spelling. */
  baseURL?: string;
  /** Same as `baseURL`. */
  baseUrl?: string;
  /** A fetch implementation to use instead of the global one. */
  fetch?: typeof globalThis.fetch;
  /** Extra headers for every request. */
  headers?: Record<string, string>;
}

export type SystemMeta = BikaData<"getSystemMeta">;
export type UserProfile = BikaData<"getUserProfile">;
export type Space = BikaData<"getSpace">;
export type Node = BikaData<"listNodes">[number];
export type NodeDetail = BikaData<"getNode">;
export type Database = BikaData<"getDatabase">;
export type Field = BikaData<"listFields">[number];
export type View = BikaData<"listViews">[number];
export type RecordPage = BikaData<"listRecords">;
export type RecordListQuery = BikaQuery<"listRecords">;
export type CreateRecordInput = BikaBody<"createRecord">;
export type UpdateRecordInput = BikaBody<"updateRecord">;
export type Trigger = BikaData<"listAutomationTriggers">[number];
export type OutgoingWebhook = BikaData<"registerOutgoingWebhook">;
export type RegisterOutgoingWebhookInput = BikaBody<"registerOutgoingWebhook">;
export type EmbedLink = BikaData<"createEmbedLink">;
export type CreateEmbedLinkInput = BikaBody<"createEmbedLink">;
export type Attachment = BikaData<"uploadAttachment">[number];
export type RecordPageV2 = BikaData<"listRecordsV2">;
export type RecordListQueryV2 = BikaQuery<"listRecordsV2">;
export type CreateRecordsInputV2 = BikaBody<"createRecordsV2">;
export type UpdateRecordsInputV2 = BikaBody<"updateRecordsV2">;
export type UpdateRecordInputV2 = BikaBody<"updateRecordV2">;
export type RecordV1 = RecordPage["records"][number];
export type RecordV2 = RecordPageV2["records"][number];

/** Thrown by `node.asDatabase()` / `node.asAutomation()` when the node is another kind of resource. */
export class ResourceTypeError extends ConfigurationError {
  override name = "ResourceTypeError";
}

/** Everything an object below `Bika` needs: the typed caller. */
interface Context {
  call: Caller<paths>;
  /** Bulk-write settings: records per request, requests in flight, and the calls' signal. */
  writes: { chunkSize: number; concurrency: number; signal: AbortSignal | undefined };
  signal: AbortSignal | undefined;
}

const V1_RECORDS = "/v1/spaces/{spaceId}/resources/databases/{nodeId}/records";
const V2_RECORDS = "/v2/spaces/{spaceId}/resources/databases/{nodeId}/records";

/** An automation node. */
export class AutomationAO {
  readonly #ctx: Context;

  constructor(
    ctx: Context,
    readonly spaceId: string,
    readonly id: string,
  ) {
    this.#ctx = ctx;
  }

  readonly triggers = {
    list: (): Promise<Trigger[]> =>
      this.#ctx.call("get", "/v1/spaces/{spaceId}/resources/automation/{nodeId}/triggers", {
        params: { path: { spaceId: this.spaceId, nodeId: this.id } },
      }),
  };
}

/** A database node (node id = database id). `records` are the v1 one-record-per-call operations. */
export class DatabaseAO {
  readonly #ctx: Context;

  constructor(
    ctx: Context,
    readonly spaceId: string,
    readonly id: string,
  ) {
    this.#ctx = ctx;
  }

  private get path() {
    return { spaceId: this.spaceId, nodeId: this.id };
  }

  /** The database's own metadata. */
  get(): Promise<Database> {
    return this.#ctx.call("get", "/v1/spaces/{spaceId}/resources/databases/{nodeId}", {
      params: { path: this.path },
    });
  }

  readonly fields = {
    list: (): Promise<Field[]> =>
      this.#ctx.call("get", "/v1/spaces/{spaceId}/resources/databases/{nodeId}/fields", {
        params: { path: this.path },
      }),
  };

  readonly views = {
    list: (): Promise<View[]> =>
      this.#ctx.call("get", "/v1/spaces/{spaceId}/resources/databases/{nodeId}/views", {
        params: { path: this.path },
      }),
  };

  readonly records = {
    /** One page of records (`pageNum`/`pageSize`, up to 1000 per page). */
    list: (query: RecordListQuery = {}): Promise<RecordPage> =>
      this.#ctx.call("get", "/v1/spaces/{spaceId}/resources/databases/{nodeId}/records", {
        params: { path: this.path, query },
      }),
    /** Every page of records matching `query`, fetched as you iterate; stops at `total`. */
    pages: (query: Omit<RecordListQuery, "pageNum"> = {}) =>
      pagesByNumber(
        { method: "GET", path: V1_RECORDS },
        async (pageNum) => {
          const page = await this.records.list({ ...query, pageNum });
          return { ...page, items: listIn<RecordV1>(page, "records", { method: "GET", path: V1_RECORDS }) };
        },
        this.#ctx.signal,
      ),
    /** Every record matching `query`, one at a time (1000 per request unless `pageSize` says otherwise). */
    listAll: (query: Omit<RecordListQuery, "pageNum"> = {}): AsyncGenerator<RecordV1> =>
      itemsOf(this.records.pages({ pageSize: 1000, ...query })),
    get: (recordId: string): Promise<BikaData<"getRecord">> =>
      this.#ctx.call("get", "/v1/spaces/{spaceId}/resources/databases/{nodeId}/records/{recordId}", {
        params: { path: { ...this.path, recordId } },
      }),
    /** Creates one record from `{ cells: { <field name>: value } }`. */
    create: (input: CreateRecordInput): Promise<BikaData<"createRecord">> =>
      this.#ctx.call("post", "/v1/spaces/{spaceId}/resources/databases/{nodeId}/records", {
        params: { path: this.path },
        body: input,
      }),
    /** Sets the given cells of record `id`; other cells keep their values. */
    update: (input: UpdateRecordInput): Promise<BikaData<"updateRecord">> =>
      this.#ctx.call("patch", "/v1/spaces/{spaceId}/resources/databases/{nodeId}/records", {
        params: { path: this.path },
        body: input,
      }),
    delete: (recordId: string): Promise<BikaData<"deleteRecord">> =>
      this.#ctx.call("delete", "/v1/spaces/{spaceId}/resources/databases/{nodeId}/records/{recordId}", {
        params: { path: { ...this.path, recordId } },
      }),
  };

  /**
   * The v2 record operations: cursor pagination, `fieldKey`, and batch writes of any size (split into requests
   * of up to 10 records, sent under the rate limit; a partial failure throws `BulkWriteError`).
   */
  readonly recordsV2 = {
    /** One page; pass the returned `offset` back to get the next while `hasMore` is true. */
    list: (query: RecordListQueryV2 = {}): Promise<RecordPageV2> =>
      this.#ctx.call("get", V2_RECORDS, { params: { path: this.path, query } }),
    /** Every page, following `offset` while `hasMore`. */
    pages: (query: Omit<RecordListQueryV2, "offset"> = {}) =>
      pagesByCursor(
        { method: "GET", path: V2_RECORDS },
        async (offset) => {
          const page = await this.recordsV2.list(offset === undefined ? query : { ...query, offset });
          const items = listIn<RecordV2>(page, "records", { method: "GET", path: V2_RECORDS });
          return { items, next: page.hasMore === true ? page.offset : null };
        },
        this.#ctx.signal,
      ),
    /** Every record matching `query`, one at a time. */
    listAll: (query: Omit<RecordListQueryV2, "offset"> = {}): AsyncGenerator<RecordV2> =>
      itemsOf(this.recordsV2.pages(query)),
    get: (recordId: string, query: BikaQuery<"getRecordV2"> = {}): Promise<BikaData<"getRecordV2">> =>
      this.#ctx.call("get", `${V2_RECORDS}/{recordId}`, {
        params: { path: { ...this.path, recordId }, query },
      }),
    /** Creates any number of records; resolves to them in input order. */
    create: async (input: CreateRecordsInputV2): Promise<BikaData<"createRecordsV2">> => {
      const { records, ...rest } = input;
      const send = async (chunk: typeof records) => {
        const result = await this.#ctx.call("post", V2_RECORDS, { params: { path: this.path }, body: { ...rest, records: chunk } });
        return listIn<RecordV2>(result, "records", { method: "POST", path: V2_RECORDS });
      };
      return { records: await writeInChunks({ ...this.#ctx.writes, method: "POST", path: V2_RECORDS, items: records, send }) };
    },
    update: (recordId: string, input: UpdateRecordInputV2): Promise<BikaData<"updateRecordV2">> =>
      this.#ctx.call("put", `${V2_RECORDS}/{recordId}`, {
        params: { path: { ...this.path, recordId } },
        body: input,
      }),
    /** Updates any number of records; resolves to them in input order. */
    updateMany: async (input: UpdateRecordsInputV2): Promise<BikaData<"updateRecordsV2">> => {
      const { records, ...rest } = input;
      const send = async (chunk: typeof records) => {
        const result = await this.#ctx.call("put", V2_RECORDS, { params: { path: this.path }, body: { ...rest, records: chunk } });
        return listIn<RecordV2>(result, "records", { method: "PUT", path: V2_RECORDS });
      };
      return { records: await writeInChunks({ ...this.#ctx.writes, method: "PUT", path: V2_RECORDS, items: records, send }) };
    },
    delete: (recordId: string): Promise<BikaData<"deleteRecordV2">> =>
      this.#ctx.call("delete", `${V2_RECORDS}/{recordId}`, {
        params: { path: { ...this.path, recordId } },
      }),
    /** Deletes any number of records; resolves to one result per id, in input order. */
    deleteMany: async (recordIds: string[]): Promise<BikaData<"deleteRecordsV2">> => {
      const send = async (chunk: string[]) => {
        const result = await this.#ctx.call("delete", V2_RECORDS, { params: { path: this.path, query: { records: chunk } } });
        return listIn<BikaData<"deleteRecordsV2">["records"][number]>(result, "records", { method: "DELETE", path: V2_RECORDS });
      };
      return { records: await writeInChunks({ ...this.#ctx.writes, method: "DELETE", path: V2_RECORDS, items: recordIds, send }) };
    },
  };

}

/** A node of a space's tree, as `space.nodes.list()` returns it. */
export class NodeAO {
  readonly #ctx: Context;

  constructor(
    ctx: Context,
    readonly spaceId: string,
    readonly data: Node,
  ) {
    this.#ctx = ctx;
  }

  get id(): string {
    return this.data.id;
  }

  get name(): string {
    return this.data.name;
  }

  /** The node's resource type (`DATABASE`, `AUTOMATION`, `FOLDER`, …): the `type` of the API's node object. */
  get resourceType(): Node["type"] {
    return this.data.type;
  }

  private expect(type: string, method: string): void {
    if (this.resourceType !== type) {
      throw new ResourceTypeError(
        `${method}() needs a ${type} node, but node ${this.id} (${JSON.stringify(this.name)}) is ${this.resourceType}`,
      );
    }
  }

  /** This node as a database. Rejects with `ResourceTypeError` for any other resource type. */
  async asDatabase(): Promise<DatabaseAO> {
    this.expect("DATABASE", "asDatabase");
    return new DatabaseAO(this.#ctx, this.spaceId, this.id);
  }

  /** This node as an automation. Rejects with `ResourceTypeError` for any other resource type. */
  async asAutomation(): Promise<AutomationAO> {
    this.expect("AUTOMATION", "asAutomation");
    return new AutomationAO(this.#ctx, this.spaceId, this.id);
  }

  toJSON(): Node {
    return this.data;
  }
}

/** A space and everything reached through it. */
export class SpaceAO {
  readonly #ctx: Context;

  constructor(
    ctx: Context,
    readonly id: string,
    /** The space as the API returned it; absent for `bika.space.byId()`, which makes no request. */
    readonly data?: Space,
  ) {
    this.#ctx = ctx;
  }

  get name(): string | undefined {
    return this.data?.name;
  }

  readonly nodes = {
    /** Every node of the space, as a flat list (filter by `resourceType` for databases, automations, …). */
    list: async (): Promise<NodeAO[]> => {
      const nodes = await this.#ctx.call("get", "/v1/spaces/{spaceId}/nodes", {
        params: { path: { spaceId: this.id } },
      });
      const where = { method: "GET", path: "/v1/spaces/{spaceId}/nodes" };
      return listOf<Node>(nodes, where).map((node) => new NodeAO(this.#ctx, this.id, node));
    },
    get: (nodeId: string): Promise<NodeDetail> =>
      this.#ctx.call("get", "/v1/spaces/{spaceId}/nodes/{nodeId}", {
        params: { path: { spaceId: this.id, nodeId } },
      }),
  };

  /** The database with this node id, without a request. */
  database(nodeId: string): DatabaseAO {
    return new DatabaseAO(this.#ctx, this.id, nodeId);
  }

  /** The automation with this node id, without a request. */
  automation(nodeId: string): AutomationAO {
    return new AutomationAO(this.#ctx, this.id, nodeId);
  }

  readonly outgoingWebhooks = {
    register: (input: RegisterOutgoingWebhookInput): Promise<OutgoingWebhook> =>
      this.#ctx.call("post", "/v1/spaces/{spaceId}/outgoing-webhooks", {
        params: { path: { spaceId: this.id } },
        body: input,
      }),
    list: (): Promise<BikaData<"listOutgoingWebhooks">> =>
      this.#ctx.call("get", "/v1/spaces/{spaceId}/outgoing-webhooks", {
        params: { path: { spaceId: this.id } },
      }),
    delete: (outgoingWebhookId: string): Promise<BikaData<"deleteOutgoingWebhook">> =>
      this.#ctx.call("delete", "/v1/spaces/{spaceId}/outgoing-webhooks/{outgoingWebhookId}", {
        params: { path: { spaceId: this.id, outgoingWebhookId } },
      }),
  };

  readonly embedLinks = {
    /** A URL that shows a node's UI in an `<iframe>`. */
    create: (input: CreateEmbedLinkInput): Promise<EmbedLink> =>
      this.#ctx.call("post", "/v1/spaces/{spaceId}/embed-links", {
        params: { path: { spaceId: this.id } },
        body: input,
      }),
    list: (): Promise<BikaData<"listEmbedLinks">> =>
      this.#ctx.call("get", "/v1/spaces/{spaceId}/embed-links", {
        params: { path: { spaceId: this.id } },
      }),
    /** Takes the id, or the embed link itself (`{ id }`) as the Quick Start writes it. */
    delete: (link: string | { id: string }): Promise<BikaData<"deleteEmbedLink">> =>
      this.#ctx.call("delete", "/v1/spaces/{spaceId}/embed-links/{embedLinkId}", {
        params: { path: { spaceId: this.id, embedLinkId: typeof link === "string" ? link : link.id } },
      }),
  };

  /** The Quick Start's spelling in Example 7; the same object as `embedLinks`. */
  get embedLink(): SpaceAO["embedLinks"] {
    return this.embedLinks;
  }

  readonly attachments = {
    /** Uploads one file (Blob/File, bytes or a stream) into the space; use the results as attachment cell values. */
    upload: async (file: UploadSource, filename?: string): Promise<Attachment[]> =>
      this.#ctx.call("post", "/v1/spaces/{spaceId}/attachments", {
        params: { path: { spaceId: this.id } },
        // openapi-fetch passes FormData through untouched; the generated type describes the parts, not the FormData.
        body: (await singleFileForm("file", file, filename)) as unknown as BikaBody<"uploadAttachment">,
      }),
  };

  toJSON(): Space | { id: string } {
    return this.data ?? { id: this.id };
  }
}

/**
 * The Bika.ai API in the official SDK's object model: spaces → nodes → databases / automations.
 * Every method resolves to the envelope's `data` and throws an `ApiError` subclass on failure.
 *
 * @example
 * const bika = new Bika({ token: process.env.BIKA_TOKEN! });
 * const [space] = await bika.space.list();
 */
export class Bika {
  /** The low-level typed client (openapi-fetch): `{ data, error, response }`, nothing thrown for API errors. */
  readonly client: BikaClient;
  /**
   * Any operation of the spec by method and path, typed like the object model: resolves to the envelope's
   * `data`, throws an `ApiError` subclass on failure.
   */
  readonly request: Caller<paths>;
  readonly #ctx: Context;
  readonly #options: BikaOptions;
  readonly #callDefaults: PerCallOptions;

  constructor(options: BikaOptions);
  /** @internal `withOptions()`: the same client, other call defaults. */
  constructor(options: BikaOptions, shared: { client: BikaClient; callDefaults: PerCallOptions });
  constructor(options: BikaOptions, shared?: { client: BikaClient; callDefaults: PerCallOptions }) {
    if (typeof options !== "object" || options === null) {
      throw new ConfigurationError("new Bika({ token }) needs an options object");
    }
    this.#options = options;
    this.client =
      shared?.client ??
      createBikaClient({
        token: options.token,
        baseUrl: options.baseURL ?? options.baseUrl ?? BIKA_BASE_URL,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(options.headers ? { headers: options.headers } : {}),
        ...transportOptionsOf(options),
      });
    const callDefaults = shared?.callDefaults ?? {};
    this.#callDefaults = callDefaults;
    this.request = createCaller(this.client, [options.token], callDefaults);
    this.#ctx = {
      call: this.request,
      writes: {
        chunkSize: options.maxRecordsPerWrite ?? 10,
        concurrency: options.writeConcurrency ?? 3,
        signal: callDefaults.signal,
      },
      signal: callDefaults.signal,
    };
  }

  /**
   * The same client with options for every call made through the returned object: an AbortSignal, a
   * timeout, retry rules. `bika.withOptions({ signal }).space.list()`.
   */
  withOptions(callOptions: PerCallOptions): Bika {
    return new Bika(this.#options, { client: this.client, callDefaults: { ...this.#callDefaults, ...callOptions } });
  }

  readonly system = {
    meta: (): Promise<SystemMeta> => this.#ctx.call("get", "/v1/system/meta", {}),
  };

  readonly user = {
    profile: (): Promise<UserProfile> => this.#ctx.call("get", "/v1/user/profile", {}),
  };

  readonly space = {
    list: async (): Promise<SpaceAO[]> => {
      const spaces = await this.#ctx.call("get", "/v1/spaces", {});
      return listOf<Space>(spaces, { method: "GET", path: "/v1/spaces" }).map((space) => new SpaceAO(this.#ctx, space.id, space));
    },
    get: async (spaceId: string): Promise<SpaceAO> => {
      const space = await this.#ctx.call("get", "/v1/spaces/{spaceId}", { params: { path: { spaceId } } });
      // The id asked for, whatever the body says: the object stays usable, and `data` shows what came back.
      return new SpaceAO(this.#ctx, spaceId, space);
    },
    /** The space with this id, without a request (when you already know the id). */
    byId: (spaceId: string): SpaceAO => new SpaceAO(this.#ctx, spaceId),
  };
}
