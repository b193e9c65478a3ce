import createClient, { type Client, type Middleware } from "openapi-fetch";
import { invalid } from "./config.js";
import { ConfigurationError } from "./errors.js";
import type { RetryOptions } from "./retry.js";
import type { RateLimitOptions } from "./throttle.js";
import { createTransport } from "./transport.js";

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
}

/** Checks a base URL and returns it without a trailing slash. See RUNTIME.md, "Safety". */
export function normalizeBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    invalid("baseUrl", "an absolute URL", baseUrl);
  }
  const { protocol, hostname } = url;
  if (!(protocol === "https:" || (protocol === "http:" && /^(localhost|127\.0\.0\.1|\[::1\])$|\.localhost$/.test(hostname)))) {
    invalid("baseUrl", "https:// (http:// for loopback hosts only)", `${protocol}//${url.host}`);
  }
  if (url.search || url.hash) invalid("baseUrl", "without a query string or fragment", baseUrl);
  return url.href.replace(/\/+$/, "");
}

/** The token, trimmed. Never echoed: a message names what is wrong with it, not what it is. */
function checkToken(token: unknown): string {
  const trimmed = typeof token === "string" ? token.trim() : "";
  if (!trimmed || /[\r\n]/.test(trimmed)) {
    throw new ConfigurationError("token must be a non-empty string without line breaks");
  }
  return trimmed;
}

/** Adds the bearer token to requests for the API's own origin only. */
export function authMiddleware(token: string, baseUrl: string): Middleware {
  const origin = new URL(baseUrl).origin;
  return {
    onRequest({ request }) {
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
    headers: { Accept: "application/json", ...config.headers },
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
  /** Records per write request in bulk writes. Default 10, the servers' limit. */
  maxRecordsPerWrite?: number | undefined;
  /** Write requests in flight at once in bulk writes. Default 3 (the rate limit still applies). */
  writeConcurrency?: number | undefined;
}
