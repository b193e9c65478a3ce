import createClient, { type Client, type Middleware } from "openapi-fetch";
import { invalid, isSendableHeader } from "./config.js";
import { ConfigurationError } from "./errors.js";
import type { RetryOptions } from "./retry.js";
import type { RateLimitOptions } from "./throttle.js";
import { PATH_TEMPLATE_KEY, createTransport } from "./transport.js";
import type { Logger } from "./log.js";

/** Options are optional: `undefined` means the default, so that wrappers can pass theirs through as they are. */
export interface ApiClientConfig {
  /** API token, sent as `Authorization: Bearer <token>` to the base URL's origin and nowhere else. */
  token: string;
  /** Where the API lives. `https://` only, except loopback hosts (mock servers, local proxies). */
  baseUrl: string;
  /** A fetch implementation to use instead of the global one. */
  fetch?: typeof globalThis.fetch | undefined;
  /** Extra headers for every request. */
  headers?: Record<string, string> | undefined;
  /** Retry rules (RUNTIME.md, "Retries"); `false` sends every request once. */
  retry?: RetryOptions | false | undefined;
  /** Client-side rate limit (RUNTIME.md, "Rate limits"); `false` turns it off. Default 5 requests/s per bucket. */
  rateLimit?: RateLimitOptions | false | undefined;
  /** Time allowed for each attempt, in ms. Default 60 000; 0 disables. */
  timeoutMs?: number | undefined;
  /** The largest response body read, in bytes once decoded. Default 64 MiB. */
  maxResponseBytes?: number | undefined;
  /** Told of every attempt, never the token (RUNTIME.md, "Logging"). Default: none, or stderr with `BIKAVIKA_LOG=debug`. */
  logger?: Logger | undefined;
}

/** A URL as it may be shown in a message: no user name or password. */
function withoutCredentials(url: string): string {
  // Up to the last "@": a password may itself hold "/", "?", "#" or "@".
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/).*@/is, "$1");
}

/** Checks a base URL and returns it without a trailing slash. See RUNTIME.md, "Safety". */
export function normalizeBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    invalid("baseUrl", "an absolute URL", typeof baseUrl === "string" ? withoutCredentials(baseUrl) : baseUrl);
  }
  const { protocol, hostname } = url;
  if (!(protocol === "https:" || (protocol === "http:" && /^(localhost|127\.0\.0\.1|\[::1\])$|\.localhost$/.test(hostname)))) {
    invalid("baseUrl", "https:// (http:// for loopback hosts only)", `${protocol}//${url.host}`);
  }
  // Credentials in the URL would be sent by no fetch and shown by every error message.
  if (url.username || url.password) invalid("baseUrl", "without a user name or password", `${protocol}//${url.host}`);
  // A bare "?" or "#" parses to an empty query or fragment, yet would end up in front of every request path.
  if (/[?#]/.test(baseUrl)) invalid("baseUrl", "without a query string or fragment", url.origin + url.pathname);
  return url.href.replace(/\/+$/, "");
}

/** The token, trimmed. Never echoed: a message names what is wrong with it, not what it is. */
function checkToken(token: unknown): string {
  const trimmed = typeof token === "string" ? token.trim() : "";
  // Visible ASCII only: anything else cannot travel in an Authorization header in every runtime.
  if (!/^[\x21-\x7e]+$/.test(trimmed)) {
    throw new ConfigurationError("token must be a non-empty string of visible ASCII characters (no spaces, line breaks or control characters)");
  }
  return trimmed;
}

/** Extra headers, checked now so that a bad one is refused at construction, never echoing its value. */
function checkHeaders(headers: unknown): Record<string, string> {
  if (headers === undefined) return {};
  if (typeof headers !== "object" || headers === null || Array.isArray(headers)) invalid("headers", "an object of strings", headers);
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== "string" || !isSendableHeader(name, value)) {
      throw new ConfigurationError(
        `headers: ${JSON.stringify(name.slice(0, 64))} must be a header name with a string value of visible characters (no line breaks or control characters)`,
      );
    }
  }
  return headers as Record<string, string>;
}

/** Header names whose values are secrets (a proxy's key, a cookie) and are redacted from errors like the token. */
const SECRET_HEADER = /auth|token|secret|key|cookie|session|signature|password|credential/i;

/**
 * What must never appear in an error for this configuration: the token (as given and as sent) and the values of
 * the headers whose names say they are secrets (a record, a Headers object or a list of pairs).
 */
export function secretsOf(config: { token?: string | undefined; headers?: unknown }): string[] {
  const { headers } = config;
  const pairs: Array<[unknown, unknown]> =
    typeof headers !== "object" || headers === null
      ? []
      : Array.isArray(headers)
        ? (headers as Array<[unknown, unknown]>)
        : headers instanceof Headers
          ? [...headers]
          : Object.entries(headers);
  const fromHeaders = pairs
    .filter(([name, value]) => typeof name === "string" && SECRET_HEADER.test(name) && typeof value === "string" && value.trim().length >= 4)
    .map(([, value]) => value as string);
  return [config.token, ...fromHeaders].filter((secret): secret is string => typeof secret === "string" && secret !== "");
}

/** Adds the bearer token to requests for the API's own origin only. */
export function authMiddleware(token: string, baseUrl: string): Middleware {
  const origin = new URL(baseUrl).origin;
  return {
    onRequest({ request, schemaPath }) {
      // For the logger: the operation's template, never the ids in the URL.
      (request as unknown as Record<string, unknown>)[PATH_TEMPLATE_KEY] = schemaPath;
      if (new URL(request.url).origin === origin) request.headers.set("Authorization", `Bearer ${token}`);
      else request.headers.delete("Authorization");
    },
  };
}

/** A typed openapi-fetch client for `Paths`, authenticated with the token. */
export function createApiClient<Paths extends {}>(config: ApiClientConfig): Client<Paths> {
  const token = checkToken(config.token);
  const baseUrl = normalizeBaseUrl(config.baseUrl);
  const client = createClient<Paths>({
    baseUrl,
    headers: { Accept: "application/json", ...checkHeaders(config.headers) },
    fetch: createTransport({ ...config, token }),
  });
  client.use(authMiddleware(token, baseUrl));
  return client;
}

/** What both clients take on top of token and base URL: the runtime's mechanisms, each tunable or off. */
export interface RuntimeOptions {
  /** Retry rules (RUNTIME.md, "Retries"); `false` sends every request once. */
  retry?: RetryOptions | false | undefined;
  /** Client-side rate limit (RUNTIME.md, "Rate limits"); `false` turns it off. Default 5 requests/s per bucket. */
  rateLimit?: RateLimitOptions | false | undefined;
  /** Time allowed for each attempt, in ms. Default 60 000; 0 disables. */
  timeoutMs?: number | undefined;
  /** The largest response body read, in bytes once decoded (RUNTIME.md, "Hostile servers"). Default 64 MiB. */
  maxResponseBytes?: number | undefined;
  /** Told of every attempt, never the token (RUNTIME.md, "Logging"). Default: none, or stderr with `BIKAVIKA_LOG=debug`. */
  logger?: Logger | undefined;
  /** Records per write request in bulk writes. Default 10, the servers' limit. */
  maxRecordsPerWrite?: number | undefined;
  /** Pages requested ahead of the one being read by the paging iterators (RUNTIME.md, "Pagination"). Default: the rate limit's requests per second (5), at most 20; 4 with `rateLimit: false`. */
  readAhead?: number | undefined;
  /**
   * Write requests in flight at once in bulk writes, at most. Default: as many as the rate limit and the observed
   * round trip call for (RUNTIME.md, "Chunked writes").
   */
  writeConcurrency?: number | undefined;
}
