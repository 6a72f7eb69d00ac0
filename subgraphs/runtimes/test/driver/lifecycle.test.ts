import { buildInstanceObjects, ClusterError, CONFIG_HASH_ANNOTATION, type PhaseEvent } from '../../src/driver/index.js';
import { expectNoOpenWatch, instanceSpec, launch, startDriverCluster, type DriverCluster } from './helpers.js';

/** apply, scale and remove against the test server: idempotent writes, and STOP and DELETE followed to their end. */
describe('an instance through its life', () => {
  let cluster: DriverCluster;
  beforeEach(async () => {
    cluster = await startDriverCluster();
  });
  afterEach(() => cluster.server.stop());

  const spec = instanceSpec();
  const target = { namespace: spec.namespace, objectName: spec.objectName, instanceId: spec.instanceId };
  const objectsOf = () => ({
    secrets: cluster.server.objects('secrets', { namespace: spec.namespace }),
    deployments: cluster.server.objects('deployments', { namespace: spec.namespace }),
    services: cluster.server.objects('services', { namespace: spec.namespace }),
  });

  it('leaves exactly one Secret, Deployment and Service, owned by the Deployment, when apply runs twice or after a crash half-way', async () => {
    cluster.server.failNext({ verb: 'create', resource: 'services', code: 500 });
    const halfway = await cluster.driver.apply(buildInstanceObjects(spec)).catch((error: unknown) => error);
    expect(halfway).toBeInstanceOf(ClusterError);
    expect(halfway).toMatchObject({ reason: 'UPSTREAM_ERROR', isRetryable: true });
    expect(objectsOf().services).toHaveLength(0);

    const first = await cluster.driver.apply(buildInstanceObjects(spec));
    const second = await cluster.driver.apply(buildInstanceObjects(spec));
    expect(second).toEqual(first);
    expect(first.generation).toBe(1);
    const { secrets, deployments, services } = objectsOf();
    expect([secrets.length, deployments.length, services.length]).toEqual([1, 1, 1]);
    for (const owned of [secrets[0]!, services[0]!]) {
      expect(owned.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'Deployment', name: spec.objectName, uid: first.deploymentUid }]);
    }
    expect(JSON.parse(Buffer.from(secrets[0]!.data['config.json'], 'base64').toString())).toEqual({ city: 'Oslo' });
    expect(cluster.server.objects('namespaces').map((namespace) => namespace.metadata.name)).toContain('tenant-acme');
  });

  it('patches the Secret on a config change and rolls the Pods to the new config', async () => {
    const launched = await launch(cluster, spec);
    expect(launched.final.phase).toBe('READY');
    const changed = instanceSpec({ config: { city: 'Bergen' } });
    const upgraded = await launch(cluster, changed);
    expect(upgraded.applied.generation).toBe(2);
    expect(upgraded.phases).toEqual(['SCHEDULING', 'PULLING_IMAGE', 'STARTING', 'READY']);
    const { secrets, deployments } = objectsOf();
    expect(JSON.parse(Buffer.from(secrets[0]!.data['config.json'], 'base64').toString())).toEqual({ city: 'Bergen' });
    const hash = deployments[0]!.spec.template.metadata.annotations[CONFIG_HASH_ANNOTATION];
    const pods = cluster.server.objects('pods', { namespace: spec.namespace });
    expect(pods.map((pod) => pod.metadata.annotations?.[CONFIG_HASH_ANNOTATION])).toEqual([hash]);
  });

  it('scales to zero until no Pod is left, STOPPED, and back to READY', async () => {
    await launch(cluster, spec);
    const events: PhaseEvent[] = [];
    await cluster.driver.scale(spec.namespace, spec.objectName, 0);
    const stopped = await cluster.driver.followStop(target, { onPhase: (event) => events.push(event) });
    expect(stopped.phase).toBe('STOPPED');
    expect(events.map((event) => event.phase)).toEqual(['STOPPING', 'STOPPED']);
    expect(cluster.server.objects('pods')).toEqual([]);
    await expectNoOpenWatch(cluster.server);

    const started = await cluster.driver.scale(spec.namespace, spec.objectName, 1);
    const phases: string[] = [];
    const ready = await cluster.driver.followRollout({ ...target, generation: started.generation }, { onPhase: (event) => phases.push(event.phase) });
    expect(ready.phase).toBe('READY');
    expect(phases).toEqual(['SCHEDULING', 'PULLING_IMAGE', 'STARTING', 'READY']);
    expect(cluster.server.objects('pods')).toHaveLength(1);
  });

  it('removes the Deployment, its Pods, the Service and the Secret, DELETED, and removing again is done at once', async () => {
    await launch(cluster, spec);
    const events: PhaseEvent[] = [];
    await cluster.driver.remove(spec.namespace, spec.objectName);
    const deleted = await cluster.driver.followRemoval(target, { onPhase: (event) => events.push(event) });
    expect(deleted.phase).toBe('DELETED');
    expect(events.map((event) => event.phase)).toEqual(['DELETING', 'DELETED']);
    expect(objectsOf()).toEqual({ secrets: [], deployments: [], services: [] });
    expect(cluster.server.objects('pods')).toEqual([]);
    await expect(cluster.driver.remove(spec.namespace, spec.objectName)).resolves.toBeUndefined();
    await expectNoOpenWatch(cluster.server);
  });
});
