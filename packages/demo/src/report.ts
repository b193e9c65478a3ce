import { inspect } from "node:util";

const MAX_WIDTH = 160;

function preview(value: unknown): string {
  const text = inspect(value, { depth: 4, breakLength: Number.POSITIVE_INFINITY, compact: true, colors: false });
  return text.length > MAX_WIDTH ? `${text.slice(0, MAX_WIDTH - 1)}…` : text;
}

/** Runs one step of a flow, prints what it returned (or why it failed), and counts failures. */
export class Report {
  failures = 0;

  section(title: string): void {
    console.log(`\n== ${title}`);
  }

  async step<T>(label: string, action: () => Promise<T>): Promise<T | undefined> {
    try {
      const value = await action();
      console.log(`  ok   ${label}\n       ${preview(value)}`);
      return value;
    } catch (error) {
      this.failures += 1;
      console.log(`  FAIL ${label}\n       ${error instanceof Error ? `${error.name}: ${error.message}` : preview(error)}`);
      return undefined;
    }
  }
}
