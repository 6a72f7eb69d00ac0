import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubernetesTestServer, type KubernetesTestServer } from '@addon-platform/kubernetes-test-server';
import { mintToken, newCredentialKeys } from '@addon-platform/platform';
import { createTestDatabase, deferred, freePort } from '@addon-platform/platform/testing';
import {
  createGitRepository,
  startFixtureHttpServer,
  startGitHttpServer,
  type FixtureHttpServer,
  type RunningGitServer,
  type TestGitRepository,
} from '@addon-platform/sources/testing';
import { postGraphQL } from './helpers/client.js';

/**
 * DESIGN: credentials are write-only, never returned, never logged. The whole platform runs as a
 * process logging at `trace` (every SQL statement included), is given credentials through every path
 * that takes one, right and wrong, and neither its answers nor one line of its output may hold them.
 */
const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
const TOKEN = `tok-${randomBytes(12).toString('hex')}`;
const WRONG = `wrong-${randomBytes(12).toString('hex')}`;
// An environment's kubeconfig token, accepted by the Kubernetes test server, and a wrong one.
const CLUSTER_TOKEN = `cluster-${randomBytes(12).toString('hex')}`;
const CLUSTER_WRONG = `cluster-wrong-${randomBytes(12).toString('hex')}`;
const FORMS = [PASSWORD, TOKEN, WRONG, CLUSTER_TOKEN, CLUSTER_WRONG].flatMap((secret) => [
  secret,
  Buffer.from(`reader:${secret}`).toString('base64'),
  Buffer.from(`x-access-token:${secret}`).toString('base64'),
]);

let helm: FixtureHttpServer;
let cluster: KubernetesTestServer;
let catalog: TestGitRepository;
let git: RunningGitServer;
let database: { url: string; drop(): Promise<void> };
let dataDir: string;
let platform: ChildProcess;
let output = '';
const jwtSecret = randomBytes(32).toString('hex');

beforeAll(async () => {
  helm = await startFixtureHttpServer({
    routes: { '/index.yaml': { body: 'apiVersion: v1\nentries: {}\n', auth: { basic: { username: 'reader', password: PASSWORD } } } },
  });
  cluster = await startKubernetesTestServer();
  cluster.addToken(CLUSTER_TOKEN);
  catalog = await createGitRepository(join(import.meta.dirname, '../fixtures/kubevela-catalog'), { intoPath: 'addons' });
  git = await startGitHttpServer({ basePath: catalog.basePath, requireAuth: { username: 'x-access-token', password: TOKEN } });
  database = await createTestDatabase();
  dataDir = await mkdtemp(join(tmpdir(), 'platform-leaks-'));
  await chmod(dataDir, 0o755);
  const port = await freePort();
  platform = spawn(process.execPath, ['--conditions=source', '--import', '@swc-node/register/esm-register', 'scripts/start.ts'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: database.url,
      PLATFORM_DATA_DIR: dataDir,
      GATEWAY_PORT: String(port),
      JWT_SECRET: jwtSecret,
      CREDENTIAL_KEYS: newCredentialKeys(),
      URL_ALLOW_LIST: '127.0.0.1/32',
      LOG_LEVEL: 'trace',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ready = deferred();
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes('Addon platform ready')) ready.resolve();
  };
  platform.stdout!.on('data', collect);
  platform.stderr!.on('data', collect);
  platform.on('exit', (code) => ready.reject(new Error(`the platform exited with ${code}:\n${output}`)));
  await ready.promise;
  graphqlUrl = `http://127.0.0.1:${port}/graphql`;
}, 60_000);
afterAll(async () => {
  if (platform && platform.exitCode === null) {
    const exited = new Promise((resolveExit) => platform.on('exit', resolveExit));
    platform.kill('SIGINT');
    await exited;
  }
  await Promise.all([helm?.close(), git?.close(), catalog?.remove(), database?.drop(), cluster?.stop()]);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

let graphqlUrl: string;

it('never answers with, nor logs, a credential it was given', async () => {
  const token = await mintToken(jwtSecret, { sub: 'dev', roles: ['developer'] });
  const create = 'mutation ($input: CreateRepoInput!) { createRepo(input: $input) { id hasCredential } }';
  const answers = [
    await postGraphQL(graphqlUrl, create, { token, variables: { input: { name: 'helm-ok', type: 'HELM', url: helm.url, visibility: 'PRIVATE', credential: { username: 'reader', password: PASSWORD } } } }),
    await postGraphQL(graphqlUrl, create, { token, variables: { input: { name: 'helm-bad', type: 'HELM', url: helm.url, visibility: 'PRIVATE', credential: { username: 'reader', password: WRONG } } } }),
    await postGraphQL(graphqlUrl, create, { token, variables: { input: { name: 'git-ok', type: 'GIT', url: `${git.url}/${catalog.name}`, path: 'addons', visibility: 'PRIVATE', credential: { token: TOKEN } } } }),
    await postGraphQL(graphqlUrl, create, { token, variables: { input: { name: 'git-bad', type: 'GIT', url: `${git.url}/${catalog.name}`, path: 'addons', visibility: 'PRIVATE', credential: { token: WRONG } } } }),
    await postGraphQL(graphqlUrl, 'mutation ($input: RepoSourceInput!) { validateRepo(input: $input) { ok reason } }', {
      token,
      variables: { input: { type: 'GIT', url: `${git.url}/${catalog.name}`, credential: { token: WRONG } } },
    }),
    await postGraphQL(graphqlUrl, create, {
      token,
      variables: { input: { name: 'in-url', type: 'HELM', url: `http://reader:${PASSWORD}@127.0.0.1:1/`, visibility: 'PRIVATE' } },
    }),
  ];
  const operator = await mintToken(jwtSecret, { sub: 'op', roles: ['operator'] });
  const register = 'mutation ($input: RegisterEnvironmentInput!) { registerEnvironment(input: $input) { id hasCredential } }';
  const environment = (name: string, kubeconfig: string) =>
    postGraphQL(graphqlUrl, register, { token: operator, variables: { input: { name, kind: 'SIMULATED', kubeconfig, namespacePattern: 'tenant-{tenant}', tenants: { all: true } } } });
  const environments = [
    await environment('cluster-ok', cluster.kubeconfig({ token: CLUSTER_TOKEN })),
    await environment('cluster-bad', cluster.kubeconfig({ token: CLUSTER_WRONG })),
    // Malformed around the token: the refusal must not quote it.
    await environment('cluster-broken', `users: [{name: u, user: {token: ${CLUSTER_TOKEN}, token-file: x}}]\nclusters: [`),
  ];
  expect(environments.map((answer) => answer.data?.registerEnvironment ?? answer.errors?.[0]?.extensions?.code)).toEqual([
    { id: expect.any(String), hasCredential: true },
    'BAD_USER_INPUT',
    'BAD_USER_INPUT',
  ]);
  answers.push(...environments);
  answers.push(await postGraphQL(graphqlUrl, '{ environments { edges { node { id hasCredential server } } } }', { token: operator }));

  const created = answers.slice(0, 4).map((answer) => answer.data?.createRepo ?? answer.errors?.[0]?.extensions?.code);
  expect(created).toEqual([{ id: expect.any(String), hasCredential: true }, 'BAD_USER_INPUT', { id: expect.any(String), hasCredential: true }, 'BAD_USER_INPUT']);
  expect(answers[4]!.data?.validateRepo.ok).toBe(false);

  const repoId = (answers[0]!.data!.createRepo as { id: string }).id;
  const update = await postGraphQL(graphqlUrl, 'mutation ($id: ID!, $input: UpdateRepoInput!) { updateRepo(id: $id, input: $input) { hasCredential } }', {
    token,
    variables: { id: repoId, input: { credential: { username: 'reader', password: WRONG } } },
  });
  expect(update.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

  // The trace log did record the traffic, so its silence about the secrets means something.
  expect(output).toContain('credential_sealed');
  for (const secret of FORMS) {
    for (const answer of [...answers, update]) expect(JSON.stringify(answer)).not.toContain(secret);
    expect(output).not.toContain(secret);
  }
});
