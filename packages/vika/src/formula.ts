/**
 * `@bikavika/vika/formula`: a typed builder of Vika formulas, for `records.query({ filterByFormula })`.
 *
 * What the builder writes is read the same way by the server's formula lexer (APITable's
 * `formula_parser/lexer`) and by `@bikavika/emulator`:
 * - A field reference is `{name}` with `{`, `}` and `\` escaped by a backslash, as the server escapes names when
 *   it rewrites a formula. Its lexer ends a reference at the first `}` that follows a character other than `\`,
 *   so a name ending in `\`, or made of braces only, cannot be referenced by name: such names are refused.
 * - A string literal never escapes a quote: the server's lexer loses track of a string where an escaped quote
 *   follows another escape, and it also ends strings at the curly quotes “ ” ‘ ’. Text holding quotes is
 *   written as pieces joined with `&`, each in the quotes that do not occur in it: `('say ' & '"hi"')`.
 *   Backslash, line feed, carriage return and tab are escaped (`\\`, `\n`, `\r`, `\t`); a backslash followed by
 *   `n`, `r` or `t` starts a new piece, since the server turns `\n` into a line feed before it reads `\\`.
 *   U+2028 and U+2029 end the server's strings and have no escape: text holding them is refused.
 * - Every operation is parenthesised, so operator precedence (which differs between the server and the
 *   emulator) never decides what a formula means. Logic uses the AND, OR and NOT functions.
 */

/** Thrown for a value the formula language cannot express (see the module comment). */
export class FormulaError extends Error {
  override name = "FormulaError";
}

/** A formula whose value is a `T`. `String(formula)` (or `` `${formula}` ``) is the text for `filterByFormula`. */
export class Formula<out T = unknown> {
  /** Only for the type: what the formula evaluates to. */
  declare readonly valueType?: T;

  constructor(readonly text: string) {}

  toString(): string {
    return this.text;
  }

  eq<Self>(this: Formula<Self>, other: Operand<Self>): Formula<boolean> {
    return binary(this, "=", other);
  }

  ne<Self>(this: Formula<Self>, other: Operand<Self>): Formula<boolean> {
    return binary(this, "!=", other);
  }

  gt<Self>(this: Formula<Self>, other: Operand<Self>): Formula<boolean> {
    return binary(this, ">", other);
  }

  gte<Self>(this: Formula<Self>, other: Operand<Self>): Formula<boolean> {
    return binary(this, ">=", other);
  }

  lt<Self>(this: Formula<Self>, other: Operand<Self>): Formula<boolean> {
    return binary(this, "<", other);
  }

  lte<Self>(this: Formula<Self>, other: Operand<Self>): Formula<boolean> {
    return binary(this, "<=", other);
  }

  plus<Self>(this: Formula<Self>, other: NumberArg<Self>): Formula<number> {
    return binary(this, "+", other);
  }

  minus<Self>(this: Formula<Self>, other: NumberArg<Self>): Formula<number> {
    return binary(this, "-", other);
  }

  times<Self>(this: Formula<Self>, other: NumberArg<Self>): Formula<number> {
    return binary(this, "*", other);
  }

  dividedBy<Self>(this: Formula<Self>, other: NumberArg<Self>): Formula<number> {
    return binary(this, "/", other);
  }

  /** Text concatenation (`&`): both sides as text. */
  concat(other: Arg<unknown>): Formula<string> {
    return binary(this, "&", other);
  }
}

/** A value a formula takes directly: text, a number, true/false, or a Date (written as its ms timestamp). */
export type Literal = string | number | boolean | Date;

/** A literal or a formula of type `T`. */
export type Arg<T> = (unknown extends T ? Literal : T) | Formula<T>;

/** The other side of arithmetic on a formula of type `Self`: a number, unless `Self` is known not to be one. */
export type NumberArg<Self> = unknown extends Self ? Arg<number> : [Self] extends [number] ? Arg<number> : never;

/** The broad type of a formula value: what a comparison's other side must be. */
type Broad<T> = unknown extends T
  ? unknown
  : [T] extends [boolean]
    ? boolean
    : [T] extends [number]
      ? number
      : [T] extends [string]
        ? string
        : unknown;

/**
 * What a formula of type `T` is compared with: a literal of its type (a select field's options are offered by
 * name; a number or date field also takes a Date), or a formula of its broad type.
 */
export type Operand<T> =
  | (unknown extends T ? Literal : [T] extends [boolean] ? boolean : [T] extends [number] ? number | Date : [T] extends [string] ? T : Literal)
  | Formula<Broad<T>>;

/**
 * The formula type of a field, from its cell type in a field map: numbers (also dates, as ms timestamps), text
 * (select options keep their names), true/false (checkbox); lists and objects (multi-select, members, links,
 * attachments, URLs) are `unknown`.
 */
export type FieldValue<Cell> = [Present<Cell>] extends [boolean]
  ? boolean
  : [Present<Cell>] extends [number]
    ? number
    : [Present<Cell>] extends [string]
      ? Present<Cell>
      : unknown;

/** A cell type without its absent values. Not NonNullable, which folds `string & {}` (open option names) into `string`. */
type Present<Cell> = Exclude<Cell, undefined | null>;

/** A date for IS_BEFORE / IS_AFTER: a Date, a timestamp in ms, text the server parses (`"2026-01-31"`), or a formula. */
export type DateArg = Date | string | number | Formula<number> | Formula<string>;

/** The formula functions of the server that the builder writes; `fn()` writes any other. */
export interface FormulaBuilder<Fields extends object> {
  /** A field, by name (or by id, with a field map keyed by id). */
  field<Name extends keyof Fields & string>(name: Name): Formula<FieldValue<Fields[Name]>>;
  and(...conditions: Arg<unknown>[]): Formula<boolean>;
  or(...conditions: Arg<unknown>[]): Formula<boolean>;
  xor(...conditions: Arg<unknown>[]): Formula<boolean>;
  not(condition: Arg<unknown>): Formula<boolean>;
  if<Then, Otherwise = Then>(condition: Arg<unknown>, then: Arg<Then>, otherwise?: Arg<Otherwise>): Formula<Broad<Then | Otherwise>>;
  /** The empty value: `f.field("Due").eq(f.blank())` holds for records whose Due is empty. */
  blank(): Formula<never>;
  len(text: Arg<unknown>): Formula<number>;
  lower(text: Arg<unknown>): Formula<string>;
  upper(text: Arg<unknown>): Formula<string>;
  trim(text: Arg<unknown>): Formula<string>;
  /** The position (from 1) of `needle` in `haystack`, case-sensitive; 0 when absent. */
  find(needle: Arg<string>, haystack: Arg<unknown>, start?: Arg<number>): Formula<number>;
  /** As `find`, but blank rather than 0 when `needle` is absent. */
  search(needle: Arg<string>, haystack: Arg<unknown>, start?: Arg<number>): Formula<number>;
  left(text: Arg<unknown>, count: Arg<number>): Formula<string>;
  right(text: Arg<unknown>, count: Arg<number>): Formula<string>;
  mid(text: Arg<unknown>, start: Arg<number>, count: Arg<number>): Formula<string>;
  substitute(text: Arg<unknown>, from: Arg<string>, to: Arg<string>): Formula<string>;
  concatenate(...parts: Arg<unknown>[]): Formula<string>;
  /** Text as a number. */
  value(text: Arg<unknown>): Formula<number>;
  /** A list's items as text, joined by `separator` (", " by default). */
  arrayJoin(list: Arg<unknown>, separator?: Arg<string>): Formula<string>;
  abs(number: Arg<number>): Formula<number>;
  round(number: Arg<number>, digits?: Arg<number>): Formula<number>;
  roundUp(number: Arg<number>, digits?: Arg<number>): Formula<number>;
  roundDown(number: Arg<number>, digits?: Arg<number>): Formula<number>;
  int(number: Arg<number>): Formula<number>;
  mod(number: Arg<number>, divisor: Arg<number>): Formula<number>;
  power(number: Arg<number>, exponent: Arg<number>): Formula<number>;
  sqrt(number: Arg<number>): Formula<number>;
  max(...numbers: Arg<number>[]): Formula<number>;
  min(...numbers: Arg<number>[]): Formula<number>;
  sum(...numbers: Arg<number>[]): Formula<number>;
  average(...numbers: Arg<number>[]): Formula<number>;
  now(): Formula<number>;
  today(): Formula<number>;
  year(date: DateArg): Formula<number>;
  month(date: DateArg): Formula<number>;
  day(date: DateArg): Formula<number>;
  isBefore(date: DateArg, than: DateArg): Formula<boolean>;
  isAfter(date: DateArg, than: DateArg): Formula<boolean>;
  recordId(): Formula<string>;
  /** Any other function of the server's formula language, by name: `f.fn("DATETIME_DIFF", a, b, "days")`. */
  fn<T = unknown>(name: string, ...args: Arg<unknown>[]): Formula<T>;
}

/** `{name}`, escaped as the server escapes field names. See the module comment for the names refused. */
export function formulaField(name: string): string {
  if (typeof name !== "string" || name === "" || /^[{}]+$/.test(name) || name.endsWith("\\")) {
    throw new FormulaError(
      `the field name ${JSON.stringify(name)} cannot be written in a formula (empty, braces only, or ending in a backslash): refer to the field by id`,
    );
  }
  return `{${name.replace(/[{}\\]/g, "\\$&")}}`;
}

const ESCAPES: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** A string literal of `text`, in pieces joined with `&` where it holds quotes. See the module comment. */
export function formulaString(text: string): string {
  if (typeof text !== "string") throw new FormulaError(`expected text, got ${typeof text}`);
  if (/[\u2028\u2029]/.test(text)) throw new FormulaError("text with U+2028 or U+2029 cannot be written in a formula string");
  const pieces: string[] = [];
  let piece = "";
  // The kind of quote the piece holds: 1 double (" “ ”), 2 single (' ‘ ’), 0 none yet.
  let holds = 0;
  const close = () => {
    pieces.push(holds === 1 ? `'${piece}'` : `"${piece}"`);
    piece = "";
    holds = 0;
  };
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    const kind = `"“”`.includes(char) ? 1 : `'‘’`.includes(char) ? 2 : 0;
    if (kind && holds && kind !== holds) close();
    if (kind) holds = kind;
    piece += ESCAPES[char] ?? char;
    if (char === "\\" && /[nrt]/.test(text[index + 1] ?? "")) close();
  }
  if (piece || !pieces.length) close();
  return pieces.length === 1 ? pieces[0]! : `(${pieces.join(" & ")})`;
}

/** A number as the server's lexer reads numbers: digits and a point, never an exponent. */
function numberText(value: number): string {
  if (!Number.isFinite(value)) throw new FormulaError(`${value} cannot be written in a formula: numbers must be finite`);
  const [mantissa = "", exponent] = Math.abs(value).toString().split("e");
  let digits = mantissa;
  if (exponent) {
    const [whole = "", fraction = ""] = mantissa.split(".");
    const all = whole + fraction;
    const point = whole.length + Number(exponent);
    digits =
      point <= 0
        ? `0.${"0".repeat(-point)}${all}`
        : point >= all.length
          ? all + "0".repeat(point - all.length)
          : `${all.slice(0, point)}.${all.slice(point)}`;
  }
  return value < 0 ? `(-${digits})` : digits;
}

/** The formula text of an argument. */
function text(arg: Arg<unknown> | undefined): string {
  if (arg instanceof Formula) return arg.text;
  if (typeof arg === "string") return formulaString(arg);
  if (typeof arg === "number") return numberText(arg);
  if (typeof arg === "boolean") return arg ? "TRUE()" : "FALSE()";
  if (arg instanceof Date) return numberText(arg.getTime());
  throw new FormulaError(`a formula cannot hold ${arg === null ? "null (use blank())" : typeof arg}`);
}

function binary<T>(left: { readonly text: string }, op: string, right: unknown): Formula<T> {
  return new Formula(`(${left.text} ${op} ${text(right as Arg<unknown>)})`);
}

function call<T>(name: string, ...args: Array<Arg<unknown> | undefined>): Formula<T> {
  // Optional arguments left out stay out, so the server applies its own defaults.
  let count = args.length;
  while (count > 0 && args[count - 1] === undefined) count -= 1;
  return new Formula(`${name}(${args.slice(0, count).map(text).join(", ")})`);
}

const list =
  (name: string) =>
  (...args: Array<Arg<unknown> | undefined>) =>
    call(name, ...args);

// Each function's own signature is checked where it is declared, in FormulaBuilder; they all write `NAME(args)`.
const builder = {
  field: (name: string) => new Formula(formulaField(name)),
  and: list("AND"),
  or: list("OR"),
  xor: list("XOR"),
  not: list("NOT"),
  if: list("IF"),
  blank: list("BLANK"),
  len: list("LEN"),
  lower: list("LOWER"),
  upper: list("UPPER"),
  trim: list("TRIM"),
  find: list("FIND"),
  search: list("SEARCH"),
  left: list("LEFT"),
  right: list("RIGHT"),
  mid: list("MID"),
  substitute: list("SUBSTITUTE"),
  concatenate: list("CONCATENATE"),
  value: list("VALUE"),
  arrayJoin: list("ARRAYJOIN"),
  abs: list("ABS"),
  round: list("ROUND"),
  roundUp: list("ROUNDUP"),
  roundDown: list("ROUNDDOWN"),
  int: list("INT"),
  mod: list("MOD"),
  power: list("POWER"),
  sqrt: list("SQRT"),
  max: list("MAX"),
  min: list("MIN"),
  sum: list("SUM"),
  average: list("AVERAGE"),
  now: list("NOW"),
  today: list("TODAY"),
  year: list("YEAR"),
  month: list("MONTH"),
  day: list("DAY"),
  isBefore: list("IS_BEFORE"),
  isAfter: list("IS_AFTER"),
  recordId: list("RECORD_ID"),
  fn: (name: string, ...args: Arg<unknown>[]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new FormulaError(`${JSON.stringify(name)} is not a function name`);
    return call(name.toUpperCase(), ...args);
  },
} as FormulaBuilder<Record<string, unknown>>;

/**
 * The formula builder, typed by a field map (such as one `bikavika-vika-typegen` generates): `field()` takes only
 * the map's names, and comparisons only values of the field's type.
 *
 * @example
 * const f = formula<TasksFields>();
 * await datasheet.records.query({ filterByFormula: String(f.and(f.field("Status").eq("Done"), f.field("Estimate").gte(2))) });
 */
export function formula<Fields extends object = Record<string, unknown>>(): FormulaBuilder<Fields> {
  return builder as unknown as FormulaBuilder<Fields>;
}
