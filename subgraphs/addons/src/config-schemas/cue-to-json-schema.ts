/**
 * KubeVela `parameter.cue` → JSON Schema (draft 2020-12), for the CUE subset addon parameter files use.
 *
 * The file comes from a git repository we do not control, so the tokenizer and parser are bounded (size, nesting)
 * and never throw on bad input. Anything outside the subset is recorded in `unconverted` with its path, and its
 * property becomes a schema that accepts anything, keeping the raw CUE in `x-cue`: the schema may then accept values
 * that CUE rejects, but never the reverse, and `validated` is false.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type JsonSchemaType = 'string' | 'integer' | 'number' | 'boolean' | 'null' | 'object' | 'array';

export interface JsonSchema {
  $schema?: string;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  description?: string;
  type?: JsonSchemaType | JsonSchemaType[];
  const?: JsonValue;
  enum?: JsonValue[];
  default?: JsonValue;
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  not?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  patternProperties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  prefixItems?: JsonSchema[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  pattern?: string;
  /** The CUE source of a value that was not converted, for people to read. */
  'x-cue'?: string;
}

export interface ConvertedConfigSchema {
  /** The JSON Schema of `parameter`, or null when nothing could be converted. */
  schema: JsonSchema | null;
  /** True only when every part of `parameter` was converted exactly; false means validation must not rely on `schema`. */
  validated: boolean;
  /** What could not be converted, each with its field path (e.g. `parameter.resources.limits`) and the CUE text or construct, for people to read. */
  unconverted: { path: string; reason: string }[];
}

export const CUE_SOURCE_LIMIT_BYTES = 256 * 1024;
/** Brackets, parentheses, unary operators and definition references, counted together. */
export const CUE_NESTING_LIMIT = 64;

const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

export function convertParameterCue(source: string): ConvertedConfigSchema {
  const bytes = Buffer.byteLength(source, 'utf8');
  if (bytes > CUE_SOURCE_LIMIT_BYTES) {
    return notConverted(`the file is ${bytes} bytes, over the ${CUE_SOURCE_LIMIT_BYTES}-byte limit for conversion`);
  }
  let file: Decl[];
  try {
    file = new Parser(tokenize(source)).parseFile();
  } catch (error) {
    if (error instanceof CueSyntaxError) return notConverted(`not valid CUE: ${error.describe(source)}`);
    throw error;
  }
  return new Converter(source, file).convertParameter();
}

function notConverted(reason: string): ConvertedConfigSchema {
  return { schema: null, validated: false, unconverted: [{ path: 'parameter', reason }] };
}

// ---------------------------------------------------------------------------------------------------------------
// Tokens

class CueSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }

  describe(source: string): string {
    const before = source.slice(0, this.offset);
    const line = before.split('\n').length;
    const column = this.offset - before.lastIndexOf('\n');
    return `${this.message} at line ${line}, column ${column}`;
  }
}

type Token =
  | (TokenBase & { kind: 'ident' | 'punct' | 'bottom' | 'attr' | 'eof' })
  | (TokenBase & { kind: 'string'; value: string; problem?: string })
  | (TokenBase & { kind: 'number'; value: number; integer: boolean; problem?: string });

interface TokenBase {
  /** The identifier or operator; for literals, the source text. */
  text: string;
  start: number;
  end: number;
  /** Comment lines directly above the token, without `//`: where `+usage=` lives. */
  doc: string[];
}

const PUNCTUATION = ['...', '=~', '!~', '==', '!=', '<=', '>=', '&&', '||', ...'{}[]():,?!|&*=<>+-/.'];
const IDENTIFIER = /(?:_?#)?[\p{L}_$][\p{L}\p{Nd}_$]*/uy;
const NUMBER =
  /0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9_]+)?(?:[KMGTP]i?)?/y;
/** CUE inserts a comma at a line end after these, as Go does with semicolons. */
const ENDS_A_LINE = new Set(['ident', 'string', 'number', 'bottom', 'attr']);
const CLOSERS_ENDING_A_LINE = new Set([')', ']', '}', '...']);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let pos = source.startsWith('\uFEFF') ? 1 : 0;
  let doc: string[] = [];
  let tokenOnLine = false;
  let anythingOnLine = false;

  const push = (token: Token) => {
    tokens.push(token);
    doc = [];
    tokenOnLine = anythingOnLine = true;
  };

  while (pos < source.length) {
    const c = source[pos]!;
    if (c === '\n') {
      const last = tokens.at(-1);
      if (last && (ENDS_A_LINE.has(last.kind) || (last.kind === 'punct' && CLOSERS_ENDING_A_LINE.has(last.text)))) {
        tokens.push({ kind: 'punct', text: ',', start: pos, end: pos, doc: [] });
      }
      // A blank line ends a comment group: the comments above it document something else.
      if (!anythingOnLine) doc = [];
      tokenOnLine = anythingOnLine = false;
      pos += 1;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      pos += 1;
    } else if (source.startsWith('//', pos)) {
      const newline = source.indexOf('\n', pos);
      const end = newline === -1 ? source.length : newline;
      // A comment after a token on the same line belongs to that token, not to the next field.
      if (!tokenOnLine) doc.push(source.slice(pos + 2, end));
      anythingOnLine = true;
      pos = end;
    } else if (source.startsWith('_|_', pos)) {
      push({ kind: 'bottom', text: '_|_', start: pos, end: pos + 3, doc });
      pos += 3;
    } else if (c === '"' || c === "'" || (c === '#' && /^#+["']/.test(source.slice(pos, pos + 130)))) {
      const scanned = scanString(source, pos, 0);
      push({ kind: 'string', text: source.slice(pos, scanned.end), start: pos, end: scanned.end, doc, value: scanned.value, problem: scanned.problem });
      pos = scanned.end;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(source[pos + 1] ?? ''))) {
      const text = matchAt(NUMBER, source, pos)!;
      const end = pos + text.length;
      if (matchAt(IDENTIFIER, source, end)) throw new CueSyntaxError(`invalid number ${JSON.stringify(source.slice(pos, end + 1))}`, pos);
      push({ kind: 'number', text, start: pos, end, doc, ...numberValue(text) });
      pos = end;
    } else if (matchAt(IDENTIFIER, source, pos)) {
      const text = matchAt(IDENTIFIER, source, pos)!;
      push({ kind: 'ident', text, start: pos, end: pos + text.length, doc });
      pos += text.length;
    } else if (c === '@') {
      const name = matchAt(IDENTIFIER, source, pos + 1);
      if (!name || source[pos + 1 + name.length] !== '(') throw new CueSyntaxError('invalid attribute', pos);
      const end = skipParentheses(source, pos + 1 + name.length, 0);
      push({ kind: 'attr', text: source.slice(pos, end), start: pos, end, doc });
      pos = end;
    } else {
      const operator = PUNCTUATION.find((candidate) => source.startsWith(candidate, pos));
      if (!operator) throw new CueSyntaxError(`unexpected character ${JSON.stringify(c)}`, pos);
      push({ kind: 'punct', text: operator, start: pos, end: pos + operator.length, doc });
      pos += operator.length;
    }
  }
  tokens.push({ kind: 'eof', text: 'end of file', start: source.length, end: source.length, doc });
  return tokens;
}

function matchAt(pattern: RegExp, source: string, pos: number): string | undefined {
  pattern.lastIndex = pos;
  return pattern.exec(source)?.[0];
}

function numberValue(text: string): { value: number; integer: boolean; problem?: string } {
  const digits = text.replaceAll('_', '');
  if (/[KMGTP]i?$/.test(digits)) return { value: 0, integer: true, problem: 'number with a multiplier suffix' };
  const radix = /^0[xX]/.test(digits) ? 16 : /^0[oO]/.test(digits) ? 8 : /^0[bB]/.test(digits) ? 2 : 10;
  if (radix !== 10) return checkedInteger(parseInt(digits.slice(2), radix));
  if (/[.eE]/.test(digits)) {
    const value = Number(digits);
    return Number.isFinite(value) ? { value, integer: false } : { value: 0, integer: false, problem: 'number too large' };
  }
  if (/^0[0-9]/.test(digits)) return { value: 0, integer: true, problem: 'integer with a leading zero' };
  return checkedInteger(Number(digits));
}

/** JSON Schema consumers read numbers as doubles: a larger integer would silently become a different one. */
function checkedInteger(value: number): { value: number; integer: true; problem?: string } {
  return Number.isSafeInteger(value) ? { value, integer: true } : { value: 0, integer: true, problem: 'integer beyond ±2^53' };
}

/** Finds the end of a string literal starting at `start` (`"`, `'`, `"""`, with `#` delimiters) and decodes it. */
function scanString(source: string, start: number, depth: number): { end: number; value: string; problem?: string } {
  let hashes = 0;
  while (source[start + hashes] === '#') hashes += 1;
  const quote = source[start + hashes]!;
  const multiline = source.startsWith(quote.repeat(3), start + hashes);
  const close = (multiline ? quote.repeat(3) : quote) + '#'.repeat(hashes);
  const escape = '\\' + '#'.repeat(hashes);
  let problem = quote === "'" ? 'bytes literal' : undefined;
  let i = start + hashes + (multiline ? 3 : 1);
  const contentStart = i;
  for (;;) {
    if (i >= source.length || (!multiline && source[i] === '\n')) throw new CueSyntaxError('unterminated string', start);
    if (source.startsWith(escape, i)) {
      const after = i + escape.length;
      if (source[after] === '(') {
        problem ??= 'string interpolation';
        i = skipParentheses(source, after, depth + 1);
      } else {
        i = after + 1;
      }
    } else if (source.startsWith(close, i)) {
      break;
    } else {
      i += 1;
    }
  }
  const end = i + close.length;
  if (problem) return { end, value: '', problem };
  let raw = source.slice(contentStart, i);
  if (multiline) raw = dedentMultiline(raw, start);
  const decoded = decodeEscapes(raw, escape, start);
  return 'problem' in decoded ? { end, value: '', problem: decoded.problem } : { end, value: decoded.value };
}

/** A `"""` string starts on the line after the quotes; the closing quotes' indentation is removed from every line. */
function dedentMultiline(raw: string, offset: number): string {
  const firstNewline = raw.indexOf('\n');
  if (firstNewline === -1 || raw.slice(0, firstNewline).trim() !== '') {
    throw new CueSyntaxError('a multi-line string must start on a new line', offset);
  }
  const lines = raw.slice(firstNewline + 1).split('\n');
  const indent = lines.pop()!;
  if (!/^[ \t]*$/.test(indent)) throw new CueSyntaxError('the closing """ must be on its own line', offset);
  return lines
    .map((line) => {
      if (line.startsWith(indent)) return line.slice(indent.length);
      if (/^[ \t\r]*$/.test(line)) return '';
      throw new CueSyntaxError('a line of a multi-line string is indented less than its closing """', offset);
    })
    .join('\n');
}

const SIMPLE_ESCAPES = new Map([
  ['a', '\x07'],
  ['b', '\b'],
  ['f', '\f'],
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
  ['v', '\v'],
  ['\\', '\\'],
  ['/', '/'],
  ['"', '"'],
  ["'", "'"],
]);

function decodeEscapes(raw: string, escape: string, offset: number): { value: string } | { problem: string } {
  let value = '';
  let i = 0;
  while (i < raw.length) {
    const at = raw.indexOf(escape, i);
    if (at === -1) {
      value += raw.slice(i);
      break;
    }
    value += raw.slice(i, at);
    const letter = raw[at + escape.length] ?? '';
    const simple = SIMPLE_ESCAPES.get(letter);
    if (simple !== undefined) {
      value += simple;
      i = at + escape.length + 1;
    } else if (letter === 'u' || letter === 'U') {
      const length = letter === 'u' ? 4 : 8;
      const hex = raw.slice(at + escape.length + 1, at + escape.length + 1 + length);
      const codePoint = /^[0-9a-fA-F]+$/.test(hex) && hex.length === length ? parseInt(hex, 16) : NaN;
      if (!(codePoint <= 0x10ffff) || (codePoint >= 0xd800 && codePoint <= 0xdfff)) {
        throw new CueSyntaxError(`invalid escape \\${letter}${hex}`, offset);
      }
      value += String.fromCodePoint(codePoint);
      i = at + escape.length + 1 + length;
    } else if (letter === 'x' || /[0-7]/.test(letter)) {
      // Byte escapes are for bytes literals; in a string they would need CUE's own reading of invalid UTF-8.
      return { problem: 'byte escape in a string' };
    } else {
      throw new CueSyntaxError(`unknown escape \\${letter}`, offset);
    }
  }
  return { value };
}

/** Skips `( ... )` starting at an opening parenthesis, stepping over nested strings (interpolations, attributes). */
function skipParentheses(source: string, open: number, depth: number): number {
  if (depth > CUE_NESTING_LIMIT) throw new CueSyntaxError(`strings nested deeper than ${CUE_NESTING_LIMIT} levels`, open);
  let level = 0;
  let i = open;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '(') {
      level += 1;
      i += 1;
    } else if (c === ')') {
      level -= 1;
      i += 1;
      if (level === 0) return i;
    } else if (c === '"' || c === "'" || (c === '#' && /^#+["']/.test(source.slice(i, i + 130)))) {
      i = scanString(source, i, depth).end;
    } else {
      i += 1;
    }
  }
  throw new CueSyntaxError('unbalanced parentheses', open);
}

// ---------------------------------------------------------------------------------------------------------------
// Syntax tree

interface Span {
  start: number;
  end: number;
}

type LiteralType = 'string' | 'integer' | 'number' | 'boolean' | 'null';

type BoundOperator = '<' | '<=' | '>' | '>=' | '!=' | '=~' | '!~';

type Expr = Span &
  (
    | { kind: 'ident'; name: string }
    | { kind: 'literal'; value: string | number | boolean | null; type: LiteralType }
    | { kind: 'bottom' }
    | { kind: 'default'; expr: Expr }
    | { kind: 'bound'; op: BoundOperator; operand: Expr }
    | { kind: 'or'; alts: Expr[] }
    | { kind: 'and'; parts: Expr[] }
    | { kind: 'paren'; expr: Expr }
    | { kind: 'struct'; decls: Decl[] }
    | { kind: 'list'; elems: Expr[]; open: boolean; rest?: Expr }
    /** Parsed for its extent only: `what` says what it is, for the reader of `unconverted`. */
    | { kind: 'unsupported'; what: string }
  );

type Label = { kind: 'name'; name: string; identifier: boolean } | { kind: 'pattern'; expr: Expr } | { kind: 'dynamic' };

type Constraint = 'regular' | 'optional' | 'required';

type Decl = Span &
  (
    | { kind: 'field'; label: Label; constraint: Constraint; value: Expr; doc: string[]; alias?: string }
    | { kind: 'ellipsis' }
    | { kind: 'let'; name: string }
    | { kind: 'unsupported'; what: string }
  );

const UNARY_OPERATORS = new Set(['*', '-', '+', '!', '<', '<=', '>', '>=', '!=', '=~', '!~']);
/** CUE's binary operators by precedence, loosest first; only `|` and `&` have JSON Schema counterparts. */
const BINARY_LEVELS: { operators: Set<string>; what?: string }[] = [
  { operators: new Set(['|']) },
  { operators: new Set(['&']) },
  { operators: new Set(['||']), what: 'logical operator' },
  { operators: new Set(['&&']), what: 'logical operator' },
  { operators: new Set(['==', '!=', '<', '<=', '>', '>=', '=~', '!~']), what: 'comparison' },
  { operators: new Set(['+', '-']), what: 'arithmetic' },
  { operators: new Set(['*', '/']), what: 'arithmetic' },
];
const TOO_DEEP = `nesting deeper than ${CUE_NESTING_LIMIT} levels`;

/**
 * Recursive descent over the token array. Recursion only follows brackets and unary operators, each counted
 * against CUE_NESTING_LIMIT; deeper brackets are skipped by counting and become an `unsupported` node.
 * Operator chains are read in loops and stored flat, so `a | b | ...` of any length costs no stack.
 */
class Parser {
  private i = 0;

  constructor(private readonly tokens: Token[]) {}

  parseFile(): Decl[] {
    this.skipCommas();
    if (this.isIdent('package') && this.peek(1).kind === 'ident') {
      this.i += 2;
      this.expectSeparator();
    }
    for (this.skipCommas(); this.isIdent('import') && !this.isLabelFollow(1); this.skipCommas()) {
      this.next();
      if (this.isPunct('(')) {
        this.next();
        for (this.skipCommas(); !this.isPunct(')'); this.skipCommas()) this.importSpec();
        this.next();
      } else {
        this.importSpec();
      }
      this.expectSeparator();
    }
    const decls = this.declList(0);
    if (this.peek().kind !== 'eof') this.fail(`unexpected ${this.peek().text}`);
    return decls;
  }

  private importSpec() {
    if (this.peek().kind === 'ident') this.next();
    if (this.peek().kind !== 'string') this.fail('expected an import path');
    this.next();
  }

  private declList(depth: number): Decl[] {
    const decls: Decl[] = [];
    for (;;) {
      this.skipCommas();
      const token = this.peek();
      if (token.kind === 'eof' || this.isPunct('}')) return decls;
      if (token.kind === 'attr') {
        this.next();
        continue;
      }
      decls.push(this.decl(depth));
      if (!this.isPunct('}') && this.peek().kind !== 'eof') this.expectSeparator();
    }
  }

  private decl(depth: number): Decl {
    const first = this.peek();
    if (this.isPunct('...')) {
      this.next();
      if (this.isPunct(',') || this.isPunct('}') || this.peek().kind === 'eof') return { kind: 'ellipsis', start: first.start, end: first.end };
      const type = this.expr(depth);
      return { kind: 'unsupported', what: 'typed ellipsis', start: first.start, end: type.end };
    }
    if ((this.isIdent('if') || this.isIdent('for') || this.isIdent('let')) && !this.isLabelFollow(1)) {
      if (this.isIdent('let')) {
        this.next();
        const name = this.expectIdent();
        this.expectPunct('=');
        const value = this.expr(depth);
        return { kind: 'let', name, start: first.start, end: value.end };
      }
      const end = this.comprehension(depth);
      return { kind: 'unsupported', what: 'comprehension', start: first.start, end };
    }
    const alias = this.alias();
    const { expr, labelStart } = this.labelOrExpr(depth);
    if (!this.isLabelFollow(0)) {
      return { kind: 'unsupported', what: 'embedded value', start: first.start, end: expr.end };
    }
    const label = this.label(expr, labelStart);
    const constraint = this.constraint();
    const value = this.fieldValue(depth);
    while (this.peek().kind === 'attr') this.next();
    return { kind: 'field', label, constraint, value, doc: first.doc, alias, start: first.start, end: value.end };
  }

  /** `a: b: c: int` is `a: { b: { c: int } }`; read as a loop so a long chain costs no stack. */
  private fieldValue(depth: number): Expr {
    const chain: { label: Label; constraint: Constraint; start: number; alias?: string }[] = [];
    for (;;) {
      const start = this.peek().start;
      const alias = this.alias();
      const { expr, labelStart } = this.labelOrExpr(depth + chain.length);
      if (!this.isLabelFollow(0)) {
        let value = expr;
        if (depth + chain.length > CUE_NESTING_LIMIT) return { kind: 'unsupported', what: TOO_DEEP, start: chain[0]!.start, end: expr.end };
        for (const link of chain.reverse()) {
          const field: Decl = { kind: 'field', label: link.label, constraint: link.constraint, value, doc: [], alias: link.alias, start: link.start, end: value.end };
          value = { kind: 'struct', decls: [field], start: link.start, end: value.end };
        }
        return value;
      }
      chain.push({ label: this.label(expr, labelStart), constraint: this.constraint(), start, alias });
    }
  }

  /** Labels are read as expressions, `[string]` as a one-element list, except `[Name=string]`, which only a label can be. */
  private labelOrExpr(depth: number): { expr: Expr; labelStart: number } {
    const labelStart = this.i;
    const open = this.peek();
    if (this.isPunct('[') && this.peek(1).kind === 'ident' && this.peek(2).kind === 'punct' && this.peek(2).text === '=') {
      this.i += 3;
      const elem = this.expr(depth + 1);
      const end = this.expectPunct(']').end;
      if (!this.isLabelFollow(0)) this.fail('expected `:` after an aliased pattern label');
      return { expr: { kind: 'list', elems: [elem], open: false, start: open.start, end }, labelStart };
    }
    return { expr: this.expr(depth), labelStart };
  }

  private alias(): string | undefined {
    if (this.peek().kind === 'ident' && this.peek(1).kind === 'punct' && this.peek(1).text === '=') {
      const name = this.next().text;
      this.next();
      return name;
    }
    return undefined;
  }

  private label(expr: Expr, labelStart: number): Label {
    const token = this.tokens[labelStart]!;
    if (this.i === labelStart + 1 && token.kind === 'ident') return { kind: 'name', name: token.text, identifier: true };
    if (this.i === labelStart + 1 && token.kind === 'string') {
      return token.problem ? { kind: 'dynamic' } : { kind: 'name', name: token.value, identifier: false };
    }
    if (expr.kind === 'list' && expr.elems.length === 1 && !expr.open) return { kind: 'pattern', expr: expr.elems[0]! };
    if (expr.kind === 'paren') return { kind: 'dynamic' };
    return this.fail('invalid field label', token);
  }

  private constraint(): Constraint {
    const marker = this.isPunct('?') ? 'optional' : this.isPunct('!') ? 'required' : 'regular';
    if (marker !== 'regular') this.next();
    this.expectPunct(':');
    return marker;
  }

  /** A label is followed by `:`, `?:` or `!:`. */
  private isLabelFollow(offset: number): boolean {
    const token = this.peek(offset);
    if (token.kind !== 'punct') return false;
    if (token.text === ':') return true;
    const after = this.peek(offset + 1);
    return (token.text === '?' || token.text === '!') && after.kind === 'punct' && after.text === ':';
  }

  /** `for k, v in x`, `if x`, `let x = y` clauses, then a struct; returns where it ends. */
  private comprehension(depth: number): number {
    for (;;) {
      if (this.isIdent('for')) {
        this.next();
        this.expectIdent();
        if (this.isPunct(',')) {
          this.next();
          this.expectIdent();
        }
        if (!this.isIdent('in')) this.fail('expected `in`');
        this.next();
        this.expr(depth);
      } else if (this.isIdent('if')) {
        this.next();
        this.expr(depth);
      } else if (this.isIdent('let')) {
        this.next();
        this.expectIdent();
        this.expectPunct('=');
        this.expr(depth);
      } else {
        break;
      }
    }
    if (!this.isPunct('{')) this.fail('expected `{` after a comprehension clause');
    return this.operand(depth).end;
  }

  private expr(depth: number, level = 0): Expr {
    if (level === BINARY_LEVELS.length) return this.unary(depth);
    const { operators, what } = BINARY_LEVELS[level]!;
    const operands = [this.expr(depth, level + 1)];
    while (this.peek().kind === 'punct' && operators.has(this.peek().text)) {
      this.next();
      operands.push(this.expr(depth, level + 1));
    }
    if (operands.length === 1) return operands[0]!;
    const span = { start: operands[0]!.start, end: operands.at(-1)!.end };
    if (level === 0) return { kind: 'or', alts: operands, ...span };
    if (level === 1) return { kind: 'and', parts: operands, ...span };
    return { kind: 'unsupported', what: what!, ...span };
  }

  private unary(depth: number): Expr {
    const operators: Token[] = [];
    while (this.peek().kind === 'punct' && UNARY_OPERATORS.has(this.peek().text)) operators.push(this.next());
    let expr = this.primary(depth + operators.length);
    if (operators.length === 0) return expr;
    if (depth + operators.length > CUE_NESTING_LIMIT) return { kind: 'unsupported', what: TOO_DEEP, start: operators[0]!.start, end: expr.end };
    for (const operator of operators.reverse()) {
      const span = { start: operator.start, end: expr.end };
      const op = operator.text;
      if (op === '*') expr = { kind: 'default', expr, ...span };
      else if ((op === '-' || op === '+') && expr.kind === 'literal' && typeof expr.value === 'number') {
        expr = { ...expr, value: op === '-' ? -expr.value : expr.value, ...span };
      } else if (op === '-' || op === '+') expr = { kind: 'unsupported', what: 'arithmetic', ...span };
      else if (op === '!') expr = { kind: 'unsupported', what: 'logical operator', ...span };
      else expr = { kind: 'bound', op: op as BoundOperator, operand: expr, ...span };
    }
    return expr;
  }

  /** An operand with selectors, calls or indexes after it: none of which has a JSON Schema counterpart. */
  private primary(depth: number): Expr {
    const operand = this.operand(depth);
    let what: string | undefined;
    let end = operand.end;
    for (;;) {
      if (this.isPunct('.')) {
        this.next();
        const selector = this.next();
        if (selector.kind !== 'ident' && selector.kind !== 'string') this.fail('expected a selector', selector);
        what ??= 'reference';
        end = selector.end;
      } else if (this.isPunct('(') || this.isPunct('[')) {
        const close = this.isPunct('(') ? ')' : ']';
        what = close === ')' ? 'function call' : (what ?? 'index');
        this.next();
        for (this.skipCommas(); !this.isPunct(close); this.skipCommas()) {
          if (this.isPunct(':')) this.next();
          else this.expr(depth + 1);
        }
        end = this.next().end;
      } else {
        break;
      }
    }
    return what ? { kind: 'unsupported', what, start: operand.start, end } : operand;
  }

  private operand(depth: number): Expr {
    const token = this.next();
    const span = { start: token.start, end: token.end };
    switch (token.kind) {
      case 'ident':
        if (token.text === 'true' || token.text === 'false') return { kind: 'literal', value: token.text === 'true', type: 'boolean', ...span };
        if (token.text === 'null') return { kind: 'literal', value: null, type: 'null', ...span };
        return { kind: 'ident', name: token.text, ...span };
      case 'bottom':
        return { kind: 'bottom', ...span };
      case 'string':
        return token.problem ? { kind: 'unsupported', what: token.problem, ...span } : { kind: 'literal', value: token.value, type: 'string', ...span };
      case 'number':
        if (token.problem) return { kind: 'unsupported', what: token.problem, ...span };
        return { kind: 'literal', value: token.value, type: token.integer ? 'integer' : 'number', ...span };
      case 'punct':
        if (token.text === '(' || token.text === '{' || token.text === '[') {
          if (depth >= CUE_NESTING_LIMIT) return { kind: 'unsupported', what: TOO_DEEP, start: token.start, end: this.skipBrackets() };
          if (token.text === '(') {
            const expr = this.expr(depth + 1);
            return { kind: 'paren', expr, start: token.start, end: this.expectPunct(')').end };
          }
          if (token.text === '{') {
            const decls = this.declList(depth + 1);
            return { kind: 'struct', decls, start: token.start, end: this.expectPunct('}').end };
          }
          return this.list(token, depth + 1);
        }
        break;
    }
    return this.fail(`unexpected ${token.text}`, token);
  }

  private list(open: Token, depth: number): Expr {
    const elems: Expr[] = [];
    let comprehension = false;
    for (;;) {
      this.skipCommas();
      if (this.isPunct(']')) break;
      if (this.isPunct('...')) {
        this.next();
        const rest = this.isPunct(',') || this.isPunct(']') ? undefined : this.expr(depth);
        this.skipCommas();
        return { kind: 'list', elems, open: true, rest, start: open.start, end: this.expectPunct(']').end };
      }
      if (this.isIdent('for') || this.isIdent('if') || this.isIdent('let')) {
        this.comprehension(depth);
        comprehension = true;
      } else {
        elems.push(this.expr(depth));
      }
      if (!this.isPunct(']')) this.expectPunct(',');
    }
    const end = this.next().end;
    if (comprehension) return { kind: 'unsupported', what: 'list comprehension', start: open.start, end };
    return { kind: 'list', elems, open: false, start: open.start, end };
  }

  /** Called just after an opening bracket; returns the end offset of its matching closer. */
  private skipBrackets(): number {
    let level = 1;
    for (;;) {
      const token = this.next();
      if (token.kind === 'eof') this.fail('unbalanced brackets', token);
      if (token.kind !== 'punct') continue;
      if (token.text === '(' || token.text === '[' || token.text === '{') level += 1;
      if (token.text === ')' || token.text === ']' || token.text === '}') level -= 1;
      if (level === 0) return token.end;
    }
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.i += 1;
    return token;
  }

  private isPunct(text: string): boolean {
    const token = this.peek();
    return token.kind === 'punct' && token.text === text;
  }

  private isIdent(text: string): boolean {
    const token = this.peek();
    return token.kind === 'ident' && token.text === text;
  }

  private skipCommas() {
    while (this.isPunct(',')) this.next();
  }

  private expectSeparator() {
    if (!this.isPunct(',') && this.peek().kind !== 'eof') this.fail(`expected a comma or new line before ${this.peek().text}`);
    this.skipCommas();
  }

  private expectPunct(text: string): Token {
    if (!this.isPunct(text)) this.fail(`expected \`${text}\`, found ${this.peek().text}`);
    return this.next();
  }

  private expectIdent(): string {
    if (this.peek().kind !== 'ident') this.fail(`expected an identifier, found ${this.peek().text}`);
    return this.next().text;
  }

  private fail(message: string, token = this.peek()): never {
    throw new CueSyntaxError(message, token.start);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Conversion

/** Thrown up to the nearest field; not an Error, since a stack trace per unconverted field is wasted work. */
class Unconvertible {
  constructor(readonly message: string) {}
}

interface Converted {
  schema: JsonSchema;
  /** Whether CUE has a value here without the user giving one (a default, a constant, only optional fields): if not, the field is required. */
  complete: boolean;
}

interface Scope {
  /** Identifier-labelled fields, lets and aliases declared in one struct: a reference to one is not convertible. */
  names: Map<string, 'definition' | 'other'>;
  parent?: Scope;
}

interface At {
  path: string;
  scope: Scope;
  /** Inside a definition every struct is closed, as CUE closes definitions recursively. */
  closed: boolean;
  depth: number;
}

type FieldDecl = Extract<Decl, { kind: 'field' }>;

const PREDECLARED = new Map<string, JsonSchema>([
  ['string', { type: 'string' }],
  ['bytes', { type: 'string' }],
  ['int', { type: 'integer' }],
  ['float', { type: 'number' }],
  ['number', { type: 'number' }],
  ['bool', { type: 'boolean' }],
  ['_', {}],
]);

const BOUND_KEYWORDS = { '<': 'exclusiveMaximum', '<=': 'maximum', '>': 'exclusiveMinimum', '>=': 'minimum' } as const;

class Converter {
  private readonly unconverted: { path: string; reason: string }[] = [];
  private readonly fileScope: Scope;
  private readonly definitions = new Map<string, FieldDecl[]>();
  private readonly definitionSchemas = new Map<string, JsonSchema>();
  private readonly definitionStates = new Map<string, 'converting' | { complete: boolean } | Unconvertible>();

  constructor(
    private readonly source: string,
    private readonly file: Decl[],
  ) {
    this.fileScope = scopeOf(file);
    for (const decl of file) {
      if (decl.kind === 'field' && decl.label.kind === 'name' && decl.label.identifier && isDefinition(decl.label.name)) {
        this.definitions.set(decl.label.name, [...(this.definitions.get(decl.label.name) ?? []), decl]);
      }
    }
  }

  convertParameter(): ConvertedConfigSchema {
    const fields = this.file.filter((decl): decl is FieldDecl => decl.kind === 'field' && decl.label.kind === 'name' && decl.label.name === 'parameter');
    if (fields.length === 0) return notConverted('the file declares no `parameter` field');
    for (const decl of this.file) {
      if (decl.kind === 'unsupported' || (decl.kind === 'field' && decl.label.kind !== 'name')) {
        // Top-level comprehensions, embeddings and pattern fields can add fields to `parameter` too.
        this.record('parameter', this.describe(decl.kind === 'unsupported' ? `top-level ${decl.what}` : 'top-level pattern or dynamic field', decl));
      }
    }
    let converted: Converted;
    try {
      converted = this.convert(conjunction(fields), { path: 'parameter', scope: this.fileScope, closed: false, depth: 0 });
    } catch (error) {
      if (!(error instanceof Unconvertible)) throw error;
      return { schema: null, validated: false, unconverted: [...this.unconverted, { path: 'parameter', reason: error.message }] };
    }
    const description = usage(fields);
    const schema: JsonSchema = { $schema: DRAFT_2020_12, ...(description ? { description } : {}), ...converted.schema };
    if (this.definitionSchemas.size > 0) schema.$defs = Object.fromEntries(this.definitionSchemas);
    return { schema, validated: this.unconverted.length === 0, unconverted: this.unconverted };
  }

  private convert(expr: Expr, at: At): Converted {
    switch (expr.kind) {
      case 'literal':
        return { schema: expr.type === 'null' ? { type: 'null' } : { type: expr.type, const: expr.value }, complete: true };
      case 'bottom':
        return { schema: { not: {} }, complete: false };
      case 'ident':
        return this.reference(expr, at);
      case 'paren':
        return this.convert(expr.expr, this.deeper(at));
      case 'default':
      case 'or':
        return this.disjunction(expr.kind === 'or' ? expr.alts : [expr], at);
      case 'and':
        return this.conjunction(expr.parts, at);
      case 'bound':
        return { schema: this.bound(expr), complete: false };
      case 'struct':
        return this.struct(expr.decls, this.deeper(at));
      case 'list':
        return this.list(expr, this.deeper(at));
      case 'unsupported':
        throw new Unconvertible(this.describe(expr.what, expr));
    }
  }

  /** The counterpart of the parser's nesting limit, which definition references can otherwise extend without end. */
  private deeper(at: At): At {
    if (at.depth >= CUE_NESTING_LIMIT) throw new Unconvertible(TOO_DEEP);
    return { ...at, depth: at.depth + 1 };
  }

  private reference(expr: Extract<Expr, { kind: 'ident' }>, at: At): Converted {
    for (let scope: Scope | undefined = at.scope; scope; scope = scope.parent) {
      const kind = scope.names.get(expr.name);
      if (kind === 'definition' && scope === this.fileScope) return this.definition(expr.name, at);
      if (kind) throw new Unconvertible(this.describe(kind === 'definition' ? 'reference to a nested definition' : 'reference', expr));
    }
    const predeclared = PREDECLARED.get(expr.name);
    if (predeclared) return { schema: { ...predeclared }, complete: false };
    throw new Unconvertible(this.describe(isDefinition(expr.name) ? 'undefined definition' : 'unknown identifier', expr));
  }

  /** Each definition is converted once, into `$defs`, so a definition used many times costs nothing more. */
  private definition(name: string, at: At): Converted {
    const key = name.replace(/^_?#/, (prefix) => (prefix === '_#' ? '_' : ''));
    let state = this.definitionStates.get(name);
    if (state === 'converting') throw new Unconvertible(`recursive definition \`${name}\``);
    if (!state) {
      // Outside the try: too deep here is about this reference, not about the definition, so it is not remembered.
      const { depth } = this.deeper(at);
      this.definitionStates.set(name, 'converting');
      try {
        const converted = this.convert(conjunction(this.definitions.get(name)!), { path: name, scope: this.fileScope, closed: true, depth });
        this.definitionSchemas.set(key, converted.schema);
        state = { complete: converted.complete };
      } catch (error) {
        if (!(error instanceof Unconvertible)) throw error;
        state = new Unconvertible(`definition \`${name}\`: ${error.message}`);
      }
      this.definitionStates.set(name, state);
    }
    if (state instanceof Unconvertible) throw state;
    return { schema: { $ref: `#/$defs/${encodeURIComponent(key)}` }, complete: state.complete };
  }

  private disjunction(alts: Expr[], at: At): Converted {
    const defaults = new Map<string, JsonValue>();
    const literals = new Map<string, { value: JsonValue; type: LiteralType }>();
    const types: JsonSchemaType[] = [];
    const others: JsonSchema[] = [];
    for (const alt of alts) {
      const inner = alt.kind === 'default' ? alt.expr : alt;
      if (alt.kind === 'default') {
        const value = concreteValue(inner);
        if (value === undefined) throw new Unconvertible(this.describe('default that is not a concrete value', alt));
        defaults.set(JSON.stringify(value), value);
      }
      const { schema } = this.convert(inner, alt.kind === 'default' ? this.deeper(at) : at);
      if (schema.default !== undefined) throw new Unconvertible(this.describe('default inside a nested disjunction', alt));
      const literal = unparenthesized(inner);
      if (literal.kind === 'literal' && literal.type !== 'null') literals.set(JSON.stringify(literal.value), { value: literal.value, type: literal.type });
      else if (Object.keys(schema).length === 1 && schema.type !== undefined) types.push(...[schema.type].flat());
      else others.push(schema);
    }
    if (defaults.size > 1) throw new Unconvertible(this.describe('several different defaults', { start: alts[0]!.start, end: alts.at(-1)!.end }));

    const typeSet = new Set(types);
    const enumerated = [...literals.values()].filter(({ type }) => !typeSet.has(type) && !(type === 'integer' && typeSet.has('number')));
    const pieces: JsonSchema[] = [];
    if (enumerated.length > 0) {
      const literalTypes = new Set(enumerated.map(({ type }) => type));
      if (literalTypes.has('number')) literalTypes.delete('integer');
      const type = literalTypes.size === 1 ? [...literalTypes][0]! : [...literalTypes];
      const values = enumerated.map(({ value }) => value);
      pieces.push(values.length === 1 ? { type, const: values[0]! } : { type, enum: values });
    }
    if (typeSet.size > 0) pieces.push({ type: typeSet.size === 1 ? [...typeSet][0]! : [...typeSet] });
    pieces.push(...others);

    const schema = pieces.length === 1 ? { ...pieces[0]! } : anyOf(pieces);
    const [defaultValue] = defaults.values();
    if (defaultValue !== undefined) schema.default = defaultValue;
    const single = others.length === 0 && typeSet.size === 0 && literals.size === 1;
    return { schema, complete: defaults.size === 1 || single };
  }

  private conjunction(parts: Expr[], at: At): Converted {
    const unwrapped = parts.map(unparenthesized);
    const structs = unwrapped.filter((part): part is Extract<Expr, { kind: 'struct' }> => part.kind === 'struct');
    const span = { start: parts[0]!.start, end: parts.at(-1)!.end };
    if (structs.length === unwrapped.length) return this.struct(structs.flatMap((part) => part.decls), this.deeper(at));
    if (structs.length > 0) throw new Unconvertible(this.describe('conjunction of a struct with another value', span));
    const converted = parts.map((part) => this.convert(part, at));
    for (const { schema } of converted) {
      if (schema.default !== undefined) throw new Unconvertible(this.describe('default inside a conjunction', span));
      if (schema.$ref !== undefined || [schema.type].flat().some((type) => type === 'object' || type === 'array')) {
        throw new Unconvertible(this.describe('conjunction with a struct, list or definition', span));
      }
    }
    return { schema: intersect(converted.map(({ schema }) => schema)), complete: converted.some(({ complete }) => complete) };
  }

  private bound(expr: Extract<Expr, { kind: 'bound' }>): JsonSchema {
    const operand = unparenthesized(expr.operand);
    if (operand.kind !== 'literal') throw new Unconvertible(this.describe('bound on a value that is not a literal', expr));
    if (expr.op === '!=') return { not: { const: operand.value } };
    if (expr.op === '=~' || expr.op === '!~') {
      const pattern = typeof operand.value === 'string' ? ecmaPattern(operand.value) : undefined;
      if (pattern === undefined) throw new Unconvertible(this.describe('regular expression JSON Schema cannot express exactly', expr));
      return expr.op === '=~' ? { type: 'string', pattern } : { type: 'string', not: { pattern } };
    }
    if (typeof operand.value !== 'number') throw new Unconvertible(this.describe(`bound on ${operand.type} values`, expr));
    return { type: 'number', [BOUND_KEYWORDS[expr.op]]: operand.value };
  }

  private struct(decls: Decl[], at: At): Converted {
    const scope: Scope = { names: scopeOf(decls).names, parent: at.scope };
    const inside = { ...at, scope };
    const fields = new Map<string, FieldDecl[]>();
    const patterns = new Map<string, JsonSchema>();
    let ellipsis = false;
    let extended = false;
    for (const decl of decls) {
      if (decl.kind === 'ellipsis') ellipsis = true;
      if (decl.kind === 'unsupported') {
        this.record(at.path, this.describe(decl.what, decl));
        extended = true;
      }
      if (decl.kind !== 'field') continue;
      const label = decl.label;
      if (label.kind === 'dynamic') {
        this.record(at.path, this.describe('field with a computed label', decl));
        extended = true;
      } else if (label.kind === 'pattern') {
        const path = `${at.path}[${this.text(label.expr)}]`;
        try {
          const pattern = this.labelPattern(label.expr, inside);
          const { schema } = this.field([decl], { ...inside, path });
          patterns.set(pattern, patterns.has(pattern) ? { allOf: [patterns.get(pattern)!, schema] } : schema);
        } catch (error) {
          if (!(error instanceof Unconvertible)) throw error;
          this.record(path, error.message);
          extended = true;
        }
      } else if (isData(label)) {
        fields.set(label.name, [...(fields.get(label.name) ?? []), decl]);
      }
    }

    const properties = new Map<string, JsonSchema>();
    const required: string[] = [];
    for (const [name, group] of fields) {
      const { schema, complete } = this.field(group, { ...inside, path: childPath(at.path, name) });
      properties.set(name, schema);
      const constraint = group.some((decl) => decl.constraint === 'required') ? 'required' : group.every((decl) => decl.constraint === 'optional') ? 'optional' : 'regular';
      if (constraint === 'required' || (constraint === 'regular' && !complete)) required.push(name);
    }

    const schema: JsonSchema = { type: 'object' };
    if (properties.size > 0) schema.properties = Object.fromEntries(properties);
    if (required.length > 0) schema.required = required;
    // CUE's `[string]: T` applies to every field, named ones too: as `additionalProperties` only when there are none.
    if (patterns.size === 1 && patterns.has('') && properties.size === 0) schema.additionalProperties = patterns.get('')!;
    else if (patterns.size > 0) schema.patternProperties = Object.fromEntries(patterns);
    if (schema.additionalProperties === undefined) {
      if (ellipsis) schema.additionalProperties = true;
      else if (at.closed && !extended) schema.additionalProperties = false;
    }
    return { schema, complete: required.length === 0 };
  }

  /** One field, or several declarations of the same field, which CUE unifies. Unconvertible stops here. */
  private field(group: FieldDecl[], at: At): Converted {
    const description = usage(group);
    const withDescription = (schema: JsonSchema): JsonSchema => (description ? { description, ...schema } : schema);
    try {
      const converted = this.convert(conjunction(group), at);
      return { schema: withDescription(converted.schema), complete: converted.complete };
    } catch (error) {
      if (!(error instanceof Unconvertible)) throw error;
      this.record(at.path, error.message);
      // Not required either: the schema must not reject what CUE might accept.
      return { schema: withDescription({ 'x-cue': group.map((decl) => this.text(decl.value)).join(' & ') }), complete: true };
    }
  }

  private labelPattern(label: Expr, at: At): string {
    const expr = unparenthesized(label);
    if (expr.kind === 'ident' && expr.name === 'string') {
      // Throws when a field named `string` shadows the type.
      this.reference(expr, at);
      return '';
    }
    if (expr.kind === 'bound' && expr.op === '=~') return this.bound(expr).pattern!;
    throw new Unconvertible(this.describe('field pattern other than `string` or `=~"regex"`', label));
  }

  private list(expr: Extract<Expr, { kind: 'list' }>, at: At): Converted {
    const elems = expr.elems.map((elem, index) => this.convert(elem, { ...at, path: `${at.path}[${index}]` }));
    const schema: JsonSchema = { type: 'array' };
    if (elems.length > 0) {
      schema.prefixItems = elems.map(({ schema }) => schema);
      schema.minItems = elems.length;
    }
    if (!expr.open) schema.maxItems = elems.length;
    else if (expr.rest) schema.items = this.convert(expr.rest, { ...at, path: `${at.path}[]` }).schema;
    // An open list with no elements given is the empty list, as `cue export` shows.
    return { schema, complete: elems.every(({ complete }) => complete) };
  }

  private record(path: string, reason: string) {
    this.unconverted.push({ path, reason });
  }

  private text(span: Span): string {
    return this.source.slice(span.start, span.end);
  }

  private describe(what: string, span: Span): string {
    const text = this.text(span).replace(/\s+/g, ' ').trim();
    return `${what}: \`${text.length > 120 ? `${text.slice(0, 119)}…` : text}\``;
  }
}

function scopeOf(decls: Decl[]): Scope {
  const names = new Map<string, 'definition' | 'other'>();
  for (const decl of decls) {
    if (decl.kind === 'let') names.set(decl.name, 'other');
    if (decl.kind !== 'field') continue;
    if (decl.alias) names.set(decl.alias, 'other');
    if (decl.label.kind === 'name' && decl.label.identifier) names.set(decl.label.name, isDefinition(decl.label.name) ? 'definition' : 'other');
  }
  return { names };
}

function isDefinition(name: string): boolean {
  return name.startsWith('#') || name.startsWith('_#');
}

/** Definitions and hidden fields are not part of the data a user gives. */
function isData(label: Extract<Label, { kind: 'name' }>): boolean {
  return !label.identifier || !(isDefinition(label.name) || label.name.startsWith('_'));
}

function conjunction(fields: FieldDecl[]): Expr {
  if (fields.length === 1) return fields[0]!.value;
  return { kind: 'and', parts: fields.map((field) => field.value), start: fields[0]!.value.start, end: fields.at(-1)!.value.end };
}

function unparenthesized(expr: Expr): Expr {
  let inner = expr;
  while (inner.kind === 'paren') inner = inner.expr;
  return inner;
}

function usage(fields: FieldDecl[]): string | undefined {
  const lines = fields
    .flatMap((field) => field.doc)
    .map((line) => line.trim())
    .filter((line) => line.startsWith('+usage='))
    .map((line) => line.slice('+usage='.length).trim())
    .filter((line) => line !== '');
  return lines.length > 0 ? lines.join(' ') : undefined;
}

function childPath(parent: string, name: string): string {
  return /^[\p{L}_$][\p{L}\p{Nd}_$]*$/u.test(name) ? `${parent}.${name}` : `${parent}[${JSON.stringify(name)}]`;
}

function anyOf(pieces: JsonSchema[]): JsonSchema {
  const types = new Set(pieces.map((piece) => JSON.stringify(piece.type)));
  // A shared type is lifted so that forms and readers see it without looking into the branches.
  if (types.size !== 1 || pieces[0]!.type === undefined) return { anyOf: pieces };
  return {
    type: pieces[0]!.type,
    anyOf: pieces.map((piece) => {
      const rest = { ...piece };
      delete rest.type;
      return rest;
    }),
  };
}

/** The value of an expression that needs no input: what a `*default` must be. */
function concreteValue(expr: Expr): JsonValue | undefined {
  const inner = unparenthesized(expr);
  if (inner.kind === 'literal') return inner.value;
  if (inner.kind === 'list' && !inner.open) {
    const values = inner.elems.map(concreteValue);
    return values.every((value) => value !== undefined) ? (values as JsonValue[]) : undefined;
  }
  if (inner.kind === 'struct') {
    const entries = new Map<string, JsonValue>();
    for (const decl of inner.decls) {
      if (decl.kind === 'ellipsis' || decl.kind === 'let') continue;
      if (decl.kind !== 'field' || decl.label.kind !== 'name' || decl.constraint !== 'regular' || entries.has(decl.label.name)) return undefined;
      if (!isData(decl.label)) continue;
      const value = concreteValue(decl.value);
      if (value === undefined) return undefined;
      entries.set(decl.label.name, value);
    }
    return Object.fromEntries(entries);
  }
  return undefined;
}

/** Conjunction of scalar schemas: types intersect, bounds tighten, any other repeated keyword goes to `allOf`. */
function intersect(schemas: JsonSchema[]): JsonSchema {
  const merged: Record<string, unknown> = {};
  const allOf: JsonSchema[] = [];
  for (const schema of schemas) {
    for (const [key, value] of Object.entries(schema)) {
      if (key === 'type') {
        const type = intersectTypes(merged.type as JsonSchema['type'], value as JsonSchemaType | JsonSchemaType[]);
        if (type.length === 0) return { not: {} };
        merged.type = type.length === 1 ? type[0] : type;
      } else if (merged[key] === undefined) {
        merged[key] = value;
      } else if (key === 'minimum' || key === 'exclusiveMinimum') {
        merged[key] = Math.max(merged[key] as number, value as number);
      } else if (key === 'maximum' || key === 'exclusiveMaximum') {
        merged[key] = Math.min(merged[key] as number, value as number);
      } else if (JSON.stringify(merged[key]) !== JSON.stringify(value)) {
        allOf.push({ [key]: value });
      }
    }
  }
  if (allOf.length > 0) merged.allOf = [...((merged.allOf as JsonSchema[] | undefined) ?? []), ...allOf];
  return merged as JsonSchema;
}

function intersectTypes(a: JsonSchema['type'], b: JsonSchemaType | JsonSchemaType[]): JsonSchemaType[] {
  if (a === undefined) return [b].flat();
  const result = new Set<JsonSchemaType>();
  for (const x of [a].flat()) {
    for (const y of [b].flat()) {
      if (x === y) result.add(x);
      else if ((x === 'integer' && y === 'number') || (x === 'number' && y === 'integer')) result.add('integer');
    }
  }
  return [...result];
}

const SAME_ESCAPES = new Set([...'dDwWtnrfv^$\\.*+?()[]{}|/-']);

/**
 * CUE regular expressions are Go's RE2; JSON Schema's are ECMA-262. Translates the two places their common syntax
 * means different things (`.` and `\s`) and refuses anything else that is not written the same in both.
 */
function ecmaPattern(re2: string): string | undefined {
  let out = '';
  let inClass = false;
  for (let k = 0; k < re2.length; k += 1) {
    const c = re2[k]!;
    if (c === '\\') {
      const e = re2[k + 1] ?? '';
      k += 1;
      if (e === 's' || e === 'S') {
        if (inClass && e === 'S') return undefined;
        out += inClass ? '\\t\\n\\f\\r ' : e === 's' ? '[\\t\\n\\f\\r ]' : '[^\\t\\n\\f\\r ]';
      } else if ((e === 'b' || e === 'B') && !inClass) {
        out += `\\${e}`;
      } else if ((e === 'p' || e === 'P') && re2[k + 1] === '{') {
        out += `\\${e}`;
      } else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(re2.slice(k + 1, k + 3))) {
        out += '\\x';
      } else if (SAME_ESCAPES.has(e) && (e !== '-' || inClass)) {
        out += `\\${e}`;
      } else {
        return undefined;
      }
    } else if (inClass) {
      if (c === '[') return undefined;
      if (c === ']') inClass = false;
      out += c;
    } else if (c === '[') {
      inClass = true;
      const negated = re2[k + 1] === '^';
      // RE2 reads `[]a]` as a class holding `]`; ECMA-262 reads an empty class.
      if (re2[k + (negated ? 2 : 1)] === ']') return undefined;
      out += negated ? '[^' : '[';
      if (negated) k += 1;
    } else if (c === '(' && re2[k + 1] === '?' && re2[k + 2] !== ':') {
      return undefined;
    } else {
      out += c === '.' ? '[^\\n]' : c;
    }
  }
  try {
    new RegExp(out, 'u');
  } catch {
    return undefined;
  }
  return out;
}
