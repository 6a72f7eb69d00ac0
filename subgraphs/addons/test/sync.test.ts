import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { waitFor, withClient } from '@addon-platform/platform/testing';
import { createGitRepository, startFixtureHttpServer, startGitDaemon, type FixtureHttpServer, type RunningGitServer, type TestGitRepository } from '@addon-platform/sources/testing';
import { codesOf, postGraphQL } from '../../../test/helpers/client.js';
import { startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.js';

/**
 * Repo sync end to end: a repo created through the gateway queues its sync on the addons subgraph's
 * worker, which reads real Helm indexes over HTTP and a KubeVela catalog over git.
 */
const FIXTURES = join(import.meta.dirname, '../../../fixtures');
const helmFixture = (name: string) => join(FIXTURES, 'helm-index', `${name}.gh-pages.index.yaml`);

let platform: TestPlatform;
let helm: FixtureHttpServer;
let catalog: TestGitRepository;
let git: RunningGitServer;
let operator: string;

type IndexEntry = { version: string; digest: string; created: string; [key: string]: unknown };
type HelmIndex = { apiVersion: string; entries: Record<string, IndexEntry[]> };

beforeAll(async () => {
  helm = await startFixtureHttpServer({
    routes: {
      '/castai/index.yaml': { file: helmFixture('castai-helm-charts'), etag: '"castai-1"' },
      '/grafana/index.yaml': { file: helmFixture('grafana-helm-charts') },
      '/jupyterhub/index.yaml': { file: helmFixture('jupyterhub-helm-chart') },
    },
  });
  catalog = await createGitRepository(join(FIXTURES, 'kubevela-catalog'), { intoPath: 'addons' });
  git = await startGitDaemon({ basePath: catalog.basePath });
  // The runtimes worker stays off: these tests read the jobs the sync sends it.
  platform = await startTestPlatform({ env: { URL_ALLOW_LIST: '127.0.0.1/32' }, serviceEnv: { runtimes: { JOB_CONCURRENCY: '0' } } });
  operator = await platform.token({ sub: 'op', roles: ['operator'] });
});
afterAll(async () => {
  await platform?.stop();
  await Promise.all([helm?.close(), git?.close()]);
  await catalog?.remove();
});

const RUN_FIELDS = 'id status trigger added updated unchanged removed rejected failure errors { entry reason } attempts';

async function createRepo(input: Record<string, unknown>): Promise<string> {
  const result = await postGraphQL(platform.gateway.graphqlUrl, 'mutation ($input: CreateRepoInput!) { createRepo(input: $input) { id } }', {
    variables: { input: { visibility: 'PUBLIC', ...input } },
    token: operator,
  });
  expect(result.errors).toBeUndefined();
  return result.data!.createRepo.id;
}

/** Waits for the repo's newest run to finish, and answers it. */
async function finishedRun(repoId: string, afterRunId?: string): Promise<Record<string, any>> {
  return waitFor(
    async () => {
      const result = await postGraphQL(platform.gateway.graphqlUrl, `query ($id: ID!) { repo(id: $id) { lastSync { ${RUN_FIELDS} } } }`, {
        variables: { id: repoId },
        token: operator,
      });
      const run = result.data?.repo.lastSync;
      return run && run.id !== afterRunId && ['SUCCEEDED', 'FAILED'].includes(run.status) ? run : undefined;
    },
    { timeoutMs: 30_000, description: `a finished sync of ${repoId}` },
  );
}

async function syncAgain(repoId: string, previousRunId: string): Promise<Record<string, any>> {
  const queued = await postGraphQL(platform.gateway.graphqlUrl, `mutation ($id: ID!) { syncRepo(repoId: $id) { id status trigger } }`, {
    variables: { id: repoId },
    token: operator,
  });
  expect(queued.errors).toBeUndefined();
  expect(queued.data!.syncRepo).toMatchObject({ trigger: 'REQUESTED' });
  return finishedRun(repoId, previousRunId);
}

function versionsOf(repoId: string): Promise<Array<{ addon: string; version: string; digest: string | null; status: string }>> {
  return withClient(platform.databaseUrl, async (client) =>
    (
      await client.query(
        `select a.name as addon, v.version, v.digest, v.status from addons.addon_version v join addons.addon a on a.id = v.addon_id
          where a.repo_id = $1 order by a.name, v.version`,
        [repoId],
      )
    ).rows,
  );
}

/** The distinct (chart, version) pairs of an index, each with the digest of its latest `created` entry. */
async function expectedPairs(name: string): Promise<Map<string, string>> {
  const index = parse(await readFile(helmFixture(name), 'utf8'), { schema: 'failsafe' }) as HelmIndex;
  const winners = new Map<string, IndexEntry>();
  for (const [chart, entries] of Object.entries(index.entries)) {
    for (const entry of entries) {
      const key = `${chart} ${entry.version}`;
      const known = winners.get(key);
      if (!known || Date.parse(entry.created) > Date.parse(known.created)) winners.set(key, entry);
    }
  }
  return new Map([...winners].map(([key, entry]) => [key, entry.digest]));
}

describe.each([
  ['castai-helm-charts', 'castai', 5118],
  ['grafana-helm-charts', 'grafana', 3589],
  ['jupyterhub-helm-chart', 'jupyterhub', 1775],
])('syncing the %s index', (fixture, path, distinctPairs) => {
  let repoId: string;
  let firstRun: Record<string, any>;

  beforeAll(async () => {
    repoId = await createRepo({ name: `${path}-charts`, type: 'HELM', url: `${helm.url}/${path}` });
    firstRun = await finishedRun(repoId);
  });

  it('adds every distinct (chart, version) pair once, the latest-created entry of a pair listed twice winning', async () => {
    expect(firstRun).toMatchObject({ status: 'SUCCEEDED', trigger: 'REPO_CHANGED', added: distinctPairs, updated: 0, unchanged: 0, removed: 0, rejected: 0 });
    const stored = await versionsOf(repoId);
    const expected = await expectedPairs(fixture);
    expect(stored).toHaveLength(expected.size);
    for (const version of stored) expect(version.digest).toBe(expected.get(`${version.addon} ${version.version}`));
    expect(new Set(stored.map((version) => version.status))).toEqual(new Set(['DRAFT']));
  });

  it('adds nothing on a second sync', async () => {
    const second = await syncAgain(repoId, firstRun.id);
    expect(second).toMatchObject({ status: 'SUCCEEDED', added: 0, updated: 0, unchanged: distinctPairs, removed: 0 });
  });
});

describe('a source that changes', () => {
  it('marks versions no longer listed REMOVED, updates a re-published digest, and brings a version back', async () => {
    const index = parse(await readFile(helmFixture('jupyterhub-helm-chart'), 'utf8'), { schema: 'failsafe' }) as HelmIndex;
    const serve = (body: HelmIndex) => helm.route('/changing/index.yaml', { body: stringify(body) });
    serve(index);
    const repoId = await createRepo({ name: 'changing-charts', type: 'HELM', url: `${helm.url}/changing` });
    const first = await finishedRun(repoId);
    expect(first).toMatchObject({ status: 'SUCCEEDED', added: 1775 });

    const [chart, entries] = Object.entries(index.entries)[0]!;
    const [gone, republished, ...rest] = entries;
    const updatedAt = async () =>
      withClient(platform.databaseUrl, async (client) =>
        (await client.query('select name, updated_at from addons.addon where repo_id = $1 order by name', [repoId])).rows.map((row): [string, number] => [row.name, row.updated_at.getTime()]),
      );
    const before = new Map(await updatedAt());
    serve({ ...index, entries: { ...index.entries, [chart]: [{ ...republished!, digest: 'sha256-new' }, ...rest] } });
    const second = await syncAgain(repoId, first.id);
    expect(second).toMatchObject({ status: 'SUCCEEDED', added: 0, updated: 1, unchanged: 1773, removed: 1 });
    const stored = await versionsOf(repoId);
    expect(stored.find((version) => version.addon === chart && version.version === gone!.version)?.status).toBe('REMOVED');
    expect(stored.find((version) => version.addon === chart && version.version === republished!.version)?.digest).toBe('sha256-new');
    // Only the addon whose version changed moves up the catalog's UPDATED order.
    for (const [name, time] of await updatedAt()) {
      if (name === chart) expect(time).toBeGreaterThan(before.get(name)!);
      else expect(time).toBe(before.get(name));
    }

    serve(index);
    const third = await syncAgain(repoId, second.id);
    expect(third).toMatchObject({ status: 'SUCCEEDED', added: 0, updated: 2, unchanged: 1773, removed: 0 });
    expect((await versionsOf(repoId)).find((version) => version.version === gone!.version)?.status).toBe('DRAFT');
  });

  it('records a source that stopped answering as a FAILED run with a reason, and keeps the catalog', async () => {
    helm.route('/flaky/index.yaml', { file: helmFixture('jupyterhub-helm-chart') });
    const repoId = await createRepo({ name: 'flaky-charts', type: 'HELM', url: `${helm.url}/flaky` });
    const first = await finishedRun(repoId);
    helm.route('/flaky/index.yaml', { status: 500 });
    const failed = await syncAgain(repoId, first.id);
    expect(failed).toMatchObject({ status: 'FAILED', added: null });
    expect(failed.failure).toMatch(/HTTP 500/);
    expect((await versionsOf(repoId)).filter((version) => version.status !== 'REMOVED')).toHaveLength(1775);
  });
});

describe('a repo whose default status is ACTIVE', () => {
  const activatedJobs = (repoId: string) =>
    withClient(platform.databaseUrl, async (client) =>
      (
        await client.query(
          `select v.version, j.payload, q.queue_name from graphile_worker._private_jobs j
             join graphile_worker._private_tasks t on t.id = j.task_id
             left join graphile_worker._private_job_queues q on q.id = j.job_queue_id
             join addons.addon_version v on v.id = (j.payload->>'versionId')::uuid
             join addons.addon a on a.id = v.addon_id
            where t.identifier = 'runtimes.versionActivated' and a.repo_id = $1
            order by j.id`,
          [repoId],
        )
      ).rows,
    );
  const auditOf = (repoId: string) =>
    withClient(platform.databaseUrl, async (client) =>
      (
        await client.query(
          `select v.version, e.actor_sub, e.from_status, e.to_status, e.message, e.sync_run_id from addons.addon_version_audit e
             join addons.addon_version v on v.id = e.version_id join addons.addon a on a.id = v.addon_id
            where a.repo_id = $1 order by e.seq`,
          [repoId],
        )
      ).rows,
    );

  it('queues "version V is active" for each version it inserts ACTIVE or brings back into ACTIVE, and audits each change', async () => {
    const index = parse(await readFile(helmFixture('jupyterhub-helm-chart'), 'utf8'), { schema: 'failsafe' }) as HelmIndex;
    const [chart, entries] = Object.entries(index.entries)[0]!;
    const [newest, older] = entries;
    const serve = (listed: IndexEntry[]) => helm.route('/trusted/index.yaml', { body: stringify({ ...index, entries: { [chart]: listed } }) });
    serve([newest!, older!]);
    const repoId = await createRepo({ name: 'trusted-charts', type: 'HELM', url: `${helm.url}/trusted`, defaultStatus: 'ACTIVE' });
    const first = await finishedRun(repoId);
    expect(first).toMatchObject({ status: 'SUCCEEDED', added: 2 });
    expect(new Set((await versionsOf(repoId)).map((version) => version.status))).toEqual(new Set(['ACTIVE']));
    const [{ addon_id: addonId }] = await withClient(platform.databaseUrl, async (client) => (await client.query('select id as addon_id from addons.addon where repo_id = $1', [repoId])).rows);
    // Older first: the runtimes read an addon's queue in order, so its newest version arrives last.
    const jobs = await activatedJobs(repoId);
    expect(jobs.map((job) => job.version)).toEqual([older!.version, newest!.version]);
    for (const job of jobs) expect(job).toMatchObject({ payload: { addonId, versionId: expect.any(String) }, queue_name: `addon-versions:${addonId}` });

    // Unlisted: REMOVED, no job. Listed again: back to ACTIVE, one more job.
    serve([newest!]);
    const second = await syncAgain(repoId, first.id);
    expect(second).toMatchObject({ status: 'SUCCEEDED', removed: 1 });
    expect(await activatedJobs(repoId)).toHaveLength(2);
    serve([newest!, older!]);
    const third = await syncAgain(repoId, second.id);
    expect(third).toMatchObject({ status: 'SUCCEEDED', updated: 1, unchanged: 1 });
    expect((await activatedJobs(repoId)).map((job) => job.version)).toEqual([older!.version, newest!.version, older!.version]);

    const audit = await auditOf(repoId);
    expect(audit.filter((row) => row.version === newest!.version)).toEqual([
      { version: newest!.version, actor_sub: null, from_status: null, to_status: 'ACTIVE', message: 'Synced from a repo whose default status is ACTIVE.', sync_run_id: first.id },
    ]);
    expect(audit.filter((row) => row.version === older!.version)).toEqual([
      { version: older!.version, actor_sub: null, from_status: null, to_status: 'ACTIVE', message: 'Synced from a repo whose default status is ACTIVE.', sync_run_id: first.id },
      { version: older!.version, actor_sub: null, from_status: 'ACTIVE', to_status: 'REMOVED', message: 'No longer listed by its source.', sync_run_id: second.id },
      { version: older!.version, actor_sub: null, from_status: 'REMOVED', to_status: 'ACTIVE', message: 'Listed again by its source.', sync_run_id: third.id },
    ]);
  });

  it('queues no such job for a repo whose versions start as DRAFT', async () => {
    const repoId = await createRepo({ name: 'draft-charts', type: 'HELM', url: `${helm.url}/jupyterhub` });
    expect(await finishedRun(repoId)).toMatchObject({ status: 'SUCCEEDED', added: 1775 });
    expect(await activatedJobs(repoId)).toEqual([]);
    expect(await auditOf(repoId)).toEqual([]);
  });
});

describe('syncing a KubeVela catalog from git', () => {
  it('adds one version per addon directory with its parameter schema and UI schemas', async () => {
    const repoId = await createRepo({ name: 'vela-catalog', type: 'GIT', url: `${git.url}/${catalog.name}`, path: 'addons', visibility: 'PUBLIC' });
    const run = await finishedRun(repoId);
    expect(run).toMatchObject({ status: 'SUCCEEDED', added: 41, rejected: 0 });
    const rows = await withClient(platform.databaseUrl, async (client) =>
      (
        await client.query(
          `select a.name, v.config_schema_source is not null as has_cue, v.config_schema is not null as has_schema, jsonb_array_length(v.ui_schemas) as ui_schemas
             from addons.addon_version v join addons.addon a on a.id = v.addon_id where a.repo_id = $1`,
          [repoId],
        )
      ).rows,
    );
    expect(rows.filter((row) => row.has_cue)).toHaveLength(23);
    expect(rows.filter((row) => row.has_cue && !row.has_schema)).toEqual([]);
    expect(rows.reduce((sum, row) => sum + row.ui_schemas, 0)).toBeGreaterThan(0);
    const again = await syncAgain(repoId, run.id);
    expect(again).toMatchObject({ status: 'SUCCEEDED', added: 0, updated: 0, unchanged: 41 });
  });
});

describe('syncRepo', () => {
  it('is for the owner or an operator, and refuses ids that name nothing visible', async () => {
    const repoId = await createRepo({ name: 'guarded-charts', type: 'HELM', url: `${helm.url}/jupyterhub`, visibility: 'PRIVATE' });
    await finishedRun(repoId);
    const mutation = 'mutation ($id: ID!) { syncRepo(repoId: $id) { id } }';
    const developer = await platform.token({ sub: 'dev', roles: ['developer'] });
    expect(codesOf(await postGraphQL(platform.gateway.graphqlUrl, mutation, { variables: { id: repoId } }))).toEqual(['UNAUTHENTICATED']);
    expect(codesOf(await postGraphQL(platform.gateway.graphqlUrl, mutation, { variables: { id: repoId }, token: developer }))).toEqual(['NOT_FOUND']);
    expect(codesOf(await postGraphQL(platform.gateway.graphqlUrl, mutation, { variables: { id: 'not-an-id' }, token: operator }))).toEqual(['BAD_USER_INPUT']);
  });
});
