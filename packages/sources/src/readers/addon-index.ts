import { SourceError } from '../errors.js';
import { describeRef, fetchCommit } from './git-fetch.js';
import type { SourceReader } from './source-reader.js';

/** One element of an addon index's `drivers` array, unverified: checking signatures is the next step's job. */
export interface AddonIndexEntry {
  /** Position in `drivers`, from 0. */
  index: number;
  /** The element as parsed. */
  driver: unknown;
  /** The element exactly as it is written in config.json, whitespace included. */
  text: string;
}

/**
 * An Ontology addon index (github.com/ont-bizsuite/addon-index): a git repository whose `config.json`
 * lists signed submissions in `drivers`. `path` names the file itself or the folder holding
 * `config.json`; the repository root when absent.
 */
export const addonIndexReader: SourceReader<AddonIndexEntry> = {
  type: 'ADDON_INDEX',
  read: (location, options) =>
    fetchCommit(location, options, async (commit) => {
      const files = await commit.listFiles();
      const configPath = commit.path ? `${commit.path}/config.json` : 'config.json';
      const config = files.find((file) => file.path === commit.path) ?? files.find((file) => file.path === configPath);
      if (!config) {
        const where = `${describeRef(commit.ref)}, commit ${commit.revision.slice(0, 7)}`;
        throw new SourceError('NOT_FOUND', `${location.url} has no ${configPath} at ${where}; check the path.`, 'path');
      }
      const [text] = await commit.readTextFiles([config]);
      if (text === null) throw new SourceError('MALFORMED', `${config.path} is not UTF-8 text.`);
      const drivers = readDrivers(text, config.path);
      return {
        status: 'read' as const,
        etag: null,
        revision: commit.revision,
        entries: toEntries(text, drivers),
      };
    }),
};

function readDrivers(text: string, path: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SourceError('MALFORMED', `${path} is not valid JSON: ${(error as Error).message}.`);
  }
  const drivers = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>).drivers : undefined;
  if (!Array.isArray(drivers)) throw new SourceError('MALFORMED', `${path} has no "drivers" array; an addon index lists its submissions there.`);
  return drivers;
}

async function* toEntries(text: string, drivers: readonly unknown[]): AsyncGenerator<AddonIndexEntry> {
  const spans = findDriverSpans(text);
  for (const [index, driver] of drivers.entries()) {
    const [start, end] = spans[index];
    yield { index, driver, text: text.slice(start, end) };
  }
}

/**
 * Where each element of the top-level `drivers` array starts and ends in `text`, which JSON.parse has
 * accepted already. The exact bytes matter: a later step hashes submissions, and two byte-identical
 * elements must be recognised as one submission listed twice. Like JSON.parse, the last `drivers` key wins.
 */
function findDriverSpans(text: string): Array<[number, number]> {
  let spans: Array<[number, number]> = [];
  let at = skipSpace(text, 0) + 1;
  for (;;) {
    at = skipSpace(text, at);
    if (text[at] === '}') return spans;
    const keyEnd = skipString(text, at);
    const key: unknown = JSON.parse(text.slice(at, keyEnd));
    const valueStart = skipSpace(text, skipSpace(text, keyEnd) + 1);
    const valueEnd = skipValue(text, valueStart);
    if (key === 'drivers' && text[valueStart] === '[') spans = findElementSpans(text, valueStart);
    at = skipSpace(text, valueEnd);
    if (text[at] === ',') at += 1;
  }
}

function findElementSpans(text: string, arrayStart: number): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let at = arrayStart + 1;
  for (;;) {
    at = skipSpace(text, at);
    if (text[at] === ']') return spans;
    const end = skipValue(text, at);
    spans.push([at, end]);
    at = skipSpace(text, end);
    if (text[at] === ',') at += 1;
  }
}

function skipSpace(text: string, at: number): number {
  while (at < text.length && ' \t\n\r'.includes(text[at])) at += 1;
  return at;
}

function skipString(text: string, at: number): number {
  let end = at + 1;
  while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
  return end + 1;
}

function skipValue(text: string, at: number): number {
  if (text[at] === '"') return skipString(text, at);
  if (text[at] === '{' || text[at] === '[') {
    let depth = 0;
    let end = at;
    do {
      if (text[end] === '"') {
        end = skipString(text, end);
        continue;
      }
      if (text[end] === '{' || text[end] === '[') depth += 1;
      else if (text[end] === '}' || text[end] === ']') depth -= 1;
      end += 1;
    } while (depth > 0);
    return end;
  }
  let end = at;
  while (end < text.length && !' \t\n\r,]}'.includes(text[end])) end += 1;
  return end;
}
