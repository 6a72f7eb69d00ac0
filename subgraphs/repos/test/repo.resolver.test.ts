import { codesOf, postGraphQL } from '../../../test/helpers/client.js';
import { startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.js';

let platform: TestPlatform;
let operator: string;
beforeAll(async () => {
  platform = await startTestPlatform();
  operator = await platform.token({ sub: 'op', roles: ['operator'] });
});
afterAll(async () => {
  await platform?.stop();
});

const CREATE = 'mutation ($input: CreateRepoInput!) { createRepo(input: $input) { id name } }';
const valid = { name: 'charts', type: 'HELM', url: 'https://charts.example.com', visibility: 'PRIVATE' };

async function repoCount(): Promise<number> {
  const result = await postGraphQL(platform.gateway.graphqlUrl, '{ repos { totalCount } }', { token: operator });
  return result.data?.repos.totalCount;
}

describe('createRepo refuses bad input, naming the field, and writes nothing', () => {
  it.each([
    ['an upper-case name', { name: 'Charts' }, 'name'],
    ['a name with a slash', { name: '../etc' }, 'name'],
    ['an overlong name', { name: 'a'.repeat(64) }, 'name'],
    ['a relative url', { url: 'charts' }, 'url'],
    ['a file url', { url: 'file:///etc/passwd' }, 'url'],
    ['an ext:: transport', { url: 'ext::sh -c touch% /tmp/pwned' }, 'url'],
    ['credentials inside the url', { url: 'https://user:secret@charts.example.com' }, 'url'],
    ['an overlong url', { url: `https://charts.example.com/${'a'.repeat(2100)}` }, 'url'],
    ['an overlong description', { description: 'x'.repeat(2001) }, 'description'],
    ['a network on a HELM repo', { network: 'testnet' }, 'network'],
    ['an ADDON_INDEX repo without a network', { type: 'ADDON_INDEX' }, 'network'],
    ['an ADDON_INDEX repo on an unknown network', { type: 'ADDON_INDEX', network: 'devnet' }, 'network'],
  ])('refuses %s', async (_case, change, field) => {
    const before = await repoCount();
    const result = await postGraphQL(platform.gateway.graphqlUrl, CREATE, { variables: { input: { ...valid, ...change } }, token: operator });
    expect(codesOf(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors?.[0]?.extensions?.field).toBe(field);
    expect(result.errors?.[0]?.message).not.toMatch(/secret/);
    expect(await repoCount()).toBe(before);
  });

  it('refuses a second repo with a live name as CONFLICT', async () => {
    const input = { ...valid, name: 'twice' };
    expect((await postGraphQL(platform.gateway.graphqlUrl, CREATE, { variables: { input }, token: operator })).errors).toBeUndefined();
    const before = await repoCount();
    const again = await postGraphQL(platform.gateway.graphqlUrl, CREATE, { variables: { input }, token: operator });
    expect(codesOf(again)).toEqual(['CONFLICT']);
    expect(again.errors?.[0]?.message).toContain('twice');
    expect(await repoCount()).toBe(before);
  });

  it('refuses an unknown enum value before any resolver runs', async () => {
    const result = await postGraphQL(platform.gateway.graphqlUrl, CREATE, { variables: { input: { ...valid, type: 'SVN' } }, token: operator });
    expect(codesOf(result)).toEqual(['BAD_USER_INPUT']);
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

  it('pages through repos with cursors, without gaps or repeats', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) {
      await postGraphQL(platform.gateway.graphqlUrl, CREATE, { variables: { input: { ...valid, name } }, token: operator });
    }
    const seen: string[] = [];
    let after: string | null = null;
    let total = 0;
    do {
      const page: any = await postGraphQL(
        platform.gateway.graphqlUrl,
        'query ($after: String) { repos(first: 2, after: $after) { totalCount edges { cursor node { name } } pageInfo { hasNextPage endCursor } } }',
        { variables: { after }, token: operator },
      );
      total = page.data.repos.totalCount;
      seen.push(...page.data.repos.edges.map((edge: { node: { name: string } }) => edge.node.name));
      after = page.data.repos.pageInfo.hasNextPage ? page.data.repos.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect(seen).toEqual(expect.arrayContaining(['page-a', 'page-b', 'page-c', 'ontology-testnet']));
  });
});
