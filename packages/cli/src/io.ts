import type { Writable } from "node:stream";

/** Where a command writes: standard output and error, whether stderr is a terminal, and the secrets to hide. */
export interface Io {
  stdout: Writable;
  stderr: Writable;
  /** The progress bar is drawn only on a terminal; elsewhere nothing but plain lines, no escape codes. */
  stderrIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  /** Anything printed passes through this, so a token that reached a message never reaches the screen. */
  secrets: Set<string>;
}

export function redact(io: Io, text: string): string {
  let out = text;
  for (const secret of io.secrets) if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  return out;
}

export function say(io: Io, text: string): void {
  io.stderr.write(`${redact(io, text)}\n`);
}

export function print(io: Io, text: string): void {
  io.stdout.write(`${redact(io, text)}\n`);
}
