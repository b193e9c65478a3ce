const BEARER = /Bearer\s+[A-Za-z0-9._~+/=-]+/g;
export const REDACTED = "[redacted]";

/**
 * Replaces every occurrence of the given secrets (and any `Bearer …` credential) in a string, or in every
 * string of a JSON-like value. Servers sometimes echo request headers back (Bika's system meta does), so
 * anything that ends up in an error or a log passes through here first.
 */
export function redactSecrets<T>(value: T, secrets: readonly string[]): T {
  const wanted = secrets.filter((secret) => secret.length > 0);
  const scrub = (input: unknown): unknown => {
    if (typeof input === "string") {
      let output = input.replace(BEARER, `Bearer ${REDACTED}`);
      for (const secret of wanted) output = output.split(secret).join(REDACTED);
      return output;
    }
    if (Array.isArray(input)) return input.map(scrub);
    if (typeof input === "object" && input !== null) {
      const copy: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(input)) {
        // defineProperty keeps a "__proto__" key an own property instead of replacing the copy's prototype.
        Object.defineProperty(copy, key, { value: scrub(inner), enumerable: true, writable: true, configurable: true });
      }
      return copy;
    }
    return input;
  };
  return scrub(value) as T;
}
