import { StringDecoder } from 'node:string_decoder';
import { FAILSAFE_SCHEMA, load, Type, YAMLException, type State } from 'js-yaml';
import { SourceError } from '../errors.js';
import { guardedFetch, type GuardedResponse } from '../url-guard/guarded-fetch.js';
import type { SourceCredential, SourceReader } from './source-reader.js';

/** One chart as its repository's `index.yaml` lists it. */
export interface HelmChart {
  name: string;
  /** In index order, duplicates included: which of two equal versions wins is the catalog's call. */
  versions: HelmChartVersion[];
  /** Entries that could not be read as a chart version, so the repo owner can fix them. */
  rejected: HelmRejectedVersion[];
}

export interface HelmChartVersion {
  name: string;
  /** Exactly as written (`1.10`, `1.13.00`, `v0.6`): never read as a number. */
  version: string;
  digest: string | null;
  created: string | null;
  appVersion: string | null;
  description: string | null;
  icon: string | null;
  home: string | null;
  keywords: string[];
  /** Absolute: relative chart URLs are resolved against the repository URL, as Helm does. */
  urls: string[];
  deprecated: boolean;
  annotations: Record<string, string>;
  apiVersion: string | null;
  type: string | null;
  kubeVersion: string | null;
}

export interface HelmRejectedVersion {
  /** 1-based place of the entry in the chart's list; absent when the chart lists no versions at all. */
  position?: number;
  reason: string;
}

const HELM_SCHEMES = ['https:', 'http:'];

/** Larger indexes must be in the block layout Helm writes, which is read chart by chart. */
const WHOLE_DOCUMENT_LIMIT = 8 * 1024 * 1024;

/**
 * How many items (list entries, map keys) YAML aliases may repeat in one index. An alias repeats a
 * list or map without repeating its text, so a few kilobytes could stand for billions of versions;
 * Helm never writes aliases. The `yaml` library capped them (maxAliasCount); js-yaml does not.
 */
const ALIAS_REPEAT_LIMIT = 100_000;

/** Reads a chart repository's `index.yaml`, one chart at a time, so a 50 MB index never sits in memory whole. */
export const helmReader: SourceReader<HelmChart> = {
  type: 'HELM',
  async read(location, { guard, etag, signal }) {
    const indexUrl = indexUrlOf(guard.parse(location.url, HELM_SCHEMES));
    const response = await guardedFetch(guard, indexUrl, {
      schemes: HELM_SCHEMES,
      headers: requestHeaders(location.credential, etag),
      signal,
    });
    if (response.status === 304 && etag) {
      response.close();
      return { status: 'not-modified', etag: response.headers.etag ?? etag };
    }
    refuseFailure(response, indexUrl, Boolean(location.credential));
    return { status: 'read', etag: response.headers.etag ?? null, revision: null, entries: chartsOf(response.body, indexUrl) };
  },
};

/** `<repo>/index.yaml`, whether or not the repo URL ends with a slash. */
function indexUrlOf(repoUrl: URL): URL {
  const indexUrl = new URL(repoUrl.href);
  indexUrl.pathname = `${repoUrl.pathname.replace(/\/+$/, '')}/index.yaml`;
  indexUrl.hash = '';
  return indexUrl;
}

function requestHeaders(credential: SourceCredential | null | undefined, etag: string | null | undefined): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/yaml, text/yaml, */*' };
  if (etag) headers['if-none-match'] = etag;
  if (credential?.kind === 'basic') {
    headers.authorization = `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
  } else if (credential?.kind === 'token') {
    headers.authorization = `Bearer ${credential.token}`;
  }
  return headers;
}

function refuseFailure(response: GuardedResponse, indexUrl: URL, withCredential: boolean): void {
  const { status } = response;
  if (status >= 200 && status < 300) return;
  response.close();
  const where = shown(indexUrl);
  if (status === 401 || status === 403) {
    throw new SourceError(
      'UNAUTHORIZED',
      withCredential
        ? `The repository refused the credential (HTTP ${status} for ${where}); check the username and password or token.`
        : `The repository needs a credential (HTTP ${status} for ${where}); add one to the repo.`,
    );
  }
  if (status === 404) throw new SourceError('NOT_FOUND', `There is no index.yaml at ${where}; check the repository URL.`);
  throw new SourceError('UPSTREAM_ERROR', `The repository answered HTTP ${status} for ${where}.`);
}

/**
 * The charts of an index as its body streams in. Helm writes `entries:` as a block map whose keys
 * (chart names) sit at one indentation, each followed by its list of versions; each such block is
 * parsed on its own. Anything else is parsed as one document, which only small indexes may be.
 */
async function* chartsOf(body: AsyncIterable<Buffer>, indexUrl: URL): AsyncGenerator<HelmChart> {
  const lines = linesOf(body, indexUrl)[Symbol.asyncIterator]();
  const repeats = new AliasRepeats(indexUrl);
  try {
    const preamble = await untilEntries(lines, indexUrl);
    if (preamble.inBlockLayout) yield* chartsOfBlocks(lines, preamble.lineCount, indexUrl, repeats);
    else yield* chartsOfDocument(await restOf(preamble.text, lines, indexUrl), indexUrl, repeats);
  } finally {
    // Releases the connection when the consumer stops early or the index turns out malformed.
    await lines.return?.(undefined);
  }
}

async function* chartsOfBlocks(
  lines: AsyncIterator<string>,
  entriesLine: number,
  indexUrl: URL,
  repeats: AliasRepeats,
): AsyncGenerator<HelmChart> {
  let block: string[] = [];
  let blockStart = 0;
  let chartIndent: number | undefined;
  let number = entriesLine;
  let afterEntries: string | undefined;
  for (let next = await lines.next(); !next.done; next = await lines.next()) {
    const line = next.value;
    number++;
    if (isBlankOrComment(line)) {
      block.push(line);
      continue;
    }
    const indent = line.length - line.trimStart().length;
    if (indent === 0) {
      afterEntries = line;
      break;
    }
    chartIndent ??= indent;
    if (indent < chartIndent) throw malformed(indexUrl, `line ${number} is indented less than the chart names above it`);
    if (indent === chartIndent && !/^-(\s|$)/.test(line.slice(indent))) {
      yield* chartsOfBlock(block, blockStart, indexUrl, repeats);
      block = [];
      blockStart = number;
    }
    block.push(line);
  }
  if (chartIndent === undefined) {
    // A bare `entries:` is a null, not the `{}` Helm writes for a repository without charts.
    throw malformed(indexUrl, afterEntries?.startsWith('-') ? 'entries must map chart names to their versions, not list them' : 'its entries key is empty');
  }
  yield* chartsOfBlock(block, blockStart, indexUrl, repeats);
  if (afterEntries !== undefined) await skipRest(afterEntries, number, lines, indexUrl);
}

interface Preamble {
  /** Whether `entries:` opened a block map (the layout Helm writes). */
  inBlockLayout: boolean;
  /** The lines read so far, for parsing the whole document when the layout is another. */
  text: string;
  lineCount: number;
}

const ENTRIES_KEY = /^(?:entries|"entries"|'entries')\s*:(?:\s+(.*))?$/;
const TOP_LEVEL_KEY = /^(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#?:,[\]{}&*!|>'"%@`-][^#]*?)\s*:(?:\s|$)/;

/** Reads the top-level keys before `entries` (apiVersion, a server's extras), which a sync does not need. */
async function untilEntries(lines: AsyncIterator<string>, indexUrl: URL): Promise<Preamble> {
  const seen: string[] = [];
  let length = 0;
  for (let next = await lines.next(); !next.done; next = await lines.next()) {
    const line = next.value;
    seen.push(line);
    length += line.length + 1;
    if (length > WHOLE_DOCUMENT_LIMIT) throw malformed(indexUrl, `it has no entries key in its first ${WHOLE_DOCUMENT_LIMIT / (1024 * 1024)} MB`);
    if (isBlankOrComment(line) || /^\s/.test(line) || (line === '---' && seen.length === 1)) continue;
    const entries = ENTRIES_KEY.exec(line);
    const inBlockLayout = entries ? isBlankOrComment(entries[1] ?? '') : TOP_LEVEL_KEY.test(line);
    if (entries || !inBlockLayout) return { inBlockLayout, text: seen.join('\n'), lineCount: seen.length };
  }
  return { inBlockLayout: false, text: seen.join('\n'), lineCount: seen.length };
}

/** After `entries`, only top-level keys a sync ignores (`generated`, `serverInfo`) may follow. */
async function skipRest(first: string, firstNumber: number, lines: AsyncIterator<string>, indexUrl: URL): Promise<void> {
  let number = firstNumber;
  for (let line: string | undefined = first; line !== undefined; number++) {
    if (!isBlankOrComment(line) && !/^\s/.test(line) && line !== '...') {
      if (ENTRIES_KEY.test(line)) throw malformed(indexUrl, `line ${number} repeats the entries key`);
      if (!TOP_LEVEL_KEY.test(line)) throw malformed(indexUrl, `line ${number} is neither a key nor part of one`);
    }
    const next = await lines.next();
    line = next.done ? undefined : next.value;
  }
}

/** The chart name with its list of versions, written at the chart indentation, parsed alone. */
function* chartsOfBlock(block: string[], firstLine: number, indexUrl: URL, repeats: AliasRepeats): Generator<HelmChart> {
  if (!block.some((line) => !isBlankOrComment(line))) return;
  const charts = parseYaml(block.join('\n'), firstLine, indexUrl, repeats);
  if (!isMap(charts)) throw malformed(indexUrl, 'entries must map chart names to their versions');
  for (const [name, listed] of Object.entries(charts)) yield chartOf(name, listed, indexUrl, repeats);
}

function* chartsOfDocument(text: string, indexUrl: URL, repeats: AliasRepeats): Generator<HelmChart> {
  const document = parseYaml(text, 1, indexUrl, repeats);
  if (!isMap(document) || !isMap(document.entries)) throw malformed(indexUrl, 'it has no entries map');
  for (const [name, listed] of Object.entries(document.entries)) yield chartOf(name, listed, indexUrl, repeats);
}

async function restOf(start: string, lines: AsyncIterator<string>, indexUrl: URL): Promise<string> {
  const parts = [start];
  let length = start.length;
  for (let next = await lines.next(); !next.done; next = await lines.next()) {
    length += next.value.length + 1;
    if (length > WHOLE_DOCUMENT_LIMIT) throw notInBlockLayout(indexUrl);
    parts.push(next.value);
  }
  return parts.join('\n');
}

/** The body as lines, decoded as UTF-8 across chunk boundaries, without a BOM or `\r`. */
async function* linesOf(body: AsyncIterable<Buffer>, indexUrl: URL): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let first = true;
  for await (const chunk of body) {
    pending += decoder.write(chunk);
    if (first && pending.length > 0) {
      pending = pending.replace(/^\uFEFF/, '');
      first = false;
    }
    let start = 0;
    for (let end = pending.indexOf('\n'); end !== -1; end = pending.indexOf('\n', start)) {
      yield withoutCarriageReturn(pending.slice(start, end));
      start = end + 1;
    }
    pending = pending.slice(start);
    if (pending.length > WHOLE_DOCUMENT_LIMIT) throw notInBlockLayout(indexUrl);
  }
  pending += decoder.end();
  if (pending) yield withoutCarriageReturn(pending);
}

function withoutCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function isBlankOrComment(line: string): boolean {
  return /^\s*(#.*)?$/.test(line);
}

/**
 * The failsafe schema keeps every scalar as the string written: the core schema would turn
 * `version: 1.10` into 1.1 and `1.13.00` into 1.13. A node with another tag (`!!int 5`, `!local x`)
 * reads as it would untagged, as under the `yaml` library, rather than failing the whole index.
 */
const SCHEMA = FAILSAFE_SCHEMA.extend([
  // `multi` with the empty prefix matches every tag the failsafe schema does not know; an empty node falls to the first.
  new Type('', { kind: 'scalar', multi: true, construct: (data: string | null) => data ?? '' }),
  new Type('', { kind: 'sequence', multi: true, construct: (data: unknown[] | null) => data ?? [] }),
  new Type('', { kind: 'mapping', multi: true, construct: (data: object | null) => data ?? {} }),
]);

/**
 * YAML through js-yaml, several times faster than the `yaml` library. A key written twice keeps its
 * last value (`json: true`), as before: js-yaml would otherwise fail the whole index over it.
 */
function parseYaml(text: string, firstLine: number, indexUrl: URL, repeats: AliasRepeats): unknown {
  try {
    // Only a text with both an anchor (`&a`) and an alias (`*a`) can repeat a node: the rest skip the listener's cost.
    const listener = text.includes('*') && text.includes('&') ? repeats.listener : undefined;
    return load(text, { schema: SCHEMA, json: true, listener });
  } catch (error) {
    if (!(error instanceof YAMLException)) throw error;
    // The message holds a snippet of the index; the reason alone is short.
    const reason = truncate(error.reason || 'unreadable', 160);
    const line = error.mark ? `line ${firstLine + error.mark.line}: ` : '';
    throw malformed(indexUrl, `it is not valid YAML (${line}${reason})`);
  }
}

/**
 * Counts what YAML aliases repeat, both as js-yaml builds the index (a map key that is an alias of a
 * list is joined into a string each time) and as the reader copies versions out of it.
 */
class AliasRepeats {
  private readonly built = new WeakSet<object>();
  private readonly read = new WeakSet<object>();
  private left = ALIAS_REPEAT_LIMIT;

  constructor(private readonly indexUrl: URL) {}

  /** js-yaml's node events: a node that closes on a list or map already built is an alias of it. */
  readonly listener = (event: 'open' | 'close', state: State): void => {
    if (event === 'close') this.count(this.built, state.result);
  };

  /** Called on each list or map the reader copies from. */
  reading(value: unknown): void {
    this.count(this.read, value);
  }

  private count(seen: WeakSet<object>, value: unknown): void {
    if (typeof value !== 'object' || value === null) return;
    if (!seen.has(value)) {
      seen.add(value);
      return;
    }
    this.left -= Array.isArray(value) ? value.length : Object.keys(value).length;
    if (this.left < 0) throw malformed(this.indexUrl, `its YAML aliases repeat more than ${ALIAS_REPEAT_LIMIT} list entries and map keys`);
  }
}

function chartOf(name: string, listed: unknown, indexUrl: URL, repeats: AliasRepeats): HelmChart {
  if (!Array.isArray(listed)) return { name, versions: [], rejected: [{ reason: 'the chart does not list its versions' }] };
  repeats.reading(listed);
  const chart: HelmChart = { name, versions: [], rejected: [] };
  listed.forEach((entry, index) => {
    const read = chartVersionOf(name, entry, indexUrl, repeats);
    if (typeof read === 'string') chart.rejected.push({ position: index + 1, reason: read });
    else chart.versions.push(read);
  });
  return chart;
}

/** The version an entry describes, or why it describes none. */
function chartVersionOf(chartName: string, entry: unknown, indexUrl: URL, repeats: AliasRepeats): HelmChartVersion | string {
  if (!isMap(entry)) return 'the entry is not a map of chart fields';
  for (const value of [entry, entry.keywords, entry.urls, entry.annotations]) repeats.reading(value);
  const version = text(entry.version);
  if (!version) return 'the entry has no version';
  return {
    name: text(entry.name) ?? chartName,
    version,
    digest: text(entry.digest),
    created: text(entry.created),
    appVersion: text(entry.appVersion),
    description: text(entry.description),
    icon: text(entry.icon),
    home: text(entry.home),
    keywords: texts(entry.keywords),
    urls: texts(entry.urls).map((url) => absoluteUrl(url, indexUrl)),
    deprecated: /^(true|True|TRUE)$/.test(text(entry.deprecated) ?? ''),
    annotations: isMap(entry.annotations) ? annotationsOf(entry.annotations) : {},
    apiVersion: text(entry.apiVersion),
    type: text(entry.type),
    kubeVersion: text(entry.kubeVersion),
  };
}

/** The string values; an empty one (`key:`) is js-yaml's null and Helm's "". */
function annotationsOf(annotations: Record<string, unknown>): Record<string, string> {
  const pairs = Object.entries(annotations).map(([key, value]) => [key, value ?? ''] as const);
  return Object.fromEntries(pairs.filter((pair): pair is readonly [string, string] => typeof pair[1] === 'string'));
}

/** Helm resolves a relative chart URL against the repository URL, which is where index.yaml lives. */
function absoluteUrl(url: string, indexUrl: URL): string {
  try {
    return new URL(url, indexUrl).href;
  } catch {
    return url;
  }
}

/** Under the failsafe schema a YAML null arrives as the word that spelled it, or as null when nothing did. */
const NULL_SPELLINGS = new Set(['', '~', 'null', 'Null', 'NULL']);

function text(value: unknown): string | null {
  return typeof value === 'string' && !NULL_SPELLINGS.has(value) ? value : null;
}

function texts(value: unknown): string[] {
  return Array.isArray(value) ? value.map(text).filter((item): item is string => item !== null) : [];
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(indexUrl: URL, detail: string): SourceError {
  return new SourceError('MALFORMED', `${shown(indexUrl)} is not a Helm repository index: ${detail}.`);
}

function notInBlockLayout(indexUrl: URL): SourceError {
  return malformed(
    indexUrl,
    `it is not in the block YAML layout Helm writes, and at over ${WHOLE_DOCUMENT_LIMIT / (1024 * 1024)} MB it is too large to read as one document`,
  );
}

/** The URL without a query, which may carry a token the user did not mean to show. */
function shown(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function truncate(value: string, length: number): string {
  return value.length > length ? `${value.slice(0, length - 1)}…` : value;
}
