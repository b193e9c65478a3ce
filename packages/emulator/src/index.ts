/**
 * `startEmulator({ api })`: a stateful emulator of the Vika or Bika API on a free loopback port. See README.md.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { deserialize, serialize } from "node:v8";
import Ajv2020 from "ajv/dist/2020.js";
import type { EmulatedApi } from "./api.js";
import { bikaSeedSchema, createBikaApi, defaultBikaSeed } from "./bika/index.js";
import { type FaultKind, type FaultOptions, type RequestLogEntry, startHttp } from "./http.js";
import { SeedError, createVikaApi } from "./vika/index.js";
import { type VikaSeed, defaultVikaSeed, vikaSeedSchema } from "./vika/seed.js";

export type { FaultKind, FaultOptions, RequestLogEntry } from "./http.js";
export type { VikaSeed } from "./vika/seed.js";
export { SUPPORTED_FUNCTIONS } from "./formula.js";
export { SeedError };

export type EmulatedApiName = "vika" | "bika";

export interface EmulatorOptions {
  api: EmulatedApiName;
  /** Port on 127.0.0.1; a free one when omitted. */
  port?: number | undefined;
  /** A seed object, or the path of a seed JSON file. Without one the API's default seed is loaded. */
  seed?: string | object | undefined;
  /** Requests per second per token and datasheet (Vika) or space (Bika), as the servers count; false for none. Default 5. */
  qps?: number | false | undefined;
  /** Added before every answer, in ms. */
  latencyMs?: number | undefined;
  /** Faults injected into a share of requests. */
  faults?: FaultOptions | undefined;
  /**
   * A directory that keeps the state across restarts (`<api>.state` in it, written after every change and on
   * stop): a restarted emulator carries on where it stopped; the seed is loaded only when there is no state yet.
   */
  dataDir?: string | undefined;
  /** Records per write request. Default 10, the servers' limit. */
  maxRecordsPerWrite?: number | undefined;
  /** Rows per Vika datasheet a create may reach. Default 50,000, the server's limit; a seed is not held to it. */
  maxRecordsPerDatasheet?: number | undefined;
}

/** Totals over `log`, for tests that check what a client sent. */
export interface EmulatorStats {
  requests: number;
  /** Requests answered 429 by the rate limit. */
  rateLimited: number;
  /** Requests given an injected fault, in all and by kind. */
  faulted: number;
  byFault: Partial<Record<FaultKind, number>>;
  /** The most records one write request carried, whether or not it was served. */
  largestWrite: number;
  /** Write requests that carried more than `maxRecordsPerWrite` records. */
  oversizeWrites: number;
}

export interface Emulator {
  /** `http://127.0.0.1:<port>`: the Vika client's `host`; the Bika client's base URL is this plus the API path. */
  url: string;
  /** The base URL to give the API's client (`url` for Vika, `url + "/api/openapi/bika"` for Bika). */
  baseUrl: string;
  /** The requests received, in order: the latest 100,000 (and at most twice that), so a long run does not grow. */
  log: readonly RequestLogEntry[];
  /** Puts the state back to the seed (for test isolation). */
  reset(): void;
  /** Faults for the next requests, in order, before the random mix (if any) resumes. */
  forceFaults(kinds: ReadonlyArray<FaultKind | "none">): void;
  setFaults(faults: FaultOptions | undefined): void;
  /** Resolves once every request received so far has been answered or dropped. */
  settled(): Promise<void>;
  /** Records of a Vika datasheet as stored (cells by field name). */
  records(datasheetId: string): Array<{ recordId: string; fields: Record<string, unknown> }>;
  /**
   * Adds records to a Vika datasheet without a request (no rate limit, faults or write limit), cells by field name
   * checked as a create checks them; a refusal is a RangeError and adds nothing. Returns them as `records()` does.
   */
  insert(datasheetId: string, cells: ReadonlyArray<Record<string, unknown>>): Array<{ recordId: string; fields: Record<string, unknown> }>;
  /** Totals over `log`. */
  stats(): EmulatorStats;
  stop(): Promise<void>;
}

/** The JSON Schema every seed file is checked against (published as `@bikavika/emulator/seed.schema.json`). */
export const seedSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "bikavika emulator seed",
  oneOf: [{ $ref: "#/$defs/vika" }, { $ref: "#/$defs/bika" }],
  $defs: { vika: vikaSeedSchema, bika: bikaSeedSchema },
} as const;

/** One compiled validator per API, made on first use. */
const validators = new Map<EmulatedApiName, ReturnType<Ajv2020["compile"]>>();

/** Checks a seed against the schema; a SeedError names the file, the JSON path and what was expected. */
export function checkSeed(seed: unknown, api: EmulatedApiName, source = "seed"): void {
  let check = validators.get(api);
  if (!check) {
    check = new Ajv2020({ allErrors: false, strict: false }).compile(api === "vika" ? vikaSeedSchema : bikaSeedSchema);
    validators.set(api, check);
  }
  if (!check(seed)) {
    const [error] = check.errors ?? [];
    const path = `$${(error?.instancePath ?? "").replace(/\/([^/]+)/g, (_match, key: string) => (/^\d+$/.test(key) ? `[${key}]` : `.${key}`))}`;
    const detail = error?.keyword === "additionalProperties" ? `unknown key "${String(error.params.additionalProperty)}"` : error?.keyword === "enum" ? `must be one of ${JSON.stringify(error.params.allowedValues)}` : error?.message;
    throw new SeedError(`${source}: ${path} ${detail}`);
  }
}

async function loadSeed(seed: EmulatorOptions["seed"], api: EmulatedApiName): Promise<object> {
  if (seed === undefined) return api === "vika" ? defaultVikaSeed : defaultBikaSeed;
  if (typeof seed !== "string") {
    checkSeed(seed, api);
    return seed;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(seed, "utf8"));
  } catch (error) {
    throw new SeedError(`${seed}: ${error instanceof SyntaxError ? `not valid JSON (${error.message})` : (error as Error).message}`);
  }
  checkSeed(parsed, api, seed);
  return parsed as object;
}

/** The path prefix of each API's client base URL. */
const BASE_PATH: Record<EmulatedApiName, string> = { vika: "", bika: "/api/openapi/bika" };

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  if (options.api !== "vika" && options.api !== "bika") throw new TypeError(`api must be "vika" or "bika", got ${JSON.stringify(options.api)}`);
  const seed = await loadSeed(options.seed, options.api);
  const maxRecordsPerWrite = options.maxRecordsPerWrite ?? 10;
  let api: EmulatedApi & Partial<Pick<Emulator, "records" | "insert">>;
  try {
    api =
      options.api === "vika"
        ? createVikaApi(seed as VikaSeed, { maxRecordsPerWrite, maxRecordsPerDatasheet: options.maxRecordsPerDatasheet ?? 50_000 })
        : createBikaApi(seed as Parameters<typeof createBikaApi>[0]);
  } catch (error) {
    if (error instanceof SeedError && typeof options.seed === "string") throw new SeedError(`${options.seed}: ${error.message}`);
    throw error;
  }
  const persistence = options.dataDir === undefined ? undefined : await persist(options.dataDir, options.api, api);
  // Routes are written as the spec's paths; the API's base path (Bika's `/api/openapi/bika`) goes in front.
  const prefix = BASE_PATH[options.api];
  const routes = api.routes.map((route) => (route.public || route.path.startsWith(prefix) ? route : { ...route, path: prefix + route.path }));
  const server = await startHttp({
    routes,
    bucketOf: api.bucketOf,
    recordsIn: api.recordsIn,
    errors: api.errors,
    errorExtra: api.errorExtra,
    qps: options.qps,
    latencyMs: options.latencyMs,
    faults: options.faults,
    port: options.port,
    onChange: persistence?.changed,
  });
  return {
    url: server.url,
    baseUrl: server.url + BASE_PATH[options.api],
    log: server.log,
    reset: () => {
      api.reset();
      persistence?.changed();
    },
    forceFaults: server.forceFaults,
    setFaults: server.setFaults,
    settled: server.settled,
    records: (datasheetId) => api.records?.(datasheetId) ?? [],
    insert: (datasheetId, cells) => {
      if (!api.insert) throw new TypeError("insert() adds records to Vika datasheets only");
      return api.insert(datasheetId, cells);
    },
    stats: () => {
      const stats: EmulatorStats = { requests: server.log.length, rateLimited: 0, faulted: 0, byFault: {}, largestWrite: 0, oversizeWrites: 0 };
      for (const entry of server.log) {
        if (entry.fault === "rate-limited") stats.rateLimited += 1;
        else if (entry.fault !== "none") {
          stats.faulted += 1;
          stats.byFault[entry.fault] = (stats.byFault[entry.fault] ?? 0) + 1;
        }
        stats.largestWrite = Math.max(stats.largestWrite, entry.records ?? 0);
        if ((entry.records ?? 0) > maxRecordsPerWrite) stats.oversizeWrites += 1;
      }
      return stats;
    },
    stop: async () => {
      await server.close();
      await persistence?.flush();
    },
  };
}

/** Where a state is kept: written to a temporary file first and renamed, so a crash never leaves half a file. */
async function persist(dataDir: string, name: EmulatedApiName, api: EmulatedApi) {
  const file = join(dataDir, `${name}.state`);
  await mkdir(dataDir, { recursive: true });
  let saved: Buffer | undefined;
  try {
    saved = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (saved) {
    try {
      api.importState(deserialize(saved));
    } catch (error) {
      throw new SeedError(`${file}: not a state this emulator wrote (${(error as Error).message}); delete it to start from the seed`);
    }
  }
  let timer: NodeJS.Timeout | undefined;
  let writing = Promise.resolve();
  const write = () => {
    timer = undefined;
    const bytes = serialize(api.exportState());
    writing = writing
      .then(async () => {
        const temporary = `${file}.${process.pid}.tmp`;
        await writeFile(temporary, bytes);
        await rename(temporary, file);
      })
      // A failed write (a full disk, a removed directory) is said, and the next change tries again.
      .catch((error: unknown) => void process.stderr.write(`bikavika-emulator: could not save the state to ${file}: ${(error as Error).message}\n`));
    return writing;
  };
  return {
    // Writes are gathered for 100 ms: a burst of requests costs one write.
    changed: () => {
      timer ??= setTimeout(() => void write(), 100);
    },
    flush: async () => {
      if (timer) {
        clearTimeout(timer);
        await write();
      }
      await writing;
    },
  };
}
