import { randomBytes, randomUUID } from 'node:crypto';
import { Addon, AddonVersion, AddonVersionSource, AddonVersionStatus, parseVersion, versionSortKey } from '@addon-platform/addons';
import type { RunningSubgraph } from '@addon-platform/platform';
import { DefaultVersionStatus, Repo, RepoType, RepoVisibility } from '@addon-platform/repos';
import { Environment, EnvironmentKind, RuntimeInstance, RuntimeInstanceKind, RuntimeInstanceStatus, UpgradePolicy } from '@addon-platform/runtimes';
// The package's front door exports neither the version order nor the source enum; the factory keys
// versions exactly as a sync does.

const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** Rows written through each subgraph's own ORM, as its services would. */
export async function newRepo(repos: RunningSubgraph, overrides: Partial<Repo> = {}): Promise<Repo> {
  const em = repos.orm.em.fork();
  const now = new Date();
  const repo = em.create(Repo, {
    name: uniqueName('repo'),
    description: '',
    type: RepoType.HELM,
    url: 'https://charts.example.com/',
    path: null,
    ref: null,
    credentialSealed: null,
    visibility: RepoVisibility.PUBLIC,
    labels: [],
    providers: ['kubernetes'],
    defaultStatus: DefaultVersionStatus.DRAFT,
    ownerSub: 'operator-1',
    builtIn: false,
    network: null,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
    ...overrides,
  });
  await em.flush();
  return repo;
}

export async function newAddon(addons: RunningSubgraph, overrides: Partial<Addon> & { repoId: string }): Promise<Addon> {
  const em = addons.orm.em.fork();
  const now = new Date();
  const addon = em.create(Addon, {
    name: uniqueName('addon'),
    description: '',
    icon: null,
    home: null,
    tags: [],
    official: false,
    ownerSub: null,
    deprecated: false,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  });
  await em.flush();
  return addon;
}

/**
 * An ACTIVE version from a Helm sync unless told otherwise. Give a real version string: its order key
 * and prerelease flag are derived from it as a sync derives them.
 */
export async function newAddonVersion(
  addons: RunningSubgraph,
  overrides: Partial<AddonVersion> & { addonId: string; version: string },
): Promise<AddonVersion> {
  const em = addons.orm.em.fork();
  const now = new Date();
  const version = em.create(AddonVersion, {
    revision: null,
    sortKey: versionSortKey(overrides.version, overrides.revision),
    status: AddonVersionStatus.ACTIVE,
    prerelease: (parseVersion(overrides.version)?.prerelease.length ?? 0) > 0,
    description: '',
    appVersion: null,
    chartName: null,
    urls: [],
    digest: null,
    contentDigest: randomBytes(16).toString('hex'),
    publishedAt: null,
    deprecated: false,
    configImage: null,
    runtimeImage: null,
    images: [],
    imageProperties: {},
    ports: [],
    slots: [],
    configSchema: null,
    configSchemaValidated: false,
    configSchemaSource: null,
    uiSchemas: [],
    launchable: false,
    notLaunchableReason: 'Helm charts are catalog entries; they are not launched yet.',
    source: AddonVersionSource.SYNC,
    syncRunId: null,
    ownerSub: null,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  });
  await em.flush();
  return version;
}

/**
 * A SIMULATED environment for instances written by {@link newRuntimeInstance}; it reaches no cluster,
 * so only rows that no job acts on should name it.
 */
export async function newEnvironment(runtimes: RunningSubgraph, overrides: Partial<Environment> = {}): Promise<Environment> {
  const em = runtimes.orm.em.fork();
  const now = new Date();
  const environment = em.create(Environment, {
    id: randomUUID(),
    name: uniqueName('environment'),
    kind: EnvironmentKind.SIMULATED,
    inCluster: true,
    credentialSealed: null,
    server: null,
    namespacePattern: 'tenant-{tenant}',
    tenantsAll: true,
    tenants: [],
    labels: [],
    isPlatform: false,
    createdBy: 'operator-1',
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
    ...overrides,
  });
  await em.flush();
  return environment;
}

/** An instance row as if a launch had run, without its operation and events. */
export async function newRuntimeInstance(
  runtimes: RunningSubgraph,
  overrides: Partial<RuntimeInstance> & { addonId: string; tenant: string },
): Promise<RuntimeInstance> {
  const em = runtimes.orm.em.fork();
  const now = new Date();
  const id = randomUUID();
  const name = overrides.name ?? uniqueName('instance');
  const environmentId = overrides.environmentId ?? (await newEnvironment(runtimes)).id;
  const instance = em.create(RuntimeInstance, {
    id,
    name,
    kind: RuntimeInstanceKind.TENANT,
    status: RuntimeInstanceStatus.RUNNING,
    versionId: randomUUID(),
    environmentId,
    namespace: `tenant-${overrides.tenant}`,
    objectName: `rt-${name.slice(0, 50)}-${id.slice(0, 8)}`,
    config: {},
    upgradePolicy: UpgradePolicy.MANUAL,
    url: null,
    createdBy: 'tenant-user',
    eventSequence: '0',
    operationId: null,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  });
  await em.flush();
  return instance;
}
