import { AddonVersionStatus, type Addon, type AddonVersion } from '@addon-platform/addons';
import { withClient } from '@addon-platform/platform/testing';
import { type Repo } from '@addon-platform/repos';
import { codesOf, postGraphQL } from '../../../test/helpers/client.js';
import { newAddon, newAddonVersion, newRepo } from '../../../test/helpers/factories.js';
import { startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.js';

/** An addon's versions, latestVersion, availableVersions, imageList and the launchable_version view. */
let platform: TestPlatform;
let operator: string;
let tenant: string;

beforeAll(async () => {
  platform = await startTestPlatform();
  operator = await platform.token({ sub: 'v-op', roles: ['operator'] });
  tenant = await platform.token({ sub: 'v-tenant', roles: ['tenant'], tenant: 't1' });
});
afterAll(async () => {
  await platform?.stop();
});

const query = (text: string, variables: Record<string, unknown> = {}, token = operator) => postGraphQL(platform.gateway.graphqlUrl, text, { variables, token });
const addonIn = (repo: Repo, overrides: Partial<Addon> = {}) => newAddon(platform.subgraphs.addons, { repoId: repo.id, ...overrides });
const versionOf = (addon: Addon, version: string, overrides: Partial<AddonVersion> = {}) =>
  newAddonVersion(platform.subgraphs.addons, { addonId: addon.id, version, ...overrides });

describe("an addon's versions", () => {
  let addon: Addon;
  beforeAll(async () => {
    addon = await addonIn(await newRepo(platform.subgraphs.repos));
    // Written out of order, with strings that sort wrongly as text: 1.10.0 is newer than 1.9.0.
    await versionOf(addon, '1.9.0', { status: AddonVersionStatus.SUSPENDED });
    await versionOf(addon, '1.0.0');
    await versionOf(addon, '2.0.0-rc.1');
    await versionOf(addon, '1.10.0', { status: AddonVersionStatus.DRAFT });
    await versionOf(addon, 'v1.2.0');
    await versionOf(addon, 'latest');
  });

  const VERSIONS = `query ($id: ID!, $first: Int, $after: String) {
    addon(id: $id) { versions(first: $first, after: $after) { totalCount edges { node { version status prerelease } } pageInfo { hasNextPage endCursor } } }
  }`;

  it('are listed newest first in version order, page by page, with no gap or repeat', async () => {
    const expected = ['2.0.0-rc.1', '1.10.0', '1.9.0', 'v1.2.0', '1.0.0', 'latest'];
    for (const first of [1, 2, 4, 100]) {
      const seen: string[] = [];
      let after: string | null = null;
      do {
        const result: any = await query(VERSIONS, { id: addon.id, first, after });
        expect(result.errors).toBeUndefined();
        expect(result.data.addon.versions.totalCount).toBe(expected.length);
        seen.push(...result.data.addon.versions.edges.map((edge: { node: { version: string } }) => edge.node.version));
        after = result.data.addon.versions.pageInfo.hasNextPage ? result.data.addon.versions.pageInfo.endCursor : null;
      } while (after);
      expect(seen).toEqual(expected);
    }
  });

  it('show a tenant only the ACTIVE ones', async () => {
    const result = await query(VERSIONS, { id: addon.id, first: 100 }, tenant);
    expect(result.data!.addon.versions.totalCount).toBe(4);
    expect(result.data!.addon.versions.edges.map((edge: { node: { version: string } }) => edge.node.version)).toEqual(['2.0.0-rc.1', 'v1.2.0', '1.0.0', 'latest']);
  });

  it('give latestVersion as the newest ACTIVE release, skipping prereleases and other statuses, for every viewer', async () => {
    for (const token of [operator, tenant]) {
      const result = await query('query ($id: ID!) { addon(id: $id) { latestVersion { version status prerelease } } }', { id: addon.id }, token);
      expect(result.data!.addon.latestVersion).toEqual({ version: 'v1.2.0', status: 'ACTIVE', prerelease: false });
    }
  });

  it('give availableVersions as the ACTIVE version strings newest first, prereleases included', async () => {
    for (const token of [operator, tenant]) {
      const result = await query('query ($id: ID!) { addon(id: $id) { availableVersions } }', { id: addon.id }, token);
      expect(result.data!.addon.availableVersions).toEqual(['2.0.0-rc.1', 'v1.2.0', '1.0.0', 'latest']);
    }
  });

  it('refuse a malformed cursor or version id with BAD_USER_INPUT', async () => {
    const badCursor = await query(VERSIONS, { id: addon.id, first: 1, after: Buffer.from('["x"]').toString('base64url') });
    expect(codesOf(badCursor)).toEqual(['BAD_USER_INPUT']);
    expect(badCursor.errors![0]!.extensions!.field).toBe('after');
    const badId = await query('{ addonVersion(id: "1.0.0") { id } }');
    expect(codesOf(badId)).toEqual(['BAD_USER_INPUT']);
    expect(badId.errors![0]!.extensions!.field).toBe('id');
  });
});

describe('latestVersion and availableVersions over a list of addons', () => {
  it('answer each addon on its own, null and empty where nothing is ACTIVE', async () => {
    const repo = await newRepo(platform.subgraphs.repos);
    const released = await addonIn(repo, { name: 'a-released' });
    const prereleaseOnly = await addonIn(repo, { name: 'b-prerelease-only' });
    const draftOnly = await addonIn(repo, { name: 'c-draft-only' });
    await addonIn(repo, { name: 'd-versionless' });
    await versionOf(released, '0.9.0');
    await versionOf(released, '1.0.0');
    await versionOf(prereleaseOnly, '1.0.0-beta.2');
    await versionOf(prereleaseOnly, '1.0.0-beta.11');
    await versionOf(draftOnly, '3.0.0', { status: AddonVersionStatus.DRAFT });
    const result = await query('query ($repoId: ID!) { addons(filter: { repoId: $repoId }) { edges { node { name latestVersion { version } availableVersions } } } }', {
      repoId: repo.id,
    });
    expect(result.data!.addons.edges.map((edge: { node: unknown }) => edge.node)).toEqual([
      { name: 'a-released', latestVersion: { version: '1.0.0' }, availableVersions: ['1.0.0', '0.9.0'] },
      { name: 'b-prerelease-only', latestVersion: null, availableVersions: ['1.0.0-beta.11', '1.0.0-beta.2'] },
      { name: 'c-draft-only', latestVersion: null, availableVersions: [] },
      { name: 'd-versionless', latestVersion: null, availableVersions: [] },
    ]);
  });

  it('reads with the page only the latestVersion fields asked there, and a whole version wherever else it is asked', async () => {
    const repo = await newRepo(platform.subgraphs.repos);
    const addon = await addonIn(repo, { name: 'partial-read' });
    const version = await versionOf(addon, '2.1.0');
    const result = await query(
      `query ($repoId: ID!, $id: ID!) {
         addons(filter: { repoId: $repoId }) { edges { node { latestVersion { ... on AddonVersion { version } addon { name } } } } }
         addon(id: $id) { latestVersion { id version status source urls launchable } }
       }`,
      { repoId: repo.id, id: addon.id },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.addons.edges).toEqual([{ node: { latestVersion: { version: '2.1.0', addon: { name: 'partial-read' } } } }]);
    expect(result.data!.addon.latestVersion).toEqual({ id: version.id, version: '2.1.0', status: 'ACTIVE', source: expect.any(String), urls: expect.any(Array), launchable: expect.any(Boolean) });
  });
});

describe('imageList', () => {
  let repo: Repo;
  let ontology: Addon;
  let chart: Addon;
  beforeAll(async () => {
    repo = await newRepo(platform.subgraphs.repos);
    ontology = await addonIn(repo, { name: 'ontology' });
    chart = await addonIn(repo, { name: 'chart' });
    await versionOf(ontology, '1.0.0', { configImage: 'ghcr.io/ont/config:1', runtimeImage: 'ghcr.io/ont/runtime:1', images: ['docker.io/library/redis:7', 'ghcr.io/ont/runtime:1'] });
    await versionOf(ontology, '1.1.0', { configImage: 'ghcr.io/ont/config:1', runtimeImage: 'ghcr.io/ont/runtime:1.1', images: [] });
    await versionOf(ontology, '2.0.0', { status: AddonVersionStatus.DRAFT, runtimeImage: 'ghcr.io/ont/runtime:2-draft', images: [] });
    await versionOf(chart, '5.0.0', { images: ['docker.io/library/redis:7', 'Quay.io/chart/sidecar:5', 'docker.io/grafana/grafana:10'] });
  });

  const IMAGES = 'query ($filter: ImageListFilterInput) { imageList(filter: $filter) }';

  it("lists each image of a repo's visible versions once, in byte order", async () => {
    const result = await query(IMAGES, { filter: { repoId: repo.id } }, tenant);
    expect(result.data!.imageList).toEqual([
      'Quay.io/chart/sidecar:5',
      'docker.io/grafana/grafana:10',
      'docker.io/library/redis:7',
      'ghcr.io/ont/config:1',
      'ghcr.io/ont/runtime:1',
      'ghcr.io/ont/runtime:1.1',
    ]);
  });

  it('includes the images of versions only operators and owners see, unless a status narrows them', async () => {
    const all = await query(IMAGES, { filter: { addonIds: [ontology.id] } });
    expect(all.data!.imageList).toEqual(['docker.io/library/redis:7', 'ghcr.io/ont/config:1', 'ghcr.io/ont/runtime:1', 'ghcr.io/ont/runtime:1.1', 'ghcr.io/ont/runtime:2-draft']);
    const active = await query(IMAGES, { filter: { addonIds: [ontology.id], status: 'ACTIVE' } });
    expect(active.data!.imageList).not.toContain('ghcr.io/ont/runtime:2-draft');
    const draft = await query(IMAGES, { filter: { repoId: repo.id, status: 'DRAFT' } });
    expect(draft.data!.imageList).toEqual(['ghcr.io/ont/runtime:2-draft']);
  });

  it('selects by addon ids, answering nothing for none', async () => {
    const result = await query(IMAGES, { filter: { addonIds: [chart.id] } }, tenant);
    expect(result.data!.imageList).toEqual(['Quay.io/chart/sidecar:5', 'docker.io/grafana/grafana:10', 'docker.io/library/redis:7']);
    expect((await query(IMAGES, { filter: { addonIds: [] } }, tenant)).data!.imageList).toEqual([]);
  });

  it('refuses malformed or too many addon ids', async () => {
    for (const addonIds of [['not-an-id'], Array.from({ length: 101 }, () => chart.id)]) {
      const result = await query(IMAGES, { filter: { addonIds } });
      expect(codesOf(result)).toEqual(['BAD_USER_INPUT']);
      expect(result.errors![0]!.extensions!.field).toBe('addonIds');
    }
  });
});

describe('the launchable_version view', () => {
  it("publishes every version of a live repo with its addon, the repo's providers and its place in the version order, and drops those of a deleted repo", async () => {
    const repo = await newRepo(platform.subgraphs.repos, { providers: ['kubernetes', 'simulated'] });
    const addon = await addonIn(repo, { name: 'witness' });
    const launchable = await versionOf(addon, '1.0.0', {
      runtimeImage: 'ghcr.io/ont/witness:1',
      configImage: 'ghcr.io/ont/witness-config:1',
      configSchema: { type: 'object', properties: { port: { type: 'integer' } } },
      configSchemaValidated: true,
      launchable: true,
      notLaunchableReason: null,
    });
    const draft = await versionOf(addon, '1.1.0', { status: AddonVersionStatus.DRAFT });
    const deletedRepo = await newRepo(platform.subgraphs.repos, { deletedAt: new Date() });
    const orphan = await versionOf(await addonIn(deletedRepo), '1.0.0');

    const rows = await withClient(platform.databaseUrl, async (client) => {
      const result = await client.query('select * from addons.launchable_version where version_id = any($1) order by version', [[launchable.id, draft.id, orphan.id]]);
      return result.rows;
    });
    expect(rows).toEqual([
      {
        version_id: launchable.id,
        addon_id: addon.id,
        addon_name: 'witness',
        repo_id: repo.id,
        version: '1.0.0',
        status: 'ACTIVE',
        runtime_image: 'ghcr.io/ont/witness:1',
        config_image: 'ghcr.io/ont/witness-config:1',
        config_schema: { type: 'object', properties: { port: { type: 'integer' } } },
        config_schema_validated: true,
        launchable: true,
        not_launchable_reason: null,
        providers: ['kubernetes', 'simulated'],
        sort_key: launchable.sortKey,
        revision: null,
      },
      expect.objectContaining({ version_id: draft.id, status: 'DRAFT', launchable: false, not_launchable_reason: expect.any(String), providers: ['kubernetes', 'simulated'] }),
    ]);
    // Compared as bytes, as the runtimes subgraph compares them: 1.1.0 is newer than 1.0.0.
    expect(Buffer.compare(Buffer.from(rows[1].sort_key), Buffer.from(rows[0].sort_key))).toBe(1);
  });
});
