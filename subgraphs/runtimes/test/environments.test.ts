import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServerCertificates } from '@addon-platform/kubernetes-test-server';
import { startKubernetesTestServer, type KubernetesTestServer } from '@addon-platform/kubernetes-test-server';
import { environmentCredentialContext, newCredentialKeys, resealCredentials } from '@addon-platform/platform';
import { withClient } from '@addon-platform/platform/testing';
import { ENVIRONMENT_CREDENTIALS } from '@addon-platform/runtimes';
import { codesOf, postGraphQL, type GraphQLResult } from '../../../test/helpers/client.js';
import { credentialCipherOf, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.js';

/**
 * Environments through the gateway, against the Kubernetes test server over HTTPS: its generated CA
 * and bearer tokens run the real TLS and authentication path of the reachability check.
 */
let platform: TestPlatform;
let cluster: KubernetesTestServer;
let pluginDir: string;
let plugin: string;
let operator: string;
let developer: string;
let tenantAcme: string;
let tenantGlobex: string;
const NAMESPACED_TOKEN = 'namespaced-token-0123456789';

beforeAll(async () => {
  cluster = await startKubernetesTestServer();
  cluster.addToken(NAMESPACED_TOKEN, { namespaces: ['tenant-acme'] });
  // An exec credential plugin the deployment allows: it prints the test server's token.
  pluginDir = await mkdtemp(join(tmpdir(), 'exec-plugin-'));
  plugin = join(pluginDir, 'token-plugin');
  const credential = { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: cluster.token } };
  await writeFile(plugin, `#!/bin/sh\necho '${JSON.stringify(credential)}'\n`);
  await chmod(plugin, 0o755);
  platform = await startTestPlatform({ env: { KUBECONFIG_EXEC_COMMANDS: plugin, CLUSTER_TIMEOUT_MS: '2000', JOB_CONCURRENCY: '0' } });
  operator = await platform.token({ sub: 'op', roles: ['operator'] });
  developer = await platform.token({ sub: 'dev', roles: ['developer'] });
  tenantAcme = await platform.token({ sub: 'alice', roles: ['tenant'], tenant: 'acme' });
  tenantGlobex = await platform.token({ sub: 'bob', roles: ['tenant'], tenant: 'globex' });
});
afterAll(async () => {
  await platform?.stop();
  await cluster?.stop();
  if (pluginDir) await rm(pluginDir, { recursive: true, force: true });
});

const FIELDS = 'id name kind inCluster hasCredential server namespacePattern namespace tenants { all list } labels { key value } platform createdBy';
const REGISTER = `mutation ($input: RegisterEnvironmentInput!) { registerEnvironment(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateEnvironmentInput!) { updateEnvironment(id: $id, input: $input) { ${FIELDS} } }`;
const LIST = `query ($filter: EnvironmentFilterInput) { environments(filter: $filter, first: 100) { totalCount edges { node { ${FIELDS} } } } }`;

const gql = (query: string, variables: Record<string, unknown>, token?: string) => postGraphQL(platform.gateway.graphqlUrl, query, { variables, token });
let unique = 0;
const newInput = (change: Record<string, unknown> = {}) => ({
  name: `cluster-${++unique}`,
  kind: 'SIMULATED',
  kubeconfig: cluster.kubeconfig(),
  namespacePattern: 'tenant-{tenant}',
  tenants: { all: true },
  ...change,
});
const register = (change: Record<string, unknown> = {}, token = operator) => gql(REGISTER, { input: newInput(change) }, token);

const countRows = () =>
  withClient(platform.databaseUrl, async (client) => Number((await client.query('select count(*) from runtimes.environment')).rows[0].count));

/** A refusal as a client sees it, and proof that nothing was written. */
async function expectRefused(result: Promise<GraphQLResult>, code: string, field: string | undefined, before: number) {
  const answer = await result;
  expect(answer.data?.registerEnvironment ?? null).toBeNull();
  expect(answer.errors?.[0]?.extensions).toMatchObject({ code, ...(field ? { field } : {}) });
  expect(await countRows()).toBe(before);
  return answer.errors![0]!;
}

/** A kubeconfig document for the test server, changed by `edit`. */
function kubeconfigWith(edit: (doc: any) => void, base = cluster.kubeconfig()): string {
  const doc = JSON.parse(base);
  edit(doc);
  return JSON.stringify(doc);
}

describe('registerEnvironment', () => {
  it('registers an environment for operators, sealing the kubeconfig and answering only hasCredential', async () => {
    const answer = await register({ labels: [{ key: 'region', value: 'eu' }, { key: 'tier', value: 'gold' }] });
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.registerEnvironment).toMatchObject({
      kind: 'SIMULATED',
      inCluster: false,
      hasCredential: true,
      server: cluster.url,
      namespacePattern: 'tenant-{tenant}',
      namespace: null,
      tenants: { all: true, list: [] },
      labels: [{ key: 'region', value: 'eu' }, { key: 'tier', value: 'gold' }],
      platform: false,
      createdBy: 'op',
    });
    const { id } = answer.data!.registerEnvironment;
    const row = await withClient(platform.databaseUrl, async (client) => (await client.query('select * from runtimes.environment where id = $1', [id])).rows[0]);
    expect(row.credential_sealed).toMatch(/^v1\./);
    expect(row.credential_sealed).not.toContain(cluster.token);
    expect(JSON.stringify(answer)).not.toContain(cluster.token);
  });

  it('accepts a YAML kubeconfig, a client of the test server as an operator would paste it', async () => {
    const doc = JSON.parse(cluster.kubeconfig());
    const yaml = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: test`,
      `  cluster:`,
      `    server: ${doc.clusters[0].cluster.server}`,
      `    certificate-authority-data: ${doc.clusters[0].cluster['certificate-authority-data']}`,
      'users:',
      '- name: test',
      '  user:',
      `    token: ${cluster.token}`,
      'contexts:',
      '- name: test',
      '  context: {cluster: test, user: test}',
      'current-context: test',
    ].join('\n');
    const answer = await register({ kubeconfig: yaml, kind: 'KUBERNETES' });
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.registerEnvironment).toMatchObject({ kind: 'KUBERNETES', hasCredential: true });
  });

  it('refuses anonymous viewers with UNAUTHENTICATED and non-operators with FORBIDDEN, writing nothing', async () => {
    const before = await countRows();
    for (const [token, code] of [[undefined, 'UNAUTHENTICATED'], [developer, 'FORBIDDEN'], [tenantAcme, 'FORBIDDEN']] as const) {
      expect(codesOf(await gql(REGISTER, { input: newInput() }, token))).toEqual([code]);
    }
    expect(await countRows()).toBe(before);
  });

  it.each([
    ['malformed YAML', 'clusters: [unclosed', /not valid YAML/],
    ['a YAML scalar', 'just words', /not a kubeconfig/],
    ['no context', () => kubeconfigWith((doc) => (doc.contexts = [])), /no context/],
    ['two contexts', () => kubeconfigWith((doc) => doc.contexts.push({ name: 'other', context: doc.contexts[0].context })), /2 contexts/],
    ['a context naming a missing user', () => kubeconfigWith((doc) => (doc.contexts[0].context.user = 'nobody')), /user it does not hold/],
    ['a current-context it does not hold', () => kubeconfigWith((doc) => (doc['current-context'] = 'elsewhere')), /current-context/],
    ['no credentials', () => kubeconfigWith((doc) => (doc.users[0].user = {})), /no credentials/],
    ['half a client certificate', () => kubeconfigWith((doc) => (doc.users[0].user = { 'client-certificate-data': 'QUJD' })), /both client-certificate-data/],
    ['a token file', () => kubeconfigWith((doc) => (doc.users[0].user = { 'token-file': '/etc/passwd' })), /token-file/],
    ['a CA file', () => kubeconfigWith((doc) => (doc.clusters[0].cluster['certificate-authority'] = '/etc/ssl/ca.pem')), /certificate-authority/],
    ['TLS verification off', () => kubeconfigWith((doc) => (doc.clusters[0].cluster['insecure-skip-tls-verify'] = true)), /insecure-skip-tls-verify/],
    ['an auth provider', () => kubeconfigWith((doc) => (doc.users[0].user = { 'auth-provider': { name: 'gcp', config: { 'cmd-path': '/bin/sh' } } })), /auth-provider/],
    ['an http server', () => kubeconfigWith((doc) => (doc.clusters[0].cluster.server = doc.clusters[0].cluster.server.replace('https:', 'http:'))), /https/],
    [
      'a YAML merge key',
      () => `clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\nusers:\n- name: u\n  user:\n    <<: {token-file: /etc/passwd}\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n`,
      /the user has a field/,
    ],
  ])('refuses a kubeconfig with %s as BAD_USER_INPUT naming kubeconfig, never repeating it', async (_case, kubeconfig, message) => {
    const before = await countRows();
    const text = typeof kubeconfig === 'function' ? kubeconfig() : kubeconfig;
    const error = await expectRefused(register({ kubeconfig: text }), 'BAD_USER_INPUT', 'kubeconfig', before);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(cluster.token);
    expect(error.message).not.toContain('/etc/passwd');
  });

  it('refuses an exec plugin the deployment does not allow, and runs the one it allows', async () => {
    const before = await countRows();
    const exec = (command: string, env?: { name: string; value: string }[]) =>
      kubeconfigWith((doc) => (doc.users[0].user = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command, ...(env ? { env } : {}) } }));
    const refused = await expectRefused(register({ kubeconfig: exec('/bin/sh') }), 'BAD_USER_INPUT', 'kubeconfig', before);
    expect(refused.message).toMatch(/KUBECONFIG_EXEC_COMMANDS/);
    await expectRefused(register({ kubeconfig: exec('token-plugin') }), 'BAD_USER_INPUT', 'kubeconfig', before);
    await expectRefused(register({ kubeconfig: exec(plugin, [{ name: 'LD_PRELOAD', value: '/tmp/evil.so' }]) }), 'BAD_USER_INPUT', 'kubeconfig', before);

    const allowed = await register({ kubeconfig: exec(plugin, [{ name: 'REGION', value: 'eu' }]) });
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data?.registerEnvironment.hasCredential).toBe(true);
  });

  it.each([
    ['a bad name', { name: 'Bad_Name' }, 'name'],
    ['a pattern without {tenant}', { namespacePattern: 'shared' }, 'namespacePattern'],
    ['a pattern too long for every tenant', { namespacePattern: `${'x'.repeat(30)}-{tenant}` }, 'namespacePattern'],
    ['tenants all: false', { tenants: { all: false } }, 'tenants'],
    ['tenants with both all and list', { tenants: { all: true, list: ['acme'] } }, 'tenants'],
    ['tenants with neither', { tenants: {} }, 'tenants'],
    ['a tenant listed twice', { tenants: { list: ['acme', 'acme'] } }, 'tenants'],
    ['an empty tenant id', { tenants: { list: [''] } }, 'tenants'],
    ['a label without a value', { labels: [{ key: 'region', value: ' ' }] }, 'labels'],
    ['a label key twice', { labels: [{ key: 'a', value: '1' }, { key: 'a', value: '2' }] }, 'labels'],
    ['both a kubeconfig and inCluster', { inCluster: true }, 'inCluster'],
    ['neither a kubeconfig nor inCluster', { kubeconfig: null }, 'kubeconfig'],
    ['inCluster outside a pod', { kubeconfig: null, inCluster: true }, 'inCluster'],
  ])('refuses %s as BAD_USER_INPUT naming the field, writing nothing', async (_case, change, field) => {
    const before = await countRows();
    await expectRefused(register(change), 'BAD_USER_INPUT', field, before);
  });

  it('refuses a duplicate name with CONFLICT, and a second platform environment too', async () => {
    const first = await register({ platform: true });
    expect(first.errors).toBeUndefined();
    const before = await countRows();
    await expectRefused(register({ name: first.data!.registerEnvironment.name }), 'CONFLICT', 'name', before);
    await expectRefused(register({ platform: true }), 'CONFLICT', 'platform', before);
  });
});

describe('credential key rotation', () => {
  it('re-seals every stored kubeconfig with the new key, after which the old key can go', async () => {
    const { id } = (await register({})).data!.registerEnvironment;
    const newKey = newCredentialKeys('k2');
    const rotated = credentialCipherOf(`${newKey},${platform.credentialKeys}`);
    expect(await resealCredentials(platform.subgraphs.runtimes.orm.em.fork(), ENVIRONMENT_CREDENTIALS, rotated)).toBeGreaterThanOrEqual(1);
    expect(await resealCredentials(platform.subgraphs.runtimes.orm.em.fork(), ENVIRONMENT_CREDENTIALS, rotated)).toBe(0);
    const [row] = await withClient(platform.databaseUrl, async (client) => (await client.query('select credential_sealed from runtimes.environment where id = $1', [id])).rows);
    const opened = credentialCipherOf(newKey).open(row.credential_sealed, environmentCredentialContext(id));
    expect(opened).toContain(cluster.token);
  });
});

describe('the reachability check', () => {
  it('refuses a wrong token as 401, naming kubeconfig, writing nothing', async () => {
    const before = await countRows();
    const error = await expectRefused(register({ kubeconfig: cluster.kubeconfig({ token: 'wrong-token-abcdef' }) }), 'BAD_USER_INPUT', 'kubeconfig', before);
    expect(error.extensions).toMatchObject({ reason: 'UNAUTHORIZED' });
    expect(error.message).toMatch(/401/);
    expect(error.message).not.toContain('wrong-token-abcdef');
  });

  it('refuses credentials that may not list Namespaces as 403', async () => {
    const before = await countRows();
    const error = await expectRefused(register({ kubeconfig: cluster.kubeconfig({ token: NAMESPACED_TOKEN }) }), 'BAD_USER_INPUT', 'kubeconfig', before);
    expect(error.extensions).toMatchObject({ reason: 'FORBIDDEN' });
  });

  it('refuses a server whose certificate another CA signed', async () => {
    const before = await countRows();
    const { caPem } = await createServerCertificates();
    const error = await expectRefused(register({ kubeconfig: cluster.kubeconfig({ caPem }) }), 'BAD_USER_INPUT', 'kubeconfig', before);
    expect(error.extensions).toMatchObject({ reason: 'TLS' });
  });

  it('refuses a server that is down', async () => {
    const down = await startKubernetesTestServer();
    const kubeconfig = down.kubeconfig();
    await down.stop();
    const before = await countRows();
    const error = await expectRefused(register({ kubeconfig }), 'BAD_USER_INPUT', 'kubeconfig', before);
    expect(error.extensions).toMatchObject({ reason: 'UNREACHABLE' });
  });

  it('refuses a server that does not answer within CLUSTER_TIMEOUT_MS', async () => {
    // An HTTPS server with the test server's certificate that accepts and never answers.
    const certificates = await createServerCertificates();
    const hanging: Server = createServer({ cert: certificates.certPem, key: certificates.keyPem }, () => {});
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const address = hanging.address() as { port: number };
    try {
      const kubeconfig = kubeconfigWith((doc) => {
        doc.clusters[0].cluster.server = `https://127.0.0.1:${address.port}`;
        doc.clusters[0].cluster['certificate-authority-data'] = Buffer.from(certificates.caPem).toString('base64');
      });
      const before = await countRows();
      const error = await expectRefused(register({ kubeconfig }), 'BAD_USER_INPUT', 'kubeconfig', before);
      expect(error.extensions).toMatchObject({ reason: 'TIMEOUT' });
    } finally {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });
});

describe('environments', () => {
  let onlyAcme: string;
  let everyone: string;
  beforeAll(async () => {
    onlyAcme = (await register({ tenants: { list: ['acme'] }, labels: [{ key: 'view', value: 'tenants' }] })).data!.registerEnvironment.id;
    everyone = (await register({ tenants: { all: true }, labels: [{ key: 'view', value: 'tenants' }] })).data!.registerEnvironment.id;
  });
  const filter = { label: { key: 'view', value: 'tenants' } };

  it('lists every environment to operators, with the tenants allowed', async () => {
    const answer = await gql(LIST, { filter }, operator);
    expect(answer.errors).toBeUndefined();
    const nodes = answer.data!.environments.edges.map((edge: any) => edge.node);
    expect(nodes.map((node: any) => node.id).sort()).toEqual([onlyAcme, everyone].sort());
    expect(nodes.find((node: any) => node.id === onlyAcme).tenants).toEqual({ all: false, list: ['acme'] });
  });

  it('shows a tenant the environments it may use, with its namespace and without operator fields', async () => {
    const acme = await gql(LIST, { filter }, tenantAcme);
    expect(acme.errors).toBeUndefined();
    const nodes = acme.data!.environments.edges.map((edge: any) => edge.node);
    expect(acme.data!.environments.totalCount).toBe(2);
    for (const node of nodes) expect(node).toMatchObject({ hasCredential: true, inCluster: false, server: null, tenants: null, createdBy: null, namespace: 'tenant-acme' });

    const globex = await gql(LIST, { filter }, tenantGlobex);
    expect(globex.data!.environments.edges.map((edge: any) => edge.node.id)).toEqual([everyone]);
    expect(codesOf(await gql('query ($id: ID!) { environment(id: $id) { id } }', { id: onlyAcme }, tenantGlobex))).toEqual(['NOT_FOUND']);
  });

  it('shows nothing to a viewer without a tenant', async () => {
    const answer = await gql(LIST, { filter }, developer);
    expect(answer.data!.environments.totalCount).toBe(0);
  });

  it('updates and soft-deletes an environment, freeing its name', async () => {
    const created = (await register({ tenants: { list: ['acme'] } })).data!.registerEnvironment;
    const updated = await gql(UPDATE, { id: created.id, input: { tenants: { list: ['acme', 'globex'] }, labels: [{ key: 'b', value: '2' }] } }, operator);
    expect(updated.errors).toBeUndefined();
    expect(updated.data!.updateEnvironment).toMatchObject({ tenants: { all: false, list: ['acme', 'globex'] }, labels: [{ key: 'b', value: '2' }] });

    const rows = await countRows();
    const wrongToken = await gql(UPDATE, { id: created.id, input: { kubeconfig: cluster.kubeconfig({ token: 'wrong-token-abcdef' }) } }, operator);
    expect(wrongToken.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'kubeconfig' });
    expect(codesOf(await gql(UPDATE, { id: created.id, input: { name: 'x' } }, developer))).toEqual(['FORBIDDEN']);
    expect(await countRows()).toBe(rows);

    const deleted = await gql('mutation ($id: ID!) { deleteEnvironment(id: $id) }', { id: created.id }, operator);
    expect(deleted.data?.deleteEnvironment).toBe(created.id);
    expect(codesOf(await gql('query ($id: ID!) { environment(id: $id) { id } }', { id: created.id }, operator))).toEqual(['NOT_FOUND']);
    expect((await register({ name: created.name })).errors).toBeUndefined();
  });
});
