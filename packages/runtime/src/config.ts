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
