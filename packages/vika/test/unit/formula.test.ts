// `@bikavika/vika/formula`: escaping as the server's formula lexer reads it, the functions, and the field-map typing.
// The round trip through the emulator's parser is in packages/emulator/test/formula-builder.test.ts.
import { describe, expect, expectTypeOf, it } from "vitest";
import { Formula, FormulaError, formula, formulaField, formulaString } from "../../src/formula.js";

interface TasksFields {
  Title?: string;
  Status?: "Todo" | "Done" | (string & {});
  Estimate?: number;
  Done?: boolean;
  Tags?: ("a" | "b" | (string & {}))[];
  readonly "No."?: number;
}

/**
 * A string literal read the way the server's lexer and parser read one: each piece ends at the first quote of its
 * own kind (straight or curly), no piece spans a line terminator, `\n`, `\r` and `\t` are replaced before other
 * escapes are removed, and pieces joined with `&` concatenate.
 */
function asTheServerReadsIt(literal: string): string {
  const body = literal.startsWith("(") ? literal.slice(1, -1) : literal;
  const pieces = body.match(/"[^"“”]*"|'[^'‘’]*'/g) ?? [];
  expect(pieces.join(" & ")).toBe(body);
  return pieces
    .map((piece) => {
      expect(piece).not.toMatch(/[\n\r\u2028\u2029]/);
      return piece
        .slice(1, -1)
        .replace(/\\n/g, "\n")
        .replace(/\\r/g, "\r")
        .replace(/\\t/g, "\t")
        .replace(/\\(.)/g, "$1");
    })
    .join("");
}

/** A field reference read as the server reads one: up to the first `}` after a character other than `\`. */
function fieldAsTheServerReadsIt(reference: string): string {
  let end = 2;
  while (!(reference[end] === "}" && reference[end - 1] !== "\\")) end += 1;
  expect(end).toBe(reference.length - 1);
  return reference.slice(1, end).replace(/\\(.)/g, "$1");
}

const NASTY_TEXT = [
  "",
  "plain",
  'say "hi"',
  "it's",
  `it's "both"`,
  "back\\slash",
  "trailing\\",
  "\\n is not a newline",
  "a\\\\nb",
  "line\nbreak\r\nand\ttab",
  "\\\n",
  "“curly” and ‘single’",
  "中文 “引号” 和 '单引号'",
  "{not a field}",
  "& ( ) , + - = ! %",
  "emoji 😀",
];

describe("formulaString (string literals)", () => {
  it.each(NASTY_TEXT)("%j is read back as written", (text) => {
    expect(asTheServerReadsIt(formulaString(text))).toBe(text);
  });

  it("writes the plain cases plainly, and never escapes a quote", () => {
    expect(formulaString("abc")).toBe('"abc"');
    expect(formulaString('say "hi"')).toBe(`'say "hi"'`);
    expect(formulaString("it's")).toBe(`"it's"`);
    expect(formulaString(`it's "x"`)).toBe(`("it's " & '"x"')`);
    expect(formulaString("a\\b\nc")).toBe('"a\\\\b\\nc"');
    expect(formulaString("a\\nb")).toBe('("a\\\\" & "nb")');
    // An escaped backslash may end a piece; no backslash escapes a quote.
    for (const text of NASTY_TEXT) expect(formulaString(text).replace(/\\\\/g, "")).not.toMatch(/\\["'“”‘’]/);
  });

  it("refuses U+2028 and U+2029, which end the server's strings and have no escape", () => {
    expect(() => formulaString("a\u2028b")).toThrow(FormulaError);
    expect(() => formulaString("a\u2029b")).toThrow(FormulaError);
  });
});

describe("formulaField (field references)", () => {
  it.each(["Title", "标题", "a}b", "}a", "a{b}", "a\\b", "\\a", 'say "hi"', "it's", "a\\}", "with space", "x\ny"])("%j is read back as written", (name) => {
    expect(fieldAsTheServerReadsIt(formulaField(name))).toBe(name);
  });

  it("escapes braces and backslashes as the server escapes names", () => {
    expect(formulaField("a}b")).toBe("{a\\}b}");
    expect(formulaField("a\\b")).toBe("{a\\\\b}");
    expect(formulaField("{x}")).toBe("{\\{x\\}}");
    expect(formulaField('标题 "q"')).toBe('{标题 "q"}');
  });

  it.each(["", "}", "{}", "}}{", "ends\\"])("refuses %j, which the server's lexer cannot read as one reference", (name) => {
    expect(() => formulaField(name)).toThrow(FormulaError);
    expect(() => formulaField(name)).toThrow("refer to the field by id");
  });
});

describe("the builder", () => {
  const f = formula<TasksFields>();

  it("writes comparisons, logic and functions, every operation parenthesised", () => {
    const filter = f.and(f.field("Status").eq("Done"), f.field("Estimate").gte(2), f.not(f.field("Done")));
    expect(String(filter)).toBe('AND(({Status} = "Done"), ({Estimate} >= 2), NOT({Done}))');
    expect(`${f.or(f.len(f.field("Title")).lt(8), f.field("Title").ne("x"))}`).toBe('OR((LEN({Title}) < 8), ({Title} != "x"))');
    expect(f.find("client", f.lower(f.field("Title"))).gt(0).toString()).toBe('(FIND("client", LOWER({Title})) > 0)');
    expect(f.field("Estimate").times(2).plus(1).minus(f.field("No.")).dividedBy(4).lte(3).text).toBe(
      "((((({Estimate} * 2) + 1) - {No.}) / 4) <= 3)",
    );
    expect(f.field("Title").concat(f.field("Status")).eq("ab").text).toBe('(({Title} & {Status}) = "ab")');
    expect(f.if(f.field("Done"), "yes", f.blank()).text).toBe('IF({Done}, "yes", BLANK())');
    expect(f.field("Title").eq(f.blank()).text).toBe("({Title} = BLANK())");
    expect(f.xor(true, false).text).toBe("XOR(TRUE(), FALSE())");
  });

  it("writes each function by its server name, leaving out optional arguments not given", () => {
    const title = f.field("Title");
    const n = f.field("Estimate");
    expect(
      [
        f.upper(title), f.trim(title), f.search("x", title), f.find("x", title, 2), f.left(title, 1), f.right(title, 2),
        f.mid(title, 1, 2), f.substitute(title, "a", "b"), f.concatenate(title, "!"), f.value(title), f.arrayJoin(f.field("Tags")),
        f.arrayJoin(f.field("Tags"), "; "), f.abs(n), f.round(n), f.round(n, 1), f.roundUp(n, 1), f.roundDown(n), f.int(n),
        f.mod(n, 2), f.power(n, 2), f.sqrt(n), f.max(n, 1), f.min(n, 1), f.sum(n, 1), f.average(n, 1), f.now(), f.today(),
        f.year(f.now()), f.month("2026-01-31"), f.day(0), f.recordId(),
      ].map(String),
    ).toEqual([
      "UPPER({Title})", "TRIM({Title})", 'SEARCH("x", {Title})', 'FIND("x", {Title}, 2)', "LEFT({Title}, 1)", "RIGHT({Title}, 2)",
      "MID({Title}, 1, 2)", 'SUBSTITUTE({Title}, "a", "b")', 'CONCATENATE({Title}, "!")', "VALUE({Title})", "ARRAYJOIN({Tags})",
      'ARRAYJOIN({Tags}, "; ")', "ABS({Estimate})", "ROUND({Estimate})", "ROUND({Estimate}, 1)", "ROUNDUP({Estimate}, 1)",
      "ROUNDDOWN({Estimate})", "INT({Estimate})", "MOD({Estimate}, 2)", "POWER({Estimate}, 2)", "SQRT({Estimate})",
      "MAX({Estimate}, 1)", "MIN({Estimate}, 1)", "SUM({Estimate}, 1)", "AVERAGE({Estimate}, 1)", "NOW()", "TODAY()",
      "YEAR(NOW())", 'MONTH("2026-01-31")', "DAY(0)", "RECORD_ID()",
    ]);
  });

  it("writes dates as ms timestamps, for comparisons and IS_BEFORE / IS_AFTER", () => {
    const day = new Date(Date.UTC(2026, 0, 31));
    expect(f.isBefore(f.field("Estimate"), day).text).toBe(`IS_BEFORE({Estimate}, ${day.getTime()})`);
    expect(f.isAfter("2026-01-01", f.today()).text).toBe('IS_AFTER("2026-01-01", TODAY())');
    expect(f.field("Estimate").gt(day).text).toBe(`({Estimate} > ${day.getTime()})`);
    expect(() => f.field("Estimate").gt(new Date(Number.NaN))).toThrow(FormulaError);
  });

  it("writes numbers as the server's lexer reads them: no exponent, negatives parenthesised", () => {
    const written = (value: number) => f.field("Estimate").eq(value).text.slice("({Estimate} = ".length, -1);
    expect([1, 1.5, -2, 0, -0, 1e21, 1.5e-7, 123456789.125, -1e-10].map(written)).toEqual([
      "1", "1.5", "(-2)", "0", "0", "1000000000000000000000", "0.00000015", "123456789.125", "(-0.0000000001)",
    ]);
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => written(value)).toThrow(FormulaError);
    }
  });

  it("writes any other server function with fn(), by a function name only", () => {
    expect(f.fn("datetime_diff", f.field("Estimate"), f.now(), "days").text).toBe('DATETIME_DIFF({Estimate}, NOW(), "days")');
    expect(() => f.fn("LEN) + (1")).toThrow(FormulaError);
  });

  it("refuses what a formula cannot hold", () => {
    expect(() => f.field("Title").eq(null as never)).toThrow("blank()");
    expect(() => f.find("x", undefined as never, 2)).toThrow(FormulaError);
  });

  it("is typed by the field map: names of the map, values of the field's type", () => {
    expectTypeOf(f.field("Status")).toEqualTypeOf<Formula<"Todo" | "Done" | (string & {})>>();
    expectTypeOf(f.field("Estimate")).toEqualTypeOf<Formula<number>>();
    expectTypeOf(f.field("Done")).toEqualTypeOf<Formula<boolean>>();
    expectTypeOf(f.field("Tags")).toEqualTypeOf<Formula<unknown>>();
    expectTypeOf(f.field("Status").eq("Done")).toEqualTypeOf<Formula<boolean>>();
    expectTypeOf(f.if(f.field("Done"), "yes", f.blank())).toEqualTypeOf<Formula<string>>();
    expectTypeOf(f.if(f.field("Done"), f.blank(), f.field("Estimate"))).toEqualTypeOf<Formula<number>>();
    // A field of the map compares with formulas of its broad type and, for lists, with anything.
    f.field("Status").eq(f.lower(f.field("Title")));
    f.field("Tags").eq("a");
    f.field("Estimate").lt(f.len(f.field("Title")));
    // @ts-expect-error not a field of the map
    f.field("Nope");
    // @ts-expect-error a number field takes numbers
    f.field("Estimate").eq("2");
    // @ts-expect-error a text field takes text
    f.field("Title").eq(2);
    // @ts-expect-error a checkbox takes true or false
    f.field("Done").eq("yes");
    // @ts-expect-error arithmetic is for numbers
    f.field("Title").plus(1);
    // @ts-expect-error a text formula is not a number
    f.field("Estimate").eq(f.field("Title"));
    // Without a map, any name and any value.
    const loose = formula();
    expectTypeOf(loose.field("anything")).toEqualTypeOf<Formula<unknown>>();
    expect(loose.field("anything").eq(1).text).toBe("({anything} = 1)");
    expect(loose.field("anything").plus(1).eq(2).text).toBe("(({anything} + 1) = 2)");
  });
});
