#!/usr/bin/env node
import { run } from "./program.js";

run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdoutIsTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
  env: process.env,
  secrets: new Set(),
}).then((code) => {
  process.exitCode = code;
});
