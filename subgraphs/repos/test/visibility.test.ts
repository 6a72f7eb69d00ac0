import { codesOf, postGraphQL } from '../../../test/helpers/client.js';
import { newAddon } from '../../../test/helpers/factories.js';
import { startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.js';
import { createMatrixRepos, signInViewers, type MatrixRepos, type MatrixViewer } from '../../../test/helpers/viewers.js';

/**
 * DESIGN's visibility rule, viewer by viewer against each visibility: PUBLIC to everyone, PRIVATE to
 * its owner and operators, SELECTED also to users holding a selector equal to one of its labels.
 */
let platform: TestPlatform;
let repos: MatrixRepos;
const OWNER = 'dev-owner';

const viewers: Array<MatrixViewer & { sees: Array<keyof typeof repos> }> = [
  { name: 'anonymous', sees: ['public'] },
  { name: 'a tenant without selectors', claims: { sub: 'tenant-plain', roles: ['tenant'], tenant: 't1' }, sees: ['public'] },
  {
    name: 'a tenant holding a matching selector',
    claims: { sub: 'tenant-blue', roles: ['tenant'], tenant: 't1' },
    selectors: [{ key: 'team', value: 'blue' }],
    sees: ['public', 'selected', 'selectedTwoLabels'],
  },
  {
    name: 'a tenant whose selector matches only the second label of one repo',
    claims: { sub: 'tenant-prod', roles: ['tenant'], tenant: 't1' },
    selectors: [{ key: 'env', value: 'prod' }],
    sees: ['public', 'selectedTwoLabels'],
  },
  {
    name: 'a tenant whose selector has the right key and another value',
    claims: { sub: 'tenant-red', roles: ['tenant'], tenant: 't1' },
    selectors: [{ key: 'team', value: 'red' }],
    sees: ['public'],
  },
  { name: 'the owning developer', claims: { sub: OWNER, roles: ['developer'] }, sees: ['public', 'private', 'selected', 'selectedTwoLabels'] },
  { name: 'another developer', claims: { sub: 'dev-other', roles: ['developer'] }, sees: ['public'] },
  {
    name: 'another developer holding a matching selector',
    claims: { sub: 'dev-selected', roles: ['developer'] },
    selectors: [{ key: 'team', value: 'blue' }],
    sees: ['public', 'selected', 'selectedTwoLabels'],
  },
  { name: 'an operator', claims: { sub: 'op', roles: ['operator'] }, sees: ['public', 'private', 'selected', 'selectedTwoLabels'] },
];

let tokens: Map<string, string | undefined>;

beforeAll(async () => {
  platform = await startTestPlatform();
  repos = await createMatrixRepos(platform, OWNER);
  tokens = await signInViewers(platform, viewers);
});
afterAll(async () => {
  await platform?.stop();
});

const PAGE = `query ($after: String) {
  repos(filter: { owner: "${OWNER}" }, first: 1, after: $after) {
    totalCount edges { node { id } } pageInfo { hasNextPage endCursor }
  }
}`;

describe.each(viewers)('$name', ({ name, sees }) => {
  it('pages through exactly the repos it may see, with totalCount right on every page', async () => {
    const expected = sees.map((key) => repos[key].id).sort();
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: any = await postGraphQL(platform.gateway.graphqlUrl, PAGE, { variables: { after }, token: tokens.get(name) });
      expect(page.errors).toBeUndefined();
      expect(page.data.repos.totalCount).toBe(expected.length);
      seen.push(...page.data.repos.edges.map((edge: { node: { id: string } }) => edge.node.id));
      after = page.data.repos.pageInfo.hasNextPage ? page.data.repos.pageInfo.endCursor : null;
    } while (after);
    expect(seen.sort()).toEqual(expected);
  });

  it('reads a visible repo by id, and gets NOT_FOUND for each hidden one', async () => {
    for (const [key, repo] of Object.entries(repos)) {
      const result = await postGraphQL(platform.gateway.graphqlUrl, 'query ($id: ID!) { repo(id: $id) { id } }', {
        variables: { id: repo.id },
        token: tokens.get(name),
      });
      if (sees.includes(key as keyof typeof repos)) expect(result.data?.repo?.id).toBe(repo.id);
      else expect(codesOf(result)).toEqual(['NOT_FOUND']);
    }
  });
});

describe('the catalog follows repo visibility', () => {
  it("shows a SELECTED repo's addons to a selector holder and hides them from others", async () => {
    const addon = await newAddon(platform.subgraphs.addons, { repoId: repos.selected.id });
    const query = 'query ($id: ID!) { addon(id: $id) { id repo { id } } }';
    const holder = await postGraphQL(platform.gateway.graphqlUrl, query, { variables: { id: addon.id }, token: tokens.get('a tenant holding a matching selector') });
    expect(holder.data?.addon).toEqual({ id: addon.id, repo: { id: repos.selected.id } });
    const other = await postGraphQL(platform.gateway.graphqlUrl, query, { variables: { id: addon.id }, token: tokens.get('a tenant without selectors') });
    expect(codesOf(other)).toEqual(['NOT_FOUND']);
  });
});

describe('repo selectors', () => {
  it('are set by operators only and read by operators or their own user', async () => {
    const set = 'mutation { setUserRepoSelectors(userId: "someone", selectors: [{ key: "team", value: "blue" }]) { userId } }';
    expect(codesOf(await postGraphQL(platform.gateway.graphqlUrl, set))).toEqual(['UNAUTHENTICATED']);
    expect(codesOf(await postGraphQL(platform.gateway.graphqlUrl, set, { token: tokens.get('the owning developer') }))).toEqual(['FORBIDDEN']);

    const read = (user: string) => `{ userRepoSelectors(userId: "${user}") { userId selectors { key value } } }`;
    const own = await postGraphQL(platform.gateway.graphqlUrl, read('tenant-blue'), { token: tokens.get('a tenant holding a matching selector') });
    expect(own.data?.userRepoSelectors).toEqual({ userId: 'tenant-blue', selectors: [{ key: 'team', value: 'blue' }] });
    const others = await postGraphQL(platform.gateway.graphqlUrl, read('tenant-blue'), { token: tokens.get('a tenant without selectors') });
    expect(codesOf(others)).toEqual(['FORBIDDEN']);
    const byOperator = await postGraphQL(platform.gateway.graphqlUrl, read('tenant-blue'), { token: tokens.get('an operator') });
    expect(byOperator.data?.userRepoSelectors.selectors).toEqual([{ key: 'team', value: 'blue' }]);
  });

  it('keep their order, may repeat a key with other values, and refuse empty values without changing anything', async () => {
    const operator = tokens.get('an operator');
    const set = 'mutation ($selectors: [RepoLabelInput!]!) { setUserRepoSelectors(userId: "ordered", selectors: $selectors) { selectors { key value } } }';
    const selectors = [
      { key: 'team', value: 'red' },
      { key: 'env', value: 'prod' },
      { key: 'team', value: 'blue' },
    ];
    expect((await postGraphQL(platform.gateway.graphqlUrl, set, { variables: { selectors }, token: operator })).data?.setUserRepoSelectors.selectors).toEqual(selectors);
    for (const bad of [[{ key: 'team', value: '' }], [{ key: 'team', value: '  ' }], [{ key: '', value: 'x' }], [selectors[0], selectors[0]]]) {
      const result = await postGraphQL(platform.gateway.graphqlUrl, set, { variables: { selectors: bad }, token: operator });
      expect(codesOf(result)).toEqual(['BAD_USER_INPUT']);
      expect(result.errors?.[0]?.extensions?.field).toBe('selectors');
    }
    const after = await postGraphQL(platform.gateway.graphqlUrl, '{ userRepoSelectors(userId: "ordered") { selectors { key value } } }', { token: operator });
    expect(after.data?.userRepoSelectors.selectors).toEqual(selectors);
  });
});
