import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deferred, waitFor, withClient } from '@addon-platform/platform/testing';
import { startFixtureHttpServer, type FixtureHttpServer } from '@addon-platform/sources/testing';
import { postGraphQL } from '../../../test/helpers/client.js';
import { startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.js';

/**
 * DESIGN: a sync is "idempotent and safe to retry after a crash mid-run". The platform runs as API
 * replicas without workers; a separate addons process runs the sync and is SIGKILLed while it reads
 * the index. A second worker process takes the job over once the first is found dead, and the repo
 * ends with one complete run and one copy of every version.
 */
const INDEX = join(import.meta.dirname, '../../../fixtures/helm-index/jupyterhub-helm-chart.gh-pages.index.yaml');
const DISTINCT_PAIRS = 1775;

let platform: TestPlatform;
let helm: FixtureHttpServer;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  helm = await startFixtureHttpServer();
  platform = await startTestPlatform({ env: { URL_ALLOW_LIST: '127.0.0.1/32', JOB_CONCURRENCY: '0', SYNC_INTERVAL_MS: '0' } });
});
afterAll(async () => {
  for (const worker of workers) worker.kill('SIGKILL');
  await platform?.stop();
  await helm?.close();
});

/** An addons replica that only runs jobs, as its own process. */
function startWorkerProcess(): ChildProcess {
  const worker = spawn(process.execPath, ['--conditions=source', '--import', '@swc-node/register/esm-register', 'subgraphs/addons/src/main.ts'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: platform.databaseUrl,
      GATEWAY_SECRET: platform.gatewaySecret,
      JWT_SECRET: platform.jwtSecret,
      CREDENTIAL_KEYS: platform.credentialKeys,
      URL_ALLOW_LIST: '127.0.0.1/32',
      PORT: '0',
      JOB_CONCURRENCY: '1',
      SYNC_INTERVAL_MS: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  });
  workers.push(worker);
  return worker;
}

function runsOf(repoId: string): Promise<Array<{ status: string; attempts: number; added: number | null; unchanged: number | null }>> {
  return withClient(platform.databaseUrl, async (client) =>
    (await client.query('select status, attempts, added, unchanged from addons.sync_run where repo_id = $1', [repoId])).rows,
  );
}

it('finishes a sync whose worker was killed mid-run exactly once, complete', async () => {
  const text = await readFile(INDEX);
  const stalled = deferred();
  const indexRequests: number[] = [];
  // The first half of the index at once, the rest only when the test says: the sync is caught mid-read.
  helm.route('/charts/index.yaml', {
    body: async function* () {
      indexRequests.push(Date.now());
      yield text.subarray(0, text.length / 2);
      await stalled.promise;
      yield text.subarray(text.length / 2);
    },
  });
  const operator = await platform.token({ sub: 'op', roles: ['operator'] });
  const created = await postGraphQL(platform.gateway.graphqlUrl, 'mutation ($url: String!) { createRepo(input: { name: "crashing", type: HELM, url: $url, visibility: PUBLIC }) { id } }', {
    variables: { url: `${helm.url}/charts` },
    token: operator,
  });
  expect(created.errors).toBeUndefined();
  const repoId = created.data!.createRepo.id as string;

  const first = startWorkerProcess();
  // createRepo's own probe read the first request; the worker's read is the second.
  await waitFor(async () => indexRequests.length >= 2 && (await runsOf(repoId))[0]?.status === 'RUNNING', { timeoutMs: 30_000, description: 'the sync running in the first worker' });
  const exited = new Promise((resolveExit) => first.once('exit', resolveExit));
  first.kill('SIGKILL');
  await exited;
  expect(await runsOf(repoId)).toEqual([expect.objectContaining({ status: 'RUNNING', attempts: 1 })]);

  helm.route('/charts/index.yaml', { file: INDEX });
  stalled.resolve();
  startWorkerProcess();
  const [run] = await waitFor(
    async () => {
      const runs = await runsOf(repoId);
      return runs[0]?.status === 'SUCCEEDED' ? runs : undefined;
    },
    { timeoutMs: 45_000, description: 'the second worker finishing the sync' },
  );
  expect(await runsOf(repoId)).toHaveLength(1);
  expect(run).toEqual({ status: 'SUCCEEDED', attempts: 2, added: DISTINCT_PAIRS, unchanged: 0 });
  const [versions] = await withClient(platform.databaseUrl, async (client) =>
    (
      await client.query(
        'select count(*)::int as rows, count(distinct (v.addon_id, v.version))::int as pairs from addons.addon_version v join addons.addon a on a.id = v.addon_id where a.repo_id = $1',
        [repoId],
      )
    ).rows,
  );
  expect(versions).toEqual({ rows: DISTINCT_PAIRS, pairs: DISTINCT_PAIRS });
}, 120_000);
