import type { KubernetesTestServer } from '@addon-platform/kubernetes-test-server';
import { SIMULATED_ENVIRONMENT, ensureSimulatedEnvironment, startSimulatedCluster } from '../scripts/simulated-cluster.js';
import { postGraphQL } from './helpers/client.js';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';

/** What `npm start` does after the platform is up (test/start.test.ts runs it as a process). */
describe('the simulated environment of npm start', () => {
  let platform: TestPlatform;
  const clusters: KubernetesTestServer[] = [];
  let operator: string;
  let tenant: string;
  beforeAll(async () => {
    platform = await startTestPlatform();
    operator = await platform.token({ sub: 'alice', roles: ['operator'] });
    tenant = await platform.token({ sub: 'bob', roles: ['tenant'], tenant: 'acme' });
  });
  afterAll(async () => {
    await platform?.stop();
    for (const cluster of clusters) await cluster.stop();
  });

  const newCluster = async () => {
    const cluster = await startSimulatedCluster();
    clusters.push(cluster);
    return cluster;
  };
  const ensure = (cluster: KubernetesTestServer) =>
    ensureSimulatedEnvironment({ graphqlUrl: platform.gateway.graphqlUrl, jwtSecret: platform.jwtSecret, kubeconfig: cluster.kubeconfig() });
  const FIELDS = 'id name kind platform server hasCredential namespacePattern tenants { all list } labels { key value } createdBy';
  const gql = (query: string, variables: Record<string, unknown> = {}, token = operator) => postGraphQL(platform.gateway.graphqlUrl, query, { variables, token });
  const listSimulated = async (token = operator) => {
    const answer = await gql(`{ environments(filter: { kind: SIMULATED }, first: 10) { totalCount edges { node { ${FIELDS} } } } }`, {}, token);
    expect(answer.errors).toBeUndefined();
    return answer.data!.environments;
  };
  const probed = (cluster: KubernetesTestServer) => [
    cluster.requests.some((request) => request.path === '/version' && request.code === 200),
    cluster.requests.some((request) => request.verb === 'list' && request.resource === 'namespaces' && request.code === 200),
  ];

  it('registers it once, then replaces its kubeconfig on every start, keeping what an operator changed', async () => {
    const first = await newCluster();
    const registered = await ensure(first);
    expect(registered).toMatchObject({ action: 'registered', platform: true, server: first.url });
    expect(probed(first)).toEqual([true, true]);
    expect(await listSimulated()).toEqual({
      totalCount: 1,
      edges: [
        {
          node: {
            id: registered.id,
            name: SIMULATED_ENVIRONMENT,
            kind: 'SIMULATED',
            platform: true,
            server: first.url,
            hasCredential: true,
            namespacePattern: 'tenant-{tenant}',
            tenants: { all: true, list: [] },
            labels: [{ key: 'simulated', value: 'true' }],
            createdBy: 'npm-start',
          },
        },
      ],
    });
    // Every tenant may launch there, and sees it for what it is.
    expect((await listSimulated(tenant)).edges.map(({ node }: any) => [node.name, node.kind, node.labels])).toEqual([
      [SIMULATED_ENVIRONMENT, 'SIMULATED', [{ key: 'simulated', value: 'true' }]],
    ]);

    // An operator narrows it and relabels it; the next start (a new CA and token) keeps that.
    const narrowed = await gql(`mutation ($id: ID!) { updateEnvironment(id: $id, input: { tenants: { list: ["acme"] }, labels: [{ key: "team", value: "demo" }] }) { id } }`, {
      id: registered.id,
    });
    expect(narrowed.errors).toBeUndefined();
    await first.stop();
    const second = await newCluster();
    const updated = await ensure(second);
    expect(updated).toEqual({ id: registered.id, action: 'updated', platform: true, server: second.url });
    expect(probed(second)).toEqual([true, true]);
    const [{ node }] = (await listSimulated()).edges;
    expect(node).toMatchObject({
      id: registered.id,
      server: second.url,
      platform: true,
      tenants: { all: false, list: ['acme'] },
      labels: [
        { key: 'simulated', value: 'true' },
        { key: 'team', value: 'demo' },
      ],
    });
    expect((await listSimulated()).totalCount).toBe(1);
  });

  it("leaves the platform flag to an operator's own environment, and refuses to overwrite another kind named simulated", async () => {
    const [{ node: simulated }] = (await listSimulated()).edges;
    const real = await newCluster();
    const unset = await gql(`mutation ($id: ID!) { updateEnvironment(id: $id, input: { platform: false }) { id } }`, { id: simulated.id });
    expect(unset.errors).toBeUndefined();
    const chosen = await gql(`mutation ($input: RegisterEnvironmentInput!) { registerEnvironment(input: $input) { id } }`, {
      input: { name: 'real', kind: 'KUBERNETES', kubeconfig: real.kubeconfig(), namespacePattern: 'tenant-{tenant}', tenants: { all: true }, platform: true },
    });
    expect(chosen.errors).toBeUndefined();

    const restarted = await newCluster();
    expect(await ensure(restarted)).toEqual({ id: simulated.id, action: 'updated', platform: false, server: restarted.url });

    // A cluster an operator registered under the name: npm start says so and changes nothing.
    expect((await gql(`mutation ($id: ID!) { deleteEnvironment(id: $id) }`, { id: simulated.id })).errors).toBeUndefined();
    const squatter = await gql(`mutation ($input: RegisterEnvironmentInput!) { registerEnvironment(input: $input) { id server } }`, {
      input: { name: SIMULATED_ENVIRONMENT, kind: 'KUBERNETES', kubeconfig: real.kubeconfig(), namespacePattern: 'tenant-{tenant}', tenants: { all: true } },
    });
    expect(squatter.errors).toBeUndefined();
    await expect(ensure(await newCluster())).rejects.toThrow(/named "simulated" of kind KUBERNETES exists.*SIMULATED_CLUSTER=false/);
    const kept = await gql(`query ($id: ID!) { environment(id: $id) { server } }`, { id: squatter.data!.registerEnvironment.id });
    expect(kept.data).toEqual({ environment: { server: real.url } });
  });
});
