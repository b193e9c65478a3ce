/** The `bikavika` command line, callable from code: `run(argv, io)` resolves to the exit code. */
export { run } from "./program.js";
export type { Io } from "./io.js";
export { EXIT, type ExitCode } from "./errors.js";
