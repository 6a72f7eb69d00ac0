import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@addon-platform/platform/testing';
import { startLaunchBed, type LaunchBed } from './launch-bed.js';

/**
 * A launch whose worker process is SIGKILLed mid-rollout: another worker takes the job once the dead
 * one's heartbeats stop, applies the same objects again and follows the rollout to READY, with no
 * duplicate object and no event written twice.
 */
const runtimesProcessScript = fileURLToPath(new URL('./runtimes-process.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
let bed: LaunchBed;
const children: ChildProcess[] = [];

beforeAll(async () => {
  // No worker in the test's own process: the launch runs in the spawned ones.
  bed = await startLaunchBed({}, { runtimes: { JOB_CONCURRENCY: '0' } });
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await bed?.stop();
});

function spawnRuntimes(): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--conditions=source', '--import', '@swc-node/register/esm-register', runtimesProcessScript], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      DATABASE_URL: bed.platform.databaseUrl,
      GATEWAY_SECRET: bed.platform.gatewaySecret,
      JWT_SECRET: bed.platform.jwtSecret,
      CREDENTIAL_KEYS: bed.platform.credentialKeys,
      PORT: '0',
      LOG_LEVEL: 'warn',
      JOB_CONCURRENCY: '2',
    },
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  return { child, output: () => output };
}

it('a launch job killed mid-rollout is retried elsewhere: one of each object, every phase once, READY', async () => {
  const { versionId, image } = await bed.newVersion();
  // Slow enough that the first worker is still following the rollout when it dies.
  bed.cluster.script(image, { kind: 'ready', afterMs: 4000 });
  const doomed = spawnRuntimes();
  await waitFor(() => doomed.output().includes('started'), { timeoutMs: 30_000, description: 'the first runtimes process to start' });
  const acme = await bed.tenantToken('acme');
  const launched = await bed.gql(
    `mutation ($input: LaunchRuntimeInput!) { launchRuntime(input: $input) { id } }`,
    { input: { versionId, environmentId: bed.environmentId, name: 'survives-a-crash' } },
    acme,
  );
  expect(launched.errors).toBeUndefined();
  const id = launched.data!.launchRuntime.id as string;
  await waitFor(async () => (await bed.events(id)).some((event) => event.phase === 'SCHEDULING'), { timeoutMs: 15_000, description: 'the rollout to begin' });
  doomed.child.kill('SIGKILL');
  await once(doomed.child, 'exit');

  const survivor = spawnRuntimes();
  const instance = await bed.settled(id, acme);
  expect({ status: instance.status, output: instance.status === 'RUNNING' ? '' : survivor.output() }).toEqual({ status: 'RUNNING', output: '' });
  expect((await bed.events(id)).map((event) => event.phase)).toEqual(['QUEUED', 'SCHEDULING', 'PULLING_IMAGE', 'STARTING', 'READY']);
  const selector = `addon-platform.io/instance=${id}`;
  for (const resource of ['deployments', 'services', 'secrets'] as const) {
    expect(bed.cluster.objects(resource, { namespace: 'tenant-acme', labelSelector: selector })).toHaveLength(1);
  }
}, 60_000);
