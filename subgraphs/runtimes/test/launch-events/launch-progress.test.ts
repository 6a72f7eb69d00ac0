import { randomUUID } from 'node:crypto';
import { signConnectionInit, startSubgraph, type RunningSubgraph } from '@addon-platform/platform';
import { withClient } from '@addon-platform/platform/testing';
import { LaunchPhase, RuntimeInstanceStatus, RuntimeOperationKind, createRuntimesSubgraph, readConfig } from '@addon-platform/runtimes';
import { codesOf, postGraphQL } from '../../../../test/helpers/client.js';
import { newRuntimeInstance } from '../../../../test/helpers/factories.js';
import { startTestPlatform, type TestPlatform } from '../../../../test/helpers/platform.js';
import { HUB_APPLICATION_NAME, launchEventStatement, recordLaunchEvent } from '../../src/launch-events/index.js';
import {
  CHANGES,
  LAUNCH_PHASES,
  PROGRESS,
  Subscription,
  connectSubgraph,
  record,
  recordPhases,
  signedInit,
  startOperation,
  type SubgraphSocket,
} from './launch-event-bed.js';

let platform: TestPlatform;
let runtimes: RunningSubgraph;
/** A second runtimes process on the same database, as another replica. */
let replica: RunningSubgraph;
const sockets: SubgraphSocket[] = [];

beforeAll(async () => {
  platform = await startTestPlatform();
  runtimes = platform.subgraphs.runtimes;
  const config = readConfig({
    DATABASE_URL: platform.databaseUrl,
    GATEWAY_SECRET: platform.gatewaySecret,
    JWT_SECRET: platform.jwtSecret,
    CREDENTIAL_KEYS: platform.credentialKeys,
    PORT: '0',
    LOG_LEVEL: 'silent',
    JOB_CONCURRENCY: '0',
  });
  replica = await startSubgraph(createRuntimesSubgraph(config), config);
});

afterAll(async () => {
  await Promise.all(sockets.map((socket) => socket.client.dispose()));
  await replica?.stop();
  await platform?.stop();
});

const ADDON = randomUUID();
const tokenOf = (tenant: string | undefined, roles: string[] = ['tenant']) => platform.token({ sub: `user-of-${tenant ?? 'none'}`, tenant, roles: roles as never });

async function connect(token?: string, subgraph: RunningSubgraph = runtimes): Promise<SubgraphSocket> {
  const socket = connectSubgraph(subgraph, signedInit(platform.gatewaySecret, token));
  sockets.push(socket);
  return socket;
}

async function launchingInstance(tenant: string) {
  const instance = await newRuntimeInstance(runtimes, { addonId: ADDON, tenant, status: RuntimeInstanceStatus.PENDING });
  const operationId = await startOperation(runtimes, instance);
  return { instance, operationId };
}

const cursorsOf = (events: Record<string, any>[]) => events.map((event) => Number(event.runtimeLaunchProgress.cursor));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

describe('runtimeLaunchProgress', () => {
  it('replays the events so far, streams the rest in order, and completes after READY', async () => {
    const { instance, operationId } = await launchingInstance('acme');
    await recordPhases(runtimes, instance.id, operationId, LAUNCH_PHASES.slice(0, 2));
    const { client } = await connect(await tokenOf('acme'));
    const progress = new Subscription(client, PROGRESS, { id: instance.id });

    const replayed = await progress.take(2);
    expect(replayed.map((event) => event.runtimeLaunchProgress.phase)).toEqual(['QUEUED', 'SCHEDULING']);

    await recordPhases(runtimes, instance.id, operationId, [LaunchPhase.PULLING_IMAGE, LaunchPhase.STARTING]);
    await record(runtimes, {
      instanceId: instance.id,
      operationId,
      operation: RuntimeOperationKind.LAUNCH,
      phase: LaunchPhase.READY,
      message: 'ready',
      status: RuntimeInstanceStatus.RUNNING,
      url: 'http://instance.tenant-acme.svc:8080',
    });
    const streamed = await progress.take(3);
    expect(streamed.map((event) => event.runtimeLaunchProgress.phase)).toEqual(['PULLING_IMAGE', 'STARTING', 'READY']);
    expect(cursorsOf([...replayed, ...streamed])).toEqual([1, 2, 3, 4, 5]);
    expect(streamed[2]!.runtimeLaunchProgress).toMatchObject({
      operation: 'LAUNCH',
      message: 'ready',
      reason: null,
      instance: { id: instance.id, status: 'RUNNING', url: 'http://instance.tenant-acme.svc:8080' },
    });
    expect(await progress.next()).toBe('complete');
  });

  it('resumes after a cursor with no gap and no duplicate, and a finished operation replays and completes at once', async () => {
    const { instance, operationId } = await launchingInstance('acme');
    await recordPhases(runtimes, instance.id, operationId, LAUNCH_PHASES.slice(0, 3));
    const { client } = await connect(await tokenOf('acme'));
    const resumed = new Subscription(client, PROGRESS, { id: instance.id, after: '2' });
    expect(cursorsOf(await resumed.take(1))).toEqual([3]);
    await recordPhases(runtimes, instance.id, operationId, LAUNCH_PHASES.slice(3));
    expect(cursorsOf(await resumed.take(2))).toEqual([4, 5]);
    expect(await resumed.next()).toBe('complete');

    const again = new Subscription(client, PROGRESS, { id: instance.id });
    expect(cursorsOf(await again.take(5))).toEqual([1, 2, 3, 4, 5]);
    expect(await again.next()).toBe('complete');
    const pastTheEnd = new Subscription(client, PROGRESS, { id: instance.id, after: '5' });
    expect(await pastTheEnd.next()).toBe('complete');
  });

  it('follows the operation of the cursor to its end when a later one superseded it', async () => {
    const { instance, operationId: launch } = await launchingInstance('acme');
    await recordPhases(runtimes, instance.id, launch, LAUNCH_PHASES.slice(0, 2));
    await record(runtimes, { instanceId: instance.id, operationId: launch, operation: RuntimeOperationKind.LAUNCH, phase: LaunchPhase.FAILED, reason: 'SUPERSEDED', message: 'cut short' });
    const stop = await startOperation(runtimes, instance, RuntimeOperationKind.STOP);
    await recordPhases(runtimes, instance.id, stop, [LaunchPhase.QUEUED, LaunchPhase.STOPPING], RuntimeOperationKind.STOP);
    const { client } = await connect(await tokenOf('acme'));

    const resumed = new Subscription(client, PROGRESS, { id: instance.id, after: '2' });
    expect((await resumed.take(1))[0]!.runtimeLaunchProgress).toMatchObject({ cursor: '3', phase: 'FAILED', reason: 'SUPERSEDED' });
    expect(await resumed.next()).toBe('complete');

    const latest = new Subscription(client, PROGRESS, { id: instance.id });
    expect((await latest.take(2)).map((event) => [event.runtimeLaunchProgress.cursor, event.runtimeLaunchProgress.operation])).toEqual([
      ['4', 'STOP'],
      ['5', 'STOP'],
    ]);
    await recordPhases(runtimes, instance.id, stop, [LaunchPhase.STOPPED], RuntimeOperationKind.STOP);
    expect(cursorsOf(await latest.take(1))).toEqual([6]);
    expect(await latest.next()).toBe('complete');
  });

  it('delivers a message too long for a notification whole, read from the database', async () => {
    const { instance, operationId } = await launchingInstance('acme');
    const { client } = await connect(await tokenOf('acme'));
    const progress = new Subscription(client, PROGRESS, { id: instance.id });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const message = 'é'.repeat(1999);
    await record(runtimes, { instanceId: instance.id, operationId, operation: RuntimeOperationKind.LAUNCH, phase: LaunchPhase.FAILED, reason: 'IMAGE_PULL_FAILED', message });
    expect((await progress.take(1))[0]!.runtimeLaunchProgress).toMatchObject({ cursor: '1', phase: 'FAILED', reason: 'IMAGE_PULL_FAILED', message });
    expect(await progress.next()).toBe('complete');
  });

  it('reaches a subscriber on another replica once each, in order, while events are written through the first', async () => {
    const { instance, operationId } = await launchingInstance('acme');
    const { client } = await connect(await tokenOf('acme'), replica);
    const progress = new Subscription(client, PROGRESS, { id: instance.id });
    const phases = [LaunchPhase.QUEUED, ...Array.from({ length: 40 }, () => LaunchPhase.PULLING_IMAGE), LaunchPhase.READY];
    const writing = recordPhases(runtimes, instance.id, operationId, phases);
    const events = await progress.take(phases.length);
    await writing;
    expect(cursorsOf(events)).toEqual(range(1, phases.length));
    expect(await progress.next()).toBe('complete');
  });

  it('delivers events of concurrent transactions in sequence order, which is commit order', async () => {
    const tenant = `busy-${randomUUID().slice(0, 8)}`;
    const launches = await Promise.all(Array.from({ length: 4 }, () => launchingInstance(tenant)));
    const { client } = await connect(await tokenOf(tenant), replica);
    const feed = new Subscription(client, CHANGES);
    const progress = launches.map(({ instance }) => new Subscription(client, PROGRESS, { id: instance.id }));
    // Let every subscription register before the writes start (the feed without a cursor starts from now).
    await new Promise((resolve) => setTimeout(resolve, 300));

    const perInstance = 15;
    await Promise.all(
      launches.flatMap(({ instance, operationId }) =>
        Array.from({ length: perInstance }, () =>
          runtimes.orm.em.fork().transactional(async (em) => {
            await recordLaunchEvent(em, { instanceId: instance.id, operationId, operation: RuntimeOperationKind.LAUNCH, phase: LaunchPhase.PULLING_IMAGE, message: 'pulling' });
            // Hold the locks a random while, so transactions commit in another order than they started.
            await em.getConnection().execute('select pg_sleep(random() * 0.02)', [], 'run', em.getTransactionContext());
          }),
        ),
      ),
    );

    for (const subscription of progress) expect(cursorsOf(await subscription.take(perInstance))).toEqual(range(1, perInstance));
    const changes = await feed.take(launches.length * perInstance);
    expect(changes.map((change) => Number(change.runtimeInstanceChanged.cursor))).toEqual(range(1, launches.length * perInstance));
    const { rows } = await runtimes.orm.em.getKnex().raw('select sequence::int as sequence from runtimes.instance_change where tenant = ? order by created_at, sequence', [tenant]);
    expect(rows.map((row: { sequence: number }) => row.sequence)).toEqual(range(1, launches.length * perInstance));
  });

  it("feeds a transaction's events at its commit, in their order, each with the status it set, and nothing of a transaction rolled back", async () => {
    const tenant = `tx-${randomUUID().slice(0, 8)}`;
    const { instance, operationId } = await launchingInstance(tenant);
    const { client } = await connect(await tokenOf(tenant), replica);
    const feed = new Subscription(client, CHANGES);
    const progress = new Subscription(client, PROGRESS, { id: instance.id });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const event = (phase: LaunchPhase, status?: RuntimeInstanceStatus) => ({ instanceId: instance.id, operationId, operation: RuntimeOperationKind.LAUNCH, phase, message: `now ${phase}`, status });

    await expect(
      runtimes.orm.em.fork().transactional(async (em) => {
        await recordLaunchEvent(em, event(LaunchPhase.QUEUED, RuntimeInstanceStatus.STOPPED));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await runtimes.orm.em.fork().transactional(async (em) => {
      await recordLaunchEvent(em, event(LaunchPhase.QUEUED, RuntimeInstanceStatus.DEPLOYING));
      await recordLaunchEvent(em, event(LaunchPhase.SCHEDULING));
      await recordLaunchEvent(em, event(LaunchPhase.READY, RuntimeInstanceStatus.RUNNING));
    });

    const changes = (await feed.take(3)).map(({ runtimeInstanceChanged: change }) => [change.cursor, change.phase, change.status]);
    expect(changes).toEqual([
      ['1', 'QUEUED', 'DEPLOYING'],
      ['2', 'SCHEDULING', 'DEPLOYING'],
      ['3', 'READY', 'RUNNING'],
    ]);
    expect((await progress.take(3)).map(({ runtimeLaunchProgress: step }) => [step.cursor, step.phase])).toEqual([
      ['1', 'QUEUED'],
      ['2', 'SCHEDULING'],
      ['3', 'READY'],
    ]);
    expect(await progress.next()).toBe('complete');
    const { rows } = await runtimes.orm.em.getKnex().raw('select count(*)::int as count from runtimes.instance_change where tenant = ?', [tenant]);
    expect(rows[0].count).toBe(3);
  });

  it('sends notices before the writing transaction returns, and a sweep sends those of a writer that died after its commit', async () => {
    const { instance, operationId } = await launchingInstance('acme');
    const { client } = await connect(await tokenOf('acme'), replica);
    const progress = new Subscription(client, PROGRESS, { id: instance.id });
    const queuedNotices = async () => Number((await runtimes.orm.em.getKnex().raw('select count(*)::int as count from runtimes.launch_notice')).rows[0].count);

    await recordPhases(runtimes, instance.id, operationId, [LaunchPhase.QUEUED]);
    expect(await queuedNotices()).toBe(0);
    expect(cursorsOf(await progress.take(1))).toEqual([1]);

    // A writer outside the ORM commits and sends nothing, as one killed right after its commit would.
    const statement = launchEventStatement({ instanceId: instance.id, operationId, operation: RuntimeOperationKind.LAUNCH, phase: LaunchPhase.SCHEDULING, message: 'orphaned' });
    await withClient(platform.databaseUrl, async (db) => {
      await db.query('begin');
      await db.query(statement.pg);
      await db.query('commit');
    });
    const [event] = await progress.take(1);
    expect(event!.runtimeLaunchProgress).toMatchObject({ cursor: '2', phase: 'SCHEDULING', message: 'orphaned' });
    expect(await queuedNotices()).toBe(0);
  });

  it('loses nothing when the LISTEN connection is killed mid-stream', async () => {
    const { instance, operationId } = await launchingInstance('acme');
    const { client } = await connect(await tokenOf('acme'));
    const progress = new Subscription(client, PROGRESS, { id: instance.id });
    await recordPhases(runtimes, instance.id, operationId, [LaunchPhase.QUEUED]);
    expect(cursorsOf(await progress.take(1))).toEqual([1]);

    const killed = await withClient(platform.databaseUrl, (db) =>
      db.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and datname = current_database()', [HUB_APPLICATION_NAME]),
    );
    expect(killed.rowCount).toBe(2);
    await recordPhases(runtimes, instance.id, operationId, LAUNCH_PHASES.slice(1));
    expect(cursorsOf(await progress.take(4))).toEqual([2, 3, 4, 5]);
    expect(await progress.next()).toBe('complete');
    // Both hubs listen again: a live event arrives without any catch-up.
    const next = await launchingInstance('acme');
    const live = new Subscription(client, PROGRESS, { id: next.instance.id });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await recordPhases(runtimes, next.instance.id, next.operationId, [LaunchPhase.QUEUED]);
    expect(cursorsOf(await live.take(1))).toEqual([1]);
  });
});

describe('who may follow what', () => {
  it("keeps a tenant to its own instances and feed; operators follow any instance", async () => {
    const mine = await launchingInstance('tenant-a');
    const theirs = await launchingInstance('tenant-b');
    const { client } = await connect(await tokenOf('tenant-a'));

    const refused = await new Subscription(client, PROGRESS, { id: theirs.instance.id }).next();
    expect(refused).not.toBe('complete');
    expect(codesOf(refused as never)).toEqual(['NOT_FOUND']);

    const feed = new Subscription(client, CHANGES);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await recordPhases(runtimes, theirs.instance.id, theirs.operationId, [LaunchPhase.QUEUED]);
    await recordPhases(runtimes, mine.instance.id, mine.operationId, [LaunchPhase.QUEUED]);
    const [change] = await feed.take(1);
    expect(change!.runtimeInstanceChanged).toMatchObject({ status: 'PENDING', operation: 'LAUNCH', phase: 'QUEUED', instance: { id: mine.instance.id, tenant: 'tenant-a' } });

    const operator = await connect(await tokenOf(undefined, ['operator']));
    const followed = new Subscription(operator.client, PROGRESS, { id: theirs.instance.id });
    expect((await followed.take(1))[0]!.runtimeLaunchProgress.phase).toBe('QUEUED');
    const noFeed = await new Subscription(operator.client, CHANGES).next();
    expect(codesOf(noFeed as never)).toEqual(['FORBIDDEN']);
  });

  it('refuses anonymous viewers and tokens without a tenant', async () => {
    const { instance } = await launchingInstance('acme');
    const anonymous = await connect();
    expect(codesOf((await new Subscription(anonymous.client, PROGRESS, { id: instance.id }).next()) as never)).toEqual(['UNAUTHENTICATED']);
    expect(codesOf((await new Subscription(anonymous.client, CHANGES).next()) as never)).toEqual(['UNAUTHENTICATED']);
    const tenantless = await connect(await tokenOf(undefined, ['developer']));
    expect(codesOf((await new Subscription(tenantless.client, PROGRESS, { id: instance.id }).next()) as never)).toEqual(['FORBIDDEN']);
    expect(codesOf((await new Subscription(tenantless.client, CHANGES).next()) as never)).toEqual(['FORBIDDEN']);
  });

  it('refuses a malformed cursor as BAD_USER_INPUT on `after`', async () => {
    const { instance } = await launchingInstance('acme');
    const { client } = await connect(await tokenOf('acme'));
    for (const after of ['abc', '-1', '01', '99999999999999999999']) {
      const result = await new Subscription(client, PROGRESS, { id: instance.id, after }).next();
      expect(result).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT', field: 'after' } }] });
    }
    const feed = await new Subscription(client, CHANGES, { after: '1.5' }).next();
    expect(feed).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT', field: 'after' } }] });
  });

  it('closes a socket without a good gateway signature with 4403', async () => {
    const token = await tokenOf('acme');
    const good = signConnectionInit(platform.gatewaySecret, `Bearer ${token}`);
    const refusals = [
      undefined,
      { authorization: `Bearer ${token}` },
      signConnectionInit('another-secret-of-at-least-32-characters', `Bearer ${token}`),
      // The signature of another token.
      { ...good, authorization: `Bearer ${await tokenOf('other')}` },
      signConnectionInit(platform.gatewaySecret, `Bearer ${token}`, Date.now() - 5 * 60_000),
    ];
    for (const init of refusals) {
      const socket = connectSubgraph(runtimes, init);
      sockets.push(socket);
      expect((await socket.closed).code).toBe(4403);
    }
  });

  it('refuses an expired token with 4403 and closes the socket with 4401 when a token expires', async () => {
    const expired = await platform.token({ sub: 'late', tenant: 'acme', roles: ['tenant'] }, { expiresIn: Math.floor(Date.now() / 1000) - 120 });
    const refused = await connect(expired);
    expect(await refused.closed).toMatchObject({ code: 4403, reason: expect.stringContaining('expired') });

    const { instance, operationId } = await launchingInstance('acme');
    const shortLived = await platform.token({ sub: 'brief', tenant: 'acme', roles: ['tenant'] }, { expiresIn: Math.floor(Date.now() / 1000) + 2 });
    const socket = await connect(shortLived);
    const progress = new Subscription(socket.client, PROGRESS, { id: instance.id });
    await recordPhases(runtimes, instance.id, operationId, [LaunchPhase.QUEUED]);
    expect((await progress.take(1))[0]!.runtimeLaunchProgress.phase).toBe('QUEUED');
    expect(await socket.closed).toMatchObject({ code: 4401, reason: expect.stringContaining('expired') });
  });

  it('serves only subscriptions over WebSocket', async () => {
    const { client } = await connect(await tokenOf('acme'));
    const result = await new Subscription(client, '{ runtimeInstances { totalCount } }').next();
    expect(codesOf(result as never)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('RuntimeInstance.launchEvents', () => {
  it("pages the latest operation's events, oldest first, with decimal cursors", async () => {
    const { instance, operationId } = await launchingInstance('acme');
    await recordPhases(runtimes, instance.id, operationId, LAUNCH_PHASES);
    const token = await tokenOf('acme');
    const page = async (after: string | null) =>
      postGraphQL(
        platform.gateway.graphqlUrl,
        'query ($id: ID!, $after: String) { runtimeInstance(id: $id) { launchEvents(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { phase } } } } }',
        { variables: { id: instance.id, after }, token },
      );
    const first = await page(null);
    expect(first.errors).toBeUndefined();
    expect(first.data?.runtimeInstance.launchEvents).toEqual({
      totalCount: 5,
      pageInfo: { hasNextPage: true, endCursor: '2' },
      edges: [
        { cursor: '1', node: { phase: 'QUEUED' } },
        { cursor: '2', node: { phase: 'SCHEDULING' } },
      ],
    });
    const last = await page('4');
    expect(last.data?.runtimeInstance.launchEvents.edges).toEqual([{ cursor: '5', node: { phase: 'READY' } }]);
    expect(codesOf(await page('x'))).toEqual(['BAD_USER_INPUT']);
  });
});
