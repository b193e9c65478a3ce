import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The built command, as npm installs it: the tests run it as a child process, the way users do. */
export const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

export const TOKEN = "usk-cli-test-token-0123456789";

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "bikavika-cli-"));
}

/** Starts the command; the emulator runs in this process, so the child must not be waited for synchronously. */
export function startCli(args: string[], env: Record<string, string | undefined> = {}, cwd?: string): { child: ChildProcess; done: Promise<Result> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const done = new Promise<Result>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function runCli(args: string[], env: Record<string, string | undefined> = {}, cwd?: string): Promise<Result> {
  return startCli(args, env, cwd).done;
}
