import {
  type ApiClientConfig,
  type OperationBody,
  type OperationData,
  type OperationQuery,
  createApiClient,
} from "@bikavika/runtime";
import type { Client } from "openapi-fetch";
import type { components, operations, paths } from "./generated/openapi.js";

export type { components, operations, paths };

/** The production API. Paths in the spec start with `/v1` or `/v2` below it. */
export const BIKA_BASE_URL = "https://bika.ai/api/openapi/bika";

export type BikaClient = Client<paths>;

export interface BikaClientOptions extends Omit<ApiClientConfig, "baseUrl"> {
  /** Defaults to {@link BIKA_BASE_URL}. */
  baseUrl?: string | undefined;
}

/**
 * The low-level client: every operation of the spec, typed, through openapi-fetch.
 * Calls return openapi-fetch's `{ data, error, response }`; `data` is the whole `{success, code, message, data}`
 * envelope. Use the `Bika` class for unwrapped data and thrown, typed errors.
 *
 * @example
 * const client = createBikaClient({ token: process.env.BIKA_TOKEN! });
 * const { data } = await client.GET("/v1/spaces/{spaceId}/nodes", { params: { path: { spaceId } } });
 */
export function createBikaClient(options: BikaClientOptions): BikaClient {
  return createApiClient<paths>({ ...options, baseUrl: options.baseUrl ?? BIKA_BASE_URL });
}

/** What the operation with this operationId resolves to through the `Bika` class (the envelope's `data`). */
export type BikaData<OperationId extends keyof operations> = OperationData<operations[OperationId]>;

/** The JSON request body of the operation with this operationId. */
export type BikaBody<OperationId extends keyof operations> = OperationBody<operations[OperationId]>;

/** The query parameters of the operation with this operationId. */
export type BikaQuery<OperationId extends keyof operations> = OperationQuery<operations[OperationId]>;
