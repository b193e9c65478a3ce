#!/usr/bin/env node
/**
 * bikavika-emulator vika|bika [--port N] [--seed FILE] [--qps N|off] [--latency MS] [--data-dir DIR]
 * bikavika-emulator snapshot vika <datasheetId…> --out FILE
 */
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { SeedError, startEmulator } from "./index.js";
import { snapshotVika } from "./snapshot.js";

const USAGE = `Usage:
  bikavika-emulator vika|bika [--port N] [--seed FILE] [--qps N|off] [--latency MS] [--data-dir DIR]
      Starts the emulator on 127.0.0.1 and prints its base URL once it is ready. Ctrl-C or SIGTERM stops it.
      --port N      listen on port N (default: a free port)
      --seed FILE   load spaces, datasheets/databases and records from a seed file (schema: seed.schema.json)
      --qps N|off   requests per second per token and datasheet (Vika) or space (Bika); default 5
      --latency MS  delay every answer by MS milliseconds
      --data-dir DIR  keep the state in DIR across restarts (the seed is loaded only when DIR holds none)

  bikavika-emulator snapshot vika <datasheetId…> --out FILE
      Copies real datasheets (fields, views, records) into a seed file. Reads VIKA_TOKEN, and VIKA_HOST
      (default https://vika.cn).

Examples:
  bikavika-emulator vika --port 4010
  bikavika-emulator bika --seed ./seed.json --qps off
  VIKA_TOKEN=usk… bikavika-emulator snapshot vika dst0Yj5aNeoHldqvf6 --out seed.json`;

function fail(message: string, code = 2): never {
  process.stderr.write(`bikavika-emulator: ${message}\n`);
  process.exit(code);
}

function positive(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!(Number.isInteger(number) && number >= 0)) fail(`${name} must be a whole number, got ${JSON.stringify(value)}\n\n${USAGE}`);
  return number;
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        port: { type: "string" },
        seed: { type: "string" },
        qps: { type: "string" },
        latency: { type: "string" },
        "data-dir": { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    fail(`${(error as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const [command, ...rest] = positionals;
  if (command === "snapshot") {
    const [api, ...datasheetIds] = rest;
    if (api !== "vika") fail(`snapshot supports vika only\n\n${USAGE}`);
    if (datasheetIds.length === 0 || !values.out) fail(`snapshot needs datasheet ids and --out FILE\n\n${USAGE}`);
    const token = process.env.VIKA_TOKEN;
    if (!token) fail("set VIKA_TOKEN to the token of the account to copy from", 1);
    const seed = await snapshotVika({ token, host: process.env.VIKA_HOST, datasheetIds });
    await writeFile(values.out, `${JSON.stringify(seed, null, 2)}\n`);
    process.stderr.write(`wrote ${values.out}: ${datasheetIds.length} datasheet(s)\n`);
    return;
  }
  if (command !== "vika" && command !== "bika") fail(`the first argument must be vika, bika or snapshot\n\n${USAGE}`);
  if (rest.length > 0) fail(`unexpected argument ${JSON.stringify(rest[0])}\n\n${USAGE}`);
  const qps = values.qps === "off" ? false : positive("--qps", values.qps);
  if (qps === 0) fail("--qps must be at least 1 (or off)");
  const emulator = await startEmulator({
    api: command,
    port: positive("--port", values.port),
    seed: values.seed,
    qps,
    latencyMs: positive("--latency", values.latency),
    dataDir: values["data-dir"],
  });
  process.stdout.write(`${emulator.baseUrl}\n`);
  const stop = () => {
    void emulator.stop().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  if (error instanceof SeedError) fail(error.message, 1);
  if ((error as NodeJS.ErrnoException)?.code === "EADDRINUSE") fail("the port is already in use", 1);
  fail(error instanceof Error ? error.message : String(error), 1);
});
