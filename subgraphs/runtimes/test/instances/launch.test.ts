import { waitFor } from '@addon-platform/platform/testing';
import { codesOf } from '../../../../test/helpers/client.js';
import { INSTANCE_FIELDS, startLaunchBed, type LaunchBed } from './launch-bed.js';

/**
 * Launch, upgrade, stop, start and delete through the gateway, carried out by the runtimes worker with
 * the real driver against the Kubernetes test server (HTTPS, bearer token).
 */
let bed: LaunchBed;
let acme: string;
let globex: string;
beforeAll(async () => {
  // A short request limit, so a hanging API server costs the test one second.
  bed = await startLaunchBed({ CLUSTER_REQUEST_TIMEOUT_MS: '1000' });
  acme = await bed.tenantToken('acme');
  globex = await bed.tenantToken('globex');
});
afterAll(async () => {
  await bed?.stop();
});

const LAUNCH = `mutation ($input: LaunchRuntimeInput!) { launchRuntime(input: $input) { ${INSTANCE_FIELDS} } }`;
const UPGRADE = `mutation ($id: ID!, $input: UpgradeRuntimeInput!) { upgradeRuntime(id: $id, input: $input) { ${INSTANCE_FIELDS} } }`;
const STOP = `mutation ($id: ID!) { stopRuntime(id: $id) { ${INSTANCE_FIELDS} } }`;
const START = `mutation ($id: ID!) { startRuntime(id: $id) { ${INSTANCE_FIELDS} } }`;
const DELETE = `mutation ($id: ID!) { deleteRuntime(id: $id) { ${INSTANCE_FIELDS} } }`;
let names = 0;
const nextName = () => `instance-${++names}`;

async function launch(versionId: string, token = acme, extra: Record<string, unknown> = {}) {
  const result = await bed.gql(LAUNCH, { input: { versionId, environmentId: bed.environmentId, name: nextName(), ...extra } }, token);
  expect(result.errors).toBeUndefined();
  return result.data!.launchRuntime as { id: string; status: string; name: string };
}

const phasesOf = (events: { operation: string; phase: string }[], operation: string) => events.filter((event) => event.operation === operation).map((event) => event.phase);

describe('launchRuntime', () => {
  it('answers PENDING at once, then runs every phase to READY with the service URL', async () => {
    const { versionId } = await bed.newVersion();
    const launched = await launch(versionId);
    expect(launched.status).toBe('PENDING');
    const instance = await bed.settled(launched.id, acme);
    expect(instance).toMatchObject({ status: 'RUNNING', namespace: 'tenant-acme', operation: { operation: 'LAUNCH', phase: 'READY' }, version: { id: versionId } });
    expect(instance.url).toMatch(/^http:\/\/rt-instance-\d+-[0-9a-f]{8}\.tenant-acme\.svc\.cluster\.local:8080$/);
    const events = await bed.events(launched.id);
    expect(events.map((event) => event.phase)).toEqual(['QUEUED', 'SCHEDULING', 'PULLING_IMAGE', 'STARTING', 'READY']);
    expect(events.map((event) => Number(event.sequence))).toEqual([1, 2, 3, 4, 5]);
    const selector = `addon-platform.io/instance=${launched.id}`;
    for (const resource of ['deployments', 'services', 'secrets'] as const) {
      expect(bed.cluster.objects(resource, { namespace: 'tenant-acme', labelSelector: selector })).toHaveLength(1);
    }
  });

  it('resumes a watch dropped mid-rollout, and re-lists after a 410, losing and repeating no phase', async () => {
    const { versionId, image } = await bed.newVersion();
    bed.cluster.script(image, { kind: 'ready', afterMs: 1500 });
    const launched = await launch(versionId);
    await waitFor(async () => (await bed.events(launched.id)).some((event) => event.phase === 'SCHEDULING'), { description: 'the rollout to begin' });
    bed.cluster.dropWatches();
    await new Promise((resolve) => setTimeout(resolve, 300));
    bed.cluster.compact();
    bed.cluster.dropWatches();
    const instance = await bed.settled(launched.id, acme);
    expect(instance.status).toBe('RUNNING');
    expect((await bed.events(launched.id)).map((event) => event.phase)).toEqual(['QUEUED', 'SCHEDULING', 'PULLING_IMAGE', 'STARTING', 'READY']);
  });

  it.each([
    ['imagePullFailure', 'IMAGE_PULL_FAILED'],
    ['crashLoop', 'CRASH_LOOP'],
    ['unschedulable', 'UNSCHEDULABLE'],
    ['neverReady', 'DEADLINE_EXCEEDED'],
  ] as const)('a %s rollout ends FAILED with reason %s and a message a person can act on', async (behaviour, reason) => {
    const { versionId, image } = await bed.newVersion();
    bed.cluster.script(image, { kind: behaviour });
    const launched = await launch(versionId);
    const instance = await bed.settled(launched.id, acme);
    expect(instance.status).toBe('FAILED');
    const last = (await bed.events(launched.id)).at(-1)!;
    expect(last).toMatchObject({ phase: 'FAILED', reason });
    expect(last.message.length).toBeGreaterThan(20);
  });

  it('refuses a config that does not fit the schema, field by field, and writes nothing', async () => {
    const configSchema = {
      // An $id, as published schemas often carry: checked once per launch, it must not clash with itself.
      $id: 'https://addons.example.com/schemas/config.json',
      type: 'object',
      properties: { replicas: { type: 'integer', minimum: 1 }, mode: { enum: ['fast', 'safe'] }, tls: { type: 'object', properties: { enabled: { type: 'boolean' } } } },
      required: ['mode'],
      additionalProperties: false,
    };
    const { versionId } = await bed.newVersion({ configSchema });
    const before = await countInstances();
    const name = nextName();
    const result = await bed.gql(LAUNCH, { input: { versionId, environmentId: bed.environmentId, name, config: { replicas: 0, tls: { enabled: 'yes' }, extra: 1 } } }, acme);
    expect(codesOf(result)).toEqual(['BAD_USER_INPUT']);
    const problems = result.errors![0]!.extensions!.problems as { field: string; message: string }[];
    expect(problems.map((problem) => problem.field).sort()).toEqual(['config.extra', 'config.mode', 'config.replicas', 'config.tls.enabled']);
    expect(await countInstances()).toBe(before);

    // The same schema fills in defaults and takes a good config.
    const good = await bed.gql(LAUNCH, { input: { versionId, environmentId: bed.environmentId, name, config: { mode: 'safe' } } }, acme);
    expect(good.errors).toBeUndefined();
    expect(good.data!.launchRuntime.config).toEqual({ mode: 'safe' });
    const again = await bed.gql(LAUNCH, { input: { versionId, environmentId: bed.environmentId, name: nextName(), config: { mode: 'fast' } } }, acme);
    expect(again.errors).toBeUndefined();
  });

  it('refuses bad input with a code and the field, and writes nothing', async () => {
    const { versionId } = await bed.newVersion();
    const notLaunchable = await bed.newVersion();
    await bed.platform.subgraphs.addons.orm.em.getConnection().execute(`update addons.addon_version set launchable = false, not_launchable_reason = 'It names no runtimeImage.' where id = ?`, [notLaunchable.versionId]);
    const draft = await bed.newVersion();
    await bed.platform.subgraphs.addons.orm.em.getConnection().execute(`update addons.addon_version set status = 'DRAFT' where id = ?`, [draft.versionId]);
    const taken = await launch(versionId);
    const developer = await bed.platform.token({ sub: 'dev', roles: ['developer'] });
    const tenantless = await bed.platform.token({ sub: 'odd', roles: ['tenant'] });
    const input = (change: Record<string, unknown>) => ({ input: { versionId, environmentId: bed.environmentId, name: nextName(), ...change } });
    const before = await countInstances();
    const cases: [Record<string, unknown>, string | undefined, string, string][] = [
      [input({ name: 'Bad_Name' }).input, acme, 'BAD_USER_INPUT', 'name'],
      [input({ name: 'x'.repeat(64) }).input, acme, 'BAD_USER_INPUT', 'name'],
      [input({ name: taken.name }).input, acme, 'CONFLICT', 'name'],
      [input({ versionId: 'not-a-uuid' }).input, acme, 'BAD_USER_INPUT', 'versionId'],
      [input({ versionId: '00000000-0000-4000-8000-000000000000' }).input, acme, 'NOT_FOUND', 'versionId'],
      [input({ versionId: draft.versionId }).input, acme, 'NOT_FOUND', 'versionId'],
      [input({ versionId: notLaunchable.versionId }).input, acme, 'CONFLICT', 'versionId'],
      [input({ environmentId: '00000000-0000-4000-8000-000000000000' }).input, acme, 'NOT_FOUND', 'environmentId'],
      [input({ config: [1, 2] }).input, acme, 'BAD_USER_INPUT', 'config'],
      [input({ config: 'text' }).input, acme, 'BAD_USER_INPUT', 'config'],
      [input({ config: { blob: 'x'.repeat(70_000) } }).input, acme, 'BAD_USER_INPUT', 'config'],
    ];
    for (const [given, token, code, field] of cases) {
      const result = await bed.gql(LAUNCH, { input: given }, token);
      expect({ given: Object.keys(given), code: codesOf(result), field: result.errors?.[0]?.extensions?.field }).toEqual({ given: Object.keys(given), code: [code], field });
    }
    expect(codesOf(await bed.gql(LAUNCH, input({}), undefined))).toEqual(['UNAUTHENTICATED']);
    expect(codesOf(await bed.gql(LAUNCH, input({}), developer))).toEqual(['FORBIDDEN']);
    expect(codesOf(await bed.gql(LAUNCH, input({}), tenantless))).toEqual(['FORBIDDEN']);
    expect(await countInstances()).toBe(before);
  });

  it('keeps an environment that does not allow the tenant out of reach', async () => {
    const { versionId } = await bed.newVersion();
    const restricted = await bed.gql(
      `mutation ($input: RegisterEnvironmentInput!) { registerEnvironment(input: $input) { id } }`,
      { input: { name: `only-globex-${process.pid}`, kind: 'SIMULATED', kubeconfig: bed.cluster.kubeconfig(), namespacePattern: 'g-{tenant}', tenants: { list: ['globex'] } } },
      bed.operator,
    );
    const environmentId = restricted.data!.registerEnvironment.id;
    const refused = await bed.gql(LAUNCH, { input: { versionId, environmentId, name: nextName() } }, acme);
    expect(codesOf(refused)).toEqual(['NOT_FOUND']);
    const allowed = await bed.gql(LAUNCH, { input: { versionId, environmentId, name: nextName() } }, globex);
    expect(allowed.errors).toBeUndefined();
    expect((await bed.settled(allowed.data!.launchRuntime.id, globex)).namespace).toBe('g-globex');
  });
});

describe('operations on an instance', () => {
  it('stops, starts, upgrades within its addon with a merged, checked config, and deletes, each with its phases', async () => {
    const configSchema = { type: 'object', properties: { mode: { type: 'string' }, level: { type: 'integer' }, nested: { type: 'object' } } };
    const v1 = await bed.newVersion({ configSchema });
    const v2 = await bed.newVersion({ addonId: v1.addonId, version: '2.0.0', configSchema });
    const launched = await launch(v1.versionId, acme, { config: { mode: 'fast', level: 1, nested: { a: 1, b: 2 } } });
    await bed.settled(launched.id, acme);

    const stopped = await bed.gql(STOP, { id: launched.id }, acme);
    expect(stopped.errors).toBeUndefined();
    expect((await bed.settled(launched.id, acme)).status).toBe('STOPPED');
    expect(bed.cluster.objects('pods', { namespace: 'tenant-acme', labelSelector: `addon-platform.io/instance=${launched.id}` })).toHaveLength(0);
    expect(codesOf(await bed.gql(STOP, { id: launched.id }, acme))).toEqual(['CONFLICT']);
    expect(codesOf(await bed.gql(UPGRADE, { id: launched.id, input: { versionId: v2.versionId } }, acme))).toEqual(['CONFLICT']);

    expect((await bed.gql(START, { id: launched.id }, acme)).errors).toBeUndefined();
    expect((await bed.settled(launched.id, acme)).status).toBe('RUNNING');
    const otherAddon = await bed.newVersion();
    expect(codesOf(await bed.gql(UPGRADE, { id: launched.id, input: { versionId: otherAddon.versionId } }, acme))).toEqual(['BAD_USER_INPUT']);
    const refused = await bed.gql(UPGRADE, { id: launched.id, input: { versionId: v2.versionId, config: { level: 'high' } } }, acme);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'config.level' }] });

    const upgraded = await bed.gql(UPGRADE, { id: launched.id, input: { versionId: v2.versionId, config: { level: 2, nested: { b: 3 } } } }, acme);
    expect(upgraded.errors).toBeUndefined();
    const after = await bed.settled(launched.id, acme);
    expect(after).toMatchObject({ status: 'RUNNING', version: { id: v2.versionId }, config: { mode: 'fast', level: 2, nested: { a: 1, b: 3 } } });
    const deployment = bed.cluster.objects('deployments', { namespace: 'tenant-acme', labelSelector: `addon-platform.io/instance=${launched.id}` });
    expect(deployment).toHaveLength(1);
    expect((deployment[0] as any).spec.template.spec.containers[0].image).toBe(v2.image);

    expect((await bed.gql(DELETE, { id: launched.id }, acme)).errors).toBeUndefined();
    expect((await bed.settled(launched.id, acme)).status).toBe('DELETED');
    for (const resource of ['deployments', 'services', 'secrets', 'pods'] as const) {
      expect(bed.cluster.objects(resource, { namespace: 'tenant-acme', labelSelector: `addon-platform.io/instance=${launched.id}` })).toHaveLength(0);
    }
    expect(codesOf(await bed.gql(START, { id: launched.id }, acme))).toEqual(['CONFLICT']);

    const events = await bed.events(launched.id);
    expect(phasesOf(events, 'STOP')).toEqual(['QUEUED', 'STOPPING', 'STOPPED']);
    expect(phasesOf(events, 'START')).toEqual(['QUEUED', 'SCHEDULING', 'PULLING_IMAGE', 'STARTING', 'READY']);
    expect(phasesOf(events, 'UPGRADE')).toEqual(['QUEUED', 'SCHEDULING', 'PULLING_IMAGE', 'STARTING', 'READY']);
    expect(phasesOf(events, 'DELETE')).toEqual(['QUEUED', 'DELETING', 'DELETED']);
    expect(events.map((event) => Number(event.sequence))).toEqual(events.map((_, index) => index + 1));
  });

  it('refuses an operation while another runs, except stop and delete, which cut it short', async () => {
    const { versionId, image } = await bed.newVersion();
    bed.cluster.script(image, { kind: 'neverReady', afterMs: 50 });
    const launched = await launch(versionId);
    // Within the rollout's progress deadline (3 s here), whatever the machine's load.
    expect(codesOf(await bed.gql(START, { id: launched.id }, acme))).toEqual(['CONFLICT']);
    expect((await bed.gql(STOP, { id: launched.id }, acme)).errors).toBeUndefined();
    const instance = await bed.settled(launched.id, acme);
    expect(instance).toMatchObject({ status: 'STOPPED', operation: { operation: 'STOP', phase: 'STOPPED' } });
    const launchEvents = (await bed.events(launched.id)).filter((event) => event.operation === 'LAUNCH');
    expect(launchEvents.at(-1)).toMatchObject({ phase: 'FAILED', reason: 'SUPERSEDED' });
  });

  it("keeps every tenant to its own instances: another tenant's look NOT_FOUND, and change nothing", async () => {
    const { versionId } = await bed.newVersion();
    const launched = await launch(versionId);
    await bed.settled(launched.id, acme);
    const read = await bed.gql(`query ($id: ID!) { runtimeInstance(id: $id) { id } }`, { id: launched.id }, globex);
    expect(codesOf(read)).toEqual(['NOT_FOUND']);
    for (const [mutation, variables] of [
      [STOP, { id: launched.id }],
      [START, { id: launched.id }],
      [DELETE, { id: launched.id }],
      [UPGRADE, { id: launched.id, input: { versionId } }],
    ] as const) {
      expect(codesOf(await bed.gql(mutation, variables, globex))).toEqual(['NOT_FOUND']);
    }
    const list = await bed.gql(`{ runtimeInstances(first: 100) { edges { node { id } } } }`, {}, globex);
    expect(list.data!.runtimeInstances.edges.map((edge: any) => edge.node.id)).not.toContain(launched.id);
    const asOperator = await bed.gql(`query ($id: ID!) { runtimeInstance(id: $id) { id status } }`, { id: launched.id }, bed.operator);
    expect(asOperator.data!.runtimeInstance).toEqual({ id: launched.id, status: 'RUNNING' });
    expect((await bed.events(launched.id)).map((event) => event.operation)).toEqual(['LAUNCH', 'LAUNCH', 'LAUNCH', 'LAUNCH', 'LAUNCH']);
  });
});

describe('runtimeInstances', () => {
  it('lists by status, addon, version, environment, name and kind, newest first, only the tenant\'s own', async () => {
    const first = await bed.newVersion();
    const second = await bed.newVersion({ addonId: first.addonId, version: '2.0.0' });
    bed.cluster.script(second.image, { kind: 'imagePullFailure' });
    const running = await launch(first.versionId);
    const failed = await launch(second.versionId);
    await bed.settled(running.id, acme);
    await bed.settled(failed.id, acme);
    await launch(first.versionId, globex);
    const LIST = `query ($filter: RuntimeInstanceFilterInput) { runtimeInstances(filter: $filter, first: 50) { totalCount edges { node { id } } } }`;
    const ids = async (filter: Record<string, unknown>, token = acme) => {
      const result = await bed.gql(LIST, { filter }, token);
      expect(result.errors).toBeUndefined();
      return result.data!.runtimeInstances.edges.map((edge: any) => edge.node.id);
    };
    expect(await ids({ addonId: first.addonId })).toEqual([failed.id, running.id]);
    expect(await ids({ addonId: first.addonId, status: ['FAILED'] })).toEqual([failed.id]);
    expect(await ids({ versionId: first.versionId })).toEqual([running.id]);
    expect(await ids({ name: running.name, environmentId: bed.environmentId })).toEqual([running.id]);
    expect(await ids({ addonId: first.addonId, kind: 'CONFIG_SERVICE' })).toEqual([]);
    expect(await ids({ addonId: first.addonId }, globex)).toHaveLength(1);
    const bad = await bed.gql(LIST, { filter: { addonId: 'nope' } }, acme);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.addonId' });
    expect(codesOf(await bed.gql(LIST, { filter: { status: ['SLEEPING'] } }, acme))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('API server failures', () => {
  it('a 403 fails the launch with a clear CLUSTER_ERROR, without retrying', async () => {
    const { versionId } = await bed.newVersion();
    bed.cluster.failNext({ verb: 'create', resource: 'deployments', namespace: 'tenant-acme', code: 403 });
    const launched = await launch(versionId);
    const instance = await bed.settled(launched.id, acme);
    expect(instance.status).toBe('FAILED');
    const last = (await bed.events(launched.id)).at(-1)!;
    expect(last).toMatchObject({ phase: 'FAILED', reason: 'CLUSTER_ERROR' });
    expect(last.message).toMatch(/403|forbidden|may not/i);
  });

  it.each([
    ['a 500', { code: 500 }],
    ['a request that hangs past the time limit', { hang: true }],
  ])('%s on a write fails the attempt; the job runs again, leaving one of each object and every phase once', async (_label, fault) => {
    const { versionId } = await bed.newVersion();
    bed.cluster.failNext({ verb: 'create', resource: 'services', namespace: 'tenant-acme', ...fault });
    const launched = await launch(versionId);
    const instance = await bed.settled(launched.id, acme);
    expect(instance.status).toBe('RUNNING');
    expect((await bed.events(launched.id)).map((event) => event.phase)).toEqual(['QUEUED', 'SCHEDULING', 'PULLING_IMAGE', 'STARTING', 'READY']);
    const selector = `addon-platform.io/instance=${launched.id}`;
    for (const resource of ['deployments', 'services', 'secrets'] as const) {
      expect(bed.cluster.objects(resource, { namespace: 'tenant-acme', labelSelector: selector })).toHaveLength(1);
    }
  }, 30_000);

  it('a 409 that is not AlreadyExists is not retried: the launch fails with the cluster\'s reason', async () => {
    const { versionId } = await bed.newVersion();
    bed.cluster.failNext({ verb: 'create', resource: 'services', namespace: 'tenant-acme', code: 409, message: 'Operation cannot be fulfilled: the object has been modified' });
    const launched = await launch(versionId);
    expect((await bed.settled(launched.id, acme)).status).toBe('FAILED');
    const last = (await bed.events(launched.id)).at(-1)!;
    expect(last).toMatchObject({ phase: 'FAILED', reason: 'CLUSTER_ERROR' });
    expect(last.message).toMatch(/409|conflict|modified/i);
  });
});

async function countInstances(): Promise<number> {
  const [row] = await bed.platform.subgraphs.runtimes.orm.em.getConnection().execute<{ count: string }[]>('select count(*)::text as count from runtimes.runtime_instance');
  return Number(row!.count);
}
