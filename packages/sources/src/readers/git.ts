import { parseDocument, visit } from 'yaml';
import { SourceError } from '../errors.js';
import { fetchCommit, type GitFile } from './git-fetch.js';
import type { SourceReader } from './source-reader.js';

/** One KubeVela addon directory of a git catalog, as its files say; nothing checked beyond parsing. */
export interface KubeVelaAddon {
  kind: 'addon';
  /** The directory's name, directly under the source's `path`. */
  directory: string;
  /** `name` from metadata.yaml, else the directory's name. */
  name: string;
  /** As written (a leading `v` kept); a number such as `1.10` keeps its digits. Null when absent. */
  version: string | null;
  description: string | null;
  icon: string | null;
  /** The project's home page (`url`). */
  url: string | null;
  tags: string[];
  /**
   * Where KubeVela installs the addon, read as KubeVela reads it: the control plane unless
   * `disableControlPlane`, runtime clusters when `runtimeCluster` or the legacy `runtime_cluster`.
   * Catalogs also write `controlPlane` or `control_plane`, which KubeVela ignores, and so do we.
   */
  deployTo: { controlPlane: boolean; runtimeCluster: boolean };
  /** Names of the addons this one needs. */
  dependencies: string[];
  /** Version requirements from `system`, e.g. `{ vela: '>=1.6.0', kubernetes: '>=1.19' }`. */
  system: Record<string, string>;
  /** Hidden from listings; installed only as another addon's dependency. */
  invisible: boolean;
  /** The whole of metadata.yaml, unknown keys included. */
  metadata: Record<string, unknown>;
  /** `parameter.cue`, else the older `resources/parameter.cue`; null when neither exists. */
  parameterCue: string | null;
  /** VelaUX UI schemas from `schemas/*.yaml`, raw text, named after the file without `.yaml`. */
  uiSchemas: Array<{ name: string; content: string }>;
}

/** A directory with a metadata.yaml that could not be read: reported in the sync run, the rest still read. */
export interface RejectedAddonDirectory {
  kind: 'rejected';
  directory: string;
  reason: string;
}

export type KubeVelaCatalogEntry = KubeVelaAddon | RejectedAddonDirectory;

/**
 * Real addon files are a few kilobytes; a bigger one is a mistake or an attack, and rejects only its
 * own addon.
 */
const MAX_ADDON_FILE_BYTES = 1024 * 1024;

interface AddonDirectory {
  directory: string;
  /** The files to read, by their path inside the directory. */
  files: Map<string, GitFile>;
  parameterCue: string | undefined;
  uiSchemas: string[];
}

/** A git repository of KubeVela addon directories (a KubeVela catalog such as kubevela/catalog `addons/`). */
export const gitReader: SourceReader<KubeVelaCatalogEntry> = {
  type: 'GIT',
  read: (location, options) =>
    fetchCommit(location, options, async (commit) => {
      const files = await commit.listFiles();
      if (files.some((file) => file.path === commit.path)) {
        throw new SourceError('MALFORMED', `"${commit.path}" in ${location.url} is a file; the path must name the folder holding the addon directories.`);
      }
      const directories = findAddonDirectories(files, commit.path);
      const readable = directories.flatMap(({ files: inside }) => [...inside.values()]).filter((file) => file.size <= MAX_ADDON_FILE_BYTES);
      const texts = await commit.readTextFiles(readable);
      const contents = new Map(readable.map((file, index) => [file, texts[index]]));
      return {
        status: 'read' as const,
        etag: null,
        revision: commit.revision,
        entries: toEntries(directories, contents),
      };
    }),
};

/** A directory directly under `path` is an addon when it holds a metadata.yaml. */
function findAddonDirectories(files: readonly GitFile[], path: string): AddonDirectory[] {
  const prefix = path ? `${path}/` : '';
  const byDirectory = new Map<string, Map<string, GitFile>>();
  for (const file of files) {
    const [directory, ...rest] = file.path.slice(prefix.length).split('/');
    if (rest.length === 0) continue;
    if (!byDirectory.has(directory)) byDirectory.set(directory, new Map());
    byDirectory.get(directory)!.set(rest.join('/'), file);
  }
  const directories: AddonDirectory[] = [];
  for (const [directory, inside] of byDirectory) {
    if (!inside.has('metadata.yaml')) continue;
    const parameterCue = ['parameter.cue', 'resources/parameter.cue'].find((name) => inside.has(name));
    const uiSchemas = [...inside.keys()].filter((name) => /^schemas\/[^/]+\.yaml$/.test(name));
    const wanted = ['metadata.yaml', ...(parameterCue ? [parameterCue] : []), ...uiSchemas];
    directories.push({ directory, files: new Map(wanted.map((name) => [name, inside.get(name)!])), parameterCue, uiSchemas });
  }
  return directories;
}

async function* toEntries(directories: readonly AddonDirectory[], contents: ReadonlyMap<GitFile, string | null>): AsyncGenerator<KubeVelaCatalogEntry> {
  for (const directory of directories) yield toEntry(directory, contents);
}

function toEntry({ directory, files, parameterCue, uiSchemas }: AddonDirectory, contents: ReadonlyMap<GitFile, string | null>): KubeVelaCatalogEntry {
  const reject = (reason: string): RejectedAddonDirectory => ({ kind: 'rejected', directory, reason });
  const texts = new Map<string, string>();
  for (const [name, file] of files) {
    if (!contents.has(file)) return reject(`${name} is ${file.size} bytes; an addon file may be at most ${MAX_ADDON_FILE_BYTES} bytes.`);
    const text = contents.get(file);
    if (text === null || text === undefined) return reject(`${name} is not UTF-8 text.`);
    texts.set(name, text);
  }

  const document = parseDocument(texts.get('metadata.yaml')!, { uniqueKeys: false });
  if (document.errors.length > 0) return reject(`metadata.yaml is not valid YAML: ${document.errors[0].message.split('\n')[0]}`);
  keepNumberSpelling(document);
  const fields: unknown = document.toJS();
  if (!isRecord(fields)) return reject('metadata.yaml must be a map of fields such as name, version and description.');

  // KubeVela decodes deployTo with Go's encoding/json, which matches key names ignoring case.
  const deployTo = Object.fromEntries(Object.entries(isRecord(fields.deployTo) ? fields.deployTo : {}).map(([key, value]) => [key.toLowerCase(), value]));
  return {
    kind: 'addon',
    directory,
    name: toText(fields.name) ?? directory,
    version: toText(fields.version),
    description: toText(fields.description),
    icon: toText(fields.icon),
    url: toText(fields.url),
    tags: toTexts(Array.isArray(fields.tags) ? fields.tags : []),
    deployTo: {
      controlPlane: deployTo.disablecontrolplane !== true,
      runtimeCluster: deployTo.runtimecluster === true || deployTo.runtime_cluster === true,
    },
    dependencies: toTexts(Array.isArray(fields.dependencies) ? fields.dependencies.map((dependency) => (isRecord(dependency) ? dependency.name : null)) : []),
    system: Object.fromEntries(
      Object.entries(isRecord(fields.system) ? fields.system : {}).flatMap(([key, value]) => {
        const requirement = toText(value);
        return requirement === null ? [] : [[key, requirement]];
      }),
    ),
    invisible: fields.invisible === true,
    metadata: fields,
    parameterCue: parameterCue ? texts.get(parameterCue)! : null,
    uiSchemas: uiSchemas.map((name) => ({ name: name.slice('schemas/'.length, -'.yaml'.length), content: texts.get(name)! })),
  };
}

/**
 * YAML reads `version: 1.10` as the number 1.1. A plain number whose spelling would not survive the
 * round trip (1.10, 010, 1e3) is kept as the text written, so versions and the like stay as authored.
 */
function keepNumberSpelling(document: ReturnType<typeof parseDocument>) {
  visit(document, {
    Scalar(_, node) {
      if (typeof node.value === 'number' && node.type === 'PLAIN' && node.source !== undefined && node.source !== String(node.value)) {
        node.value = node.source;
      }
    },
  });
}

/** A scalar as text (numbers and booleans as written); null for absent, empty or structured values. */
function toText(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() || null;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

function toTexts(values: readonly unknown[]): string[] {
  return values.map(toText).filter((text): text is string => text !== null);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
