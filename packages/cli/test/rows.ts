import { stringify } from "csv-stringify/sync";

/** The columns of the Books datasheet that a CSV sets (every writable type but attachments, which export as URLs). */
export const COLUMNS = ["Title", "Notes", "Genre", "Tags", "Pages", "Price", "Share", "Published", "Read", "Stars", "Site", "Contact", "Phone", "Owners", "Author", "书架"];

const NOTES = ["", "plain", 'quoted "words", and a comma', "two\nlines", "中文备注", "  padded  "];
const TAGS = ["", "Classic", "New", "Classic, New", "New, Classic"];
const OWNERS = ["", "Ada", "Bo", "Ada, Bo"];
const AUTHORS = ["", "recAuthorUrsula01", "recAuthorStanis01", "recAuthorUrsula01, recAuthorStanis01"];

/**
 * Row `i` of the generated Books file, every cell already in the form an export writes (so that the file and its
 * round trip compare equal as text): a unique title, and the other cells cycling through their forms, blanks included.
 */
export function bookRow(i: number, owners: readonly string[] = OWNERS): string[] {
  const day = Date.UTC(2020, 0, 1) + (i % 1500) * 86_400_000;
  return [
    `Book ${String(i).padStart(5, "0")}`,
    NOTES[i % NOTES.length]!,
    ["", "Novel", "Poetry", "Essay"][i % 4]!,
    TAGS[i % TAGS.length]!,
    i % 7 === 0 ? "" : String(i % 900),
    i % 5 === 0 ? "" : String((i % 400) / 4),
    i % 3 === 0 ? "" : String((i % 100) / 100),
    i % 11 === 0 ? "" : new Date(i % 2 ? day : day + (i % 86_400) * 1000).toISOString().replace(/T00:00:00\.000Z$/, ""),
    String(i % 2 === 0),
    i % 6 === 0 ? "" : String(i % 6),
    i % 4 === 0 ? "" : `https://example.com/books/${i}`,
    i % 4 === 1 ? "" : `reader${i}@example.com`,
    i % 4 === 2 ? "" : `+1 555 ${String(i).padStart(4, "0")}`,
    owners[i % owners.length]!,
    AUTHORS[i % AUTHORS.length]!,
    i % 2 ? "上层" : "",
  ];
}

/**
 * `members: false` leaves Owners empty (Vika resolves names only once the field's options list them); `owners`
 * gives the cells Owners cycles through instead of names (Bika takes member ids).
 */
export function booksCsv(count: number, { from = 1, members = true, owners = OWNERS }: { from?: number; members?: boolean; owners?: readonly string[] } = {}): string {
  const rows = Array.from({ length: count }, (_, index) => bookRow(from + index, members ? owners : [""]));
  return stringify([COLUMNS, ...rows], { record_delimiter: "unix" });
}
