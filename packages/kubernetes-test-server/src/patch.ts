import { StatusError, badRequest, toFailure } from './status.js';

export type PatchType = 'merge' | 'strategic' | 'json';

const PATCH_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/json-patch+json': 'json',
};

/** Reads the patch type from Content-Type; server-side apply and anything else get 415, as from a server that lacks them. */
export function readPatchType(contentType: string | undefined): PatchType {
  const type = PATCH_TYPES[(contentType ?? '').split(';')[0]!.trim()];
  if (!type) throw new StatusError(toFailure(415, `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_TYPES).join(', ')}`));
  return type;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function applyPatch(target: unknown, patch: unknown, type: PatchType): unknown {
  if (type === 'json') return applyJsonPatch(target, patch);
  return mergePatch(target, patch, type === 'strategic');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * RFC 7386 JSON merge patch. With `byName` (our strategic merge), lists of objects that all carry a
 * `name` (containers, env, ports, volumes) are merged item by item instead of replaced.
 */
export function mergePatch(target: unknown, patch: unknown, byName = false): unknown {
  if (byName && Array.isArray(patch) && Array.isArray(target) && isNamedList(patch) && isNamedList(target)) {
    const merged = target.map((item) => {
      const change = patch.find((candidate) => candidate.name === item.name);
      return change ? mergePatch(item, change, true) : item;
    });
    for (const item of patch) if (!target.some((existing) => existing.name === item.name)) merged.push(mergePatch({}, item, true) as Record<string, unknown>);
    return merged;
  }
  if (!isRecord(patch)) return patch;
  const result: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value, byName);
  }
  return result;
}

function isNamedList(list: unknown[]): list is Record<string, unknown>[] {
  return list.length > 0 && list.every((item) => isRecord(item) && typeof item.name === 'string');
}

interface Operation {
  op: 'add' | 'remove' | 'replace' | 'test' | 'move' | 'copy';
  path: string;
  value?: Json;
  from?: string;
}

/** RFC 6902 JSON patch: the generated client's default patch type. */
function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw badRequest('json patch must be a list of operations');
  let document = structuredClone(target);
  for (const operation of patch as Operation[]) {
    const path = readPointer(operation.path);
    switch (operation.op) {
      case 'add':
        document = setAt(document, path, operation.value, 'add');
        break;
      case 'replace':
        readAt(document, path, operation.path);
        document = setAt(document, path, operation.value, 'replace');
        break;
      case 'remove':
        readAt(document, path, operation.path);
        document = removeAt(document, path);
        break;
      case 'test':
        if (JSON.stringify(readAt(document, path, operation.path)) !== JSON.stringify(operation.value)) {
          throw new StatusError(toFailure(422, `the server rejected our request due to an error in our request: testing value ${operation.path} failed`));
        }
        break;
      case 'move':
      case 'copy': {
        const from = readPointer(operation.from ?? '');
        const value = structuredClone(readAt(document, from, operation.from ?? ''));
        if (operation.op === 'move') document = removeAt(document, from);
        document = setAt(document, path, value, 'add');
        break;
      }
      default:
        throw badRequest(`unknown json patch operation: ${(operation as { op: string }).op}`);
    }
  }
  return document;
}

function readPointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw badRequest(`invalid json pointer: ${pointer}`);
  return pointer.slice(1).split('/').map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function readAt(document: unknown, path: string[], pointer: string): unknown {
  let current = document;
  for (const token of path) {
    if (Array.isArray(current)) current = current[Number(token)];
    else if (isRecord(current)) current = current[token];
    else current = undefined;
    if (current === undefined) throw new StatusError(toFailure(422, `the server rejected our request due to an error in our request: path ${pointer} not found`));
  }
  return current;
}

function setAt(document: unknown, path: string[], value: unknown, mode: 'add' | 'replace'): unknown {
  if (path.length === 0) return value;
  const parent = readAt(document, path.slice(0, -1), `/${path.slice(0, -1).join('/')}`);
  const key = path[path.length - 1]!;
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (mode === 'add') parent.splice(index, 0, value);
    else parent[index] = value;
  } else if (isRecord(parent)) parent[key] = value;
  return document;
}

function removeAt(document: unknown, path: string[]): unknown {
  const parent = readAt(document, path.slice(0, -1), '');
  const key = path[path.length - 1]!;
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else if (isRecord(parent)) delete parent[key];
  return document;
}
