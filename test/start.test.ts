import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deferred, freePort } from '@addon-platform/platform/testing';
import { startFixtureHttpServer, type FixtureHttpServer } from '@addon-platform/sources/testing';
import { postGraphQL } from './helpers/client.js';

const TS_NODE = ['--conditions=source', '--import', '@swc-node/register/esm-register'];

interface StartedPlatform {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

/** `npm start` as a new user runs it: no DATABASE_URL, a data folder of its own. */
async function startPlatformProcess(env: Record<string, string>): Promise<StartedPlatform> {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [...TS_NODE, 'scripts/start.ts'], { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const ready = deferred();
  const exit = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes('Addon platform ready')) ready.resolve();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  void exit.then((code) => ready.reject(new Error(`npm start exited with ${code} before it was ready:\n${output}`)));
  const timer = setTimeout(() => ready.reject(new Error(`npm start not ready in time:\n${output}`)), 60_000);
  await ready.promise.finally(() => clearTimeout(timer));
  return { child, output: () => output, exit };
}

async function mintLocalToken(dataDir: string): Promise<string> {
  const { JWT_SECRET: _ignored, ...inherited } = process.env;
  const { stdout } = await promisify(execFile)(process.execPath, [...TS_NODE, 'scripts/token.ts', '--role', 'operator', '--sub', 'alice'], {
    env: { ...inherited, PLATFORM_DATA_DIR: dataDir },
  });
  return stdout.trim();
}

/** Whether the simulated cluster answers at `server` (its health endpoint; registration itself probed TLS and the token). */
function answers(server: string): Promise<boolean> {
  return new Promise((resolveAnswer) => {
    // Loopback, the server's own per-start CA, which the test does not hold: only liveness is asked here.
    const request = get(`${server}/healthz`, { rejectUnauthorized: false, timeout: 5_000 }, (response) => {
      response.resume();
      resolveAnswer(response.statusCode === 200);
    });
    request.on('error', () => resolveAnswer(false));
    request.on('timeout', () => request.destroy());
  });
}

const SIMULATED = '{ environments(filter: { name: "simulated" }, first: 10) { totalCount edges { node { id kind platform server hasCredential tenants { all } labels { key value } } } } }';

describe('npm start on a fresh machine', () => {
  let dataDir: string;
  let charts: FixtureHttpServer;
  const running: StartedPlatform[] = [];
  beforeAll(async () => {
    charts = await startFixtureHttpServer({ routes: { '/index.yaml': { body: 'apiVersion: v1\nentries: {}\n' } } });
    dataDir = await mkdtemp(join(tmpdir(), 'platform-data-'));
    // mkdtemp makes the folder private; as root, PostgreSQL runs as another user that must enter it.
    await chmod(dataDir, 0o755);
  });
  afterAll(async () => {
    for (const platform of running) platform.child.kill('SIGKILL');
    await charts?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts on an empty data folder with a simulated cluster, keeps its data, and starts again on it after Ctrl-C', async () => {
    const env = {
      PLATFORM_DATA_DIR: dataDir,
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
      GATEWAY_PORT: String(await freePort()),
      LOG_LEVEL: 'info',
      // The repo below reads an index served on loopback, which sources may reach only when allowed.
      URL_ALLOW_LIST: '127.0.0.1/32',
    };
    const graphqlUrl = `http://127.0.0.1:${env.GATEWAY_PORT}/graphql`;

    const first = await startPlatformProcess(env);
    running.push(first);
    expect(first.output()).toMatch(/"fresh":true/);
    expect(first.output()).toContain('npm run token -- --role operator --sub alice');
    const token = await mintLocalToken(dataDir);
    const created = await postGraphQL(
      graphqlUrl,
      'mutation ($url: String!) { createRepo(input: { name: "kept", type: HELM, url: $url, visibility: PRIVATE }) { id } }',
      { token, variables: { url: charts.url } },
    );
    expect(created.errors).toBeUndefined();
    // The simulated cluster: registered through the runtimes API (probed, sealed), and saying what it is.
    expect(first.output()).toContain('simulated cluster ready');
    expect(first.output()).toContain('"action":"registered"');
    expect(first.output()).toContain('Simulated cluster: environment "simulated" (kind SIMULATED');
    const registered = (await postGraphQL(graphqlUrl, SIMULATED, { token })).data?.environments;
    expect(registered).toMatchObject({
      totalCount: 1,
      edges: [{ node: { kind: 'SIMULATED', platform: true, hasCredential: true, tenants: { all: true }, labels: [{ key: 'simulated', value: 'true' }] } }],
    });
    const firstServer: string = registered.edges[0].node.server;
    expect(firstServer).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(await answers(firstServer)).toBe(true);
    first.child.kill('SIGINT');
    await expect(first.exit).resolves.toBe(0);
    expect(first.output()).toContain('stopped cleanly');
    expect(await answers(firstServer)).toBe(false); // it stopped with the platform

    const second = await startPlatformProcess(env);
    running.push(second);
    expect(second.output()).toMatch(/"fresh":false/);
    const read = await postGraphQL(graphqlUrl, 'query ($id: ID!) { repo(id: $id) { name addons { totalCount } } }', {
      variables: { id: created.data?.createRepo.id },
      token,
    });
    expect(read.data).toEqual({ repo: { name: 'kept', addons: { totalCount: 0 } } });
    // The same environment, now with the new simulator's kubeconfig (its CA and token are new).
    expect(second.output()).toContain('"action":"updated"');
    const updated = (await postGraphQL(graphqlUrl, SIMULATED, { token })).data?.environments;
    expect(updated).toMatchObject({ totalCount: 1, edges: [{ node: { id: registered.edges[0].node.id, kind: 'SIMULATED', platform: true } }] });
    expect(updated.edges[0].node.server).not.toBe(firstServer);
    expect(await answers(updated.edges[0].node.server)).toBe(true);
    second.child.kill('SIGINT');
    await expect(second.exit).resolves.toBe(0);
    expect(second.output()).toContain('stopped cleanly');
  });
});
