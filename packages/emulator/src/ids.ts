import { randomFillSync } from "node:crypto";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

// Random bytes drawn in blocks: one system call per id made loading a 100,000-record seed spend most of its
// time in the kernel.
const pool = Buffer.alloc(4096);
let used = pool.length;

/** An id in the APIs' format: a three-letter prefix (`dst`, `rec`, `fld`, …) and `length` alphanumerics. */
export function newId(prefix: string, length = 10): string {
  if (used + length > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  let id = prefix;
  // 62 does not divide 256, so the first letters are a hair likelier; ids need to be unique, not uniform.
  for (let index = used; index < used + length; index += 1) id += ALPHABET[pool[index]! % ALPHABET.length];
  used += length;
  return id;
}
