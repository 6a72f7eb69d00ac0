import type { RunningGateway } from '@addon-platform/gateway';
import { startSubgraph, type RunningSubgraph } from '@addon-platform/platform';
import { freePort, waitFor } from '@addon-platform/platform/testing';
import { createRuntimesSubgraph, readConfig as readRuntimesConfig } from '@addon-platform/runtimes';
import { Subscription } from '../subgraphs/runtimes/test/launch-events/launch-event-bed.js';
import { startLaunchBed, type LaunchBed } from '../subgraphs/runtimes/test/instances/launch-bed.js';
import { connectGateway, type GatewaySocket } from './helpers/gateway-socket.js';
import { startExtraGateway } from './helpers/platform.js';

/**
 * Restarts behind and in front of the gateway while a real launch runs: the launch's job runs on the
 * bed's runtimes process, and the gateway under test reaches runtimes through a replica on a port of
 * its own, which the tests stop and start again on the same URL.
 */
let bed: LaunchBed;
let replica: { port: number; current?: RunningSubgraph };
const gateways: RunningGateway[] = [];
const sockets: GatewaySocket[] = [];
let acme: string;

beforeAll(async () => {
  bed = await startLaunchBed();
  acme = await bed.tenantToken('acme');
  replica = { port: await freePort() };
  replica.current = await startReplica();
});
afterAll(async () => {
  await Promise.all(sockets.map((socket) => socket.client.dispose()));
  for (const gateway of gateways) await gateway.stop();
  await replica?.current?.stop();
  await bed?.stop();
});

/** A runtimes process that runs no jobs, on the replica's port. */
async function startReplica(): Promise<RunningSubgraph> {
  const { platform } = bed;
  const config = readRuntimesConfig({
    DATABASE_URL: platform.databaseUrl,
    GATEWAY_SECRET: platform.gatewaySecret,
    JWT_SECRET: platform.jwtSecret,
    CREDENTIAL_KEYS: platform.credentialKeys,
    PORT: String(replica.port),
    LOG_LEVEL: 'silent',
    JOB_CONCURRENCY: '0',
  });
  return startSubgraph(createRuntimesSubgraph(config), config);
}

async function startGatewayUnderTest(port = 0, env: Record<string, string> = {}): Promise<RunningGateway> {
  const gateway = await startExtraGateway(bed.platform, { PORT: String(port), SUBGRAPH_URL_RUNTIMES: `http://127.0.0.1:${replica.port}/graphql`, ...env });
  gateways.push(gateway);
  return gateway;
}

function connect(gateway: RunningGateway): GatewaySocket {
  const socket = connectGateway(gateway.graphqlUrl, acme);
  sockets.push(socket);
  return socket;
}

const PROGRESS = `subscription ($id: ID!, $after: String) {
  runtimeLaunchProgress(instanceId: $id, after: $after) { cursor phase instance { version { version addon { name repo { name } } } } }
}`;

/** Launches a version whose pods turn Ready only after `readyAfterMs`, so phases keep coming for a while. */
async function slowLaunch(readyAfterMs: number) {
  const { versionId, image } = await bed.newVersion({ version: '2.0.0' });
  bed.cluster.script(image, { kind: 'ready', afterMs: readyAfterMs });
  const result = await bed.gql(
    'mutation ($input: LaunchRuntimeInput!) { launchRuntime(input: $input) { id } }',
    { input: { versionId, environmentId: bed.environmentId, name: `resumed-${Date.now()}` } },
    acme,
  );
  expect(result.errors).toBeUndefined();
  return result.data!.launchRuntime.id as string;
}

type ProgressEvent = { cursor: string; phase: string; instance: { version: { version: string; addon: { name: string; repo: { name: string } } } } };

/** Every event until the subscription completes. */
async function drain(subscription: Subscription): Promise<ProgressEvent[]> {
  const events: ProgressEvent[] = [];
  for (;;) {
    const result = await subscription.next(15_000);
    if (result === 'complete') return events;
    if (result.errors) throw new Error(`error result: ${JSON.stringify(result.errors)}`);
    events.push(result.data!.runtimeLaunchProgress as ProgressEvent);
  }
}

const asRecorded = (events: { cursor?: string; sequence?: string; phase: string }[]) => events.map((event) => [event.cursor ?? event.sequence, event.phase]);

describe('subscriptions across restarts', () => {
  it('delivers every event of a launch once, in order, when the runtimes subgraph is stopped and started again mid-launch', async () => {
    const gateway = await startGatewayUnderTest();
    const instanceId = await slowLaunch(2_500);
    const progress = new Subscription(connect(gateway).client, PROGRESS, { id: instanceId });
    const [first] = await progress.take(1);

    await replica.current!.stop();
    const writtenWhileDown = (await bed.events(instanceId)).length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    replica.current = await startReplica();

    const rest = await drain(progress);
    const events = [first!.runtimeLaunchProgress as ProgressEvent, ...rest];
    const recorded = await bed.events(instanceId);
    expect(asRecorded(events)).toEqual(asRecorded(recorded));
    expect(events.map((event) => event.phase)).toEqual(['QUEUED', 'SCHEDULING', 'PULLING_IMAGE', 'STARTING', 'READY']);
    // The restart came before the end of the launch: some events reached the client only through the new process.
    expect(writtenWhileDown).toBeLessThan(recorded.length);
    expect(events.at(-1)!.instance.version.version).toBe('2.0.0');
  });

  it('lets a client resume with its last cursor on a gateway started again on the same port', async () => {
    const port = await freePort();
    const before = await startGatewayUnderTest(port);
    const instanceId = await slowLaunch(2_500);
    const socket = connect(before);
    const [first] = await new Subscription(socket.client, PROGRESS, { id: instanceId }).take(1);
    const lastCursor = (first!.runtimeLaunchProgress as ProgressEvent).cursor;

    await before.stop();
    expect((await socket.closed).code).toBe(1001);
    const after = await startGatewayUnderTest(port);
    const rest = await drain(new Subscription(connect(after).client, PROGRESS, { id: instanceId, after: lastCursor }));

    const recorded = await bed.events(instanceId);
    expect(asRecorded([first!.runtimeLaunchProgress as ProgressEvent, ...rest])).toEqual(asRecorded(recorded));
    expect(recorded.at(-1)!.phase).toBe('READY');
  });

  it('ends the subscription with UPSTREAM_UNAVAILABLE and the cursor to resume from when the subgraph stays away', async () => {
    const gateway = await startGatewayUnderTest(0, { SUBSCRIPTION_RESUBSCRIBE_ATTEMPTS: '2', SUBSCRIPTION_RESUBSCRIBE_BACKOFF_MS: '50' });
    const instanceId = await slowLaunch(2_000);
    const progress = new Subscription(connect(gateway).client, PROGRESS, { id: instanceId });
    await progress.take(1);
    await replica.current!.stop();
    try {
      const received: ProgressEvent[] = [];
      let ended: unknown;
      while (!ended) {
        const result = await progress.next().catch((error: unknown) => ({ thrown: error }));
        if (result !== 'complete' && 'thrown' in result) ended = result.thrown;
        else if (result !== 'complete' && result.data) received.push(result.data.runtimeLaunchProgress as ProgressEvent);
        else throw new Error(`the subscription ended without an error: ${JSON.stringify(result)}`);
      }
      // Events already on their way when the subgraph stopped still arrive; the cursor is the last of them.
      const lastCursor = received.at(-1)?.cursor ?? '1';
      expect(ended).toEqual([expect.objectContaining({ extensions: { code: 'UPSTREAM_UNAVAILABLE', cursor: lastCursor } })]);
    } finally {
      replica.current = await startReplica();
    }
    await waitFor(async () => (await bed.events(instanceId)).some((event) => event.phase === 'READY'), { description: 'the launch to end' });
  });
});
