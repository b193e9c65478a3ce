/**
 * A subset of the APITable formula language, for `filterByFormula` and Formula fields: literals, `{Field}`
 * references, arithmetic, comparison and logic operators, and the functions in FUNCTIONS. Anything else is a
 * FormulaError, which the routes answer the way the server answers a formula it cannot parse.
 */

export class FormulaError extends Error {}

export type Value = string | number | boolean | null | Value[];

type Node =
  | { kind: "literal"; value: Value }
  | { kind: "field"; name: string }
  | { kind: "unary"; op: string; operand: Node }
  | { kind: "binary"; op: string; left: Node; right: Node }
  | { kind: "call"; name: string; args: Node[] };

type Token = { type: "number" | "string" | "field" | "name" | "op" | "paren" | "comma"; text: string; value?: Value };

const OPERATORS = ["&&", "||", "==", "!=", "<>", "<=", ">=", "=", "<", ">", "+", "-", "*", "/", "%", "&", "!"];

/**
 * The text from `start` up to the next unescaped `close`, a backslash taking the character after it as
 * `escaped(char)` says; with the index just past `close`, or undefined when the source ends first. Field
 * references and strings of formulas and of Bika filters are all read this way.
 */
export function readQuoted(
  source: string,
  start: number,
  close: string,
  escaped: (char: string) => string = (char) => char,
): { text: string; end: number } | undefined {
  let text = "";
  for (let index = start; index < source.length; ) {
    const char = source[index]!;
    if (char === "\\" && index + 1 < source.length) {
      text += escaped(source[index + 1]!);
      index += 2;
    } else if (char === close) {
      return { text, end: index + 1 };
    } else {
      text += char;
      index += 1;
    }
  }
  return undefined;
}

/** A string's escapes: \n, \r and \t as the characters they name, any other character as itself. */
const stringEscape = (char: string) => (char === "n" ? "\n" : char === "r" ? "\r" : char === "t" ? "\t" : char);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < source.length) {
    const char = source[index]!;
    if (/\s/.test(char)) {
      index += 1;
    } else if (char === "{") {
      // {Field name}: `\}` and `\\` escape inside.
      const field = readQuoted(source, index + 1, "}");
      if (!field) throw new FormulaError("a field reference is not closed with }");
      tokens.push({ type: "field", text: field.text });
      index = field.end;
    } else if (char === '"' || char === "'") {
      const string = readQuoted(source, index + 1, char, stringEscape);
      if (!string) throw new FormulaError("a string is not closed");
      tokens.push({ type: "string", text: string.text, value: string.text });
      index = string.end;
    } else if (/[0-9.]/.test(char)) {
      const match = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(source.slice(index));
      if (!match) throw new FormulaError(`unexpected "${char}"`);
      tokens.push({ type: "number", text: match[0], value: Number(match[0]) });
      index += match[0].length;
    } else if (/[A-Za-z_]/.test(char)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(index))!;
      tokens.push({ type: "name", text: match[0] });
      index += match[0].length;
    } else if (char === "(" || char === ")") {
      tokens.push({ type: "paren", text: char });
      index += 1;
    } else if (char === ",") {
      tokens.push({ type: "comma", text: char });
      index += 1;
    } else {
      const op = OPERATORS.find((candidate) => source.startsWith(candidate, index));
      if (!op) throw new FormulaError(`unexpected "${char}"`);
      tokens.push({ type: "op", text: op });
      index += op.length;
    }
  }
  return tokens;
}

/** Binding power of each binary operator: logic lowest, then comparison, concatenation, sums, products. */
const PRECEDENCE: Record<string, number> = {
  "||": 1,
  "&&": 2,
  "=": 3,
  "==": 3,
  "!=": 3,
  "<>": 3,
  "<": 4,
  "<=": 4,
  ">": 4,
  ">=": 4,
  "&": 5,
  "+": 6,
  "-": 6,
  "*": 7,
  "/": 7,
  "%": 7,
};

/** Formulas deeper than this are refused: recursion on them could exhaust the stack. */
const MAX_DEPTH = 200;

export function parseFormula(source: string): Node {
  if (source.length > 100_000) throw new FormulaError("the formula is too long");
  const tokens = tokenize(source);
  let position = 0;
  const peek = () => tokens[position];
  const expect = (type: Token["type"], text?: string) => {
    const token = tokens[position];
    if (!token || token.type !== type || (text !== undefined && token.text !== text)) {
      throw new FormulaError(`expected ${text ?? type}${token ? ` before "${token.text}"` : " at the end"}`);
    }
    position += 1;
    return token;
  };

  const primary = (depth: number): Node => {
    if (depth > MAX_DEPTH) throw new FormulaError("the formula is nested too deeply");
    const token = peek();
    if (!token) throw new FormulaError("the formula ends too early");
    position += 1;
    switch (token.type) {
      case "number":
      case "string":
        return { kind: "literal", value: token.value! };
      case "field":
        return { kind: "field", name: token.text };
      case "paren": {
        if (token.text !== "(") throw new FormulaError('unexpected ")"');
        const inner = expression(0, depth + 1);
        expect("paren", ")");
        return inner;
      }
      case "op":
        if (token.text === "-" || token.text === "!" || token.text === "+") {
          return { kind: "unary", op: token.text, operand: expression(8, depth + 1) };
        }
        throw new FormulaError(`unexpected "${token.text}"`);
      case "name": {
        const name = token.text.toUpperCase();
        if (peek()?.text !== "(") {
          if (name === "TRUE" || name === "FALSE") return { kind: "literal", value: name === "TRUE" };
          throw new FormulaError(`unknown name ${token.text}: field names go in {braces}`);
        }
        position += 1;
        const args: Node[] = [];
        if (peek()?.text !== ")") {
          for (;;) {
            args.push(expression(0, depth + 1));
            if (peek()?.type !== "comma") break;
            position += 1;
          }
        }
        expect("paren", ")");
        if (!(name in FUNCTIONS)) throw new FormulaError(`the function ${token.text} is not supported`);
        return { kind: "call", name, args };
      }
      default:
        throw new FormulaError(`unexpected "${token.text}"`);
    }
  };

  const expression = (minPower: number, depth: number): Node => {
    let left = primary(depth);
    for (;;) {
      const token = peek();
      const power = token?.type === "op" ? PRECEDENCE[token.text] : undefined;
      if (power === undefined || power <= minPower) return left;
      position += 1;
      left = { kind: "binary", op: token!.text, left, right: expression(power, depth + 1) };
    }
  };

  if (tokens.length === 0) throw new FormulaError("the formula is empty");
  const tree = expression(0, 0);
  if (position < tokens.length) throw new FormulaError(`unexpected "${tokens[position]!.text}"`);
  return tree;
}

const isBlank = (value: Value): boolean => value === null || value === "" || (Array.isArray(value) && value.length === 0);

export function toText(value: Value): string {
  if (value === null) return "";
  if (Array.isArray(value)) return value.map(toText).join(", ");
  return String(value);
}

export function toNumber(value: Value): number {
  if (value === null || value === "") return 0;
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (Array.isArray(value)) return value.length === 1 ? toNumber(value[0]!) : Number.NaN;
  const number = Number(value.trim());
  return number;
}

export function truthy(value: Value): boolean {
  if (Array.isArray(value)) return value.some(truthy);
  return !(value === null || value === false || value === 0 || value === "" || Number.isNaN(value));
}

function compare(op: string, left: Value, right: Value): boolean {
  if (isBlank(left) && isBlank(right)) return op === "=" || op === "==" || op === "<=" || op === ">=";
  const numeric =
    (typeof left === "number" || typeof right === "number" || typeof left === "boolean" || typeof right === "boolean") &&
    !Number.isNaN(toNumber(left)) &&
    !Number.isNaN(toNumber(right));
  const a: number | string = numeric ? toNumber(left) : toText(left);
  const b: number | string = numeric ? toNumber(right) : toText(right);
  switch (op) {
    case "=":
    case "==":
      return a === b;
    case "!=":
    case "<>":
      return a !== b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    default:
      return a >= b;
  }
}

const numbers = (args: Value[]) => args.flat(Infinity as 1).map((value) => toNumber(value as Value)).filter((n) => !Number.isNaN(n));
const round = (value: number, digits: number, mode: (n: number) => number) => {
  const factor = 10 ** digits;
  return mode(value * factor) / factor;
};
const dateOf = (value: Value) => new Date(typeof value === "number" ? value : Date.parse(toText(value)));

/** The longest text a formula may build: REPT and friends must not grow a string until memory runs out. */
const MAX_TEXT = 100_000;

/** Refuses, before it is built, a text longer than MAX_TEXT. */
function fits(length: number, what: string): void {
  if (length > MAX_TEXT) throw new FormulaError(`${what} would make a text longer than ${MAX_TEXT} characters`);
}

/** The supported functions, by upper-case name: each takes evaluated arguments. */
const FUNCTIONS: Record<string, (args: Value[]) => Value> = {
  AND: (args) => args.every(truthy),
  OR: (args) => args.some(truthy),
  NOT: ([value = null]) => !truthy(value),
  XOR: (args) => args.filter(truthy).length % 2 === 1,
  IF: ([condition = null, then = null, otherwise = null]) => (truthy(condition) ? then : otherwise),
  BLANK: () => null,
  TRUE: () => true,
  FALSE: () => false,
  ISBLANK: ([value = null]) => isBlank(value),
  LEN: ([value = null]) => toText(value).length,
  LOWER: ([value = null]) => toText(value).toLowerCase(),
  UPPER: ([value = null]) => toText(value).toUpperCase(),
  TRIM: ([value = null]) => toText(value).trim(),
  CONCATENATE: (args) => {
    const texts = args.map(toText);
    fits(texts.reduce((sum, text) => sum + text.length, 0), "CONCATENATE");
    return texts.join("");
  },
  LEFT: ([value = null, count = 1]) => toText(value).slice(0, Math.max(0, toNumber(count))),
  RIGHT: ([value = null, count = 1]) => {
    const text = toText(value);
    const n = Math.max(0, toNumber(count));
    return n === 0 ? "" : text.slice(-n);
  },
  MID: ([value = null, start = 1, count = 0]) => toText(value).substr(Math.max(0, toNumber(start) - 1), Math.max(0, toNumber(count))),
  FIND: ([needle = null, haystack = null, start = 1]) => toText(haystack).indexOf(toText(needle), Math.max(0, toNumber(start) - 1)) + 1,
  SEARCH: ([needle = null, haystack = null, start = 1]) => {
    const found = toText(haystack).toLowerCase().indexOf(toText(needle).toLowerCase(), Math.max(0, toNumber(start) - 1));
    return found < 0 ? null : found + 1;
  },
  SUBSTITUTE: ([value = null, from = null, to = null]) => {
    const pieces = toText(value).split(toText(from));
    fits(pieces.reduce((sum, piece) => sum + piece.length, 0) + (pieces.length - 1) * toText(to).length, "SUBSTITUTE");
    return pieces.join(toText(to));
  },
  REPT: ([value = null, count = 0]) => {
    const text = toText(value);
    const times = Math.max(0, Math.floor(toNumber(count)) || 0);
    fits(text.length * times, "REPT");
    return text.repeat(times);
  },
  T: ([value = null]) => (typeof value === "string" ? value : ""),
  VALUE: ([value = null]) => toNumber(toText(value).replace(/[^0-9.eE+-]/g, "")),
  ARRAYJOIN: ([value = null, separator = ", "]) => (Array.isArray(value) ? value.map(toText).join(toText(separator)) : toText(value)),
  ABS: ([value = null]) => Math.abs(toNumber(value)),
  ROUND: ([value = null, digits = 0]) => round(toNumber(value), toNumber(digits), Math.round),
  ROUNDUP: ([value = null, digits = 0]) => round(toNumber(value), toNumber(digits), (n) => Math.sign(n) * Math.ceil(Math.abs(n))),
  ROUNDDOWN: ([value = null, digits = 0]) => round(toNumber(value), toNumber(digits), Math.trunc),
  INT: ([value = null]) => Math.floor(toNumber(value)),
  MOD: ([value = null, divisor = 1]) => toNumber(value) % toNumber(divisor),
  POWER: ([value = null, exponent = 1]) => toNumber(value) ** toNumber(exponent),
  SQRT: ([value = null]) => Math.sqrt(toNumber(value)),
  MAX: (args) => (numbers(args).length ? Math.max(...numbers(args)) : 0),
  MIN: (args) => (numbers(args).length ? Math.min(...numbers(args)) : 0),
  SUM: (args) => numbers(args).reduce((sum, n) => sum + n, 0),
  AVERAGE: (args) => {
    const list = numbers(args);
    return list.length ? list.reduce((sum, n) => sum + n, 0) / list.length : 0;
  },
  COUNT: (args) => numbers(args).length,
  COUNTA: (args) => args.flat(Infinity as 1).filter((value) => !isBlank(value as Value)).length,
  NOW: () => Date.now(),
  TODAY: () => new Date(new Date().toISOString().slice(0, 10)).getTime(),
  YEAR: ([value = null]) => dateOf(value).getUTCFullYear(),
  MONTH: ([value = null]) => dateOf(value).getUTCMonth() + 1,
  DAY: ([value = null]) => dateOf(value).getUTCDate(),
  IS_BEFORE: ([left = null, right = null]) => dateOf(left).getTime() < dateOf(right).getTime(),
  IS_AFTER: ([left = null, right = null]) => dateOf(left).getTime() > dateOf(right).getTime(),
  RECORD_ID: () => null,
};

/** The names `filterByFormula` supports, for documentation and error messages. */
export const SUPPORTED_FUNCTIONS = Object.keys(FUNCTIONS).sort();

export interface FormulaContext {
  /** A field's value, by name or id; undefined when no field has that name (a formula error). */
  field(name: string): Value | undefined;
  recordId: string;
}

/** A value, once checked against MAX_TEXT. */
function bounded(value: Value): Value {
  if (typeof value === "string" && value.length > MAX_TEXT) throw new FormulaError(`a text longer than ${MAX_TEXT} characters`);
  return value;
}

export function evaluate(node: Node, context: FormulaContext): Value {
  switch (node.kind) {
    case "literal":
      return node.value;
    case "field": {
      const value = context.field(node.name);
      if (value === undefined) throw new FormulaError(`no field named {${node.name}}`);
      return value;
    }
    case "unary": {
      const operand = evaluate(node.operand, context);
      return node.op === "!" ? !truthy(operand) : node.op === "-" ? -toNumber(operand) : toNumber(operand);
    }
    case "call":
      if (node.name === "RECORD_ID") return context.recordId;
      if (node.name === "IF") {
        // Only the branch taken is evaluated, as the server does.
        const [condition, then, otherwise] = node.args;
        const taken = truthy(condition ? evaluate(condition, context) : null) ? then : otherwise;
        return taken ? evaluate(taken, context) : null;
      }
      return bounded(FUNCTIONS[node.name]!(node.args.map((arg) => evaluate(arg, context))));
    case "binary": {
      const left = evaluate(node.left, context);
      if (node.op === "&&") return truthy(left) && truthy(evaluate(node.right, context));
      if (node.op === "||") return truthy(left) || truthy(evaluate(node.right, context));
      const right = evaluate(node.right, context);
      switch (node.op) {
        case "+":
          return toNumber(left) + toNumber(right);
        case "-":
          return toNumber(left) - toNumber(right);
        case "*":
          return toNumber(left) * toNumber(right);
        case "/":
          if (toNumber(right) === 0) throw new FormulaError("divided by zero");
          return toNumber(left) / toNumber(right);
        case "%":
          return toNumber(left) % toNumber(right);
        case "&":
          fits(toText(left).length + toText(right).length, "&");
          return toText(left) + toText(right);
        default:
          return compare(node.op, left, right);
      }
    }
  }
}

export type Formula = Node;
