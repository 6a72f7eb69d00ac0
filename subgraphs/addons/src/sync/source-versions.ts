import { createHash } from 'node:crypto';
import type { HelmChart, KubeVelaCatalogEntry } from '@addon-platform/sources';
import { convertParameterCue } from '../config-schemas/cue-to-json-schema.js';
import { parseVersion, versionSortKey } from '../versions/version-order.js';
import type { IncomingVersion } from './catalog-writer.js';
import type { SyncProblem } from './sync-run.entity.js';

/**
 * What each kind of source entry becomes in the catalog. Entries that cannot be catalogued are
 * returned as problems with a reason, counted `rejected`, and the rest of the source still imports.
 */
export interface SourceVersions {
  versions: IncomingVersion[];
  problems: SyncProblem[];
}

const MAX_NAME = 253;
const MAX_VERSION = 128;

const NOT_LAUNCHABLE_CHART =
  'A Helm chart is a catalog entry: launching charts needs an in-cluster engine (a Flux HelmRelease), which the platform does not drive yet.';
const NOT_LAUNCHABLE_KUBEVELA =
  'A KubeVela addon is a catalog entry: launching it needs KubeVela in the cluster, which the platform does not drive yet.';

export function helmChartVersions(chart: HelmChart): SourceVersions {
  const problems: SyncProblem[] = chart.rejected.map((rejected) => ({
    entry: `${chart.name}${rejected.position ? ` (entry ${rejected.position})` : ''}`,
    reason: rejected.reason,
  }));
  const listed = chart.versions.filter((entry) => {
    const problem = nameProblem(chart.name) ?? versionProblem(entry.version);
    if (problem) problems.push({ entry: `${chart.name} ${entry.version}`, reason: problem });
    return !problem;
  });
  // The addon is described by its newest version, as `helm search` shows a chart.
  const newest = [...listed].sort((a, b) => (versionSortKey(b.version) < versionSortKey(a.version) ? -1 : 1))[0];
  const versions = listed.map((entry): IncomingVersion => ({
    addon: chart.name,
    addonDescription: newest?.description ?? '',
    icon: newest?.icon ?? null,
    home: newest?.home ?? null,
    tags: newest?.keywords ?? [],
    version: entry.version,
    sortKey: versionSortKey(entry.version),
    prerelease: isPrerelease(entry.version),
    description: entry.description ?? '',
    appVersion: entry.appVersion,
    chartName: chart.name,
    urls: entry.urls,
    digest: entry.digest,
    contentDigest: entry.digest ?? digestOf([entry.version, ...entry.urls, entry.created ?? '']),
    publishedAt: timestampOrNull(entry.created),
    deprecated: entry.deprecated,
    images: chartImages(entry.annotations),
    configSchema: null,
    configSchemaValidated: false,
    configSchemaSource: null,
    uiSchemas: [],
    notLaunchableReason: NOT_LAUNCHABLE_CHART,
  }));
  return { versions, problems };
}

export function kubeVelaVersions(entry: KubeVelaCatalogEntry): SourceVersions {
  if (entry.kind === 'rejected') return { versions: [], problems: [{ entry: entry.directory, reason: entry.reason }] };
  const problem = nameProblem(entry.name) ?? (entry.version === null ? 'metadata.yaml has no version.' : versionProblem(entry.version));
  if (problem) return { versions: [], problems: [{ entry: entry.directory, reason: problem }] };
  const version = entry.version!;
  const converted = entry.parameterCue === null ? null : convertParameterCue(entry.parameterCue);
  return {
    problems: [],
    versions: [
      {
        addon: entry.name,
        addonDescription: entry.description ?? '',
        icon: entry.icon,
        home: entry.url,
        tags: entry.tags,
        version,
        sortKey: versionSortKey(version),
        prerelease: isPrerelease(version),
        description: entry.description ?? '',
        appVersion: null,
        chartName: null,
        urls: [],
        digest: null,
        // A git addon has no published digest: what was read is what decides "changed".
        contentDigest: digestOf([JSON.stringify(entry.metadata), entry.parameterCue ?? '', ...entry.uiSchemas.flatMap((schema) => [schema.name, schema.content])]),
        publishedAt: null,
        deprecated: false,
        images: [],
        configSchema: converted?.schema ?? null,
        configSchemaValidated: converted?.validated ?? false,
        configSchemaSource: entry.parameterCue,
        uiSchemas: entry.uiSchemas,
        notLaunchableReason: NOT_LAUNCHABLE_KUBEVELA,
      },
    ],
  };
}

function nameProblem(name: string): string | undefined {
  return name.length === 0 || name.length > MAX_NAME ? `The name must be 1 to ${MAX_NAME} characters.` : undefined;
}

function versionProblem(version: string): string | undefined {
  if (version.length === 0 || version.length > MAX_VERSION) return `The version must be 1 to ${MAX_VERSION} characters.`;
  if (/[\u0000-\u001f\u007f]/.test(version)) return 'The version holds control characters.';
  return undefined;
}

function isPrerelease(version: string): boolean {
  return (parseVersion(version)?.prerelease.length ?? 0) > 0;
}

function digestOf(parts: string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${part.length}:${part}`);
  return `sha256:${hash.digest('hex')}`;
}

/** An index's `created`, if it is a date PostgreSQL will read the same way; else unknown. */
function timestampOrNull(value: string | null): string | null {
  if (value === null) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

/**
 * Images a chart names in its Artifact Hub annotation (`artifacthub.io/images`: a YAML list of
 * `name`/`image` pairs). Read line by line: a full YAML parse per version would dominate a sync.
 */
function chartImages(annotations: Record<string, string>): string[] {
  const listed = annotations['artifacthub.io/images'];
  if (!listed) return [];
  const images = [...listed.matchAll(/^\s*-?\s*image:\s*['"]?([^\s'"#]+)/gm)].map((match) => match[1]!);
  return [...new Set(images)];
}
