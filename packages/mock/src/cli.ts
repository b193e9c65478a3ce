#!/usr/bin/env node
// bikavika-mock <bika|vika|path/to/openapi.yaml> [--port N] [--host H] [--dynamic]
import { parseArgs } from "node:util";
import { startMock } from "./index.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: "string" },
    host: { type: "string" },
    dynamic: { type: "boolean" },
  },
});
const spec = positionals[0];
if (!spec) {
  console.error("usage: bikavika-mock <bika|vika|path/to/openapi.yaml> [--port N] [--host H] [--dynamic]");
  process.exit(2);
}
const port = values.port === undefined ? undefined : Number(values.port);
if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
  console.error(`--port must be an integer between 1 and 65535, got ${values.port}`);
  process.exit(2);
}
startMock({ spec, port, host: values.host, dynamic: values.dynamic }).then(
  (mock) => {
    console.log(`Mock of ${mock.spec} listening on ${mock.url} (Ctrl+C to stop)`);
    const stop = () => void mock.stop().then(() => process.exit(0));
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
