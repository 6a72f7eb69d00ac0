/**
 * The two byte forms signers produce from a JSON value. Both take values {@link readJsonValue} has
 * accepted: finite numbers, well-formed strings, plain objects and arrays.
 */
import type { JsonValue } from './json-value.js';

/**
 * RFC 8785 (JCS) canonical JSON: no whitespace, object keys sorted by their UTF-16 code units, strings
 * and numbers as ECMAScript's JSON.stringify writes them (RFC 8785 §3.2.2 takes both from ECMA-262).
 * The legacy form's signers produced exactly this for every real submission.
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key]!)}`).join(',')}}`;
}

/**
 * What Go's `json.Marshal` of a `map[string]interface{}` wrote before Go 1.22: keys sorted by their
 * UTF-8 bytes; `<`, `>`, `&`, U+2028 and U+2029 escaped as `\u003c`, `\u003e`, `\u0026`, `\u2028`,
 * `\u2029`; backspace and form feed as `\u0008` and `\u000c`. Numbers are formatted as in ECMAScript
 * (Go matches its exponent thresholds), except that Go keeps `-0`; JSON.parse cannot tell `-0` from
 * `0` apart in a value's meaning, so that one difference is not modelled.
 * Equal to {@link canonicalJson} unless a string holds one of those characters or keys sort differently.
 */
export function goSortedJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return typeof value === 'string' ? goString(value) : JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(goSortedJson).join(',')}]`;
  const keys = Object.keys(value).sort(compareUtf8);
  return `{${keys.map((key) => `${goString(key)}:${goSortedJson(value[key]!)}`).join(',')}}`;
}

/** One JSON escape sequence as a unit (so `\\b` is a backslash and a `b`), or a character Go escapes. */
const GO_ESCAPES = /\\(?:u[0-9a-f]{4}|.)|[<>&\u2028\u2029]/g;
const GO_FORMS: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
  '\\b': '\\u0008',
  '\\f': '\\u000c',
};

function goString(text: string): string {
  return JSON.stringify(text).replace(GO_ESCAPES, (match) => GO_FORMS[match] ?? match);
}

/** Orders strings by their UTF-8 bytes, which is code point order (UTF-16 order differs above U+E000). */
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
