/**
 * The import journal: one JSON object per line, appended before each write request is sent and after its answer,
 * so that a run stopped at any point (a crash, Ctrl-C, kill -9) can be resumed without writing a row twice.
 *
 *   {"header": {...}}                      what the import is: the target, the file's digest, mode, key, columns
 *   {"send": [rows], "op": "create"}       about to send these rows (input row numbers)
 *   {"ok": [rows], "ids": [recordIds]}     the server answered: written
 *   {"fail": [rows], "reason": "…"}        the server refused them: not written
 *   {"complete": true}                     every row is written
 *
 * A create that was sent but has neither `ok` nor `fail` has an unknown outcome. Lines are appended with one
 * write(2) each, which a killed process cannot tear: the kernel has the bytes once the call returns. `send` lines
 * are also flushed to disk before the request goes out, so that even a machine that goes down mid-import leaves
 * no row sent without a trace; a lost `ok` line only makes its rows unknown, which a key lookup settles.
 */
import { closeSync, existsSync, fdatasyncSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { CliError, EXIT } from "./errors.js";

export interface JournalHeader {
  command: string;
  target: string;
  digest: string;
  mode: string;
  key: string | null;
  map: Record<string, string>;
  skip: string[];
  /** Cells convert by it: a resumed import must read them as the first run did. */
  separator: string;
  rows: number;
}

export type Op = "create" | "update";

export interface JournalState {
  /** Row → record id, for every row written. */
  written: Map<number, string>;
  /** Rows sent in a create whose answer was never recorded. */
  unknown: Set<number>;
  complete: boolean;
}

function sameHeader(a: JournalHeader, b: JournalHeader): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Whether a process with this id is running (one that belongs to another user counts). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * `<journal>.lock`, holding this process's id: two imports appending to one journal could each send the same
 * rows. A lock whose process is gone (a crash, kill -9) is stale and taken over.
 */
function lock(path: string): string {
  const lockPath = `${path}.lock`;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(lockPath, String(process.pid), { flag: "wx" });
      return lockPath;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EEXIST") throw new CliError(`cannot write the journal's lock ${lockPath} (${code ?? "error"}); choose another place with --journal FILE`, EXIT.usage);
    }
    const pid = Number(readFileSync(lockPath, "utf8").trim());
    if (Number.isSafeInteger(pid) && pid > 0 && running(pid)) {
      throw new CliError(`another import (process ${pid}) is writing with the journal ${path}; let it finish, or stop it first`, EXIT.usage);
    }
    rmSync(lockPath, { force: true });
  }
  throw new CliError(`cannot take the journal's lock ${lockPath}: another import keeps taking it`, EXIT.usage);
}

export class Journal {
  readonly #fd: number;
  readonly #lock: string;
  #open = true;

  private constructor(
    readonly path: string,
    fd: number,
    lockPath: string,
    readonly state: JournalState,
  ) {
    this.#fd = fd;
    this.#lock = lockPath;
  }

  /** Whether the journal at `path` records this import as complete; a journal of another import is refused. */
  static isComplete(path: string, header: JournalHeader): boolean {
    const state: JournalState = { written: new Map(), unknown: new Set(), complete: false };
    return existsSync(path) && replay(path, header, state) && state.complete;
  }

  /** Opens (or starts) the journal at `path` for this import; a journal of another import is refused. */
  static open(path: string, header: JournalHeader): Journal {
    const state: JournalState = { written: new Map(), unknown: new Set(), complete: false };
    const lockPath = lock(path);
    let fd: number;
    let exists: boolean;
    try {
      exists = existsSync(path) && replay(path, header, state);
      fd = openSync(path, exists ? "a" : "w");
    } catch (error) {
      rmSync(lockPath, { force: true });
      if (error instanceof CliError) throw error;
      throw new CliError(`cannot write the journal ${path} (${(error as NodeJS.ErrnoException).code ?? "error"}); choose another place with --journal FILE`, EXIT.usage);
    }
    const journal = new Journal(path, fd, lockPath, state);
    if (!exists) journal.#append({ header }, true);
    return journal;
  }

  #append(entry: unknown, durable = false): void {
    writeSync(this.#fd, `${JSON.stringify(entry)}\n`);
    if (durable) fdatasyncSync(this.#fd);
  }

  sending(rows: number[], op: Op): void {
    this.#append({ send: rows, op }, true);
    if (op === "create") for (const row of rows) this.state.unknown.add(row);
  }

  written(rows: number[], ids: string[]): void {
    this.#append({ ok: rows, ids });
    rows.forEach((row, index) => {
      this.state.unknown.delete(row);
      this.state.written.set(row, ids[index]!);
    });
  }

  failed(rows: number[], reason: string): void {
    this.#append({ fail: rows, reason });
    for (const row of rows) this.state.unknown.delete(row);
  }

  complete(): void {
    this.#append({ complete: true });
    this.state.complete = true;
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    closeSync(this.#fd);
    rmSync(this.#lock, { force: true });
  }
}

/**
 * Reads the journal into `state`. False when it belongs to another import that cannot be confused with this one:
 * one that never sent a request (its rows did not pass the checks) or one that finished. Then a new journal starts.
 */
function replay(path: string, header: JournalHeader, state: JournalState): boolean {
  const lines = readFileSync(path, "utf8").split("\n");
  const entries: Array<Record<string, unknown>> = [];
  for (const [index, line] of lines.entries()) {
    if (line === "") continue;
    try {
      entries.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // Only the last line can be cut short (a full disk); anything else is not this tool's journal.
      if (index === lines.length - 1 || (index === lines.length - 2 && lines.at(-1) === "")) continue;
      throw new CliError(`${path} is not a journal this tool wrote (line ${index + 1}); delete it to start over`, EXIT.usage);
    }
  }
  const first = entries[0]?.header as JournalHeader | undefined;
  if (!first) throw new CliError(`${path} is not a journal this tool wrote; delete it to start over`, EXIT.usage);
  if (!sameHeader(first, header) && (entries.length === 1 || entries.at(-1)?.complete === true)) return false;
  if (!sameHeader(first, header)) {
    const differs = (Object.keys(header) as Array<keyof JournalHeader>).filter((key) => JSON.stringify(first[key]) !== JSON.stringify(header[key]));
    throw new CliError(
      `the journal ${path} belongs to another import (its ${differs.join(", ")} differ${differs.length === 1 ? "s" : ""}${differs.includes("digest") ? ": the file changed since" : ""}); run the same command as before to resume it, or delete the journal (or pass --journal FILE) to start a new import`,
      EXIT.usage,
    );
  }
  const sent = new Map<number, Op>();
  for (const entry of entries.slice(1)) {
    if (Array.isArray(entry.send)) for (const row of entry.send as number[]) sent.set(row, entry.op as Op);
    if (Array.isArray(entry.ok)) {
      const ids = entry.ids as string[];
      (entry.ok as number[]).forEach((row, index) => {
        state.written.set(row, ids[index]!);
        sent.delete(row);
      });
    }
    if (Array.isArray(entry.fail)) for (const row of entry.fail as number[]) sent.delete(row);
    if (entry.complete === true) state.complete = true;
  }
  // An update sent again does no harm; only creates can be doubled.
  for (const [row, op] of sent) if (op === "create") state.unknown.add(row);
  return true;
}
