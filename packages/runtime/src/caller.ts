/**
 * `call(method, path, init, options)` over a typed openapi-fetch client: the envelope's `data`, or a typed
 * ApiError. See RUNTIME.md, "Errors".
 */
import type { Client, FetchOptions } from "openapi-fetch";
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
  type ApiErrorDetails,
  ConfigurationError,
  ConnectionError,
  InvalidResponseError,
  NetworkError,
  OutcomeUnknownError,
  RedirectError,
  ResponseTooLargeError,
  ServerError,
  TimeoutError,
  ValidationError,
  errorClassFor,
} from "./errors.js";
import { redactValue, redactor } from "./redact.js";
import type { RetryOptions } from "./retry.js";
import { isIdempotentMethod } from "./retry.js";
import { secretsOf } from "./client.js";
import { REQUEST_OPTIONS_KEY, type RequestOptions, TransportFailure, attemptsOf, serverRequestId } from "./transport.js";

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

/**
 * openapi-fetch's request options for an operation, optional when nothing in them is required. Optional query
 * values and body members may be `undefined` (see `UndefinedWhereOptional`).
 */
export type InitOf<Operation> =
  RequiredKeysOf<FetchOptions<Operation>> extends never
    ? UndefinedInOptions<FetchOptions<Operation>> | undefined
    : UndefinedInOptions<FetchOptions<Operation>>;

/** openapi-fetch's options with `undefined` accepted in the optional members of `body` and `params.query`. */
type UndefinedInOptions<Init> = {
  [Key in keyof Init]: Key extends "body"
    ? UndefinedWhereOptional<Init[Key]>
    : Key extends "params"
      ? UndefinedWhereOptional<{ [Part in keyof Init[Key]]: Part extends "query" ? UndefinedWhereOptional<Init[Key][Part]> : Init[Key][Part] }>
      : Init[Key];
};

/**
 * `T` with `undefined` accepted wherever a member is optional, so an unset option passes straight through under
 * `exactOptionalPropertyTypes`: openapi-fetch leaves such query values out of the URL, and JSON leaves such
 * members out of the body.
 */
export type UndefinedWhereOptional<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [Key in keyof T]: T[Key] | ({} extends Pick<T, Key> ? undefined : never) }
    : T;

/** An operation's JSON request body (its optional members may be `undefined`). */
export type OperationBody<Operation> = Operation extends {
  requestBody?: { content: { "application/json": infer Body } };
}
  ? UndefinedWhereOptional<Body>
  : never;

/** An operation's query parameters (the optional ones may be `undefined`). */
export type OperationQuery<Operation> = Operation extends { parameters: { query?: infer Query } }
  ? UndefinedWhereOptional<NonNullable<Query>>
  : never;

/** Options a client's `withOptions()` applies to every call it makes. */
export interface PerCallOptions {
  /** Cancels the calls, their retries, waits and iterators. */
  signal?: AbortSignal | undefined;
  /** Time allowed for each attempt, in ms. */
  timeoutMs?: number | undefined;
  /** Retry rules; `false` sends once. */
  retry?: RetryOptions | false | undefined;
  /** @internal Told of each successful call's response: how a client's `withResponse()` collects it. */
  [RESPONSE_SINK]?: ResponseSink | undefined;
}

/** The key of `PerCallOptions`' response sink: a symbol, so no option a user spells can collide with it. */
export const RESPONSE_SINK = Symbol("bikavika.responseSink");

/** Receives the response of each call that succeeds. */
export type ResponseSink = (answer: Omit<WithResponse<unknown>, "data">) => void;

/** What a client's `withResponse(call)` resolves to: the call's data, with the HTTP response that carried it. */
export interface WithResponse<Data> {
  data: Data;
  /**
   * The response of the call's request (for work that made several requests, the last to answer), as the server
   * sent it: status, headers, and the body `data` was parsed from, still readable (`await response.text()`).
   */
  response: Response;
  /** The server's id for the request, read as errors read it (RUNTIME.md, "Errors"). */
  requestId: string | undefined;
}

/**
 * Runs `call`, giving it a sink for responses, and resolves to its data with the last response the sink was told
 * of. The clients' `withResponse()`: see RUNTIME.md, "Raw responses".
 */
export async function withResponse<Data>(call: (sink: ResponseSink) => Promise<Data>): Promise<WithResponse<Data>> {
  let last: Omit<WithResponse<unknown>, "data"> | undefined;
  const data = await call((answer) => {
    last = answer;
  });
  // Without a request there is no response to hand back, and an invented one would be a lie.
  if (!last) throw new ConfigurationError("withResponse(): the call made no request through the client it was given");
  return { data, ...last };
}


export interface CallOptions extends RequestOptions {
  /** The operation's responses are not wrapped in `{success, code, message, data}`. */
  enveloped?: boolean | undefined;
  /** Cancels the call, its retries and its waits. */
  signal?: AbortSignal | undefined;
  /** @internal See PerCallOptions. */
  [RESPONSE_SINK]?: ResponseSink | undefined;
}

export type Caller<Paths extends {}> = <Method extends HttpMethod, Path extends PathsWithMethod<Paths, Method>>(
  method: Method,
  path: Path,
  init: InitOf<OperationOf<Paths, Path, Method>>,
  options?: CallOptions,
) => Promise<OperationData<OperationOf<Paths, Path, Method>>>;

/** The server's id for a request, redacted. */
function requestIdOf(response: Response, redact: (text: string) => string): string | undefined {
  const requestId = serverRequestId(response);
  return requestId ? redact(requestId) : undefined;
}

interface Envelope {
  success: boolean;
  code?: unknown;
  message?: unknown;
  data?: unknown;
}

/** A body for a message: text as is, anything else as JSON, flattened and cut to 120 characters. */
function snippet(body: unknown): string {
  let text: string;
  try {
    text = typeof body === "string" ? body : JSON.stringify(body);
  } catch {
    // Too deep to serialise: named rather than thrown over.
    text = "[too deeply nested]";
  }
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat;
}

/** An error's message, and its cause's (Node's fetch puts the reason there: "fetch failed: connect ECONNREFUSED"). */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

/** A failure without a response, as an ApiError; anything that is not a transport failure is rethrown as a ConfigurationError. */
function transportError(error: unknown, method: string, path: string, redact: (text: string) => string): ApiError {
  if (error instanceof ApiError) return error;
  // fetch's refusal of a header quotes the value, which may be a secret given for this call only: not repeated.
  const reason = redact(reasonOf(error instanceof TransportFailure ? error.cause : error)).replace(
    /\bHeaders\.\w+: .* is an invalid header (name|value)\.?/s,
    "a header $1 holds characters fetch cannot send",
  );
  if (!(error instanceof TransportFailure) || error.kind === "local") {
    // Nothing was sent: building the request failed (a body that is not JSON, a bad header, a malformed id, an
    // option out of range), fetch refused to send it, or a custom fetch threw. A bad argument, never retried.
    if (error instanceof ConfigurationError) throw error;
    throw new ConfigurationError(`${method} ${path}: the request could not be sent (${reason})`, { cause: error });
  }
  const { status, location, limitBytes = 0 } = error.detail;
  const common = { method, path, status, retryCount: Math.max(0, error.attempts - 1), cause: error.cause };
  if (error.kind === "redirect") {
    const shown = location && redact(location);
    return new RedirectError({
      ...common,
      location: shown,
      message: `the server redirected${shown ? ` to ${shown}` : ""}; redirects are not followed (point baseUrl at the API's own address)`,
    });
  }
  if (error.kind === "invalid") {
    return new InvalidResponseError({ ...common, message: `the server answered with HTTP status ${status}, which is not a valid status` });
  }
  if (error.kind === "too-large") {
    return new ResponseTooLargeError({
      ...common,
      limitBytes,
      message: `the response body is larger than maxResponseBytes (${limitBytes} bytes); reading stopped there`,
    });
  }
  const [ErrorType, message] = (
    {
      abort: [AbortError, "aborted by the caller"],
      timeout: [TimeoutError, `no response within ${error.timeoutMs} ms`],
      connect: [ConnectionError, `could not connect (${reason})`],
      dropped: [NetworkError, `the connection dropped (${reason})`],
    } as const
  )[error.kind];
  return new ErrorType({ ...common, message, requestSent: error.requestSent });
}

/**
 * Redacts an error in place, down its cause chain (and an AggregateError's errors): every own string property
 * (message, stack, serverMessage, requestId, location, and whatever a library adds, such as the HTTP parser's
 * copy of the raw bytes in `data`), and `body`. Whatever a user can reach through `message`, `stack`,
 * `util.inspect` or `JSON.stringify` is covered. The ApiErrors this module builds are redacted as they are made;
 * this catches what came from elsewhere, e.g. fetch's own errors in `cause`.
 */
function redactError<E>(error: E, redact: (text: string) => string): E {
  const seen = new Set<unknown>();
  const replace = (target: object, key: string, value: unknown) => {
    const enumerable = Object.prototype.propertyIsEnumerable.call(target, key);
    Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable });
  };
  const visit = (current: unknown, depth: number): void => {
    if (typeof current !== "object" || current === null || seen.has(current) || depth > 8) return;
    seen.add(current);
    // `message` and `stack` may be inherited accessors (DOMException): read them as well as the own keys.
    for (const key of new Set(["message", "stack", ...Object.getOwnPropertyNames(current)])) {
      const value: unknown = Reflect.get(current, key);
      if (typeof value === "string") {
        const clean = redact(value);
        if (clean !== value) replace(current, key, clean);
      } else if (key === "body" || (value instanceof Uint8Array && key !== "cause")) {
        // A body (parsed JSON) or raw bytes a parser kept: redacted as data, the bytes as text.
        replace(current, key, value instanceof Uint8Array ? redact(new TextDecoder().decode(value)) : redactValue(value, redact));
      }
    }
    visit((current as { cause?: unknown }).cause, depth + 1);
    const inner = (current as { errors?: unknown }).errors;
    if (Array.isArray(inner)) for (const each of inner.slice(0, 16)) visit(each, depth + 1);
  };
  visit(error, 0);
  return error;
}

/**
 * Path parameters the URL parser would turn into dot segments ("." and "..", percent-encoded or not) or an empty
 * segment: `records.delete("..")` must not become a request to the parent path.
 */
function checkPathParams(init: { params?: { path?: unknown } } | undefined, method: string, path: string): void {
  const params = init?.params?.path;
  if (typeof params !== "object" || params === null) return;
  for (const [name, value] of Object.entries(params)) {
    // An array is sent comma-joined: [".."] would become the segment "..".
    const sent = Array.isArray(value) ? value.join(",") : value;
    if (typeof sent !== "string" && typeof sent !== "number") continue;
    if (/^(?:\.|%2e){0,2}$/i.test(String(sent))) {
      throw new ConfigurationError(`${method} ${path}: ${name} must be an id, got ${JSON.stringify(String(sent))}`);
    }
  }
}

/** What a create carried, for `OutcomeUnknownError.records`. */
function carriedRecords(body: unknown): readonly unknown[] {
  const records = (body as { records?: unknown } | undefined)?.records;
  if (Array.isArray(records)) return records;
  return body === undefined || body instanceof FormData ? [] : [body];
}

/**
 * A non-idempotent call (a create) that failed after it may have reached the server: 5xx, dropped, timed out,
 * aborted in flight. See RUNTIME.md, "Retries".
 */
function ambiguous(error: ApiError, idempotent: boolean): boolean {
  if (idempotent) return false;
  // A success:false body under HTTP 200 is a definite answer, whatever its code; a 5xx status is not.
  if (error instanceof ServerError) return (error.status ?? 0) >= 500;
  // A 2xx whose body cannot be read as the API's answer: the server may well have written.
  // A redirect too: a 303 after a POST conventionally means it was done.
  if (error instanceof TimeoutError || error instanceof InvalidResponseError || error instanceof RedirectError) return true;
  if (error instanceof AbortError) return error.requestSent;
  return error instanceof NetworkError && !(error instanceof ConnectionError);
}

/**
 * Turns a typed openapi-fetch client into `call(method, path, init, options)`: it resolves to the envelope's
 * `data` and throws an `ApiError` subclass for everything else. `secrets` (see `secretsOf`) never appear in an
 * error. `defaults` apply to every call (a client's `withOptions()`); `options` to one. `withoutData` names the
 * operations (`"DELETE /path/{template}"`) whose `success: true` answer may come without `data`; every other
 * enveloped answer must carry it. See RUNTIME.md, "Errors" and "Hostile servers".
 */
export function createCaller<Paths extends {}>(
  client: Client<Paths>,
  secrets: readonly string[],
  defaults: CallOptions = {},
  withoutData: readonly string[] = [],
): Caller<Paths> {
  const clientRedact = redactor(secrets);
  const dataOptional = new Set(withoutData);
  return (async (
    method: HttpMethod,
    path: string,
    init: { body?: unknown; params?: { path?: unknown }; headers?: unknown } | undefined,
    callOptions: CallOptions = {},
  ) => {
    const { enveloped = true, signal, [RESPONSE_SINK]: sink, ...requestOptions } = { ...defaults, ...callOptions };
    const upper = method.toUpperCase();
    // Secret headers given for this call only are redacted like the client's.
    const callSecrets = init?.headers === undefined ? [] : secretsOf({ headers: init.headers });
    const redact = callSecrets.length ? redactor([...secrets, ...callSecrets]) : clientRedact;
    try {
      checkPathParams(init, upper, path);
      const result = await (client as unknown as UntypedClient)
        .request(method, path, {
          ...init,
          ...(signal ? { signal } : {}),
          [REQUEST_OPTIONS_KEY]: requestOptions,
          parseAs: "text",
        })
        .catch((thrown: unknown) => {
          throw transportError(thrown, upper, path, redact);
        });
      const data = settle(result, upper, path, enveloped && (dataOptional.has(`${upper} ${path}`) ? "optional" : "required"), redact);
      sink?.({ response: result.response, requestId: requestIdOf(result.response, redact) });
      return data;
    } catch (error) {
      if (!(error instanceof ApiError && ambiguous(error, requestOptions.idempotent ?? isIdempotentMethod(upper)))) {
        throw redactError(error, redact);
      }
      throw redactError(
        new OutcomeUnknownError({
          ...error,
          message: error.serverMessage,
          note: "not re-sent: the create may have been written",
          cause: error,
          records: carriedRecords(init?.body),
        }),
        redact,
      );
    }
  }) as Caller<Paths>;
}

/** What openapi-fetch resolves to. */
interface Result {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/** The openapi-fetch client, as the caller drives it: any method, any path. */
interface UntypedClient {
  request(method: string, path: string, init: object): Promise<Result>;
}

/**
 * A response → the envelope's data, or the ApiError it stands for. `data`: whether an enveloped answer must carry
 * `data` ("required"), may omit it ("optional"), or the answer is not enveloped (false).
 */
function settle(
  { data, error, response }: Result,
  method: string,
  path: string,
  expect: "required" | "optional" | false,
  redact: (text: string) => string,
): unknown {
  let body = response.ok ? data : error;
  // Redacted before anything is cut from it: a secret cut in half by a snippet would no longer match.
  const excerpt = () => snippet(redactValue(body, redact));
  const fail = (message: string, ErrorType?: new (details: ApiErrorDetails) => ApiError, code?: number) => {
    message = redact(message);
    ErrorType ??= errorClassFor(response.status, code, message);
    return new ErrorType({
      method,
      path,
      message,
      status: response.status,
      code,
      requestId: requestIdOf(response, redact),
      retryCount: attemptsOf(response) - 1,
      body: redactValue(body, redact),
    });
  };
  // openapi-fetch has already tried JSON on error bodies; what is still text there is an error page.
  if (response.ok && typeof body === "string") {
    try {
      body = body.trim() ? JSON.parse(body) : undefined;
    } catch {
      throw fail(`the response is not JSON: ${excerpt()}`, InvalidResponseError);
    }
  }
  // The API's `{success, code, message, data}`, when the body is one.
  const envelope = typeof (body as Envelope | null | undefined)?.success === "boolean" ? (body as Envelope) : undefined;
  if (!response.ok || envelope?.success === false) {
    // The envelope's message, else the error page itself, else the status text. An array of messages is the
    // server's request validation (APITable sends it with code 500): a refusal, not a server failure.
    const listed = Array.isArray(envelope?.message) ? envelope.message.filter((item) => typeof item === "string") : undefined;
    const said = envelope
      ? (listed && listed.join("; ")) || (typeof envelope.message === "string" && envelope.message)
      : body !== undefined && excerpt();
    throw fail(
      said || response.statusText || "request failed",
      listed ? ValidationError : undefined,
      typeof envelope?.code === "number" ? envelope.code : undefined,
    );
  }
  if (expect === false) return body;
  if (!envelope) {
    throw fail(
      `expected a {success, data} envelope, got ${body === undefined ? "an empty body" : excerpt()}`,
      InvalidResponseError,
    );
  }
  // success: true with nothing in it, where the operation answers with data: not an answer, whatever it claims.
  if (expect === "required" && (envelope.data === undefined || envelope.data === null)) {
    throw fail(`the response says success but carries no data (data: ${String(envelope.data)})`, InvalidResponseError);
  }
  return envelope.data;
}
