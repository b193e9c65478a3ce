const BEARER = /Bearer\s+[A-Za-z0-9._~+/=-]+/g;
export const REDACTED = "[redacted]";
/** Deeper structures are cut here: no API sends them, and copying them recursively would overflow the stack. */
const MAX_DEPTH = 64;
export const TRUNCATED = "[truncated]";

/**
 * Replaces every occurrence of the given secrets (and any `Bearer …` credential) in a string, or in every
 * string of a JSON-like value (nested up to 64 levels; deeper parts become "[truncated]"). Servers sometimes echo request headers back (Bika's system meta does), so
 * anything that ends up in an error or a log passes through here first.
 */
export function redactSecrets<T>(value: T, secrets: readonly string[]): T {
  const wanted = secrets.filter(Boolean);
  const scrub = (input: unknown, depth: number): unknown => {
    if (typeof input === "string") {
      let output = input.replace(BEARER, `Bearer ${REDACTED}`);
      for (const secret of wanted) output = output.split(secret).join(REDACTED);
      return output;
    }
    if (typeof input !== "object" || input === null) return input;
    if (depth >= MAX_DEPTH) return TRUNCATED;
    // fromEntries defines each key as an own property, so a "__proto__" key stays data instead of replacing the
    // copy's prototype.
    return Array.isArray(input)
      ? input.map((inner) => scrub(inner, depth + 1))
      : Object.fromEntries(Object.entries(input).map(([key, inner]) => [key, scrub(inner, depth + 1)]));
  };
  return scrub(value, 0) as T;
}
