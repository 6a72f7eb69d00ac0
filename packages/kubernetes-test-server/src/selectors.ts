import { badRequest } from './status.js';
import type { KubeObject } from './resources.js';

type Requirement =
  | { op: 'in'; key: string; values: string[] }
  | { op: 'notin'; key: string; values: string[] }
  | { op: 'exists'; key: string }
  | { op: 'doesnotexist'; key: string };

/** A parsed `labelSelector`: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, joined by commas. */
export type LabelSelector = (labels: Record<string, string> | undefined) => boolean;

export function readLabelSelector(text: string | null): LabelSelector {
  if (!text) return () => true;
  const requirements = splitRequirements(text).map(readRequirement);
  return (labels = {}) => requirements.every((requirement) => matches(requirement, labels));
}

/** Matches a `spec.selector` map (Service) or `matchLabels` (Deployment). */
export function matchesLabels(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

// Commas inside `in (a,b)` do not separate requirements.
function splitRequirements(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter(Boolean);
}

function readRequirement(part: string): Requirement {
  const set = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
  if (set) return { op: set[2] as 'in' | 'notin', key: set[1]!, values: set[3]!.split(',').map((value) => value.trim()) };
  const equality = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(part);
  if (equality) {
    const [, key, op, value] = equality as unknown as [string, string, string, string];
    return { op: op === '!=' ? 'notin' : 'in', key, values: [value] };
  }
  if (/^![\w./-]+$/.test(part)) return { op: 'doesnotexist', key: part.slice(1) };
  if (/^[\w./-]+$/.test(part)) return { op: 'exists', key: part };
  throw badRequest(`unable to parse requirement: ${part}`);
}

function matches(requirement: Requirement, labels: Record<string, string>): boolean {
  const value = labels[requirement.key];
  switch (requirement.op) {
    case 'in':
      return value !== undefined && requirement.values.includes(value);
    case 'notin':
      return value === undefined || !requirement.values.includes(value);
    case 'exists':
      return value !== undefined;
    case 'doesnotexist':
      return value === undefined;
  }
}

/** `fieldSelector` with `metadata.name` and `metadata.namespace` (`=`, `==`, `!=`), the fields every resource supports. */
export function readFieldSelector(text: string | null): (object: KubeObject) => boolean {
  if (!text) return () => true;
  const tests = text.split(',').map((part) => {
    const found = /^(metadata\.name|metadata\.namespace)\s*(==|=|!=)\s*(.*)$/.exec(part.trim());
    if (!found) throw badRequest(`field label not supported: ${part.split(/[=!]/)[0]}`);
    const [, field, op, value] = found as unknown as [string, string, string, string];
    const read = (object: KubeObject) => (field === 'metadata.name' ? object.metadata.name : object.metadata.namespace ?? '');
    return (object: KubeObject) => (op === '!=' ? read(object) !== value : read(object) === value);
  });
  return (object) => tests.every((test) => test(object));
}
