import { RepoVisibility } from '@addon-platform/repos';
import { startFixtureHttpServer, type FixtureHttpServer } from '@addon-platform/sources/testing';
import { codesOf, postGraphQL } from './helpers/client.js';
import { newAddon, newRepo, newRuntimeInstance } from './helpers/factories.js';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';

let platform: TestPlatform;
let charts: FixtureHttpServer;
beforeAll(async () => {
  charts = await startFixtureHttpServer({ routes: { '/index.yaml': { body: 'apiVersion: v1\nentries: {}\n' } } });
  platform = await startTestPlatform({ env: { URL_ALLOW_LIST: '127.0.0.1/32' } });
});
afterAll(async () => {
  await platform?.stop();
  await charts?.close();
});

const REPO_ADDONS_RUNTIMES = `
  query ($id: ID!) {
    repo(id: $id) {
      name
      addons {
        totalCount
        edges { node { name runtimes { totalCount edges { node { name tenant status addon { name repo { name } } } } } } }
      }
    }
  }`;

describe('a query through the gateway across all three subgraphs', () => {
  it('reads Repo → addons → runtimes, each part from its owning subgraph', async () => {
    const { repos, addons, runtimes } = platform.subgraphs;
    const repo = await newRepo(repos);
    const addon = await newAddon(addons, { repoId: repo.id, name: 'grafana' });
    await newRuntimeInstance(runtimes, { addonId: addon.id, tenant: 'acme', name: 'grafana-prod' });

    const result = await postGraphQL(platform.gateway.graphqlUrl, REPO_ADDONS_RUNTIMES, {
      variables: { id: repo.id },
      token: await platform.token({ sub: 'alice', tenant: 'acme', roles: ['tenant'] }),
    });

    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      repo: {
        name: repo.name,
        addons: {
          totalCount: 1,
          edges: [
            {
              node: {
                name: 'grafana',
                runtimes: {
                  totalCount: 1,
                  edges: [{ node: { name: 'grafana-prod', tenant: 'acme', status: 'RUNNING', addon: { name: 'grafana', repo: { name: repo.name } } } }],
                },
              },
            },
          ],
        },
      },
    });
  });

  it("shows a tenant none of another tenant's instances", async () => {
    const { repos, addons, runtimes } = platform.subgraphs;
    const repo = await newRepo(repos);
    const addon = await newAddon(addons, { repoId: repo.id });
    await newRuntimeInstance(runtimes, { addonId: addon.id, tenant: 'acme' });

    const result = await postGraphQL(platform.gateway.graphqlUrl, REPO_ADDONS_RUNTIMES, {
      variables: { id: repo.id },
      token: await platform.token({ sub: 'eve', tenant: 'globex', roles: ['tenant'] }),
    });
    expect(result.data?.repo.addons.edges[0].node.runtimes).toEqual({ totalCount: 0, edges: [] });
  });

  it('hides a PRIVATE repo and its addons from other users, and shows them to its owner and operators', async () => {
    const { repos, addons } = platform.subgraphs;
    const repo = await newRepo(repos, { visibility: RepoVisibility.PRIVATE, ownerSub: 'bob' });
    const addon = await newAddon(addons, { repoId: repo.id });
    const asUser = async (sub: string, roles: ('tenant' | 'developer' | 'operator')[]) =>
      postGraphQL(platform.gateway.graphqlUrl, 'query ($id: ID!, $addon: ID!) { repo(id: $id) { name } addon(id: $addon) { name } }', {
        variables: { id: repo.id, addon: addon.id },
        token: await platform.token({ sub, roles }),
      });

    const stranger = await asUser('alice', ['developer']);
    expect(codesOf(stranger)).toEqual(['NOT_FOUND', 'NOT_FOUND']);
    expect(stranger.data).toEqual({ repo: null, addon: null });
    expect((await asUser('bob', ['developer'])).data).toEqual({ repo: { name: repo.name }, addon: { name: addon.name } });
    expect((await asUser('root', ['operator'])).data).toEqual({ repo: { name: repo.name }, addon: { name: addon.name } });
  });
});

describe('authentication at the gateway', () => {
  const query = '{ repos(first: 1) { totalCount } }';

  it('lets an anonymous request read what anonymous viewers may see', async () => {
    const result = await postGraphQL(platform.gateway.graphqlUrl, query);
    expect(result.status).toBe(200);
    expect(result.data?.repos.totalCount).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ['a malformed header', { authorization: 'Basic YWxpY2U6c2VjcmV0' }],
    ['a token that is not a JWT', { authorization: 'Bearer abc.def' }],
  ])('refuses %s with UNAUTHENTICATED', async (_case, headers) => {
    const result = await postGraphQL(platform.gateway.graphqlUrl, query, { headers });
    expect(result.status).toBe(401);
    expect(codesOf(result)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses an expired token, saying it expired', async () => {
    const token = await platform.token({ sub: 'alice', roles: ['tenant'] }, { expiresIn: Math.floor(Date.now() / 1000) - 600 });
    const result = await postGraphQL(platform.gateway.graphqlUrl, query, { token });
    expect(result.status).toBe(401);
    expect(codesOf(result)).toEqual(['UNAUTHENTICATED']);
    expect(result.errors?.[0]?.message).toMatch(/expired/);
  });

  it('refuses a mutation to a role that may not make it, and writes nothing', async () => {
    const countBefore = (await postGraphQL(platform.gateway.graphqlUrl, query, { token: await platform.token({ sub: 'op', roles: ['operator'] }) })).data
      ?.repos.totalCount;
    const create = `mutation { createRepo(input: { name: "charts", type: HELM, url: "https://charts.example.com", visibility: PUBLIC }) { id } }`;

    const asTenant = await postGraphQL(platform.gateway.graphqlUrl, create, { token: await platform.token({ sub: 'alice', tenant: 'acme', roles: ['tenant'] }) });
    const asDeveloper = await postGraphQL(platform.gateway.graphqlUrl, create, { token: await platform.token({ sub: 'dev', roles: ['developer'] }) });
    const anonymous = await postGraphQL(platform.gateway.graphqlUrl, create);

    expect(codesOf(asTenant)).toEqual(['FORBIDDEN']);
    expect(codesOf(asDeveloper)).toEqual(['FORBIDDEN']);
    expect(asDeveloper.errors?.[0]?.extensions?.field).toBe('visibility');
    expect(codesOf(anonymous)).toEqual(['UNAUTHENTICATED']);
    const countAfter = (await postGraphQL(platform.gateway.graphqlUrl, query, { token: await platform.token({ sub: 'op', roles: ['operator'] }) })).data
      ?.repos.totalCount;
    expect(countAfter).toBe(countBefore);
  });

  it('lets an operator create a PUBLIC repo owned by them', async () => {
    const result = await postGraphQL(
      platform.gateway.graphqlUrl,
      'mutation ($url: String!) { createRepo(input: { name: "public-charts", type: HELM, url: $url, visibility: PUBLIC }) { name owner visibility } }',
      { token: await platform.token({ sub: 'op', roles: ['operator'] }), variables: { url: charts.url } },
    );
    expect(result.data).toEqual({ createRepo: { name: 'public-charts', owner: 'op', visibility: 'PUBLIC' } });
  });
});

describe('entity fetches through the gateway', () => {
  it('resolves repeated entity references once each and hands every occurrence its own answer', async () => {
    const { repos, addons, runtimes } = platform.subgraphs;
    const repo = await newRepo(repos);
    const grafana = await newAddon(addons, { repoId: repo.id, name: 'grafana-dedup' });
    const loki = await newAddon(addons, { repoId: repo.id, name: 'loki-dedup' });
    const tenant = `tenant-${Date.now()}`;
    // Created oldest first; the list reads newest first: g3, l2, g2, l1, g1.
    for (const [addon, name] of [[grafana, 'g1'], [loki, 'l1'], [grafana, 'g2'], [loki, 'l2'], [grafana, 'g3']] as const) {
      await newRuntimeInstance(runtimes, { addonId: addon.id, tenant, name, createdAt: new Date(Date.now() + Number(name[1]) * 10 + (name[0] === 'l' ? 5 : 0)) });
    }
    const result = await postGraphQL(platform.gateway.graphqlUrl, '{ runtimeInstances { edges { node { name addon { name repo { name } } } } } }', {
      token: await platform.token({ sub: 'alice', tenant, roles: ['tenant'] }),
    });
    expect(result.errors).toBeUndefined();
    expect(result.data?.runtimeInstances.edges.map((edge: any) => [edge.node.name, edge.node.addon.name, edge.node.addon.repo.name])).toEqual([
      ['g3', 'grafana-dedup', repo.name],
      ['l2', 'loki-dedup', repo.name],
      ['g2', 'grafana-dedup', repo.name],
      ['l1', 'loki-dedup', repo.name],
      ['g1', 'grafana-dedup', repo.name],
    ]);
  });
});
