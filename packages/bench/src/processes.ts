// The bench's child processes: the emulator (emulator.ts) and the memory probe (memory.ts), forked from dist/.
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { EmulatorReady, EmulatorReport } from "./shared.js";

/** Forks one of the bench's scripts (a path relative to this file), with an IPC channel for its reports. */
export function start(script: string, args: string[] = [], execArgv: string[] = []): ChildProcess {
  return fork(fileURLToPath(new URL(script, import.meta.url)), args, { execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
}

/** The child's next message, or a rejection if it exits first. */
export function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once("message", (message) => resolve(message as T));
    child.once("exit", (code) => reject(new Error(`${child.spawnfile} exited (${code}) before reporting`)));
  });
}

/** An emulator in its own process; `report()` asks it for its stats, memory and page timings. */
export async function startEmulatorProcess(api: "vika" | "bika", records: number, qps: number | "off", latencyMs = 0) {
  const child = start("./emulator.js", [api, String(records), String(qps), String(latencyMs)], ["--expose-gc"]);
  const ready = await nextMessage<EmulatorReady>(child);
  return {
    ...ready,
    report: async () => {
      const answer = nextMessage<EmulatorReport>(child);
      child.send("report");
      return answer;
    },
    stop: () => child.kill(),
  };
}
