import {
  type Caller,
  type ChunkedWriteOptions,
  ConfigurationError,
  type ListOperation,
  type PerCallOptions,
  RESPONSE_SINK,
  type RuntimeOptions,
  type UploadSource,
  type WithResponse,
  createCaller,
  secretsOf,
  itemsOf,
  listIn,
  listOf,
  pagesByCursor,
  pagesByNumber,
  singleFileForm,
  withResponse,
  writeInChunks,
} from "@bikavika/runtime";
import { operationsWithoutData } from "./generated/operations.js";
import {
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
  baseURL?: string | undefined;
  /** Same as `baseURL`. */
  baseUrl?: string | undefined;
  /** A fetch implementation to use instead of the global one. */
  fetch?: typeof globalThis.fetch | undefined;
  /** Extra headers for every request. */
  headers?: Record<string, string> | undefined;
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

/** Everything an object below `Bika` needs: the typed caller and the bulk-write settings. */
interface Context {
  call: Caller<paths>;
  /** Bulk-write settings: records per request, requests in flight, and the calls' signal (which also stops iterators). */
  writes: Pick<ChunkedWriteOptions<unknown, unknown>, "chunkSize" | "concurrency" | "requestsPerSecond" | "signal">;
  /** Pages the v1 iterators request ahead. */
  readAhead: number | undefined;
}

const SPACES = "/v1/spaces";
const SPACE = `${SPACES}/{spaceId}` as const;
const DATABASE = `${SPACE}/resources/databases/{nodeId}` as const;
const V1_RECORDS = `${DATABASE}/records` as const;
const V1_RECORD = `${V1_RECORDS}/{recordId}` as const;
const V2_RECORDS = "/v2/spaces/{spaceId}/resources/databases/{nodeId}/records";

/**
 * The v2 list's `sort` as the server reads it, one bracketed pair per key (`sort[0][field]=Name&sort[0][order]=asc`;
 * see the spec's listRecordsV2): openapi-fetch's serializer takes no arrays of objects.
 */
function bracketSort<Query extends { sort?: unknown }>(query: Query): Query {
  const { sort, ...rest } = query;
  if (sort === undefined) return query;
  if (!Array.isArray(sort)) throw new ConfigurationError("recordsV2.list: sort must be an array of { field, order }");
  const pairs: Record<string, string> = {};
  sort.forEach((key: unknown, index) => {
    const { field, order } = (key ?? {}) as { field?: unknown; order?: unknown };
    if (typeof field !== "string" || !(order === undefined || order === "asc" || order === "desc")) {
      throw new ConfigurationError(`recordsV2.list: sort[${index}] must be { field: string, order?: "asc" | "desc" }`);
    }
    pairs[`sort[${index}][field]`] = field;
    if (order) pairs[`sort[${index}][order]`] = order;
  });
  return { ...rest, ...pairs } as unknown as Query;
}
const V2_RECORD = `${V2_RECORDS}/{recordId}` as const;
const NODES = `${SPACE}/nodes` as const;
const OUTGOING_WEBHOOKS = `${SPACE}/outgoing-webhooks` as const;
const EMBED_LINKS = `${SPACE}/embed-links` as const;

/** The list operation at `path`, for errors about its data. */
const listing = (path: string): ListOperation => ({ method: "GET", path });
const V1_LIST = listing(V1_RECORDS);
const V2_LIST = listing(V2_RECORDS);

/** An automation node. */
export class AutomationAO {
  readonly #call: Caller<paths>;

  constructor(
    ctx: Context,
    readonly spaceId: string,
    readonly id: string,
  ) {
    this.#call = ctx.call;
  }

  readonly triggers = {
    list: (): Promise<Trigger[]> =>
      this.#call("get", `${SPACE}/resources/automation/{nodeId}/triggers`, {
        params: { path: { spaceId: this.spaceId, nodeId: this.id } },
      }),
  };
}

/** A database node (node id = database id). `records` are the v1 one-record-per-call operations. */
export class DatabaseAO {
  readonly #call: Caller<paths>;
  readonly #writes: Context["writes"];
  readonly #readAhead: number | undefined;

  constructor(
    ctx: Context,
    readonly spaceId: string,
    readonly id: string,
  ) {
    this.#call = ctx.call;
    this.#writes = ctx.writes;
    this.#readAhead = ctx.readAhead;
  }

  /** A call's parameters: this database's path plus the operation's own path parameters, and its query. */
  #params<Extra extends object = {}, Query = undefined>(extra?: Extra, query?: Query) {
    return { params: { path: { spaceId: this.spaceId, nodeId: this.id, ...(extra as Extra) }, query: query as Query } };
  }

  /**
   * A v2 batch write of any size through `writeInChunks`: `send` makes one request for `input` with a chunk of
   * its `records`, and resolves to the response's data.
   */
  async #writeMany<Input extends { records: unknown[] }, Result>(
    method: string,
    input: Input,
    send: (chunk: Omit<Input, "records"> & { records: Input["records"][number][] }) => Promise<unknown>,
  ): Promise<{ records: Result[] }> {
    const { records, ...rest } = input;
    const where = { method, path: V2_RECORDS };
    return {
      records: await writeInChunks({
        ...this.#writes,
        ...where,
        items: records,
        send: async (chunk) => listIn<Result>(await send({ ...rest, records: chunk }), "records", where),
      }),
    };
  }

  /** The database's own metadata. */
  get(): Promise<Database> {
    return this.#call("get", DATABASE, this.#params());
  }

  readonly fields = {
    list: (): Promise<Field[]> => this.#call("get", `${DATABASE}/fields`, this.#params()),
  };

  readonly views = {
    list: (): Promise<View[]> => this.#call("get", `${DATABASE}/views`, this.#params()),
  };

  readonly records = {
    /** One page of records (`pageNum`/`pageSize`, up to 1000 per page). */
    list: (query: RecordListQuery = {}): Promise<RecordPage> =>
      this.#call("get", V1_RECORDS, this.#params({}, query)),
    /** Every page of records matching `query`, fetched as you iterate; stops at `total`. */
    pages: (query: Omit<RecordListQuery, "pageNum"> = {}) =>
      pagesByNumber(
        V1_LIST,
        async (pageNum, signal) => {
          const page = await this.#call("get", V1_RECORDS, this.#params({}, { ...query, pageNum }), { signal });
          return { ...page, items: listIn<RecordV1>(page, "records", V1_LIST) };
        },
        this.#writes.signal,
        // Without a page size the server's default applies, unknown here: the pages then come one at a time.
        { pageSize: query.pageSize, readAhead: this.#readAhead, requestsPerSecond: this.#writes.requestsPerSecond },
      ),
    /** Every record matching `query`, one at a time (1000 per request unless `pageSize` says otherwise). */
    listAll: (query: Omit<RecordListQuery, "pageNum"> = {}): AsyncGenerator<RecordV1> =>
      itemsOf(this.records.pages({ pageSize: 1000, ...query })),
    get: (recordId: string): Promise<BikaData<"getRecord">> =>
      this.#call("get", V1_RECORD, this.#params({ recordId })),
    /** Creates one record from `{ cells: { <field name>: value } }`. */
    create: (input: CreateRecordInput): Promise<BikaData<"createRecord">> =>
      this.#call("post", V1_RECORDS, { ...this.#params(), body: input }),
    /** Sets the given cells of record `id`; other cells keep their values. */
    update: (input: UpdateRecordInput): Promise<BikaData<"updateRecord">> =>
      this.#call("patch", V1_RECORDS, { ...this.#params(), body: input }),
    delete: (recordId: string): Promise<BikaData<"deleteRecord">> =>
      this.#call("delete", V1_RECORD, this.#params({ recordId })),
  };

  /**
   * The v2 record operations: cursor pagination, `fieldKey`, and batch writes of any size (split into requests
   * of up to 10 records, sent under the rate limit; a partial failure throws `BulkWriteError`).
   */
  readonly recordsV2 = {
    /** One page; pass the returned `offset` back to get the next while `hasMore` is true. */
    list: async (query: RecordListQueryV2 = {}): Promise<RecordPageV2> =>
      this.#call("get", V2_RECORDS, this.#params({}, bracketSort(query))),
    /** Every page, following `offset` while `hasMore`. */
    pages: (query: Omit<RecordListQueryV2, "offset"> = {}) =>
      pagesByCursor(
        V2_LIST,
        async (offset) => {
          const page = await this.recordsV2.list(offset === undefined ? query : { ...query, offset });
          const items = listIn<RecordV2>(page, "records", V2_LIST);
          return { items, next: page.hasMore === true ? page.offset : null };
        },
        this.#writes.signal,
      ),
    /** Every record matching `query`, one at a time. */
    listAll: (query: Omit<RecordListQueryV2, "offset"> = {}): AsyncGenerator<RecordV2> =>
      itemsOf(this.recordsV2.pages(query)),
    get: (recordId: string, query: BikaQuery<"getRecordV2"> = {}): Promise<BikaData<"getRecordV2">> =>
      this.#call("get", V2_RECORD, this.#params({ recordId }, query)),
    /** Creates any number of records; resolves to them in input order. */
    create: (input: CreateRecordsInputV2): Promise<BikaData<"createRecordsV2">> =>
      this.#writeMany("POST", input, (body) => this.#call("post", V2_RECORDS, { ...this.#params(), body })),
    update: (recordId: string, input: UpdateRecordInputV2): Promise<BikaData<"updateRecordV2">> =>
      this.#call("put", V2_RECORD, { ...this.#params({ recordId }), body: input }),
    /** Updates any number of records; resolves to them in input order. */
    updateMany: (input: UpdateRecordsInputV2): Promise<BikaData<"updateRecordsV2">> =>
      this.#writeMany("PUT", input, (body) => this.#call("put", V2_RECORDS, { ...this.#params(), body })),
    delete: (recordId: string): Promise<BikaData<"deleteRecordV2">> =>
      this.#call("delete", V2_RECORD, this.#params({ recordId })),
    /** Deletes any number of records; resolves to one result per id, in input order. */
    deleteMany: (recordIds: string[]): Promise<BikaData<"deleteRecordsV2">> =>
      this.#writeMany("DELETE", { records: recordIds }, (query) =>
        this.#call("delete", V2_RECORDS, this.#params({}, query)),
      ),
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

  /** This node as a `Type` object, if it is a `type` node; `method` names the caller in the error. */
  #as<AO>(type: string, method: string, Type: new (ctx: Context, spaceId: string, id: string) => AO): AO {
    if (this.resourceType !== type) {
      throw new ResourceTypeError(`${method}() needs a ${type} node: node ${this.id} is ${this.resourceType}`);
    }
    return new Type(this.#ctx, this.spaceId, this.id);
  }

  /** This node as a database. Rejects with `ResourceTypeError` for any other resource type. */
  async asDatabase(): Promise<DatabaseAO> {
    return this.#as("DATABASE", "asDatabase", DatabaseAO);
  }

  /** This node as an automation. Rejects with `ResourceTypeError` for any other resource type. */
  async asAutomation(): Promise<AutomationAO> {
    return this.#as("AUTOMATION", "asAutomation", AutomationAO);
  }

  toJSON(): Node {
    return this.data;
  }
}

/** A space and everything reached through it. */
export class SpaceAO {
  readonly #ctx: Context;
  readonly #call: Caller<paths>;

  constructor(
    ctx: Context,
    readonly id: string,
    /** The space as the API returned it; absent for `bika.space.byId()`, which makes no request. */
    readonly data?: Space,
  ) {
    this.#ctx = ctx;
    this.#call = ctx.call;
  }

  get name(): string | undefined {
    return this.data?.name;
  }

  /** A call's parameters: this space's path plus the operation's own path parameters. */
  #params<Extra extends object = {}>(extra?: Extra) {
    return { params: { path: { spaceId: this.id, ...(extra as Extra) } } };
  }

  readonly nodes = {
    /** Every node of the space, as a flat list (filter by `resourceType` for databases, automations, …). */
    list: async (): Promise<NodeAO[]> => {
      const nodes = await this.#call("get", NODES, this.#params());
      return listOf<Node>(nodes, listing(NODES)).map((node) => new NodeAO(this.#ctx, this.id, node));
    },
    get: (nodeId: string): Promise<NodeDetail> => this.#call("get", `${NODES}/{nodeId}`, this.#params({ nodeId })),
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
      this.#call("post", OUTGOING_WEBHOOKS, { ...this.#params(), body: input }),
    list: (): Promise<BikaData<"listOutgoingWebhooks">> => this.#call("get", OUTGOING_WEBHOOKS, this.#params()),
    delete: (outgoingWebhookId: string): Promise<BikaData<"deleteOutgoingWebhook">> =>
      this.#call("delete", `${OUTGOING_WEBHOOKS}/{outgoingWebhookId}`, this.#params({ outgoingWebhookId })),
  };

  readonly embedLinks = {
    /** A URL that shows a node's UI in an `<iframe>`. */
    create: (input: CreateEmbedLinkInput): Promise<EmbedLink> =>
      this.#call("post", EMBED_LINKS, { ...this.#params(), body: input }),
    list: (): Promise<BikaData<"listEmbedLinks">> => this.#call("get", EMBED_LINKS, this.#params()),
    /** Takes the id, or the embed link itself (`{ id }`) as the Quick Start writes it. */
    delete: (link: string | { id: string }): Promise<BikaData<"deleteEmbedLink">> =>
      this.#call(
        "delete",
        `${EMBED_LINKS}/{embedLinkId}`,
        this.#params({ embedLinkId: typeof link === "string" ? link : link.id }),
      ),
  };

  /** The Quick Start's spelling in Example 7; the same object as `embedLinks`. */
  get embedLink(): SpaceAO["embedLinks"] {
    return this.embedLinks;
  }

  readonly attachments = {
    /** Uploads one file (Blob/File, bytes or a stream) into the space; use the results as attachment cell values. */
    upload: async (file: UploadSource, filename?: string): Promise<Attachment[]> =>
      this.#call("post", `${SPACE}/attachments`, {
        ...this.#params(),
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
    // The client takes what it knows of the options (token, fetch, headers, transport settings) and ignores the rest.
    this.client = shared?.client ?? createBikaClient({ ...options, baseUrl: options.baseURL ?? options.baseUrl });
    const callDefaults = shared?.callDefaults ?? {};
    this.#callDefaults = callDefaults;
    this.request = createCaller(this.client, secretsOf(options), callDefaults, operationsWithoutData);
    // Unset sizes take writeInChunks' defaults (10 records per request, as many in flight as the rate calls for).
    this.#ctx = {
      call: this.request,
      writes: {
        chunkSize: options.maxRecordsPerWrite,
        concurrency: options.writeConcurrency,
        // The adaptive number of writes in flight follows the rate the limiter keeps.
        requestsPerSecond: options.rateLimit === false ? false : options.rateLimit?.requestsPerSecond,
        signal: callDefaults.signal,
      },
      readAhead: options.readAhead,
    };
  }

  /**
   * The same client with options for every call made through the returned object: an AbortSignal, a
   * timeout, retry rules. `bika.withOptions({ signal }).space.list()`.
   */
  withOptions(callOptions: PerCallOptions): Bika {
    return new Bika(this.#options, { client: this.client, callDefaults: { ...this.#callDefaults, ...callOptions } });
  }

  /**
   * Runs `call` with this client and resolves to its data with the HTTP response and the request id:
   * `const { data, response, requestId } = await bika.withResponse((b) => b.space.list())`.
   * Only calls made through the client `call` is given are seen; for work that makes several requests, the
   * response is the last to answer. See RUNTIME.md, "Raw responses".
   */
  withResponse<Data>(call: (client: Bika) => Promise<Data>): Promise<WithResponse<Data>> {
    return withResponse((sink) => call(this.withOptions({ [RESPONSE_SINK]: sink })));
  }

  readonly system = {
    meta: (): Promise<SystemMeta> => this.request("get", "/v1/system/meta", {}),
  };

  readonly user = {
    profile: (): Promise<UserProfile> => this.request("get", "/v1/user/profile", {}),
  };

  readonly space = {
    list: async (): Promise<SpaceAO[]> => {
      const spaces = await this.request("get", SPACES, {});
      return listOf<Space>(spaces, listing(SPACES)).map((space) => new SpaceAO(this.#ctx, space.id, space));
    },
    get: async (spaceId: string): Promise<SpaceAO> => {
      const space = await this.request("get", SPACE, { params: { path: { spaceId } } });
      // The id asked for, whatever the body says: the object stays usable, and `data` shows what came back.
      return new SpaceAO(this.#ctx, spaceId, space);
    },
    /** The space with this id, without a request (when you already know the id). */
    byId: (spaceId: string): SpaceAO => new SpaceAO(this.#ctx, spaceId),
  };
}
