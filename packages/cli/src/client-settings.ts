import { readFileSync } from "node:fs";
import { UsageError } from "./errors.js";

/** What every API command needs to make a client: the token (never printed), the server, the pace. */
export interface ClientSettings {
  token: string;
  host: string | undefined;
  /** Requests per second the client keeps to, or false for no limit (a local emulator). */
  qps: number | false;
  fetch: typeof globalThis.fetch;
}

/** Requests sent, and the answers that made the client wait and try again, for the summary and progress bar. */
export class RequestStats {
  requests = 0;
  rateLimited = 0;
  retried = 0;

  /** A fetch that counts every attempt the client makes. */
  readonly fetch: typeof globalThis.fetch = async (input, init) => {
    this.requests += 1;
    try {
      const response = await globalThis.fetch(input, init);
      if (response.status === 429) this.rateLimited += 1;
      else if (response.status >= 500) this.retried += 1;
      return response;
    } catch (error) {
      this.retried += 1;
      throw error;
    }
  };
}

export function parseQps(text: string): number | false {
  if (text === "off") return false;
  const value = Number(text);
  if (!(Number.isFinite(value) && value > 0 && value <= 1000)) throw new UsageError(`--qps must be a number of requests per second (up to 1000) or "off", got ${JSON.stringify(text)}`);
  return value;
}

/** The token from --token-file, else the environment variable; a file's trailing newline is dropped. */
export function readToken(tokenFile: string | undefined, envName: string, env: NodeJS.ProcessEnv): string {
  if (tokenFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(tokenFile, "utf8");
    } catch (error) {
      throw new UsageError(`--token-file ${tokenFile}: cannot read it (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    }
    const token = text.trim();
    if (token === "") throw new UsageError(`--token-file ${tokenFile}: the file is empty`);
    return token;
  }
  const token = env[envName]?.trim();
  if (!token) throw new UsageError(`no token: set ${envName} or pass --token-file FILE`);
  return token;
}
