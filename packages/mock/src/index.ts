import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";

export type KnownApi = "bika" | "vika";

export interface StartMockOptions {
  /** `"bika"` or `"vika"` for the published specs, or a path to any OpenAPI file. */
  spec: KnownApi | (string & {});
  /** Loopback port to listen on; a free one is picked when omitted. */
  port?: number | undefined;
  /** Interface to bind; loopback by default. */
  host?: string | undefined;
  /** Turn request-validation failures into 422 responses (on by default, as in the contract tests). */
  errors?: boolean | undefined;
  /** Generate responses from schemas instead of serving the spec's examples. */
  dynamic?: boolean | undefined;
  /**
   * How long to wait for Prism to report it is listening. Default 120 s: Prism starts in a second or two on an idle
   * machine, but can take tens of seconds on a busy one (a CI run testing many packages at once).
   */
  startupTimeoutMs?: number | undefined;
}

export interface MockServer {
  /** Base URL to give a client, e.g. `http://127.0.0.1:40123`. */
  url: string;
  port: number;
  /** The spec file the mock serves. */
  spec: string;
  /** Prism's recent log lines, useful when a test fails. */
  logs(): string[];
  stop(): Promise<void>;
}

export class MockStartError extends Error {
  override name = "MockStartError";
}

const require = createRequire(import.meta.url);

/**
 * Resolves `"bika"`/`"vika"` to the bundled spec of the matching `@bikavika/<api>-openapi` package. The JSON
 * bundle, not the YAML one: Prism's YAML reader drops the leading blank lines of block scalars in examples.
 */
export function resolveSpec(spec: string): string {
  if (spec === "bika" || spec === "vika") {
    return require.resolve(`@bikavika/${spec}-openapi/openapi.json`);
  }
  const path = resolve(spec);
  if (!existsSync(path)) throw new MockStartError(`No OpenAPI file at ${path}`);
  return path;
}

function prismBin(): string {
  return join(dirname(require.resolve("@stoplight/prism-cli/package.json")), "dist", "index.js");
}

export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

const MAX_LOG_LINES = 200;

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), 3000);
    child.once("exit", () => {
      clearTimeout(killer);
      done();
    });
    child.kill("SIGTERM");
  });
}

/**
 * Starts Prism in static mode on a loopback port, serving the spec's examples, and resolves once it listens.
 * Always `stop()` it: the mock is a child process.
 */
export async function startMock(options: StartMockOptions): Promise<MockServer> {
  const spec = resolveSpec(options.spec);
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? (await freePort(host));
  const args = [prismBin(), "mock", spec, "--host", host, "--port", String(port)];
  if (options.errors ?? true) args.push("--errors");
  if (options.dynamic) args.push("--dynamic");

  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, DO_NOT_TRACK: "1", SCARF_ANALYTICS: "false", NODE_ENV: "test" },
  });
  const lines: string[] = [];
  const record = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line.trim() === "") continue;
      lines.push(line);
      if (lines.length > MAX_LOG_LINES) lines.shift();
    }
  };
  child.stdout.on("data", record);
  child.stderr.on("data", record);

  const timeoutMs = options.startupTimeoutMs ?? 120_000;
  try {
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(
        () => fail(new MockStartError(`Prism did not start within ${timeoutMs} ms:\n${lines.join("\n")}`)),
        timeoutMs,
      );
      // Chunks can split a line, so the check runs on everything printed so far.
      let printed = "";
      const onData = (chunk: Buffer) => {
        printed += chunk.toString("utf8");
        if (printed.includes("Prism is listening")) {
          clearTimeout(timer);
          child.stdout.off("data", onData);
          ready();
        } else if (/fatal/i.test(printed)) {
          clearTimeout(timer);
          fail(new MockStartError(`Prism failed to start:\n${lines.join("\n")}`));
        }
      };
      child.stdout.on("data", onData);
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        fail(new MockStartError(`Prism exited (${signal ?? code}) before listening:\n${lines.join("\n")}`));
      });
    });
  } catch (error) {
    await stopChild(child);
    throw error;
  }

  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    spec,
    logs: () => [...lines],
    stop: () => stopChild(child),
  };
}

export { responseExample, specOperations } from "./examples.js";
export type { SpecOperation } from "./examples.js";
