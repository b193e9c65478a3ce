/**
 * The fetch the typed clients hand to openapi-fetch. It sits beneath the middleware chain, so auth and user
 * middleware run once per call while this layer owns every attempt: rate limit → timeout → fetch → retry.
 * See RUNTIME.md.
 */
import { checkDuration, invalid, isSendableHeader } from "./config.js";
import { ConfigurationError } from "./errors.js";
import {
  type Failure,
  type RetryOptions,
  isConnectFailure,
  isLocalFailure,
  isIdempotentMethod,
  parseRetryAfter,
  resolveRetry,
  retryDelayMs,
  shouldRetry,
} from "./retry.js";
import { type Logger, loggableRequestId, loggerFromEnvironment } from "./log.js";
import { type RateLimitOptions, limiterFor, sleep, slidingWindowLimiter } from "./throttle.js";

/** Per-call options, carried from openapi-fetch's init to this layer on the Request object. */
export interface RequestOptions {
  /** Retry rules for this call, over the client's; `false` sends once. */
  retry?: RetryOptions | false | undefined;
  /** Time allowed for each attempt, in ms; over the client's. */
  timeoutMs?: number | undefined;
  /** Treat the call as safe to repeat (or not), whatever its method. */
  idempotent?: boolean | undefined;
}

export interface TransportOptions {
  /** The fetch to call; the global one (looked up at call time) when omitted. */
  fetch?: typeof globalThis.fetch | undefined;
  /** Used only to pick the rate-limit bucket. */
  token: string;
  retry?: RetryOptions | false | undefined;
  rateLimit?: RateLimitOptions | false | undefined;
  /** Time allowed for each attempt. Default 60 s; 0 disables. */
  timeoutMs?: number | undefined;
  /** The largest response body read, counted once decoded. Default 64 MiB. */
  maxResponseBytes?: number | undefined;
  /** Told of every attempt (RUNTIME.md, "Logging"); by default none, or stderr with `BIKAVIKA_LOG=debug`. */
  logger?: Logger | undefined;
}

/**
 * The key under which the client's middleware puts the operation's path template on the Request, so that the
 * logger names the operation without its ids.
 */
export const PATH_TEMPLATE_KEY = "bikavikaPathTemplate";

/** The default of `maxResponseBytes`: far above any page the APIs send (1000 records), far below a bomb. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** The key under which openapi-fetch copies our per-call options onto the Request. */
export const REQUEST_OPTIONS_KEY = "bikavikaOptions";

/** What the transport knows about a failure beyond its kind. */
export interface FailureDetail {
  /** The HTTP status of a redirect, of a body too large to read, or one outside 200–599. */
  status?: number | undefined;
  /** Where a redirect pointed: origin and path only, when visible. */
  location?: string | undefined;
  /** The `maxResponseBytes` a body went past. */
  limitBytes?: number | undefined;
}

/**
 * Why the transport gave up without a usable response; the caller turns it into an ApiError. "local": fetch
 * refused to send (nothing reached the wire); "redirect": the server answered 3xx; "too-large": the body went
 * past `maxResponseBytes`; "invalid": the status is outside 200–599.
 */
export class TransportFailure extends Error {
  declare readonly kind: "connect" | "dropped" | "timeout" | "abort" | "local" | "redirect" | "too-large" | "invalid";
  declare readonly attempts: number;
  declare readonly timeoutMs: number | undefined;
  /** For "abort": whether the request was on the wire. */
  declare readonly requestSent: boolean;
  declare readonly detail: FailureDetail;

  constructor(
    kind: TransportFailure["kind"],
    attempts: number,
    timeoutMs: number | undefined,
    cause: unknown,
    requestSent = false,
    detail: FailureDetail = {},
  ) {
    super(kind, { cause });
    Object.assign(this, { name: "TransportFailure", kind, attempts, timeoutMs, requestSent, detail });
  }
}

/** Where servers put their id for a request, in the order they are looked at. */
const REQUEST_ID_HEADERS = ["x-request-id", "request-id", "x-trace-id", "x-b3-traceid"];

/** The server's id for the request a response answers, as sent (unredacted), if it sent one. */
export function serverRequestId(response: Response): string | undefined {
  return REQUEST_ID_HEADERS.map((name) => response.headers.get(name)).find(Boolean) ?? undefined;
}

/** The statuses that redirect: never followed (RUNTIME.md, "Hostile servers"). */
const REDIRECTS = [301, 302, 303, 307, 308];

/** Where a redirect points, as it may be shown: origin and path, no credentials, query or fragment. */
function locationOf(response: Response, requestUrl: string): string | undefined {
  const location = response.headers.get("location");
  if (!location) return undefined;
  try {
    const url = new URL(location, requestUrl);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return undefined;
  }
}

/**
 * Whether a 5xx body is the server refusing the request rather than failing: `{success: false, message: [...]}`,
 * the array of failed constraints that APITable's request validation sends with HTTP 500. Sending it again
 * cannot succeed, so it is not retried (and the caller reports a ValidationError).
 */
function isValidationRefusal(bytes: Uint8Array | null): boolean {
  if (!bytes || bytes.byteLength > 65_536) return false;
  try {
    const body = JSON.parse(new TextDecoder().decode(bytes)) as { success?: unknown; message?: unknown } | null;
    return body?.success === false && Array.isArray(body.message);
  } catch {
    return false;
  }
}

/** A body past the limit: thrown by readBody, told apart from a failed read. */
class TooLarge extends Error {}

/**
 * The whole body, counted as it arrives (decoded) so that a decompression bomb stops at `limit` bytes, not at
 * the end of memory. Null for a response without a body.
 */
async function readBody(response: Response, limit: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const body = response.body;
  if (!body) return null;
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  // Not encoded and of a declared length within the limit: read whole (fetch holds it to that length).
  if (!response.headers.has("content-encoding") && declared <= limit) return new Uint8Array(await response.arrayBuffer());
  const reader = body.getReader();
  const stop = () => reader.cancel().catch(() => undefined);
  if (declared > limit) {
    await stop();
    throw new TooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    size += chunk.value.byteLength;
    if (size > limit) {
      await stop();
      throw new TooLarge();
    }
    chunks.push(chunk.value);
  }
  return joined(chunks, size);
}

/** Chunks read from a stream, as one array of `size` bytes. */
function joined(chunks: Uint8Array[], size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * A response whose body the transport has read whole. It holds the bytes rather than a stream over them (building
 * a stream for every response costs more than the rest of a small request's handling): `text()` and `json()`
 * decode them, as many times as asked; `body`, `arrayBuffer()`, `bytes()`, `blob()` and `formData()` come from a
 * Response over the same bytes, made when asked for, so middleware and `withResponse()` users read it as any
 * response.
 */
class ReadResponse extends Response {
  /** Null for a response without a body (a 204, say), whose `body` is null as any such response's. */
  readonly #read: Uint8Array<ArrayBuffer> | null;
  #body: ReadableStream<Uint8Array<ArrayBuffer>> | null | undefined;
  constructor(bytes: Uint8Array<ArrayBuffer> | null, init: Response) {
    super(null, init);
    this.#read = bytes;
  }
  #copy(): Response {
    return new Response(this.#read, this);
  }
  override get body(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
    if (this.#body === undefined) this.#body = this.#copy().body;
    return this.#body;
  }
  override text(): Promise<string> {
    return Promise.resolve(this.#read ? new TextDecoder().decode(this.#read) : "");
  }
  override async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
  override arrayBuffer(): Promise<ArrayBuffer> {
    return this.#copy().arrayBuffer();
  }
  override bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return this.#copy().bytes();
  }
  override blob(): Promise<Blob> {
    return this.#copy().blob();
  }
  override formData(): Promise<FormData> {
    return this.#copy().formData();
  }
  override clone(): ReadResponse {
    return new ReadResponse(this.#read, this);
  }
}

/**
 * A request's body, read whole before the first attempt so that every attempt sends the same bytes. Reading a
 * body the caller streams in is bounded like an attempt: the signal and `timeoutMs` end it and cancel the stream,
 * so nothing more is pulled from it. Nothing has been sent then, so a body that does not arrive in time is the
 * caller's failure ("local"), never an unknown outcome.
 */
async function readRequestBody(body: ReadableStream<Uint8Array>, signal: AbortSignal, timeoutMs: number | undefined): Promise<Uint8Array<ArrayBuffer>> {
  const reader = body.getReader();
  let failure: TransportFailure | undefined;
  // A cancelled reader's pending read ends at once (done), and the stream's source is told to stop.
  const stop = (reason: TransportFailure) => {
    failure ??= reason;
    reader.cancel(reason).catch(() => undefined);
  };
  const abort = () => stop(new TransportFailure("abort", 0, timeoutMs, signal.reason));
  const timer = timeoutMs
    ? setTimeout(() => stop(new TransportFailure("local", 0, timeoutMs, new Error(`the request body was not read within ${timeoutMs} ms`))), timeoutMs)
    : undefined;
  if (signal.aborted) abort();
  else signal.addEventListener("abort", abort, { once: true });
  try {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (let chunk = await reader.read(); !chunk.done && !failure; chunk = await reader.read()) {
      chunks.push(chunk.value);
      size += chunk.value.byteLength;
    }
    if (failure) throw failure;
    return joined(chunks, size);
  } catch (error) {
    throw failure ?? new TransportFailure("local", 0, timeoutMs, error);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", abort);
  }
}

const attemptsByResponse = new WeakMap<Response, number>();

/** How many attempts produced this response (1 = no retry). */
export function attemptsOf(response: Response): number {
  return attemptsByResponse.get(response) ?? 1;
}

function checkTimeout(ms: number | undefined): number | undefined {
  return ms === undefined ? ms : checkDuration("timeoutMs", ms);
}

export function createTransport(options: TransportOptions): typeof globalThis.fetch {
  const { token, fetch: customFetch, rateLimit = {} } = options;
  const baseRetry = resolveRetry(options.retry);
  const baseTimeout = checkTimeout(options.timeoutMs ?? 60_000);
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (!(Number.isSafeInteger(maxResponseBytes) && maxResponseBytes > 0)) {
    invalid("maxResponseBytes", "a positive whole number of bytes", maxResponseBytes);
  }
  if (rateLimit !== false) {
    if (typeof rateLimit !== "object" || rateLimit === null) invalid("rateLimit", "an options object or false", rateLimit);
    slidingWindowLimiter(rateLimit); // refuses a bad rate now, not at the first request
  }
  if (customFetch !== undefined && typeof customFetch !== "function") invalid("fetch", "a function", customFetch);
  if (options.logger !== undefined && typeof options.logger !== "function") invalid("logger", "a function", options.logger);
  const logger = options.logger ?? loggerFromEnvironment();
  // A logger that throws must not change what a call does.
  const log: Logger | undefined =
    logger &&
    ((event) => {
      try {
        logger(event);
      } catch {}
    });

  return async (input, init) => {
    const original = input instanceof Request && init === undefined ? input : new Request(input, init);
    const perCall: RequestOptions = (input as unknown as Record<string, RequestOptions | undefined>)[REQUEST_OPTIONS_KEY] ?? {};
    const retry = perCall.retry === undefined ? baseRetry : resolveRetry(options.retry, perCall.retry);
    const timeoutMs = checkTimeout(perCall.timeoutMs ?? baseTimeout);
    const idempotent = perCall.idempotent ?? isIdempotentMethod(original.method);
    const callerSignal = original.signal;
    const limiter = rateLimit ? limiterFor(token, new URL(original.url).pathname, rateLimit) : undefined;
    const body = original.body ? await readRequestBody(original.body, callerSignal, timeoutMs) : undefined;
    const giveUp = (failure: Failure, attempt: number) => attempt > retry.retries || !shouldRetry(failure, idempotent);
    const named = log && { method: original.method, path: String((input as unknown as Record<string, unknown>)[PATH_TEMPLATE_KEY] ?? new URL(original.url).pathname) };
    // A header fetch cannot send (one a middleware set, say) is the caller's mistake: refused before anything
    // is sent, never retried as if the network had failed. The value is not echoed: it may be a secret.
    for (const [name, value] of original.headers) {
      if (!isSendableHeader(name, value)) {
        throw new ConfigurationError(`the request header ${JSON.stringify(name)} holds characters fetch cannot send`);
      }
    }

    for (let attempt = 1; ; attempt += 1) {
      const queued = log && performance.now();
      try {
        callerSignal.throwIfAborted();
        await limiter?.acquire(callerSignal);
      } catch (error) {
        throw new TransportFailure("abort", attempt - 1, timeoutMs, error);
      }
      const sent = performance.now();
      if (named) log({ type: "request", ...named, attempt, waitedMs: sent - (queued as number) });
      // One controller per attempt, aborted by the caller's signal or the attempt's timer: cheaper than
      // AbortSignal.timeout() joined with AbortSignal.any(), which every request would pay for.
      const attemptController = timeoutMs ? new AbortController() : undefined;
      let timedOut = false;
      const timer = attemptController && setTimeout(() => {
        timedOut = true;
        attemptController.abort(new DOMException(`no response within ${timeoutMs} ms`, "TimeoutError"));
      }, timeoutMs);
      const forwardAbort = () => attemptController!.abort(callerSignal.reason);
      if (attemptController) callerSignal.addEventListener("abort", forwardAbort, { once: true });
      let response: Response | undefined;
      let status: number | undefined;
      let refusal = false;
      let thrown: unknown;
      try {
        // One Request per attempt, with the attempt's signal and body on it: fetch wrappers (a test's stub of the
        // global fetch, a custom fetch) may read only their first argument. With a body, the same options go beside
        // it, whole (a wrapper may take them for the request): fetch copies a Request's body through a stream,
        // but takes one given beside it as it is. Redirects come back as responses.
        const init: RequestInit = { method: original.method, headers: original.headers, redirect: "manual", signal: attemptController?.signal ?? callerSignal };
        if (body) init.body = body;
        const received = await (customFetch ?? fetch)(new Request(original, init), body && init);
        if (!(received instanceof Response)) throw new TypeError(`fetch resolved to ${typeof received}, not a Response`);
        limiter?.observe(performance.now() - sent);
        status = received.status;
        // A status outside 200–599 is no answer fetch's Response can carry (nor one the APIs send).
        if (!(status >= 200 && status <= 599) && received.type !== "opaqueredirect") {
          await received.body?.cancel().catch(() => undefined);
          throw new TransportFailure("invalid", attempt, timeoutMs, undefined, true, { status });
        }
        if (received.type === "opaqueredirect" || REDIRECTS.includes(received.status)) {
          await received.body?.cancel().catch(() => undefined);
          const detail = { status: received.status || undefined, location: locationOf(received, original.url) };
          throw new TransportFailure("redirect", attempt, timeoutMs, undefined, true, detail);
        }
        // The body is read inside the attempt: one that stalls counts against the attempt's timeout, and one cut
        // off mid-way is a dropped connection, both retried like any other failed attempt.
        const bytes = await readBody(received, maxResponseBytes);
        response = new ReadResponse(bytes, received);
        refusal = received.status >= 500 && isValidationRefusal(bytes);
      } catch (error) {
        if (error instanceof TransportFailure) throw error;
        if (error instanceof TooLarge) {
          throw new TransportFailure("too-large", attempt, timeoutMs, undefined, true, { status, limitBytes: maxResponseBytes });
        }
        // Once fetch has been called, any failure may have happened on the wire (classified below), unless fetch
        // itself says it refused to send.
        thrown = error;
      } finally {
        clearTimeout(timer);
        callerSignal.removeEventListener("abort", forwardAbort);
      }
      // What ended the attempt: the status, or why no answer came.
      const outcome: Failure | "abort" | "local" = response
        ? response.status
        : callerSignal.aborted
          ? "abort"
          : isLocalFailure(thrown)
            ? "local"
            : timedOut
              ? "timeout"
              : isConnectFailure(thrown)
                ? "connect"
                : "dropped";
      const durationMs = named ? performance.now() - sent : 0;
      if (named && response) {
        log({ type: "response", ...named, attempt, status: response.status, durationMs, requestId: loggableRequestId(serverRequestId(response), token) });
      } else if (named) log({ type: "failure", ...named, attempt, reason: outcome as string, durationMs });
      let retryAfterMs: number | undefined;
      if (response) {
        retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
        if (refusal || giveUp(response.status, attempt) || (retryAfterMs ?? 0) > retry.maxRetryAfterMs) {
          attemptsByResponse.set(response, attempt);
          return response;
        }
      } else {
        if (outcome === "abort") throw new TransportFailure("abort", attempt, timeoutMs, callerSignal.reason, true);
        if (outcome === "local") throw new TransportFailure("local", attempt, timeoutMs, thrown);
        if (giveUp(outcome, attempt)) throw new TransportFailure(outcome as "timeout" | "connect" | "dropped", attempt, timeoutMs, thrown);
      }
      const delayMs = retryAfterMs ?? retryDelayMs(retry, attempt - 1);
      if (named) log({ type: "retry", ...named, attempt, delayMs, reason: outcome });
      try {
        await sleep(delayMs, callerSignal);
      } catch (error) {
        throw new TransportFailure("abort", attempt, timeoutMs, error);
      }
    }
  };
}
