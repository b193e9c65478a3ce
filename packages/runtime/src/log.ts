/**
 * What the transport reports about each attempt, to a `logger` option or, in Node, to stderr when the environment
 * says `BIKAVIKA_LOG=debug`. Never the token, a header or a body: the method, the path template (ids left out),
 * the attempt, the status or why none came, the times, the request id. See RUNTIME.md, "Logging".
 */

interface EventBase {
  method: string;
  /** The operation's path template, e.g. `/fusion/v1/datasheets/{datasheetId}/records`. */
  path: string;
  /** 1 for the first attempt. */
  attempt: number;
}

export type ClientEvent =
  /** An attempt is about to go out; `waitedMs` is the time it waited for a rate-limit slot. */
  | (EventBase & { type: "request"; waitedMs: number })
  /** An answer arrived (any status) and its body was read. */
  | (EventBase & { type: "response"; status: number; durationMs: number; requestId: string | undefined })
  /** No usable answer: why (`timeout`, `dropped`, `connect`, `abort`, `redirect`, `too-large`, …). */
  | (EventBase & { type: "failure"; reason: string; durationMs: number })
  /** The attempt is sent again after `delayMs`, because of `reason` (a status or a failure). */
  | (EventBase & { type: "retry"; delayMs: number; reason: number | string });

export type Logger = (event: ClientEvent) => void;

/**
 * The readable logger `BIKAVIKA_LOG=debug` turns on: one line per event on stderr, e.g.
 * `[bikavika] GET /fusion/v1/datasheets/{datasheetId}/records #1 response status=200 durationMs=152`.
 */
export const debugLogger: Logger = ({ type, method, path, attempt, ...facts }) =>
  console.error(
    `[bikavika] ${method} ${path} #${attempt} ${type}${Object.entries(facts)
      .map(([name, value]) => (value === undefined ? "" : ` ${name}=${typeof value === "number" ? Math.round(value) : value}`))
      .join("")}`,
  );

/**
 * A request id fit for a log: the server's text, unless it might hold the token (the token, its encoded form, or
 * anything shaped like a credential), in which case all of it is withheld. Whole, not cut: a log needs no more.
 */
export function loggableRequestId(requestId: string | undefined, token: string): string | undefined {
  if (requestId === undefined) return undefined;
  const suspicious = requestId.includes(token) || requestId.includes(encodeURIComponent(token)) || /bearer|basic|usk|bkt/i.test(requestId);
  return suspicious ? "[redacted]" : requestId;
}

/** The logger the environment asks for: `BIKAVIKA_LOG=debug` where there is a `process` (Node, Bun, Deno). */
export function loggerFromEnvironment(): Logger | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.BIKAVIKA_LOG === "debug" ? debugLogger : undefined;
}
