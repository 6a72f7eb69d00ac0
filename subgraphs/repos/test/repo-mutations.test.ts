import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newCredentialKeys, repoCredentialContext, resealCredentials } from '@addon-platform/platform';
import { withClient } from '@addon-platform/platform/testing';
import { REPO_CREDENTIALS } from '@addon-platform/repos';
import {
  createGitRepository,
  startFixtureHttpServer,
  startGitDaemon,
  type FixtureHttpServer,
  type RunningGitServer,
  type TestGitRepository,
} from '@addon-platform/sources/testing';
import { codesOf, postGraphQL, type GraphQLResult } from '../../../test/helpers/client.js';
import { credentialCipherOf, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.js';

/**
 * Repo management against real sources: a Helm index over HTTP and a KubeVela catalog over git, on a
 * loopback address the platform is told to allow (127.0.0.2); every other loopback address stays
 * forbidden, as in production.
 */
const FIXTURES = join(import.meta.dirname, '../../../fixtures');
const INDEX = join(FIXTURES, 'helm-index/jupyterhub-helm-chart.gh-pages.index.yaml');
const PASSWORD = 'correct-horse-battery-staple';

let platform: TestPlatform;
let helm: FixtureHttpServer;
let forbiddenHelm: FixtureHttpServer;
let catalog: TestGitRepository;
let addonIndex: TestGitRepository;
let indexDir: string;
let git: RunningGitServer;
let operator: string;
let developer: string;
let otherDeveloper: string;
let tenant: string;

beforeAll(async () => {
  helm = await startFixtureHttpServer({
    host: '127.0.0.2',
    routes: {
      '/open/index.yaml': { file: INDEX },
      '/locked/index.yaml': { file: INDEX, auth: { basic: { username: 'reader', password: PASSWORD } } },
      '/missing/index.yaml': { status: 404 },
      '/broken/index.yaml': { body: 'this: is: not: yaml: [' },
    },
  });
  forbiddenHelm = await startFixtureHttpServer({ host: '127.0.0.1', routes: { '/index.yaml': { file: INDEX } } });
  helm.route('/to-loopback/index.yaml', { redirect: `${forbiddenHelm.url}/index.yaml` });
  catalog = await createGitRepository(join(FIXTURES, 'kubevela-catalog'), { intoPath: 'addons' });
  // An Ontology addon index as its git repository holds it: config.json at the root.
  indexDir = await mkdtemp(join(tmpdir(), 'addon-index-'));
  await copyFile(join(FIXTURES, 'ontology-addon-index/config/testnet-50e334d-config.json'), join(indexDir, 'config.json'));
  addonIndex = await createGitRepository(indexDir, { basePath: catalog.basePath, name: 'addon-index.git' });
  git = await startGitDaemon({ basePath: catalog.basePath, host: '127.0.0.2' });
  // No sync runs here: these tests look at the jobs repos queues, which a worker would take away.
  platform = await startTestPlatform({ env: { URL_ALLOW_LIST: '127.0.0.2/32', SOURCE_TIMEOUT_MS: '5000', JOB_CONCURRENCY: '0', SYNC_INTERVAL_MS: '0' } });
  operator = await platform.token({ sub: 'op', roles: ['operator'] });
  developer = await platform.token({ sub: 'dev', roles: ['developer'] });
  otherDeveloper = await platform.token({ sub: 'dev-2', roles: ['developer'] });
  tenant = await platform.token({ sub: 'tenant', roles: ['tenant'], tenant: 't1' });
});
afterAll(async () => {
  await platform?.stop();
  await Promise.all([helm?.close(), forbiddenHelm?.close(), git?.close()]);
  await catalog?.remove();
  if (indexDir) await rm(indexDir, { recursive: true, force: true });
});

const REPO_FIELDS = 'id name type url path ref visibility hasCredential labels { key value } providers defaultStatus owner';
const CREATE = `mutation ($input: CreateRepoInput!) { createRepo(input: $input) { ${REPO_FIELDS} } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateRepoInput!) { updateRepo(id: $id, input: $input) { ${REPO_FIELDS} } }`;
const VALIDATE = 'mutation ($input: RepoSourceInput!) { validateRepo(input: $input) { ok problem reason entries revision } }';

const gql = (query: string, variables: Record<string, unknown>, token?: string) => postGraphQL(platform.gateway.graphqlUrl, query, { variables, token });
let unique = 0;
const helmRepo = (change: Record<string, unknown> = {}) => ({
  name: `charts-${++unique}`,
  type: 'HELM',
  url: `${helm.url}/open`,
  visibility: 'PRIVATE',
  ...change,
});
const gitRepo = (change: Record<string, unknown> = {}) => ({
  name: `catalog-${++unique}`,
  type: 'GIT',
  url: `${git.url}/${catalog.name}`,
  path: 'addons',
  visibility: 'PRIVATE',
  ...change,
});

/** Every table row and queued job this subgraph writes, to prove a refusal wrote nothing. */
function snapshot(): Promise<unknown> {
  return withClient(platform.databaseUrl, async (client) => ({
    repos: (await client.query('select * from repos.repo order by id')).rows,
    selectors: (await client.query('select * from repos.user_repo_selector order by user_sub, position')).rows,
    jobs: (await client.query('select id, revision from graphile_worker.jobs order by id')).rows,
  }));
}

function syncJobs(repoId: string): Promise<Array<{ payload: { repoId: string }; revision: number }>> {
  return withClient(platform.databaseUrl, async (client) =>
    (
      await client.query(
        `select j.payload, j.revision from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
          where t.identifier = 'addons.syncRepo' and j.key = $1`,
        [`repo-sync:${repoId}`],
      )
    ).rows,
  );
}

function expectNoSecret(result: GraphQLResult): void {
  expect(JSON.stringify(result)).not.toContain(PASSWORD);
}

describe('createRepo', () => {
  it('reads the source once, saves the repo, seals its credential and queues its first sync', async () => {
    const labels = [
      { key: 'team', value: 'blue' },
      { key: 'env', value: 'prod' },
    ];
    const input = helmRepo({
      url: `${helm.url}/locked/`,
      credential: { username: 'reader', password: PASSWORD },
      labels,
    });
    const result = await gql(CREATE, { input }, developer);
    expect(result.errors).toBeUndefined();
    expectNoSecret(result);
    const repo = result.data!.createRepo;
    expect(repo).toMatchObject({
      type: 'HELM',
      url: `${helm.url}/locked/`,
      hasCredential: true,
      owner: 'dev',
      providers: ['kubernetes'],
      defaultStatus: 'DRAFT',
      labels,
    });
    expect(await syncJobs(repo.id)).toEqual([expect.objectContaining({ payload: { repoId: repo.id, trigger: 'REPO_CHANGED' } })]);

    const [row] = await withClient(platform.databaseUrl, async (client) => (await client.query('select * from repos.repo_source where repo_id = $1', [repo.id])).rows);
    expect(JSON.stringify(row)).not.toContain(PASSWORD);
    expect(JSON.parse(credentialCipherOf(platform.credentialKeys).open(row.credential_sealed, repoCredentialContext(repo.id)))).toEqual({ kind: 'basic', username: 'reader', password: PASSWORD });
    expect(row).toMatchObject({ type: 'HELM', providers: ['kubernetes'], default_status: 'DRAFT', path: null, ref: null });
  });

  it('creates a git repo whose path holds KubeVela addons', async () => {
    const result = await gql(CREATE, { input: gitRepo() }, developer);
    expect(result.errors).toBeUndefined();
    expect(result.data!.createRepo).toMatchObject({ type: 'GIT', path: 'addons', hasCredential: false });
  });

  const refusals: Array<[string, () => Record<string, unknown>, string, string, RegExp?]> = [
    ['a malformed URL', () => helmRepo({ url: 'http//charts' }), 'BAD_USER_INPUT', 'url'],
    ['a git scheme on a HELM repo', () => helmRepo({ url: `git://127.0.0.2/charts` }), 'BAD_USER_INPUT', 'url', /https, http/],
    ['an ext:: git URL', () => gitRepo({ url: 'ext::sh -c touch% /tmp/pwned' }), 'BAD_USER_INPUT', 'url'],
    ['a file:// git URL', () => gitRepo({ url: 'file:///etc' }), 'BAD_USER_INPUT', 'url'],
    ['credentials inside the URL', () => helmRepo({ url: `http://reader:${PASSWORD}@127.0.0.2/open` }), 'BAD_USER_INPUT', 'url'],
    ['a host that does not resolve', () => helmRepo({ url: 'https://charts.invalid/' }), 'BAD_USER_INPUT', 'url', /could not be found/],
    ['a host that refuses connections', () => helmRepo({ url: 'http://127.0.0.2:1/' }), 'BAD_USER_INPUT', 'url'],
    ['loopback outside the allow-list', () => helmRepo({ url: forbiddenHelm.url }), 'BAD_USER_INPUT', 'url', /special address/],
    ['a name resolving to loopback', () => helmRepo({ url: `http://localhost:${forbiddenHelm.port}` }), 'BAD_USER_INPUT', 'url', /resolves to/],
    ['a private address', () => helmRepo({ url: 'http://10.0.0.1/' }), 'BAD_USER_INPUT', 'url'],
    ['a link-local address', () => helmRepo({ url: 'http://[fe80::1]/' }), 'BAD_USER_INPUT', 'url'],
    ['the cloud metadata address', () => helmRepo({ url: 'http://169.254.169.254/latest/' }), 'BAD_USER_INPUT', 'url'],
    ['IPv6 loopback', () => helmRepo({ url: 'http://[::1]/' }), 'BAD_USER_INPUT', 'url'],
    ['IPv4-mapped loopback', () => helmRepo({ url: 'http://[::ffff:127.0.0.1]/' }), 'BAD_USER_INPUT', 'url'],
    ['a redirect to loopback', () => helmRepo({ url: `${helm.url}/to-loopback` }), 'BAD_USER_INPUT', 'url', /redirect/i],
    ['a Helm URL without an index', () => helmRepo({ url: `${helm.url}/missing` }), 'BAD_USER_INPUT', 'url'],
    ['a Helm index that is not YAML', () => helmRepo({ url: `${helm.url}/broken` }), 'BAD_USER_INPUT', 'url'],
    ['a locked Helm repo without its credential', () => helmRepo({ url: `${helm.url}/locked` }), 'BAD_USER_INPUT', 'credential'],
    ['a wrong password', () => helmRepo({ url: `${helm.url}/locked`, credential: { username: 'reader', password: 'nope' } }), 'BAD_USER_INPUT', 'credential'],
    ['half a credential', () => helmRepo({ credential: { username: 'reader' } }), 'BAD_USER_INPUT', 'credential'],
    ['a git repo without the path', () => gitRepo({ path: 'no-such-folder' }), 'BAD_USER_INPUT', 'path', /no-such-folder/],
    ['a path climbing out', () => gitRepo({ path: '../secrets' }), 'BAD_USER_INPUT', 'path'],
    ['a ref that reads as an option', () => gitRepo({ ref: '--upload-pack=touch /tmp/pwned' }), 'BAD_USER_INPUT', 'ref'],
    ['a ref that does not exist', () => gitRepo({ ref: 'no-such-branch' }), 'BAD_USER_INPUT', 'ref'],
    ['a path on a Helm repo', () => helmRepo({ path: 'charts' }), 'BAD_USER_INPUT', 'path'],
    ['an empty label value', () => helmRepo({ labels: [{ key: 'team', value: '' }] }), 'BAD_USER_INPUT', 'labels', /empty/],
    ['a label key given twice', () => helmRepo({ labels: [{ key: 'team', value: 'a' }, { key: 'team', value: 'b' }] }), 'BAD_USER_INPUT', 'labels'],
    ['a provider with spaces', () => helmRepo({ providers: ['kube rnetes'] }), 'BAD_USER_INPUT', 'providers'],
    ['a PUBLIC repo by a developer', () => helmRepo({ visibility: 'PUBLIC' }), 'FORBIDDEN', 'visibility'],
    ['an ADDON_INDEX repo by a developer', () => gitRepo({ type: 'ADDON_INDEX', network: 'testnet' }), 'FORBIDDEN', 'type'],
    ['ACTIVE default status by a developer', () => helmRepo({ defaultStatus: 'ACTIVE' }), 'FORBIDDEN', 'defaultStatus'],
  ];

  const cases = refusals.map(([name, input, code, field, message]) => ({ name, input, code, field, message }));
  it.each(cases)('refuses $name with a clear error and writes nothing', async ({ input, code, field, message }) => {
    const before = await snapshot();
    const result = await gql(CREATE, { input: input() }, developer);
    expect(codesOf(result)).toEqual([code]);
    expect(result.errors![0]!.extensions?.field).toBe(field);
    if (message) expect(result.errors![0]!.message).toMatch(message);
    expectNoSecret(result);
    expect(await snapshot()).toEqual(before);
  });

  it('lets an operator create an ADDON_INDEX repo for one network, read from git', async () => {
    const input = { name: `index-${++unique}`, type: 'ADDON_INDEX', url: `${git.url}/${addonIndex.name}`, network: 'testnet', visibility: 'PUBLIC' };
    const result = await gql(`mutation ($input: CreateRepoInput!) { createRepo(input: $input) { type network visibility } }`, { input }, operator);
    expect(result.data?.createRepo).toEqual({ type: 'ADDON_INDEX', network: 'testnet', visibility: 'PUBLIC' });
    const validation = await gql(VALIDATE, { input: { type: 'ADDON_INDEX', url: input.url } }, operator);
    expect(validation.data!.validateRepo).toMatchObject({ ok: true, entries: 17, revision: addonIndex.revision });
  });

  it('refuses a duplicate name as CONFLICT and writes nothing', async () => {
    const input = helmRepo();
    expect((await gql(CREATE, { input }, developer)).errors).toBeUndefined();
    const before = await snapshot();
    const again = await gql(CREATE, { input: { ...input, url: `${helm.url}/open/` } }, otherDeveloper);
    expect(codesOf(again)).toEqual(['CONFLICT']);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses anonymous and tenant callers', async () => {
    expect(codesOf(await gql(CREATE, { input: helmRepo() }))).toEqual(['UNAUTHENTICATED']);
    expect(codesOf(await gql(CREATE, { input: helmRepo() }, tenant))).toEqual(['FORBIDDEN']);
  });
});

describe('updateRepo, setRepoLabels, deleteRepo', () => {
  async function created(input = helmRepo()) {
    const result = await gql(CREATE, { input }, developer);
    expect(result.errors).toBeUndefined();
    return result.data!.createRepo as { id: string; name: string };
  }

  it('changes plain fields without queueing a sync, and a new source queues one', async () => {
    const repo = await created();
    const [first] = await syncJobs(repo.id);
    const renamed = await gql(UPDATE, { id: repo.id, input: { description: 'Jupyter charts', providers: ['kubernetes', 'simulated'] } }, developer);
    expect(renamed.data!.updateRepo).toMatchObject({ providers: ['kubernetes', 'simulated'] });
    expect(await syncJobs(repo.id)).toEqual([first]);

    const moved = await gql(UPDATE, { id: repo.id, input: { url: `${helm.url}/locked`, credential: { username: 'reader', password: PASSWORD } } }, developer);
    expect(moved.errors).toBeUndefined();
    expectNoSecret(moved);
    expect(moved.data!.updateRepo).toMatchObject({ url: `${helm.url}/locked`, hasCredential: true });
    const [second] = await syncJobs(repo.id);
    expect(second!.revision).toBeGreaterThan(first!.revision);
  });

  it('keeps the stored credential when only the URL changes, and removes it on null', async () => {
    const repo = await created(helmRepo({ url: `${helm.url}/locked`, credential: { username: 'reader', password: PASSWORD } }));
    const moved = await gql(UPDATE, { id: repo.id, input: { url: `${helm.url}/locked/` } }, developer);
    expect(moved.errors).toBeUndefined();
    const cleared = await gql(UPDATE, { id: repo.id, input: { credential: null } }, developer);
    expect(codesOf(cleared)).toEqual(['BAD_USER_INPUT']);
    expect(cleared.errors![0]!.extensions?.field).toBe('credential');
    const reopened = await gql(UPDATE, { id: repo.id, input: { url: `${helm.url}/open`, credential: null } }, developer);
    expect(reopened.data!.updateRepo).toMatchObject({ hasCredential: false });
  });

  it('refuses a bad change and writes nothing', async () => {
    const repo = await created();
    for (const [input, field] of [
      [{ url: 'http://169.254.169.254/' }, 'url'],
      [{ name: 'Bad Name' }, 'name'],
      [{ visibility: 'PUBLIC' }, 'visibility'],
      [{ url: `${helm.url}/missing` }, 'url'],
    ] as const) {
      const before = await snapshot();
      const result = await gql(UPDATE, { id: repo.id, input }, developer);
      expect(result.errors?.[0]?.extensions?.field).toBe(field);
      expect(await snapshot()).toEqual(before);
    }
  });

  it("lets only the owner or an operator change a repo; others see NOT_FOUND or FORBIDDEN", async () => {
    const repo = await created(helmRepo({ visibility: 'SELECTED', labels: [{ key: 'team', value: 'blue' }] }));
    expect(codesOf(await gql(UPDATE, { id: repo.id, input: { description: 'x' } }, otherDeveloper))).toEqual(['NOT_FOUND']);
    await gql('mutation { setUserRepoSelectors(userId: "dev-2", selectors: [{ key: "team", value: "blue" }]) { userId } }', {}, operator);
    expect(codesOf(await gql(UPDATE, { id: repo.id, input: { description: 'x' } }, otherDeveloper))).toEqual(['FORBIDDEN']);
    expect((await gql(UPDATE, { id: repo.id, input: { description: 'by an operator' } }, operator)).errors).toBeUndefined();
  });

  it('replaces labels in order, and refuses empty values', async () => {
    const repo = await created();
    const set = 'mutation ($id: ID!, $labels: [RepoLabelInput!]!) { setRepoLabels(id: $id, labels: $labels) { labels { key value } } }';
    const labels = [
      { key: 'z', value: '1' },
      { key: 'a', value: '2' },
    ];
    expect((await gql(set, { id: repo.id, labels }, developer)).data!.setRepoLabels.labels).toEqual(labels);
    const before = await snapshot();
    const empty = await gql(set, { id: repo.id, labels: [{ key: 'team', value: '' }] }, developer);
    expect(codesOf(empty)).toEqual(['BAD_USER_INPUT']);
    expect(await snapshot()).toEqual(before);
  });

  it('soft-deletes a repo: it disappears, its name is free again, and the row stays', async () => {
    const repo = await created();
    const deleted = await gql('mutation ($id: ID!) { deleteRepo(id: $id) }', { id: repo.id }, developer);
    expect(deleted.data!.deleteRepo).toBe(repo.id);
    expect(codesOf(await gql('query ($id: ID!) { repo(id: $id) { id } }', { id: repo.id }, operator))).toEqual(['NOT_FOUND']);
    const [row] = await withClient(platform.databaseUrl, async (client) => (await client.query('select deleted_at from repos.repo where id = $1', [repo.id])).rows);
    expect(row.deleted_at).toBeInstanceOf(Date);
    expect((await gql(CREATE, { input: helmRepo({ name: repo.name }) }, developer)).errors).toBeUndefined();
  });

  it('refuses to delete or re-point a built-in repo, even for an operator', async () => {
    const builtIn = await gql('{ repos(filter: { name: "ontology-testnet" }) { edges { node { id } } } }', {}, operator);
    const id = builtIn.data!.repos.edges[0].node.id;
    const before = await snapshot();
    const deleted = await gql('mutation ($id: ID!) { deleteRepo(id: $id) }', { id }, operator);
    expect(codesOf(deleted)).toEqual(['FORBIDDEN']);
    expect(deleted.errors![0]!.message).toMatch(/built in/);
    expect(codesOf(await gql(UPDATE, { id, input: { url: `${helm.url}/open` } }, operator))).toEqual(['FORBIDDEN']);
    expect(await snapshot()).toEqual(before);
  });
});

describe('validateRepo', () => {
  it('reads a whole source and counts what a sync would find, saving nothing', async () => {
    const before = await snapshot();
    const chartIndex = await gql(VALIDATE, { input: { type: 'HELM', url: `${helm.url}/open` } }, developer);
    expect(chartIndex.data!.validateRepo).toEqual({ ok: true, problem: null, reason: null, entries: 1775, revision: null });
    const kubevela = await gql(VALIDATE, { input: { type: 'GIT', url: `${git.url}/${catalog.name}`, path: 'addons' } }, developer);
    expect(kubevela.data!.validateRepo).toMatchObject({ ok: true, entries: 41, revision: catalog.revision });
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    ['a refused credential', () => ({ type: 'HELM', url: `${helm.url}/locked`, credential: { username: 'reader', password: 'nope' } }), 'UNAUTHORIZED'],
    ['a missing index', () => ({ type: 'HELM', url: `${helm.url}/missing` }), 'NOT_FOUND'],
    ['an index that is not YAML', () => ({ type: 'HELM', url: `${helm.url}/broken` }), 'MALFORMED'],
    ['an unreachable host', () => ({ type: 'HELM', url: 'http://127.0.0.2:1/' }), 'UNREACHABLE'],
    ['a missing path', () => ({ type: 'GIT', url: `${git.url}/${catalog.name}`, path: 'elsewhere' }), 'NOT_FOUND'],
    ['a missing ref', () => ({ type: 'GIT', url: `${git.url}/${catalog.name}`, ref: 'v9' }), 'NOT_FOUND'],
  ])('answers not ok with the problem and a reason for %s', async (_case, input, problem) => {
    const result = await gql(VALIDATE, { input: input() }, developer);
    expect(result.data!.validateRepo).toMatchObject({ ok: false, problem, entries: null });
    expect(result.data!.validateRepo.reason).toMatch(/\w+ \w+/);
    expect(JSON.stringify(result)).not.toContain('nope');
  });

  it('refuses forbidden targets as input errors and anonymous callers', async () => {
    const forbidden = await gql(VALIDATE, { input: { type: 'HELM', url: 'http://169.254.169.254/' } }, developer);
    expect(codesOf(forbidden)).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await gql(VALIDATE, { input: { type: 'HELM', url: `${helm.url}/open` } }))).toEqual(['UNAUTHENTICATED']);
  });
});

describe('credential key rotation', () => {
  it('re-seals every stored credential with the new key, after which the old key can go', async () => {
    const created = await gql(CREATE, { input: helmRepo({ url: `${helm.url}/locked`, credential: { username: 'reader', password: PASSWORD } }) }, developer);
    const id = created.data!.createRepo.id;
    const newKey = newCredentialKeys('k2');
    const rotated = credentialCipherOf(`${newKey},${platform.credentialKeys}`);
    expect(await resealCredentials(platform.subgraphs.repos.orm.em.fork(), REPO_CREDENTIALS, rotated)).toBeGreaterThanOrEqual(1);
    expect(await resealCredentials(platform.subgraphs.repos.orm.em.fork(), REPO_CREDENTIALS, rotated)).toBe(0);
    const [row] = await withClient(platform.databaseUrl, async (client) => (await client.query('select credential_sealed from repos.repo where id = $1', [id])).rows);
    expect(JSON.parse(credentialCipherOf(newKey).open(row.credential_sealed, repoCredentialContext(id)))).toMatchObject({ password: PASSWORD });
  });
});
