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

/** The production API (vika.cn). `https://aitable.ai` and self-hosted APITable servers work the same way. */
export const VIKA_BASE_URL = "https://vika.cn";

export type VikaClient = Client<paths>;

export interface VikaClientOptions extends Omit<ApiClientConfig, "baseUrl"> {
  /** Defaults to {@link VIKA_BASE_URL}. A `/fusion/…` suffix is dropped, as the official SDKs do. */
  baseUrl?: string | undefined;
}

/**
 * The official SDKs take a host with or without the `/fusion/v1` prefix (`https://api.vika.cn/fusion/v1`);
 * our paths carry the prefix, so everything from `/fusion` on is dropped.
 */
export function vikaBaseUrl(host: string | undefined): string {
  return (host ?? VIKA_BASE_URL).replace(/\/fusion(?:\/.*)?$/, "");
}

/**
 * The low-level client: every operation of the spec, typed, through openapi-fetch.
 * Calls return openapi-fetch's `{ data, error, response }`; `data` is the whole `{success, code, message, data}`
 * envelope. Use the `Vika` class for unwrapped data and thrown, typed errors.
 */
export function createVikaClient(options: VikaClientOptions): VikaClient {
  return createApiClient<paths>({ ...options, baseUrl: vikaBaseUrl(options.baseUrl) });
}

/** What the operation with this operationId resolves to through the `Vika` class. */
export type VikaData<OperationId extends keyof operations> = OperationData<operations[OperationId]>;
/** The JSON request body of the operation with this operationId. */
export type VikaBody<OperationId extends keyof operations> = OperationBody<operations[OperationId]>;
/** The query parameters of the operation with this operationId. */
export type VikaQuery<OperationId extends keyof operations> = OperationQuery<operations[OperationId]>;
