import { codesOf, postGraphQL } from '../../../test/helpers/client.js';
import { newRepo } from '../../../test/helpers/factories.js';
import { startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.js';
import { RepoType, RepoVisibility } from '@addon-platform/repos';

let platform: TestPlatform;
let operator: string;
beforeAll(async () => {
  platform = await startTestPlatform();
  operator = await platform.token({ sub: 'op', roles: ['operator'] });
  const repos = platform.subgraphs.repos;
  await newRepo(repos, { name: 'grafana-charts', description: 'Dashboards and observability', ownerSub: 'alice', labels: [{ key: 'team', value: 'obs' }] });
  await newRepo(repos, { name: 'jupyter-charts', description: 'Notebooks for data science', ownerSub: 'bob', visibility: RepoVisibility.PRIVATE });
  await newRepo(repos, { name: 'vela-catalog', description: 'KubeVela addons', type: RepoType.GIT, ownerSub: 'alice', labels: [{ key: 'team', value: 'platform' }] });
});
afterAll(async () => {
  await platform?.stop();
});

/** Names of the repos matching `filter`, as the operator sees them, or anonymous with `token: null`. */
async function names(filter: Record<string, unknown>, token: string | null = operator): Promise<string[]> {
  const result = await postGraphQL(
    platform.gateway.graphqlUrl,
    'query ($filter: RepoFilterInput) { repos(filter: $filter) { totalCount edges { node { name } } } }',
    { variables: { filter }, token: token ?? undefined },
  );
  expect(result.errors).toBeUndefined();
  const found = result.data!.repos.edges.map((edge: { node: { name: string } }) => edge.node.name).sort();
  expect(result.data!.repos.totalCount).toBe(found.length);
  return found;
}

describe('repos(filter)', () => {
  it.each([
    ['name', { name: 'grafana-charts' }, ['grafana-charts']],
    ['type', { type: 'GIT' }, ['vela-catalog']],
    ['visibility', { visibility: 'PRIVATE' }, ['jupyter-charts']],
    ['label', { label: { key: 'team', value: 'obs' } }, ['grafana-charts']],
    ['owner', { owner: 'alice' }, ['grafana-charts', 'vela-catalog']],
    ['free text over the description', { search: 'notebooks' }, ['jupyter-charts']],
    ['free text as word prefixes', { search: 'graf dash' }, ['grafana-charts']],
    ['free text with tsquery syntax, taken as plain words', { search: "charts & !'" }, ['grafana-charts', 'jupyter-charts']],
    ['several conditions at once', { owner: 'alice', type: 'HELM' }, ['grafana-charts']],
  ])('filters by %s', async (_case, filter, expected) => {
    expect(await names(filter)).toEqual(expected);
  });

  it('filters only among the repos the viewer may see', async () => {
    expect(await names({ search: 'charts' }, null)).toEqual(['grafana-charts']);
  });

  it('refuses an overlong search', async () => {
    const result = await postGraphQL(platform.gateway.graphqlUrl, 'query ($s: String) { repos(filter: { search: $s }) { totalCount } }', {
      variables: { s: 'x'.repeat(201) },
    });
    expect(codesOf(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors?.[0]?.extensions?.field).toBe('search');
  });
});

describe('repo lookups and pages refuse malformed arguments', () => {
  it('refuses an id that is not a UUID', async () => {
    const result = await postGraphQL(platform.gateway.graphqlUrl, '{ repo(id: "1 or 1=1") { name } }');
    expect(codesOf(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors?.[0]?.extensions?.field).toBe('id');
  });

  it('answers NOT_FOUND for a well-formed id that names nothing', async () => {
    const result = await postGraphQL(platform.gateway.graphqlUrl, '{ repo(id: "00000000-0000-4000-8000-000000000000") { name } }');
    expect(codesOf(result)).toEqual(['NOT_FOUND']);
  });

  it.each([
    ['first of zero', '{ repos(first: 0) { totalCount } }', 'first'],
    ['first above the page limit', '{ repos(first: 101) { totalCount } }', 'first'],
    ['a cursor that is not one of ours', '{ repos(after: "bm90LWEtY3Vyc29y") { totalCount } }', 'after'],
    ['a cursor with foreign characters', '{ repos(after: "\' or 1=1 --") { totalCount } }', 'after'],
    ['a cursor of the wrong shape', '{ repos(after: "WyJub3QtYS1kYXRlIiwieCJd") { totalCount } }', 'after'],
    ['a cursor with too few keys', '{ repos(after: "WzFd") { totalCount } }', 'after'],
  ])('refuses %s', async (_case, query, field) => {
    const result = await postGraphQL(platform.gateway.graphqlUrl, query);
    expect(codesOf(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors?.[0]?.extensions?.field).toBe(field);
  });

  it('refuses an unknown enum value before any resolver runs', async () => {
    const result = await postGraphQL(platform.gateway.graphqlUrl, '{ repos(filter: { type: SVN }) { totalCount } }');
    expect(codesOf(result)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });
});
