import { AddonVersionStatus, type Addon } from '@addon-platform/addons';
import { RepoVisibility, type Repo } from '@addon-platform/repos';
import { codesOf, postGraphQL, type GraphQLResult } from '../../../test/helpers/client.js';
import { newAddon, newAddonVersion, newRepo } from '../../../test/helpers/factories.js';
import { startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.js';

/** `addons(filter, orderBy, first, after)` and `addonByName` through the gateway. */
let platform: TestPlatform;
let operator: string;
let tenant: string;

beforeAll(async () => {
  platform = await startTestPlatform();
  operator = await platform.token({ sub: 'q-op', roles: ['operator'] });
  tenant = await platform.token({ sub: 'q-tenant', roles: ['tenant'], tenant: 't1' });
});
afterAll(async () => {
  await platform?.stop();
});

const repoWith = (overrides: Partial<Repo> = {}) => newRepo(platform.subgraphs.repos, overrides);
const addonIn = (repo: Repo, overrides: Partial<Addon> = {}) => newAddon(platform.subgraphs.addons, { repoId: repo.id, ...overrides });

const ADDONS = `query ($filter: AddonFilterInput, $orderBy: AddonOrder, $first: Int, $after: String) {
  addons(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount edges { cursor node { id name } } pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}`;

function queryAddons(variables: Record<string, unknown>, token: string | undefined = operator): Promise<GraphQLResult> {
  return postGraphQL(platform.gateway.graphqlUrl, ADDONS, { variables: { orderBy: 'NAME', ...variables }, token });
}

type Node = { id: string; name: string };

/** Addons on one page of up to 100, in order. */
async function nodesOf(filter: Record<string, unknown>, orderBy = 'NAME', token?: string): Promise<Node[]> {
  const result = await queryAddons({ filter, orderBy, first: 100 }, token);
  expect(result.errors).toBeUndefined();
  expect(result.data!.addons.totalCount).toBe(result.data!.addons.edges.length);
  return result.data!.addons.edges.map((edge: { node: Node }) => edge.node);
}

const namesOf = async (filter: Record<string, unknown>, orderBy = 'NAME', token?: string) => (await nodesOf(filter, orderBy, token)).map((node) => node.name);

/** Addons over every page of `pageSize`, checking totalCount on each page and the page flags. */
async function pagedNodes(filter: Record<string, unknown>, orderBy: string, pageSize: number): Promise<Node[]> {
  const nodes: Node[] = [];
  let after: string | null = null;
  let totalCount: number | undefined;
  do {
    const result: GraphQLResult = await queryAddons({ filter, orderBy, first: pageSize, after });
    expect(result.errors).toBeUndefined();
    const { edges, pageInfo } = result.data!.addons;
    totalCount ??= result.data!.addons.totalCount;
    expect(result.data!.addons.totalCount).toBe(totalCount);
    expect(pageInfo.hasPreviousPage).toBe(after !== null);
    expect(edges.length).toBe(Math.min(pageSize, totalCount! - nodes.length));
    nodes.push(...edges.map((edge: { node: Node }) => edge.node));
    after = pageInfo.hasNextPage ? pageInfo.endCursor : null;
  } while (after);
  expect(nodes.length).toBe(totalCount);
  return nodes;
}

describe('search', () => {
  let repo: Repo;
  beforeAll(async () => {
    repo = await repoWith();
    await addonIn(repo, { name: 'grafana-agent', description: 'Ships telemetry.', tags: ['observability'] });
    await addonIn(repo, { name: 'loki', description: 'Log aggregation, like Prometheus for logs.', tags: ['logging'] });
    await addonIn(repo, { name: 'mimir', description: 'Long-term storage.', tags: ['prometheus', 'metrics'] });
    await addonIn(repo, { name: 'tempo', description: 'Tracing backend.', tags: ['tracing'] });
  });
  const search = (words: string) => namesOf({ repoId: repo.id, search: words });

  it('matches word prefixes in the name, including each part of a hyphenated name', async () => {
    expect(await search('graf')).toEqual(['grafana-agent']);
    expect(await search('agen')).toEqual(['grafana-agent']);
    expect(await search('rafana')).toEqual([]);
  });

  it('matches words of the tags and the description', async () => {
    expect(await search('observ')).toEqual(['grafana-agent']);
    expect(await search('prometh')).toEqual(['loki', 'mimir']);
    expect(await search('aggregation')).toEqual(['loki']);
  });

  it('needs every word to match, in any field', async () => {
    expect(await search('prometheus metr')).toEqual(['mimir']);
    expect(await search('LOG PROM')).toEqual(['loki']);
    expect(await search('prometheus tracing')).toEqual([]);
  });

  it('treats tsquery syntax as plain words', async () => {
    // As a tsquery, "agent & !grafana" would exclude grafana-agent; as words it is the two of them.
    expect(await search('agent & !grafana')).toEqual(['grafana-agent']);
    expect(await search("loki:* | (tempo) <-> 'x")).toEqual([]);
    expect(await search('tempo:A')).toEqual([]);
    expect(await search('tempo:*')).toEqual(['tempo']);
  });

  it('ignores a search with no letters or digits', async () => {
    expect(await search('&|!():*')).toEqual(['grafana-agent', 'loki', 'mimir', 'tempo']);
  });

  it('refuses a search longer than 200 characters', async () => {
    const result = await queryAddons({ filter: { repoId: repo.id, search: 'a'.repeat(201) } });
    expect(codesOf(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0]!.extensions!.field).toBe('search');
    expect(await search('a'.repeat(200))).toEqual([]);
  });
});

describe('filters', () => {
  it('by repo', async () => {
    const [one, two] = [await repoWith(), await repoWith()];
    await addonIn(one, { name: 'in-one' });
    await addonIn(two, { name: 'in-two' });
    expect(await namesOf({ repoId: one.id })).toEqual(['in-one']);
    expect(await namesOf({ repoId: two.id })).toEqual(['in-two']);
  });

  it('by exact tag', async () => {
    const repo = await repoWith();
    await addonIn(repo, { name: 'tagged', tags: ['monitoring', 'grafana'] });
    await addonIn(repo, { name: 'other', tags: ['storage'] });
    expect(await namesOf({ repoId: repo.id, tag: 'monitoring' })).toEqual(['tagged']);
    expect(await namesOf({ repoId: repo.id, tag: 'monitor' })).toEqual([]);
  });

  it('by official', async () => {
    const repo = await repoWith();
    await addonIn(repo, { name: 'blessed', official: true });
    await addonIn(repo, { name: 'community', official: false });
    expect(await namesOf({ repoId: repo.id, official: true })).toEqual(['blessed']);
    expect(await namesOf({ repoId: repo.id, official: false })).toEqual(['community']);
  });

  it("by owner: the addon's own owner, else its repo's", async () => {
    const owner = `owner-${Date.now()}`;
    const theirRepo = await repoWith({ ownerSub: owner });
    const otherRepo = await repoWith({ ownerSub: 'someone-else' });
    await addonIn(theirRepo, { name: 'inherits-owner' });
    await addonIn(theirRepo, { name: 'owned-by-another', ownerSub: 'another-owner' });
    await addonIn(otherRepo, { name: 'owns-itself', ownerSub: owner });
    await addonIn(otherRepo, { name: 'not-theirs' });
    expect(await namesOf({ owner })).toEqual(['inherits-owner', 'owns-itself']);
    expect(await namesOf({ owner: 'another-owner' })).toEqual(['owned-by-another']);
  });

  it('by status of a version the viewer may see', async () => {
    const repo = await repoWith();
    const drafted = await addonIn(repo, { name: 'drafted' });
    const active = await addonIn(repo, { name: 'active' });
    await addonIn(repo, { name: 'versionless' });
    await newAddonVersion(platform.subgraphs.addons, { addonId: drafted.id, version: '0.1.0', status: AddonVersionStatus.DRAFT });
    await newAddonVersion(platform.subgraphs.addons, { addonId: active.id, version: '0.1.0' });
    await newAddonVersion(platform.subgraphs.addons, { addonId: active.id, version: '0.2.0', status: AddonVersionStatus.SUSPENDED });
    expect(await namesOf({ repoId: repo.id, status: 'DRAFT' })).toEqual(['drafted']);
    expect(await namesOf({ repoId: repo.id, status: 'ACTIVE' })).toEqual(['active']);
    expect(await namesOf({ repoId: repo.id, status: 'SUSPENDED' })).toEqual(['active']);
    expect(await namesOf({ repoId: repo.id, status: 'DRAFT' }, 'NAME', tenant)).toEqual([]);
    // Without a status, a tenant still finds every addon of a repo it sees (the documented choice).
    expect(await namesOf({ repoId: repo.id }, 'NAME', tenant)).toEqual(['active', 'drafted', 'versionless']);
  });

  it('combine with each other and with search', async () => {
    const repo = await repoWith();
    await addonIn(repo, { name: 'redis', tags: ['database'], official: true });
    await addonIn(repo, { name: 'redis-exporter', tags: ['monitoring'], official: true });
    await addonIn(repo, { name: 'redis-insight', tags: ['database'], official: false });
    expect(await namesOf({ repoId: repo.id, search: 'redis', tag: 'database', official: true })).toEqual(['redis']);
  });
});

describe('orders, read page by page', () => {
  it('NAME: A to Z, equal names (in different repos) by id, across pages', async () => {
    const tag = `names-${Date.now()}`;
    const [repo, other] = [await repoWith(), await repoWith()];
    // Lowercase letters only: every collation orders them alike.
    const names = ['kafka', 'airflow', 'zookeeper', 'nginx', 'minio', 'etcd', 'argo'];
    for (const name of names) await addonIn(repo, { name, tags: [tag] });
    const twins = [await addonIn(repo, { name: 'twin', tags: [tag] }), await addonIn(other, { name: 'twin', tags: [tag] })];
    const all = await nodesOf({ tag });
    expect(all.map((node) => node.name)).toEqual([...names, 'twin', 'twin'].sort());
    expect(all.filter((node) => node.name === 'twin').map((node) => node.id)).toEqual(twins.map((twin) => twin.id).sort());
    for (const pageSize of [1, 2, 3]) expect(await pagedNodes({ tag }, 'NAME', pageSize)).toEqual(all);
  });

  it('UPDATED: newest first, ties in the same millisecond by id, across pages', async () => {
    const repo = await repoWith();
    const at = (iso: string) => new Date(iso);
    const rows = [
      await addonIn(repo, { name: 'old', updatedAt: at('2024-01-01T00:00:00.000Z') }),
      await addonIn(repo, { name: 'new', updatedAt: at('2025-06-01T12:00:00.001Z') }),
      await addonIn(repo, { name: 'tie-1', updatedAt: at('2025-01-01T00:00:00.000Z') }),
      await addonIn(repo, { name: 'tie-2', updatedAt: at('2025-01-01T00:00:00.000Z') }),
      await addonIn(repo, { name: 'tie-3', updatedAt: at('2025-01-01T00:00:00.000Z') }),
    ];
    const ties = rows.filter((row) => row.name.startsWith('tie')).sort((a, b) => (a.id < b.id ? 1 : -1)).map((row) => row.name);
    const expected = ['new', ...ties, 'old'];
    for (const pageSize of [1, 2, 100]) expect((await pagedNodes({ repoId: repo.id }, 'UPDATED', pageSize)).map((node) => node.name)).toEqual(expected);
  });

  it('RELEVANCE: name matches before tags before descriptions, equal ranks by name, across pages', async () => {
    const repo = await repoWith();
    await addonIn(repo, { name: 'kafka', description: 'A distributed event store.' });
    await addonIn(repo, { name: 'described-b', description: 'Streams records into Kafka topics.' });
    await addonIn(repo, { name: 'tagged', tags: ['kafka'], description: 'Schema registry.' });
    await addonIn(repo, { name: 'described-a', description: 'Streams records into Kafka topics.' });
    await addonIn(repo, { name: 'unrelated', description: 'Object storage.' });
    const filter = { repoId: repo.id, search: 'kafk' };
    const ranked = await namesOf(filter, 'RELEVANCE');
    expect(ranked).toEqual(['kafka', 'tagged', 'described-a', 'described-b']);
    for (const pageSize of [1, 2, 3]) expect((await pagedNodes(filter, 'RELEVANCE', pageSize)).map((node) => node.name)).toEqual(ranked);
  });

  it('RELEVANCE needs a search', async () => {
    for (const filter of [{}, { search: '!!' }]) {
      const result = await queryAddons({ filter, orderBy: 'RELEVANCE' });
      expect(codesOf(result)).toEqual(['BAD_USER_INPUT']);
      expect(result.errors![0]!.extensions!.field).toBe('orderBy');
    }
  });

  it("refuses another order's cursor, and anything that is not a cursor", async () => {
    const repo = await repoWith();
    await addonIn(repo, { name: 'kafka-one' });
    await addonIn(repo, { name: 'kafka-two' });
    const cursorOf = async (orderBy: string) => (await queryAddons({ filter: { repoId: repo.id, search: 'kafka' }, orderBy, first: 1 })).data!.addons.pageInfo.endCursor;
    const relevance = await cursorOf('RELEVANCE');
    const byName = await cursorOf('NAME');
    const forged = Buffer.from(JSON.stringify(['0.1', 'kafka-one', 'not-a-uuid'])).toString('base64url');
    for (const [orderBy, after] of [
      ['NAME', relevance],
      ['RELEVANCE', byName],
      ['RELEVANCE', forged],
      ['RELEVANCE', 'garbage!'],
      ['UPDATED', 'bm90IGpzb24'],
    ]) {
      const result = await queryAddons({ filter: { repoId: repo.id, search: 'kafka' }, orderBy, first: 1, after });
      expect({ orderBy, after, codes: codesOf(result), field: result.errors?.[0]?.extensions?.field }).toEqual({ orderBy, after, codes: ['BAD_USER_INPUT'], field: 'after' });
    }
  });
});

describe('addonByName', () => {
  const BY_NAME = 'query ($repoId: ID!, $name: String!) { addonByName(repoId: $repoId, name: $name) { id name repo { id } } }';

  it('finds an addon of a visible repo by its name', async () => {
    const repo = await repoWith();
    const addon = await addonIn(repo, { name: 'by-name' });
    const result = await postGraphQL(platform.gateway.graphqlUrl, BY_NAME, { variables: { repoId: repo.id, name: 'by-name' }, token: tenant });
    expect(result.data?.addonByName).toEqual({ id: addon.id, name: 'by-name', repo: { id: repo.id } });
  });

  it('answers NOT_FOUND for an absent name, a repo the viewer cannot see, or another repo', async () => {
    const hidden = await repoWith({ visibility: RepoVisibility.PRIVATE, ownerSub: 'someone' });
    await addonIn(hidden, { name: 'secret' });
    const other = await repoWith();
    for (const [repoId, name] of [
      [other.id, 'absent'],
      [hidden.id, 'secret'],
      [other.id, 'secret'],
    ]) {
      const result = await postGraphQL(platform.gateway.graphqlUrl, BY_NAME, { variables: { repoId, name }, token: tenant });
      expect(codesOf(result)).toEqual(['NOT_FOUND']);
    }
    const asOperator = await postGraphQL(platform.gateway.graphqlUrl, BY_NAME, { variables: { repoId: hidden.id, name: 'secret' }, token: operator });
    expect(asOperator.data?.addonByName.name).toBe('secret');
  });
});

describe('malformed input', () => {
  it.each([
    ['addon id', 'query { addon(id: "not-a-uuid") { id } }', 'id'],
    ['addonByName repoId', 'query { addonByName(repoId: "x", name: "y") { id } }', 'repoId'],
    ['repoId filter', 'query { addons(filter: { repoId: "1234" }) { totalCount } }', 'repoId'],
    ['page size', 'query { addons(first: 0) { totalCount } }', 'first'],
    ['page size', 'query { addons(first: 101) { totalCount } }', 'first'],
    ['cursor', 'query { addons(after: "%%%") { totalCount } }', 'after'],
  ])('refuses a malformed %s with BAD_USER_INPUT', async (_what, query, field) => {
    const result = await postGraphQL(platform.gateway.graphqlUrl, query, { token: operator });
    expect(codesOf(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0]!.extensions!.field).toBe(field);
  });
});
