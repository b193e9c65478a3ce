/**
 * Credentials in general, after the exact secrets are gone: an `Authorization` scheme and whatever follows it up
 * to a space or quote (so a token with `+`, `$` or `)` in it is covered to its end), and the shapes of Vika
 * (`usk…`) and Bika (`bkt…`) API tokens.
 */
const GENERIC = /\b(?:Bearer|Basic)\s+[^\s"'<>]+|\b(?:usk|bkt)[A-Za-z0-9]{10,}/gi;
export const REDACTED = "[redacted]";
/** Deeper structures are cut here: no API sends them, and copying them recursively would overflow the stack. */
const MAX_DEPTH = 64;
export const TRUNCATED = "[truncated]";

/** Percent-encodes every byte outside RFC 3986's unreserved set (what Python's `quote(s, safe="")` does). */
const strictlyEncoded = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);

/** The text as the URL parser writes it into a path, or undefined when it cannot. */
function asUrlPath(text: string): string | undefined {
  try {
    return new URL(`http://h/${text}`).pathname.slice(1);
  } catch {
    return undefined;
  }
}

/**
 * Each secret as it may come back from a server: as given and trimmed; percent-encoded as encodeURIComponent,
 * encodeURI, RFC 3986, a form body and the URL parser (a redirect's Location) each do it, in upper- and
 * lower-case hex; JSON-escaped. Longest first, so that a secret inside another cannot leave the longer one's
 * tail behind.
 */
function forms(secrets: readonly string[]): string[] {
  const all = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== "string") continue;
    for (const form of new Set([secret, secret.trim()])) {
      all.add(form);
      all.add(JSON.stringify(form).slice(1, -1));
      const encoded = [encodeURIComponent(form), encodeURI(form), strictlyEncoded(form), new URLSearchParams({ s: form }).toString().slice(2), asUrlPath(form)];
      for (const each of encoded) {
        if (each === undefined) continue;
        all.add(each);
        all.add(each.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()));
      }
    }
  }
  all.delete("");
  return [...all].sort((a, b) => b.length - a.length);
}

/** A string redactor for these secrets: exact secrets first, then the generic credential patterns. */
export function redactor(secrets: readonly string[]): (text: string) => string {
  const wanted = forms(secrets);
  // One pass for every form: the alternatives in order, longest first, so the longest form at a place wins.
  const exact = wanted.length ? new RegExp(wanted.map((form) => form.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g") : undefined;
  return (text) => (exact ? text.replace(exact, REDACTED) : text).replace(GENERIC, REDACTED);
}

/**
 * Replaces every occurrence of the given secrets (and anything shaped like a credential) in a string, or in every
 * string of a JSON-like value, keys included (nested up to 64 levels; deeper parts become "[truncated]").
 * Servers sometimes echo request headers back (Bika's system meta does), so anything that ends up in an error
 * or a log passes through here first, before anything is cut short.
 */
export function redactSecrets<T>(value: T, secrets: readonly string[]): T {
  return redactValue(value, redactor(secrets));
}

/** `redactSecrets` with a redactor made once (see `redactor`), for code that redacts often. */
export function redactValue<T>(value: T, redact: (text: string) => string): T {
  const scrub = (input: unknown, depth: number): unknown => {
    if (typeof input === "string") return redact(input);
    if (typeof input !== "object" || input === null) return input;
    if (depth >= MAX_DEPTH) return TRUNCATED;
    // fromEntries defines each key as an own property, so a "__proto__" key stays data instead of replacing the
    // copy's prototype.
    return Array.isArray(input)
      ? input.map((inner) => scrub(inner, depth + 1))
      : Object.fromEntries(Object.entries(input).map(([key, inner]) => [redact(key), scrub(inner, depth + 1)]));
  };
  return scrub(value, 0) as T;
}
