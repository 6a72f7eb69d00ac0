import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { KubernetesTestServer } from '@addon-platform/kubernetes-test-server';
import { freePort } from '@addon-platform/platform/testing';
import { ensureSimulatedEnvironment, startSimulatedCluster } from '../scripts/simulated-cluster.js';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';

const TS_NODE = ['--conditions=source', '--import', '@swc-node/register/esm-register'];

/** `npm run demo` as a process, against what npm start runs: the platform and its simulated environment. */
describe('npm run demo', () => {
  let platform: TestPlatform;
  let cluster: KubernetesTestServer;
  beforeAll(async () => {
    platform = await startTestPlatform();
    cluster = await startSimulatedCluster();
    await ensureSimulatedEnvironment({ graphqlUrl: platform.gateway.graphqlUrl, jwtSecret: platform.jwtSecret, kubeconfig: cluster.kubeconfig() });
  });
  afterAll(async () => {
    await platform?.stop();
    await cluster?.stop();
  });

  const demo = async (env: Record<string, string>): Promise<{ code: number; output: string }> => {
    const { JWT_SECRET: _secret, DEMO_GATEWAY_URL: _url, GATEWAY_PORT: _port, ...inherited } = process.env;
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [...TS_NODE, 'scripts/demo.ts'], { env: { ...inherited, ...env } });
      return { code: 0, output: stdout + stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, output: failed.stdout + failed.stderr };
    }
  };
  const against = () => demo({ DEMO_GATEWAY_URL: platform.gateway.graphqlUrl.href, JWT_SECRET: platform.jwtSecret });

  it('submits, reviews, publishes and launches a new addon each run, printing the events until READY', async () => {
    for (let run = 0; run < 2; run++) {
      const { code, output } = await against();
      expect({ code, output }).toMatchObject({ code: 0 });
      expect(output).toMatch(/submission [0-9a-f-]{36}: ACCEPTED/);
      expect(output).toMatch(/DRAFT → SUBMITTED[\s\S]*SUBMITTED → APPROVED[\s\S]*APPROVED → ACTIVE/);
      const phases = [...output.matchAll(/LAUNCH +([A-Z_]+) /g)].map(([, phase]) => phase);
      expect(phases).toEqual(['QUEUED', 'SCHEDULING', 'PULLING_IMAGE', 'STARTING', 'READY']);
      expect(output).toMatch(/✓ Instance [0-9a-f-]{36} is RUNNING at http:\/\/\S+\.tenant-demo\.svc/);
    }
  });

  it('exits 1 with the reason when the launch fails', async () => {
    cluster.script('docker.io/library/nginx:1.27', { kind: 'imagePullFailure', afterMs: 10 });
    const { code, output } = await against();
    expect(code).toBe(1);
    expect(output).toMatch(/LAUNCH +FAILED/);
    expect(output).toMatch(/✗ The launch ended FAILED \(IMAGE_PULL_FAILED\)/);
  });

  it('exits 1 with the code and message of a GraphQL error', async () => {
    const { code, output } = await demo({ DEMO_GATEWAY_URL: platform.gateway.graphqlUrl.href, JWT_SECRET: 'another-secret-of-at-least-32-characters' });
    expect(code).toBe(1);
    expect(output).toMatch(/✗ The platform refused: UNAUTHENTICATED: .+\n.*PLATFORM_DATA_DIR or JWT_SECRET/);
  });

  it('says to run npm start first when no gateway answers', async () => {
    const { code, output } = await demo({ GATEWAY_PORT: String(await freePort()), JWT_SECRET: platform.jwtSecret });
    expect(code).toBe(1);
    expect(output).toMatch(/does not answer: run `npm start` first/);
  });
});
