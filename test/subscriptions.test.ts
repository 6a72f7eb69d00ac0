import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningGateway } from '@addon-platform/gateway';
import { waitFor } from '@addon-platform/platform/testing';
import { LaunchPhase, RuntimeInstanceStatus, RuntimeOperationKind } from '@addon-platform/runtimes';
import { LAUNCH_PHASES, Subscription, record, recordPhases, startOperation } from '../subgraphs/runtimes/test/launch-events/launch-event-bed.js';
import { codesOf } from './helpers/client.js';
import { newAddon, newAddonVersion, newRepo, newRuntimeInstance } from './helpers/factories.js';
import { connectGateway, type GatewaySocket } from './helpers/gateway-socket.js';
import { startExtraGateway as startGatewayFor, startTestPlatform, type TestPlatform } from './helpers/platform.js';

let platform: TestPlatform;
const sockets: GatewaySocket[] = [];
const extraGateways: RunningGateway[] = [];
let dir: string;

beforeAll(async () => {
  platform = await startTestPlatform({
    serviceEnv: { gateway: { MAX_SUBSCRIPTIONS_PER_CONNECTION: '3', MAX_SUBSCRIPTIONS_PER_TENANT: '5', MAX_QUERY_DEPTH: '6' } },
  });
  dir = await mkdtemp(join(tmpdir(), 'subscriptions-'));
});
afterAll(async () => {
  await Promise.all(sockets.map((socket) => socket.client.dispose()));
  for (const gateway of extraGateways) await gateway.stop();
  await platform?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Another gateway in front of the same subgraphs, with its own settings; stopped after the tests. */
async function startExtraGateway(env: Record<string, string>) {
  const gateway = await startGatewayFor(platform, env);
  extraGateways.push(gateway);
  return gateway;
}

const tokenOf = (tenant: string, options?: { expiresIn?: string | number }) => platform.token({ sub: `user-of-${tenant}`, tenant, roles: ['tenant'] }, options);

function connect(token?: string, gateway: RunningGateway = platform.gateway): GatewaySocket {
  const socket = connectGateway(gateway.graphqlUrl, token);
  sockets.push(socket);
  return socket;
}

/** An instance of a version of an addon of a repo, each row in its owning subgraph, with a LAUNCH under way. */
async function launchingInstance(tenant: string) {
  const { repos, addons, runtimes } = platform.subgraphs;
  const repo = await newRepo(repos);
  const addon = await newAddon(addons, { repoId: repo.id });
  const version = await newAddonVersion(addons, { addonId: addon.id, version: '1.2.3' });
  const instance = await newRuntimeInstance(runtimes, { addonId: addon.id, versionId: version.id, tenant, status: RuntimeInstanceStatus.PENDING });
  const operationId = await startOperation(runtimes, instance);
  return { repo, addon, version, instance, operationId };
}

const ACROSS_SUBGRAPHS = `subscription ($id: ID!) {
  runtimeLaunchProgress(instanceId: $id) { cursor operation phase message instance { name version { version addon { name repo { name } } } } }
}`;
const PHASES_ONLY = `subscription ($id: ID!, $after: String) { runtimeLaunchProgress(instanceId: $id, after: $after) { phase } }`;

/**
 * A gateway with SUBSCRIPTION_QUEUE_LIMIT 3, and a launching instance whose events carry about 1 MB
 * (its config) when `instance { config }` is selected, so that a few unread ones fill the socket
 * buffers on both sides; `phases` are the 42 to record.
 */
async function slowConsumerBed() {
  const gateway = await startExtraGateway({ SUBSCRIPTION_QUEUE_LIMIT: '3' });
  const { instance, operationId } = await launchingInstance('acme');
  await platform.subgraphs.runtimes.orm.em.getConnection().execute('update runtimes.runtime_instance set config = ? where id = ?', [
    JSON.stringify({ blob: 'x'.repeat(1 << 20) }),
    instance.id,
  ]);
  const phases = [LaunchPhase.QUEUED, ...Array.from({ length: 40 }, () => LaunchPhase.PULLING_IMAGE), LaunchPhase.READY];
  return { gateway, instance, operationId, token: await tokenOf('acme'), phases };
}

describe('a subscription through the gateway', () => {
  it('streams launch events with fields from all three subgraphs, in order, and completes after READY', async () => {
    const { repo, addon, instance, operationId } = await launchingInstance('acme');
    await recordPhases(platform.subgraphs.runtimes, instance.id, operationId, LAUNCH_PHASES.slice(0, 2));
    const { client } = connect(await tokenOf('acme'));
    const progress = new Subscription(client, ACROSS_SUBGRAPHS, { id: instance.id });

    const replayed = await progress.take(2);
    await recordPhases(platform.subgraphs.runtimes, instance.id, operationId, LAUNCH_PHASES.slice(2));
    const streamed = await progress.take(3);
    const events = [...replayed, ...streamed].map((event) => event.runtimeLaunchProgress);
    expect(events.map((event) => [event.cursor, event.phase])).toEqual(LAUNCH_PHASES.map((phase, index) => [String(index + 1), phase]));
    expect(events[4]).toEqual({
      cursor: '5',
      operation: 'LAUNCH',
      phase: 'READY',
      message: 'now READY',
      instance: { name: instance.name, version: { version: '1.2.3', addon: { name: addon.name, repo: { name: repo.name } } } },
    });
    expect(await progress.next()).toBe('complete');
  });

  it('shapes an event as the client asked: aliases, fragments, __typename, @include and @skip, in the order of the selection', async () => {
    const { instance, operationId } = await launchingInstance('acme');
    await recordPhases(platform.subgraphs.runtimes, instance.id, operationId, LAUNCH_PHASES.slice(0, 2));
    const shaped = `subscription ($id: ID!, $withMessage: Boolean!) {
      progress: runtimeLaunchProgress(instanceId: $id) {
        __typename
        step: phase
        ...Details
        message @include(if: $withMessage)
        reason @skip(if: true)
        ... on LaunchEvent { at: cursor }
        instance { kind: __typename }
      }
    }
    fragment Details on LaunchEvent { operation }`;
    const { client } = connect(await tokenOf('acme'));
    const withMessage = new Subscription(client, shaped, { id: instance.id, withMessage: true });
    const without = new Subscription(client, shaped, { id: instance.id, withMessage: false });

    // Compared as JSON text, so that the order of the keys counts too.
    expect((await withMessage.take(2)).map((data) => JSON.stringify(data))).toEqual(
      ['QUEUED', 'SCHEDULING'].map((phase, index) =>
        JSON.stringify({ progress: { __typename: 'LaunchEvent', step: phase, operation: 'LAUNCH', message: `now ${phase}`, at: String(index + 1), instance: { kind: 'RuntimeInstance' } } }),
      ),
    );
    expect(JSON.stringify((await without.take(1))[0])).toBe(
      JSON.stringify({ progress: { __typename: 'LaunchEvent', step: 'QUEUED', operation: 'LAUNCH', at: '1', instance: { kind: 'RuntimeInstance' } } }),
    );
  });

  it('never shows the cursor it asks for when the client did not select it, and honours the client’s own after', async () => {
    const { instance, operationId } = await launchingInstance('acme');
    await recordPhases(platform.subgraphs.runtimes, instance.id, operationId, LAUNCH_PHASES);
    const { client } = connect(await tokenOf('acme'));
    const resumed = new Subscription(client, PHASES_ONLY, { id: instance.id, after: '3' });
    expect(await resumed.take(2)).toEqual([{ runtimeLaunchProgress: { phase: 'STARTING' } }, { runtimeLaunchProgress: { phase: 'READY' } }]);
    expect(await resumed.next()).toBe('complete');
  });
});

describe('authentication of the socket', () => {
  it('closes a socket without a token, with a bad token, or with an expired token with 4403', async () => {
    const expired = await tokenOf('acme', { expiresIn: Math.floor(Date.now() / 1000) - 120 });
    const forged = (await tokenOf('acme')).slice(0, -4) + 'AAAA';
    for (const token of [undefined, 'not-a-jwt', forged, expired]) {
      const socket = connect(token);
      expect((await socket.closed).code).toBe(4403);
    }
    expect((await connect(expired).closed).reason).toContain('expired');
  });

  it('closes the socket with 4401 when the token expires while it is open', async () => {
    const { instance, operationId } = await launchingInstance('acme');
    const socket = connect(await tokenOf('acme', { expiresIn: Math.floor(Date.now() / 1000) + 2 }));
    const progress = new Subscription(socket.client, PHASES_ONLY, { id: instance.id });
    await record(platform.subgraphs.runtimes, { instanceId: instance.id, operationId, operation: RuntimeOperationKind.LAUNCH, phase: LaunchPhase.QUEUED, message: 'queued' });
    expect(await progress.take(1)).toEqual([{ runtimeLaunchProgress: { phase: 'QUEUED' } }]);
    expect(await socket.closed).toMatchObject({ code: 4401, reason: expect.stringContaining('expired') });
  });
});

describe('tenant isolation', () => {
  it("keeps a tenant from another tenant's launch and feed", async () => {
    const theirs = await launchingInstance('tenant-b');
    const mine = await launchingInstance('tenant-a');
    const { client } = connect(await tokenOf('tenant-a'));

    const refused = await new Subscription(client, PHASES_ONLY, { id: theirs.instance.id }).next();
    expect(codesOf(refused as never)).toEqual(['NOT_FOUND']);

    const feed = new Subscription(client, 'subscription { runtimeInstanceChanged { cursor phase instance { id tenant } } }');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await recordPhases(platform.subgraphs.runtimes, theirs.instance.id, theirs.operationId, [LaunchPhase.QUEUED]);
    await recordPhases(platform.subgraphs.runtimes, mine.instance.id, mine.operationId, [LaunchPhase.QUEUED]);
    const [change] = await feed.take(1);
    expect(change!.runtimeInstanceChanged).toMatchObject({ phase: 'QUEUED', instance: { id: mine.instance.id, tenant: 'tenant-a' } });
    await feed.close();
  });
});

describe('what a subscription may ask', () => {
  it('refuses queries over the socket, invalid documents and operations beyond the limits, each with its code', async () => {
    const { client } = connect(await tokenOf('acme'));
    const refusal = async (query: string, variables: Record<string, unknown> = {}) => {
      const result = await new Subscription(client, query, variables).next().catch((error: unknown) => ({ errors: error as never }));
      return codesOf(result as never);
    };
    expect(await refusal('{ runtimeInstances { totalCount } }')).toEqual(['BAD_USER_INPUT']);
    expect(await refusal('subscription { runtimeLaunchProgress { nothing } }')).toEqual(expect.arrayContaining(['GRAPHQL_VALIDATION_FAILED']));
    expect(await refusal('subscription {')).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(await refusal(PHASES_ONLY, { id: 5 })).toEqual(['BAD_USER_INPUT']);
    const tooDeep = 'subscription ($id: ID!) { runtimeLaunchProgress(instanceId: $id) { instance { version { addon { repo { addons { totalCount } } } } } } }';
    expect(await refusal(tooDeep, { id: '00000000-0000-0000-0000-000000000000' })).toEqual(['QUERY_TOO_COMPLEX']);
  });
});

describe('caps on open subscriptions', () => {
  const FEED = 'subscription { runtimeInstanceChanged { cursor } }';
  // An `error` message makes the iterator throw its errors.
  const firstResult = (subscription: Subscription) => subscription.next(500).catch((error: unknown) => (Array.isArray(error) ? { errors: error } : error));

  it('refuses a subscription beyond the limit per connection, and accepts one again once another ends', async () => {
    const { client } = connect(await tokenOf('capped-connection'));
    const open = [0, 1, 2].map(() => new Subscription(client, FEED));
    const refused = await firstResult(new Subscription(client, FEED));
    expect(refused).toMatchObject({ errors: [{ extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: 3, scope: 'connection' } }] });
    // The three are open: nothing came on them, and no error either.
    for (const result of await Promise.all(open.map(firstResult))) expect(String(result)).toContain('no result within');
    await open[0]!.close();
    await waitFor(async () => {
      const again = new Subscription(client, FEED);
      const result = await firstResult(again);
      await again.close();
      return String(result).includes('no result within');
    }, { description: 'a subscription accepted again' });
  });

  it('refuses a subscription beyond the limit per tenant across connections', async () => {
    const token = await tokenOf('capped-tenant');
    const [first, second] = [connect(token), connect(token)];
    const open = [...[0, 1, 2].map(() => new Subscription(first.client, FEED)), ...[0, 1].map(() => new Subscription(second.client, FEED))];
    for (const result of await Promise.all(open.map(firstResult))) expect(String(result)).toContain('no result within');
    const refused = await firstResult(new Subscription(connect(token).client, FEED));
    expect(refused).toMatchObject({ errors: [{ extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: 5, scope: 'tenant' } }] });
    const otherTenant = new Subscription(connect(await tokenOf('another-tenant')).client, FEED);
    expect(String(await firstResult(otherTenant))).toContain('no result within');
  });
});

describe('the end of a subscription', () => {
  it('ends subscriptions with 4002 when the supergraph is reloaded, and serves the new one', async () => {
    const path = join(dir, 'supergraph.graphql');
    await copyFile('schema/supergraph.graphql', path);
    const gateway = await startExtraGateway({ SUPERGRAPH_PATH: path });
    const { instance, operationId } = await launchingInstance('acme');
    const token = await tokenOf('acme');
    const socket = connect(token, gateway);
    const progress = new Subscription(socket.client, PHASES_ONLY, { id: instance.id });
    await recordPhases(platform.subgraphs.runtimes, instance.id, operationId, [LaunchPhase.QUEUED]);
    expect(await progress.take(1)).toEqual([{ runtimeLaunchProgress: { phase: 'QUEUED' } }]);

    await writeFile(path, `${await readFile(path, 'utf8')}\n# reloaded\n`);
    await gateway.reloadSupergraph();
    expect(await socket.closed).toMatchObject({ code: 4002, reason: expect.stringContaining('reloaded') });

    const resumed = new Subscription(connect(token, gateway).client, PHASES_ONLY, { id: instance.id, after: '1' });
    await recordPhases(platform.subgraphs.runtimes, instance.id, operationId, [LaunchPhase.SCHEDULING]);
    expect(await resumed.take(1)).toEqual([{ runtimeLaunchProgress: { phase: 'SCHEDULING' } }]);
  });

  it("shares one upstream stream among one user's identical subscriptions, a later one getting the events from the start", async () => {
    const gateway = await startExtraGateway({});
    const gauges = async () => {
      const text = await (await fetch(new URL('/metrics', gateway.url))).text();
      const gauge = (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\d+)$`, 'm').exec(text)?.[1]);
      return { subscriptions: gauge('gateway_subscriptions'), streams: gauge('gateway_subscription_streams') };
    };
    const { instance, operationId, addon } = await launchingInstance('acme');
    const token = await tokenOf('acme');
    const colleague = await platform.token({ sub: 'colleague-at-acme', tenant: 'acme', roles: ['tenant'] });
    const first = new Subscription(connect(token, gateway).client, ACROSS_SUBGRAPHS, { id: instance.id });
    await recordPhases(platform.subgraphs.runtimes, instance.id, operationId, LAUNCH_PHASES.slice(0, 2));
    expect((await first.take(2)).map((event) => event.runtimeLaunchProgress.cursor)).toEqual(['1', '2']);

    const joined = new Subscription(connect(token, gateway).client, ACROSS_SUBGRAPHS, { id: instance.id });
    const ownStream = new Subscription(connect(colleague, gateway).client, ACROSS_SUBGRAPHS, { id: instance.id });
    // The second user's stream replays from the subgraph: once it has, all three are open.
    expect((await ownStream.take(2)).map((event) => event.runtimeLaunchProgress.cursor)).toEqual(['1', '2']);
    expect(await waitFor(async () => ((await gauges()).subscriptions === 3 ? gauges() : false))).toEqual({ subscriptions: 3, streams: 2 });

    await recordPhases(platform.subgraphs.runtimes, instance.id, operationId, LAUNCH_PHASES.slice(2));
    const rest = await first.take(3);
    expect(rest.map((event) => event.runtimeLaunchProgress.phase)).toEqual(['PULLING_IMAGE', 'STARTING', 'READY']);
    const all = await joined.take(5);
    expect(all.map((event) => event.runtimeLaunchProgress.cursor)).toEqual(['1', '2', '3', '4', '5']);
    expect(all.every((event) => event.runtimeLaunchProgress.instance.version.addon.name === addon.name)).toBe(true);
    expect((await ownStream.take(3)).map((event) => event.runtimeLaunchProgress.cursor)).toEqual(['3', '4', '5']);
    for (const subscription of [first, joined, ownStream]) expect(await subscription.next()).toBe('complete');
    expect(await waitFor(async () => ((await gauges()).subscriptions === 0 ? gauges() : false))).toEqual({ subscriptions: 0, streams: 0 });
  });

  it('closes a slow member of a shared stream alone; the others get every event', async () => {
    const { gateway, instance, operationId, token, phases } = await slowConsumerBed();
    const query = `subscription ($id: ID!) { runtimeLaunchProgress(instanceId: $id) { cursor instance { config } } }`;
    const slowSocket = connect(token, gateway);
    const tcp = (await slowSocket.opened) as unknown as { _socket: { pause(): void; resume(): void } };
    const slow = new Subscription(slowSocket.client, query, { id: instance.id });
    const steady = new Subscription(connect(token, gateway).client, query, { id: instance.id });
    await recordPhases(platform.subgraphs.runtimes, instance.id, operationId, phases.slice(0, 1));
    expect((await slow.take(1)).map((event) => event.runtimeLaunchProgress.cursor)).toEqual(['1']);
    expect((await steady.take(1)).map((event) => event.runtimeLaunchProgress.cursor)).toEqual(['1']);

    tcp._socket.pause();
    await recordPhases(platform.subgraphs.runtimes, instance.id, operationId, phases.slice(1));
    const rest = await steady.take(phases.length - 1);
    expect(rest.map((event) => event.runtimeLaunchProgress.cursor)).toEqual(phases.slice(1).map((_, index) => String(index + 2)));
    expect(await steady.next()).toBe('complete');
    // The close frame waits behind what the slow client has not read.
    tcp._socket.resume();
    expect((await slowSocket.closed).code).toBe(4001);
  });

  it('closes a client that does not read with 4001 after the queue limit, having lost nothing it can resume', async () => {
    const { gateway, instance, operationId, token, phases } = await slowConsumerBed();
    const socket = connect(token, gateway);
    const tcp = (await socket.opened) as unknown as { _socket: { pause(): void; resume(): void } };
    const progress = new Subscription(socket.client, `subscription ($id: ID!, $after: String) {
      runtimeLaunchProgress(instanceId: $id, after: $after) { cursor instance { config } }
    }`, { id: instance.id });
    await recordPhases(platform.subgraphs.runtimes, instance.id, operationId, phases.slice(0, 1));
    expect((await progress.take(1)).map((event) => event.runtimeLaunchProgress.cursor)).toEqual(['1']);
    // Stop reading from the socket (the test's stand-in for a client too slow to keep up).
    tcp._socket.pause();
    await recordPhases(platform.subgraphs.runtimes, instance.id, operationId, phases.slice(1));
    const closing = socket.closed;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    tcp._socket.resume();
    const received: string[] = ['1'];
    for (;;) {
      const result = await progress.next().catch((error: unknown) => error);
      if (result === 'complete' || !(result as { data?: unknown }).data) break;
      received.push((result as { data: { runtimeLaunchProgress: { cursor: string } } }).data.runtimeLaunchProgress.cursor);
    }
    expect((await closing).code).toBe(4001);
    expect(received.length).toBeLessThan(phases.length);
    expect(received).toEqual(received.map((_, index) => String(index + 1)));

    const resumed = new Subscription(connect(token, gateway).client, PHASES_ONLY, { id: instance.id, after: received.at(-1) });
    const rest = await resumed.take(phases.length - received.length);
    expect(rest.map((event) => event.runtimeLaunchProgress.phase)).toEqual(phases.slice(received.length));
    expect(await resumed.next()).toBe('complete');
  });
});
