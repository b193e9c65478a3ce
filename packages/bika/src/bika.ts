import { type Caller, ConfigurationError, type UploadSource, createCaller, singleFileForm } from "@bikavika/runtime";
import {
  BIKA_BASE_URL,
  type BikaBody,
  type BikaClient,
  type BikaData,
  type BikaQuery,
  createBikaClient,
  type paths,
} from "./client.js";

export interface BikaOptions {
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

/** Thrown by `node.asDatabase()` / `node.asAutomation()` when the node is another kind of resource. */
export class ResourceTypeError extends ConfigurationError {
  override name = "ResourceTypeError";
}

/** Everything an object below `Bika` needs: the typed caller. */
interface Context {
  call: Caller<paths>;
}

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

  /** The v2 record operations: cursor pagination, batches of up to 10, `fieldKey`. */
  readonly recordsV2 = {
    /** One page; pass the returned `offset` back to get the next while `hasMore` is true. */
    list: (query: RecordListQueryV2 = {}): Promise<RecordPageV2> =>
      this.#ctx.call("get", "/v2/spaces/{spaceId}/resources/databases/{nodeId}/records", {
        params: { path: this.path, query },
      }),
    get: (recordId: string, query: BikaQuery<"getRecordV2"> = {}): Promise<BikaData<"getRecordV2">> =>
      this.#ctx.call("get", "/v2/spaces/{spaceId}/resources/databases/{nodeId}/records/{recordId}", {
        params: { path: { ...this.path, recordId }, query },
      }),
    create: (input: CreateRecordsInputV2): Promise<BikaData<"createRecordsV2">> =>
      this.#ctx.call("post", "/v2/spaces/{spaceId}/resources/databases/{nodeId}/records", {
        params: { path: this.path },
        body: input,
      }),
    update: (recordId: string, input: UpdateRecordInputV2): Promise<BikaData<"updateRecordV2">> =>
      this.#ctx.call("put", "/v2/spaces/{spaceId}/resources/databases/{nodeId}/records/{recordId}", {
        params: { path: { ...this.path, recordId } },
        body: input,
      }),
    updateMany: (input: UpdateRecordsInputV2): Promise<BikaData<"updateRecordsV2">> =>
      this.#ctx.call("put", "/v2/spaces/{spaceId}/resources/databases/{nodeId}/records", {
        params: { path: this.path },
        body: input,
      }),
    delete: (recordId: string): Promise<BikaData<"deleteRecordV2">> =>
      this.#ctx.call("delete", "/v2/spaces/{spaceId}/resources/databases/{nodeId}/records/{recordId}", {
        params: { path: { ...this.path, recordId } },
      }),
    deleteMany: (recordIds: string[]): Promise<BikaData<"deleteRecordsV2">> =>
      this.#ctx.call("delete", "/v2/spaces/{spaceId}/resources/databases/{nodeId}/records", {
        params: { path: this.path, query: { records: recordIds } },
      }),
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
      return nodes.map((node) => new NodeAO(this.#ctx, this.id, node));
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

  constructor(options: BikaOptions) {
    if (typeof options !== "object" || options === null) {
      throw new ConfigurationError("new Bika({ token }) needs an options object");
    }
    this.client = createBikaClient({
      token: options.token,
      baseUrl: options.baseURL ?? options.baseUrl ?? BIKA_BASE_URL,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
    });
    this.request = createCaller(this.client, [options.token]);
    this.#ctx = { call: this.request };
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
      return spaces.map((space) => new SpaceAO(this.#ctx, space.id, space));
    },
    get: async (spaceId: string): Promise<SpaceAO> => {
      const space = await this.#ctx.call("get", "/v1/spaces/{spaceId}", { params: { path: { spaceId } } });
      return new SpaceAO(this.#ctx, space.id, space);
    },
    /** The space with this id, without a request (when you already know the id). */
    byId: (spaceId: string): SpaceAO => new SpaceAO(this.#ctx, spaceId),
  };
}
