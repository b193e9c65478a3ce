import createClient, { type Client, type ClientOptions, type FetchOptions, type Middleware } from "openapi-fetch";
import type {
  HttpMethod,
  MediaType,
  PathsWithMethod,
  RequiredKeysOf,
  ResponseObjectMap,
  SuccessResponse,
} from "openapi-typescript-helpers";
import {
  AbortError,
  ApiError,
  ConfigurationError,
  InvalidResponseError,
  NetworkError,
  TimeoutError,
  createApiError,
} from "./errors.js";
import { redactSecrets } from "./redact.js";

export interface ApiClientConfig {
  /** API token, sent as `Authorization: Bearer <token>` to the base URL's origin and nowhere else. */
  token: string;
  /** Where the API lives. `https://` only, except loopback hosts (mock servers, local proxies). */
  baseUrl: string;
  /** A fetch implementation to use instead of the global one. */
  fetch?: typeof globalThis.fetch;
  /** Extra headers for every request. */
  headers?: Record<string, string>;
}

/** Checks a base URL and returns it without a trailing slash. See RUNTIME.md, "Safety". */
export function normalizeBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new ConfigurationError(`baseUrl must be an absolute URL, got ${JSON.stringify(baseUrl)}`);
  }
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname) || url.hostname.endsWith(".localhost");
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new ConfigurationError(
      `baseUrl must use https:// (http:// is accepted for loopback hosts only), got ${url.protocol}//${url.host}`,
    );
  }
  if (url.search || url.hash) {
    throw new ConfigurationError("baseUrl must not carry a query string or fragment");
  }
  return url.href.replace(/\/+$/, "");
}

function checkToken(token: unknown): string {
  if (typeof token !== "string" || token.trim() === "") {
    throw new ConfigurationError("token must be a non-empty string (the API token from your user settings)");
  }
  if (/[\r\n]/.test(token)) {
    throw new ConfigurationError("token must not contain line breaks");
  }
  return token.trim();
}

/** Adds the bearer token to requests for the API's own origin only. */
export function authMiddleware(token: string, baseUrl: string): Middleware {
  const origin = new URL(baseUrl).origin;
  return {
    onRequest({ request }) {
      if (new URL(request.url).origin === origin) {
        request.headers.set("Authorization", `Bearer ${token}`);
      } else {
        request.headers.delete("Authorization");
      }
      return request;
    },
  };
}

/** A typed openapi-fetch client for `Paths`, authenticated with the token. */
export function createApiClient<Paths extends {}>(config: ApiClientConfig): Client<Paths> {
  const token = checkToken(config.token);
  const baseUrl = normalizeBaseUrl(config.baseUrl);
  const options: ClientOptions = { baseUrl, headers: { Accept: "application/json", ...config.headers } };
  if (config.fetch) options.fetch = config.fetch;
  const client = createClient<Paths>(options);
  client.use(authMiddleware(token, baseUrl));
  return client;
}

/**
 * What a successful call resolves to: the envelope's `data` (or `undefined` when the envelope has none), or the
 * whole body for the few operations whose responses are not enveloped.
 */
export type EnvelopeData<Body> = Body extends { success: false }
  ? never
  : Body extends { success: true; data: infer Data }
    ? Data
    : Body extends { success: true }
      ? undefined
      : Body;

/** The resolved type of `call(method, path)`: the operation's success body, unwrapped. */
export type OperationData<Operation> =
  ResponseObjectMap<Operation> extends infer Responses extends Record<string | number, unknown>
    ? EnvelopeData<SuccessResponse<Responses, MediaType>>
    : never;

/** The operation object of `Method` on `Path`. */
export type OperationOf<Paths, Path extends keyof Paths, Method extends HttpMethod> = Paths[Path] extends {
  [key in Method]: infer Operation;
}
  ? Operation
  : never;

/** openapi-fetch's request options for an operation; optional when nothing in them is required. */
export type InitOf<Operation> =
  RequiredKeysOf<FetchOptions<Operation>> extends never ? FetchOptions<Operation> | undefined : FetchOptions<Operation>;

/** An operation's JSON request body. */
export type OperationBody<Operation> = Operation extends {
  requestBody?: { content: { "application/json": infer Body } };
}
  ? Body
  : never;

/** An operation's query parameters. */
export type OperationQuery<Operation> = Operation extends { parameters: { query?: infer Query } }
  ? NonNullable<Query>
  : never;

export interface CallOptions {
  /** The operation's responses are not wrapped in `{success, code, message, data}`. */
  enveloped?: boolean;
}

export type Caller<Paths extends {}> = <Method extends HttpMethod, Path extends PathsWithMethod<Paths, Method>>(
  method: Method,
  path: Path,
  init: InitOf<OperationOf<Paths, Path, Method>>,
  options?: CallOptions,
) => Promise<OperationData<OperationOf<Paths, Path, Method>>>;

const REQUEST_ID_HEADERS = ["x-request-id", "request-id", "x-trace-id", "x-b3-traceid"];

function requestIdOf(response: Response): string | undefined {
  for (const name of REQUEST_ID_HEADERS) {
    const value = response.headers.get(name);
    if (value) return value;
  }
  return undefined;
}

interface Envelope {
  success: boolean;
  code?: unknown;
  message?: unknown;
  data?: unknown;
}

function isEnvelope(body: unknown): body is Envelope {
  return typeof body === "object" && body !== null && typeof (body as Envelope).success === "boolean";
}

function parseBody(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === "") return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat;
}

function transportError(error: unknown, method: string, path: string, secrets: string[]): ApiError {
  if (error instanceof ApiError) return error;
  const name = error instanceof Error ? error.name : "";
  const reason = redactSecrets(error instanceof Error ? error.message : String(error), secrets);
  if (name === "TimeoutError") return new TimeoutError({ method, path, message: `timed out (${reason})`, cause: error });
  if (name === "AbortError") return new AbortError({ method, path, message: "aborted by the caller", cause: error });
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return new NetworkError({
    method,
    path,
    message: `no response from the server (${reason}${redactSecrets(cause, secrets)})`,
    cause: error,
  });
}

/**
 * Turns a typed openapi-fetch client into `call(method, path, init)`: it resolves to the envelope's `data`
 * and throws an `ApiError` subclass for everything else. See RUNTIME.md, "Errors".
 */
export function createCaller<Paths extends {}>(client: Client<Paths>, secrets: string[]): Caller<Paths> {
  const untyped = client as unknown as {
    request(method: string, path: string, init: object): Promise<{ data?: unknown; error?: unknown; response: Response }>;
  };
  return (async (method: HttpMethod, path: string, init: object | undefined, options: CallOptions = {}) => {
    const upper = method.toUpperCase();
    let result: { data?: unknown; error?: unknown; response: Response };
    try {
      result = await untyped.request(method, path, { ...init, parseAs: "text" });
    } catch (error) {
      throw transportError(error, upper, path, secrets);
    }
    const { response } = result;
    const status = response.status;
    const requestId = requestIdOf(response);
    const raw = response.ok ? result.data : result.error;
    let body: unknown = raw;
    // openapi-fetch has already tried JSON on error bodies; what is still text there is an error page.
    if (response.ok && typeof raw === "string") {
      const parsed = parseBody(raw);
      if (!parsed.ok) {
        throw new InvalidResponseError({
          method: upper,
          path,
          status,
          requestId,
          message: `the response is not JSON: ${redactSecrets(snippet(raw), secrets)}`,
          body: redactSecrets(raw, secrets),
        });
      }
      body = parsed.value;
    }
    const enveloped = options.enveloped ?? true;
    if (isEnvelope(body) && (body.success === false || !response.ok)) {
      const message = typeof body.message === "string" && body.message !== "" ? body.message : response.statusText;
      throw createApiError({
        method: upper,
        path,
        status,
        code: typeof body.code === "number" ? body.code : undefined,
        requestId,
        message: redactSecrets(message || "request failed", secrets),
        body: redactSecrets(body, secrets),
      });
    }
    if (!response.ok) {
      throw createApiError({
        method: upper,
        path,
        status,
        requestId,
        message: redactSecrets(
          body === undefined
            ? response.statusText || "request failed"
            : snippet(typeof body === "string" ? body : JSON.stringify(body)),
          secrets,
        ),
        body: redactSecrets(body, secrets),
      });
    }
    if (!enveloped) return body;
    if (!isEnvelope(body)) {
      throw new InvalidResponseError({
        method: upper,
        path,
        status,
        requestId,
        message: `expected a {success, code, message, data} envelope, got ${body === undefined ? "an empty body" : snippet(JSON.stringify(body))}`,
        body: redactSecrets(body, secrets),
      });
    }
    return body.data;
  }) as Caller<Paths>;
}
