import { randomBytes } from "node:crypto";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** An id in the APIs' format: a three-letter prefix (`dst`, `rec`, `fld`, …) and `length` alphanumerics. */
export function newId(prefix: string, length = 10): string {
  const bytes = randomBytes(length);
  let id = prefix;
  // 62 does not divide 256, so the first letters are a hair likelier; ids need to be unique, not uniform.
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return id;
}
