/**
 * The Bika filter query language of the records endpoints' `filter` parameter, as the spec describes it: RSQL-like
 * comparisons (`==`, `!=`, `>`, `>=`, `<`, `<=`, `=c=` contains, `=nc=` does not contain) on field names
 * (`{Field Name}` when the name has spaces), joined with `;`/`and` or `,`/`or` but not both, strings in double
 * quotes, lists as `("a", "b")`, emptiness as `==null`. Example: `status=="Active";age>18`.
 */
import { readQuoted } from "../formula.js";

export class FilterError extends Error {}

export type Literal = string | number | boolean | null;
export type Operator = "==" | "!=" | ">" | ">=" | "<" | "<=" | "=c=" | "=nc=";

export interface Clause {
  field: string;
  op: Operator;
  value: Literal | Literal[];
}

export interface Filter {
  join: "and" | "or";
  clauses: Clause[];
}

/** A cell as the filter sees it; `null` is an empty cell. */
export type FilterCell =
  | { kind: "text"; value: string | null }
  | { kind: "number"; value: number | null }
  | { kind: "boolean"; value: boolean }
  | { kind: "date"; value: string | null }
  | { kind: "list"; value: string[] };

type Token =
  | { type: "field"; text: string }
  | { type: "word"; text: string }
  | { type: "string"; text: string }
  | { type: "op"; text: Operator }
  | { type: "and" | "or" | "open" | "close"; text: string };

const OPERATORS: Operator[] = ["=nc=", "=c=", "==", "!=", ">=", "<=", ">", "<"];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < source.length) {
    const char = source[index]!;
    if (/\s/.test(char)) {
      index += 1;
      continue;
    }
    if (char === "{") {
      const end = source.indexOf("}", index + 1);
      if (end < 0) throw new FilterError("a {field} reference is not closed");
      tokens.push({ type: "field", text: source.slice(index + 1, end) });
      index = end + 1;
      continue;
    }
    if (char === '"' || char === "'") {
      const string = readQuoted(source, index + 1, char);
      if (!string) throw new FilterError("a string is not closed");
      tokens.push({ type: "string", text: string.text });
      index = string.end;
      continue;
    }
    const op = OPERATORS.find((candidate) => source.startsWith(candidate, index));
    if (op) {
      tokens.push({ type: "op", text: op });
      index += op.length;
      continue;
    }
    const single = { ";": "and", ",": "or", "(": "open", ")": "close" } as const;
    if (char in single) {
      tokens.push({ type: single[char as keyof typeof single], text: char });
      index += 1;
      continue;
    }
    const word = /^[^\s;,()=!<>"'{}]+/.exec(source.slice(index))?.[0];
    if (!word) throw new FilterError(`unexpected "${char}"`);
    const keyword = word.toLowerCase();
    tokens.push(keyword === "and" || keyword === "or" ? { type: keyword, text: word } : { type: "word", text: word });
    index += word.length;
  }
  return tokens;
}

function literalOf(token: Token): Literal {
  if (token.type === "string") return token.text;
  if (token.type !== "word") throw new FilterError(`expected a value, got "${token.text}"`);
  const keyword = token.text.toLowerCase();
  if (keyword === "null") return null;
  if (keyword === "true") return true;
  if (keyword === "false") return false;
  const number = Number(token.text);
  return Number.isFinite(number) ? number : token.text;
}

export function parseFilter(source: string): Filter {
  const tokens = tokenize(source);
  if (tokens.length === 0) throw new FilterError("the filter is empty");
  let position = 0;
  const next = (what: string): Token => {
    const token = tokens[position];
    if (!token) throw new FilterError(`the filter ends where ${what} was expected`);
    position += 1;
    return token;
  };
  const clauses: Clause[] = [];
  let join: Filter["join"] | undefined;
  for (;;) {
    const field = next("a field name");
    if (field.type !== "field" && field.type !== "word") throw new FilterError(`expected a field name, got "${field.text}"`);
    const op = next("an operator");
    if (op.type !== "op") throw new FilterError(`expected an operator after "${field.text}", got "${op.text}"`);
    const first = next("a value");
    let value: Literal | Literal[];
    if (first.type === "open") {
      value = [];
      for (;;) {
        value.push(literalOf(next("a value")));
        const separator = next('"," or ")"');
        if (separator.type === "close") break;
        if (separator.type !== "or" || separator.text !== ",") throw new FilterError(`expected "," or ")" in a list, got "${separator.text}"`);
      }
    } else {
      value = literalOf(first);
    }
    clauses.push({ field: field.text, op: op.text, value });
    const joiner = tokens[position];
    if (!joiner) break;
    if (joiner.type !== "and" && joiner.type !== "or") throw new FilterError(`expected ";" or "," after a comparison, got "${joiner.text}"`);
    if (join && join !== joiner.type) throw new FilterError("AND (;) and OR (,) cannot be mixed in one filter");
    join = joiner.type;
    position += 1;
  }
  return { join: join ?? "and", clauses };
}

const isEmpty = (cell: FilterCell): boolean =>
  cell.kind === "list" ? cell.value.length === 0 : cell.kind === "boolean" ? !cell.value : cell.value === null || cell.value === "";

function numberOf(literal: Literal, field: string): number {
  const number = typeof literal === "number" ? literal : typeof literal === "string" ? Number(literal) : Number.NaN;
  if (!Number.isFinite(number)) throw new FilterError(`"${field}" is a number field; ${JSON.stringify(literal)} is not a number`);
  return number;
}

function timeOf(literal: Literal, field: string): number {
  const time = typeof literal === "string" ? Date.parse(literal) : Number.NaN;
  if (Number.isNaN(time)) throw new FilterError(`"${field}" is a date field; ${JSON.stringify(literal)} is not a date`);
  return time;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

function equals(cell: FilterCell, literal: Literal, field: string): boolean {
  if (literal === null) return isEmpty(cell);
  switch (cell.kind) {
    case "boolean":
      return cell.value === (literal === true || literal === "true");
    case "number":
      return cell.value !== null && cell.value === numberOf(literal, field);
    case "date":
      if (cell.value === null) return false;
      // A date without a time matches the whole (UTC) day, as a user typing "2024-12-01" means.
      return typeof literal === "string" && DATE_ONLY.test(literal)
        ? cell.value.slice(0, 10) === literal
        : Date.parse(cell.value) === timeOf(literal, field);
    case "list":
      return cell.value.includes(String(literal));
    default:
      return cell.value === String(literal);
  }
}

function contains(cell: FilterCell, literal: Literal): boolean {
  const needle = String(literal ?? "").toLowerCase();
  if (cell.kind === "list") return cell.value.some((item) => item.toLowerCase().includes(needle));
  if (cell.kind === "boolean") return false;
  return cell.value !== null && String(cell.value).toLowerCase().includes(needle);
}

function order(cell: FilterCell, literal: Literal, field: string): number | undefined {
  if (isEmpty(cell) || literal === null) return undefined;
  switch (cell.kind) {
    case "number":
      return cell.value! - numberOf(literal, field);
    case "date":
      return Date.parse(cell.value!) - timeOf(literal, field);
    case "text":
      return cell.value!.localeCompare(String(literal));
    default:
      throw new FilterError(`"${field}" cannot be compared with < or >`);
  }
}

function test(cell: FilterCell, clause: Clause): boolean {
  const { op, value, field } = clause;
  if (Array.isArray(value)) {
    if (op === "==") return value.some((item) => equals(cell, item, field));
    if (op === "!=") return !value.some((item) => equals(cell, item, field));
    throw new FilterError(`a list of values works with == and != only, not ${op}`);
  }
  switch (op) {
    case "==":
      return equals(cell, value, field);
    case "!=":
      return !equals(cell, value, field);
    case "=c=":
      return contains(cell, value);
    case "=nc=":
      return !contains(cell, value);
    default: {
      const difference = order(cell, value, field);
      if (difference === undefined) return false;
      return op === ">" ? difference > 0 : op === ">=" ? difference >= 0 : op === "<" ? difference < 0 : difference <= 0;
    }
  }
}

/** Whether a record passes the filter; `cellOf` reads the record's cell of a field named in the filter. */
export function matches(filter: Filter, cellOf: (field: string) => FilterCell): boolean {
  const results = filter.clauses.map((clause) => () => test(cellOf(clause.field), clause));
  return filter.join === "and" ? results.every((result) => result()) : results.some((result) => result());
}
