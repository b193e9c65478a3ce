import { ConfigurationError } from "./errors.js";

/**
 * Refuses an option before any request: "`name` must be `expected`, got …". Objects and functions are named by
 * their type rather than printed, so that nothing large or secret ends up in the message.
 */
export function invalid(name: string, expected: string, value: unknown): never {
  const shown =
    typeof value === "string"
      ? JSON.stringify(value)
      : typeof value === "function"
        ? "a function"
        : typeof value === "object" && value !== null
          ? "an object"
          : String(value);
  throw new ConfigurationError(`${name} must be ${expected}, got ${shown}`);
}

/** Options with every default filled in: each one present, none `undefined`. */
export type Resolved<Options> = { [Key in keyof Options]-?: Exclude<Options[Key], undefined> };

/**
 * The longest delay a timer can hold: `setTimeout` and `AbortSignal.timeout` fire at once for anything longer
 * (about 24.8 days), which would turn a long wait into none at all.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A duration option in ms: finite, ≥ 0 (or > 0 when zero is not allowed), and within what timers can hold. */
export function checkDuration(name: string, value: unknown, zero: "allowed" | "not allowed" = "allowed"): number {
  if (!(typeof value === "number" && value >= 0 && value <= MAX_TIMER_MS && (value > 0 || zero === "allowed"))) {
    invalid(name, `a number of ms from ${zero === "allowed" ? 0 : "above 0"} to ${MAX_TIMER_MS} (about 24.8 days)`, value);
  }
  return value;
}

/**
 * What a header value may hold for every fetch: visible ASCII, spaces, tabs and the bytes 0x80–0xFF (undici's
 * rule, the strictest of the runtimes). Anything else (a line break, a control character, a character past
 * 0xFF) makes fetch refuse to send.
 */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Whether fetch can send this header, in every runtime: the name a token, the value per HEADER_VALUE. */
export function isSendableHeader(name: string, value: string): boolean {
  return HEADER_NAME.test(name) && HEADER_VALUE.test(value);
}
