import { postGraphQL } from '../../../test/helpers/client.js';
import { newAddon, newRepo, newRuntimeInstance } from '../../../test/helpers/factories.js';
import { startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.js';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(async () => {
  await platform?.stop();
});

const PAGE = 'first: 2, after: $after';
const RUNTIMES = `runtimes(${PAGE}) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { node { name } } }`;
const summary = (connection: any) => ({
  totalCount: connection.totalCount,
  names: connection.edges.map((edge: any) => edge.node.name),
  hasNextPage: connection.pageInfo.hasNextPage,
  hasPreviousPage: connection.pageInfo.hasPreviousPage,
});

describe('Addon.runtimes over many addons at once', () => {
  it('pages each addon on its own, with its own count, the same as asking addon by addon', async () => {
    const { repos, addons, runtimes } = platform.subgraphs;
    const repo = await newRepo(repos);
    const tenant = 'paging';
    const counts = { none: 0, one: 1, three: 3 } as const;
    const ids: Record<string, string> = {};
    const base = Date.now();
    for (const [name, count] of Object.entries(counts)) {
      const addon = await newAddon(addons, { repoId: repo.id, name });
      ids[name] = addon.id;
      for (let index = 1; index <= count; index += 1) {
        await newRuntimeInstance(runtimes, { addonId: addon.id, tenant, name: `${name}-${index}`, createdAt: new Date(base + index * 1000) });
      }
    }
    // Another tenant's instance must count nowhere.
    await newRuntimeInstance(runtimes, { addonId: ids.three!, tenant: 'someone-else', name: 'hidden' });
    const token = await platform.token({ sub: 'pat', tenant, roles: ['tenant'] });

    const batched = await postGraphQL(
      platform.gateway.graphqlUrl,
      `query ($id: ID!, $after: String) { repo(id: $id) { addons { edges { node { name ${RUNTIMES} } } } } }`,
      { variables: { id: repo.id, after: null }, token },
    );
    expect(batched.errors).toBeUndefined();
    const byAddon = Object.fromEntries(batched.data?.repo.addons.edges.map((edge: any) => [edge.node.name, summary(edge.node.runtimes)]));
    expect(byAddon).toEqual({
      none: { totalCount: 0, names: [], hasNextPage: false, hasPreviousPage: false },
      one: { totalCount: 1, names: ['one-1'], hasNextPage: false, hasPreviousPage: false },
      three: { totalCount: 3, names: ['three-3', 'three-2'], hasNextPage: true, hasPreviousPage: false },
    });

    const single = async (name: string, after: string | null) => {
      const result = await postGraphQL(platform.gateway.graphqlUrl, `query ($id: ID!, $after: String) { addon(id: $id) { ${RUNTIMES} } }`, {
        variables: { id: ids[name], after },
        token,
      });
      expect(result.errors).toBeUndefined();
      return result.data?.addon.runtimes;
    };
    for (const name of Object.keys(counts)) expect(summary(await single(name, null))).toEqual(byAddon[name]);

    const second = await single('three', (await single('three', null)).pageInfo.endCursor);
    expect(summary(second)).toEqual({ totalCount: 3, names: ['three-1'], hasNextPage: false, hasPreviousPage: true });
    const beyond = await single('three', second.pageInfo.endCursor);
    expect(summary(beyond)).toEqual({ totalCount: 3, names: [], hasNextPage: false, hasPreviousPage: true });
  });
});
