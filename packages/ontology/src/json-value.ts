import { quote, SubmissionError } from './errors.js';
import type { SubmissionLimits } from './limits.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Parses submission text, refusing it before parsing when it is over the byte cap. */
export function parseSubmissionText(text: string, limits: SubmissionLimits): unknown {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxSubmissionBytes) {
    throw new SubmissionError('TOO_LARGE', `The submission is ${bytes} bytes; at most ${limits.maxSubmissionBytes} are accepted.`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SubmissionError('NOT_JSON', `The submission is not JSON: ${(error as Error).message}.`);
  }
}

/**
 * Checks that `value` is plain JSON within the caps, so that hashing and re-serialising it are bounded
 * and well defined: only null, booleans, finite numbers, well-formed strings, arrays and plain objects,
 * nested at most `maxDepth` deep, its compact JSON (escapes aside) at most `maxSubmissionBytes` long.
 * Fails on the first problem, naming its path.
 */
export function readJsonValue(value: unknown, limits: SubmissionLimits): JsonValue {
  let bytes = 0;
  const visit = (node: unknown, path: string, depth: number): void => {
    if (depth > limits.maxDepth) {
      throw new SubmissionError('TOO_LARGE', `${describe(path)} is nested ${depth} deep; at most ${limits.maxDepth} levels are accepted.`, field(path));
    }
    if (typeof node === 'string') {
      checkString(node, path, limits.maxStringLength);
      bytes += node.length + 2;
    } else if (typeof node === 'number') {
      if (!Number.isFinite(node)) throw new SubmissionError('WRONG_TYPE', `${describe(path)} must be a finite number.`, field(path));
      bytes += String(node).length;
    } else if (node === null || typeof node === 'boolean') {
      bytes += String(node).length;
    } else if (Array.isArray(node)) {
      bytes += 2 + Math.max(0, node.length - 1);
      checkBytes(bytes, limits);
      node.forEach((element, index) => visit(element, `${path}[${index}]`, depth + 1));
    } else if (isPlainObject(node)) {
      const keys = Object.keys(node);
      if (keys.length > limits.maxKeysPerObject) {
        throw new SubmissionError('TOO_LARGE', `${describe(path)} has ${keys.length} keys; at most ${limits.maxKeysPerObject} are accepted.`, field(path));
      }
      for (const key of keys) {
        checkString(key, `${path}${path ? '.' : ''}${key}`, limits.maxKeyLength, 'key');
        bytes += key.length + 4; // quotes, colon, comma
        checkBytes(bytes, limits);
        visit(node[key], path ? `${path}.${key}` : key, depth + 1);
      }
      bytes += 2;
    } else {
      throw new SubmissionError('WRONG_TYPE', `${describe(path)} is not a JSON value.`, field(path));
    }
    checkBytes(bytes, limits);
  };
  visit(value, '', 1);
  return value as JsonValue;
}

function checkString(text: string, path: string, maxLength: number, what = 'string'): void {
  if (text.length > maxLength) {
    throw new SubmissionError('TOO_LARGE', `${describe(path)}: the ${what} is ${text.length} characters long; at most ${maxLength} are accepted.`, field(path));
  }
  if (LONE_SURROGATE.test(text)) {
    throw new SubmissionError('INVALID_TEXT', `${describe(path)} holds a lone UTF-16 surrogate, which has no UTF-8 form; send valid Unicode.`, field(path));
  }
}

function checkBytes(bytes: number, limits: SubmissionLimits): void {
  if (bytes > limits.maxSubmissionBytes) {
    throw new SubmissionError('TOO_LARGE', `The submission is over ${limits.maxSubmissionBytes} bytes as JSON; at most that many are accepted.`);
  }
}

/** An object literal or JSON.parse result, from any realm (Jest's structuredClone answers with another realm's objects). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

function field(path: string): string | undefined {
  return path === '' ? undefined : path;
}

function describe(path: string): string {
  return path === '' ? 'The submission' : quote(path, 60);
}
