// `@bikavika/vika/formula` against the emulator: what the builder writes parses back to the names and text it was
// given, and a filter on a field whose name holds `}`, a backslash and quotes finds the record with quoted text.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Vika } from "@bikavika/vika";
import { FormulaError, formula, formulaField, formulaString } from "@bikavika/vika/formula";
import { SUPPORTED_FUNCTIONS, evaluate, parseFormula } from "../src/formula.js";
import { type Emulator, startEmulator } from "../src/index.js";

/** Characters that escaping can get wrong, and some that it must leave alone. */
const ALPHABET = [..."\"'“”‘’\\{}nrt\n\r\t &(),=!%+-a名😀"];

/** `count` strings of up to 12 characters from ALPHABET, the same on every run. */
function strings(count: number, seed: number): string[] {
  let state = seed;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return Array.from({ length: count }, () =>
    Array.from({ length: Math.floor(next() * 13) }, () => ALPHABET[Math.floor(next() * ALPHABET.length)]).join(""),
  );
}

const evaluated = (source: string, field: (name: string) => string | undefined = () => undefined) =>
  evaluate(parseFormula(source), { field, recordId: "rec1" });

describe("the emulator's parser reads what the builder writes", () => {
  it.each(strings(400, 7).concat(['say "hi"', "it's", "a\\nb", "\\", "line\r\nbreak", "“curly”", ""]))(
    "string %j comes back as written",
    (text) => {
      expect(evaluated(formulaString(text))).toBe(text);
    },
  );

  it.each(strings(400, 11).concat(["a}b", "标题 \"q\" 'x'", "{x}", "\\a", "}a"]))("field name %j is looked up as written", (name) => {
    let reference: string;
    try {
      reference = formulaField(name);
    } catch (error) {
      // Refused only where the server's lexer could not read the reference: empty, braces only, a trailing backslash.
      expect(error).toBeInstanceOf(FormulaError);
      expect(name === "" || /^[{}]+$/.test(name) || name.endsWith("\\")).toBe(true);
      return;
    }
    expect(evaluated(reference, (asked) => (asked === name ? "found" : undefined))).toBe("found");
  });

  it("reads string escapes as the server does: \\n, \\r, \\t, and a backslash before any other character", () => {
    expect(evaluated(String.raw`"a\nb\rc\td\"e\'f\\g\xh"`)).toBe("a\nb\rc\td\"e'f\\gxh");
    expect(evaluated(String.raw`'single \' quoted'`)).toBe("single ' quoted");
  });

  it("every function the builder writes is one the emulator supports", () => {
    const f = formula();
    const written = [
      f.and(1), f.or(1), f.xor(1), f.not(1), f.if(1, 2), f.blank(), f.len(""), f.lower(""), f.upper(""), f.trim(""),
      f.find("", ""), f.search("", ""), f.left("", 1), f.right("", 1), f.mid("", 1, 1), f.substitute("", "", ""),
      f.concatenate(""), f.value(""), f.arrayJoin(""), f.abs(1), f.round(1), f.roundUp(1), f.roundDown(1), f.int(1),
      f.mod(1, 1), f.power(1, 1), f.sqrt(1), f.max(1), f.min(1), f.sum(1), f.average(1), f.now(), f.today(), f.year(0),
      f.month(0), f.day(0), f.isBefore(0, 1), f.isAfter(0, 1), f.recordId(), f.field("x").eq(true),
    ];
    const names = new Set(written.flatMap((each) => String(each).match(/[A-Z_]+(?=\()/g) ?? []));
    expect(names.size).toBe(40);
    for (const name of names) expect(SUPPORTED_FUNCTIONS).toContain(name);
  });

  it("evaluates the builder's operators as written", () => {
    const f = formula();
    const value = (name: string) => ({ n: "4", t: "Ab" })[name];
    expect(evaluated(String(f.field("n").times(2).plus(1).minus(3).dividedBy(2).eq(3)), value)).toBe(true);
    expect(evaluated(String(f.and(f.field("t").concat("c").eq("Abc"), f.not(f.field("n").lt(-1)))), value)).toBe(true);
    expect(evaluated(String(f.field("n").eq(0.00000015)), value)).toBe(false);
  });
});

describe("a filter built with the formula builder, end to end", () => {
  const SPACE = "spcEmulator01";
  const TRICKY = 'Quote } \\ "name" 名字';
  interface TrickyFields {
    Title?: string;
    [TRICKY]?: string;
    Count?: number;
    Done?: boolean;
  }
  let emulator: Emulator;
  let vika: Vika;

  beforeAll(async () => {
    emulator = await startEmulator({ api: "vika" });
    vika = new Vika({ token: "uskFormulaBuilder", host: emulator.url, rateLimit: false });
  });
  afterAll(() => emulator?.stop());

  it("finds records by a field whose name holds } and quotes, and by text holding quotes, backslashes and line breaks", async () => {
    const { id } = await vika.space(SPACE).datasheets.create({
      name: "Formula builder",
      fields: [
        { name: "Title", type: "SingleText", property: {} },
        { name: TRICKY, type: "SingleText", property: {} },
        { name: "Count", type: "Number", property: { precision: 0 } },
        { name: "Done", type: "Checkbox", property: { icon: "white_check_mark" } },
      ],
    });
    const sheet = vika.datasheet(id);
    const values = [`say "hi" \\ it's`, "say hi", `“curly” ‘quotes’`, "two\nlines", "\\n, not a line break"];
    await sheet.records.create<TrickyFields>(
      values.map((value, index) => ({ fields: { Title: `row ${index}`, [TRICKY]: value, Count: index, Done: index % 2 === 0 } })),
    );
    const f = formula<TrickyFields>();
    const titles = async (filter: { toString(): string }) =>
      (await sheet.records.query<TrickyFields>({ filterByFormula: String(filter) })).records.map((record) => record.fields.Title);

    for (const [index, value] of values.entries()) {
      expect(await titles(f.field(TRICKY).eq(value))).toEqual([`row ${index}`]);
    }
    expect(await titles(f.and(f.find('"', f.field(TRICKY)).gt(0), f.field("Done").eq(true)))).toEqual(["row 0"]);
    expect(await titles(f.or(f.field("Count").gte(3), f.search("curly", f.field(TRICKY)).gt(0)))).toEqual(["row 2", "row 3", "row 4"]);
    expect(await titles(f.not(f.field(TRICKY).eq(values[0]!)))).toEqual(["row 1", "row 2", "row 3", "row 4"]);
  });
});
