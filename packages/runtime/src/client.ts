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
  ConnectionError,
  InvalidResponseError,
  NetworkError,
  OutcomeUnknownError,
  ServerError,
  TimeoutError,
  createApiError,
} from "./errors.js";
import { redactSecrets } from "./redact.js";
import type { RetryOptions } from "./retry.js";
import { isIdempotentMethod } from "./retry.js";
import type { RateLimitOptions } from "./throttle.js";
import { REQUEST_OPTIONS_KEY, type RequestOptions, TransportFailure, attemptsOf, createTransport } from "./transport.js";

export interface ApiClientConfig {
  /** API token, sent as `Authorization: Bearer <token>` to the base URL's origin and nowhere else. */
  token: string;
  /** Where the API lives. `https://` only, except loopback hosts (mock servers, local proxies). */
  baseUrl: string;
  /** A fetch implementation to use instead of the global one. */
  fetch?: typeof globalThis.fetch;
  /** Extra headers for every request. */
  headers?: Record<string, string>;
  /** Retry rules (RUNTIME.md, "Retries"); `false` sends every request once. */
  retry?: RetryOptions | false;
  /** Client-side rate limit (RUNTIME.md, "Rate limits"); `false` turns it off. Default 5 requests/s per bucket. */
  rateLimit?: RateLimitOptions | false;
  /** Time allowed for each attempt, in ms. Default 60 000; 0 disables. */
  timeoutMs?: number;
}

/** The parts of RuntimeOptions that shape the transport, as createApiClient takes them. */
export function transportOptionsOf(options: RuntimeOptions): Pick<ApiClientConfig, "retry" | "rateLimit" | "timeoutMs"> {
  return {
    ...(options.retry !== undefined ? { retry: options.retry } : {}),
    ...(options.rateLimit !== undefined ? { rateLimit: options.rateLimit } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  };
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
  const transport = createTransport({
    token,
    ...(config.fetch ? { fetch: config.fetch } : {}),
    ...(config.retry !== undefined ? { retry: config.retry } : {}),
    ...(config.rateLimit !== undefined ? { rateLimit: config.rateLimit } : {}),
    ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
  });
  const options: ClientOptions = { baseUrl, headers: { Accept: "application/json", ...config.headers }, fetch: transport };
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

/** Options a client's `withOptions()` applies to every call it makes. */
export interface PerCallOptions {
  /** Cancels the calls, their retries, waits and iterators. */
  signal?: AbortSignal;
  /** Time allowed for each attempt, in ms. */
  timeoutMs?: number;
  /** Retry rules; `false` sends once. */
  retry?: RetryOptions | false;
}

/** What both clients take on top of token and base URL: the runtime's mechanisms, each tunable or off. */
export interface RuntimeOptions {
  /** Retry rules (RUNTIME.md, "Retries"); `false` sends every request once. */
  retry?: RetryOptions | false;
  /** Client-side rate limit (RUNTIME.md, "Rate limits"); `false` turns it off. Default 5 requests/s per bucket. */
  rateLimit?: RateLimitOptions | false;
  /** Time allowed for each attempt, in ms. Default 60 000; 0 disables. */
  timeoutMs?: number;
  /** Records per write request in bulk writes. Default 10, the servers' limit. */
  maxRecordsPerWrite?: number;
  /** Write requests in flight at once in bulk writes. Default 3 (the rate limit still applies). */
  writeConcurrency?: number;
}

export interface CallOptions extends RequestOptions {
  /** The operation's responses are not wrapped in `{success, code, message, data}`. */
  enveloped?: boolean;
  /** Cancels the call, its retries and its waits. */
  signal?: AbortSignal;
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

/** JSON for a message; a value too deep or too odd to serialise is named rather than thrown over. */
function toJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return "[a body too deeply nested to show]";
  }
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat;
}

/** A failure without a response, as an ApiError; anything that is not a transport failure is rethrown as a ConfigurationError. */
function transportError(error: unknown, method: string, path: string, secrets: string[]): ApiError {
  if (error instanceof ApiError) return error;
  if (!(error instanceof TransportFailure)) {
    // Nothing was sent: building the request failed (a body that is not JSON, a bad header, a malformed id, an
    // option out of range) or a custom fetch threw. A bad argument, reported before any request.
    if (error instanceof ConfigurationError) throw error;
    const reason = redactSecrets(error instanceof Error ? `${error.name}: ${error.message}` : String(error), secrets);
    throw new ConfigurationError(`${method} ${path}: the request could not be built (${reason})`, { cause: error });
  }
  const retryCount = Math.max(0, error.attempts - 1);
  const cause = error.cause;
  const reason = redactSecrets(
    [cause instanceof Error ? cause.message : String(cause), cause instanceof Error && cause.cause instanceof Error ? cause.cause.message : ""]
      .filter(Boolean)
      .join(": "),
    secrets,
  );
  switch (error.kind) {
    case "abort":
      return new AbortError({ method, path, message: "aborted by the caller", retryCount, cause, requestSent: error.requestSent });
    case "timeout":
      return new TimeoutError({ method, path, message: `no response within ${error.timeoutMs} ms`, retryCount, cause });
    case "connect":
      return new ConnectionError({ method, path, message: `could not connect (${reason})`, retryCount, cause });
    case "dropped":
      return new NetworkError({ method, path, message: `the connection dropped before a response (${reason})`, retryCount, cause });
  }
}

/** What a create carried, for `OutcomeUnknownError.records`. */
function carriedRecords(body: unknown): readonly unknown[] {
  if (typeof body === "object" && body !== null && Array.isArray((body as { records?: unknown }).records)) {
    return (body as { records: unknown[] }).records;
  }
  return body === undefined || body instanceof FormData ? [] : [body];
}

/**
 * A non-idempotent call (a create) that failed after it may have reached the server: 5xx, dropped, timed out,
 * aborted in flight. See RUNTIME.md, "Retries".
 */
function ambiguous(error: ApiError, idempotent: boolean): boolean {
  if (idempotent) return false;
  // A success:false body under HTTP 200 is a definite answer, whatever its code; a 5xx status is not.
  if (error instanceof ServerError) return error.status !== undefined && error.status >= 500;
  // A 2xx whose body cannot be read as the API's answer: the server may well have written.
  if (error instanceof TimeoutError || error instanceof InvalidResponseError) return true;
  if (error instanceof AbortError) return error.requestSent;
  return error instanceof NetworkError && !(error instanceof ConnectionError);
}

/**
 * Turns a typed openapi-fetch client into `call(method, path, init, options)`: it resolves to the envelope's
 * `data` and throws an `ApiError` subclass for everything else. `defaults` apply to every call (a client's
 * `withOptions()`); `options` to one. See RUNTIME.md, "Errors".
 */
export function createCaller<Paths extends {}>(
  client: Client<Paths>,
  secrets: string[],
  defaults: CallOptions = {},
): Caller<Paths> {
  const untyped = client as unknown as {
    request(method: string, path: string, init: object): Promise<{ data?: unknown; error?: unknown; response: Response }>;
  };
  return (async (method: HttpMethod, path: string, init: { body?: unknown } | undefined, callOptions: CallOptions = {}) => {
    const { enveloped = true, signal, ...requestOptions } = { ...defaults, ...callOptions };
    const upper = method.toUpperCase();
    const idempotent = requestOptions.idempotent ?? isIdempotentMethod(upper);
    let result: { data?: unknown; error?: unknown; response: Response };
    try {
      result = await untyped.request(method, path, {
        ...init,
        ...(signal ? { signal } : {}),
        [REQUEST_OPTIONS_KEY]: requestOptions,
        parseAs: "text",
      });
    } catch (thrown) {
      const error = transportError(thrown, upper, path, secrets);
      throw ambiguous(error, idempotent) ? outcomeUnknown(error, init?.body) : error;
    }
    const retryCount = attemptsOf(result.response) - 1;
    try {
      return settle(result, upper, path, enveloped, secrets, retryCount);
    } catch (error) {
      throw error instanceof ApiError && ambiguous(error, idempotent) ? outcomeUnknown(error, init?.body) : error;
    }
  }) as Caller<Paths>;
}

function outcomeUnknown(cause: ApiError, body: unknown): OutcomeUnknownError {
  return new OutcomeUnknownError({
    method: cause.method,
    path: cause.path,
    status: cause.status,
    code: cause.code,
    requestId: cause.requestId,
    retryCount: cause.retryCount,
    message: cause.serverMessage,
    note: "the outcome is unknown: a create is never re-sent after it may have reached the server",
    body: cause.body,
    cause,
    records: carriedRecords(body),
  });
}

/** A response → the envelope's data, or the ApiError it stands for. */
function settle(
  result: { data?: unknown; error?: unknown; response: Response },
  method: string,
  path: string,
  enveloped: boolean,
  secrets: string[],
  retryCount: number,
): unknown {
  const { response } = result;
  const context = { method, path, status: response.status, requestId: requestIdOf(response), retryCount };
  const raw = response.ok ? result.data : result.error;
  let body: unknown = raw;
  // openapi-fetch has already tried JSON on error bodies; what is still text there is an error page.
  if (response.ok && typeof raw === "string") {
    const parsed = parseBody(raw);
    if (!parsed.ok) {
      throw new InvalidResponseError({
        ...context,
        message: `the response is not JSON: ${redactSecrets(snippet(raw), secrets)}`,
        body: redactSecrets(raw, secrets),
      });
    }
    body = parsed.value;
  }
  if (isEnvelope(body) && (body.success === false || !response.ok)) {
    const message = typeof body.message === "string" && body.message !== "" ? body.message : response.statusText;
    throw createApiError({
      ...context,
      code: typeof body.code === "number" ? body.code : undefined,
      message: redactSecrets(message || "request failed", secrets),
      body: redactSecrets(body, secrets),
    });
  }
  if (!response.ok) {
    throw createApiError({
      ...context,
      message: redactSecrets(
        body === undefined
          ? response.statusText || "request failed"
          : snippet(typeof body === "string" ? body : toJson(body)),
        secrets,
      ),
      body: redactSecrets(body, secrets),
    });
  }
  if (!enveloped) return body;
  if (!isEnvelope(body)) {
    throw new InvalidResponseError({
      ...context,
      message: `expected a {success, code, message, data} envelope, got ${body === undefined ? "an empty body" : snippet(toJson(body))}`,
      body: redactSecrets(body, secrets),
    });
  }
  return body.data;
}
