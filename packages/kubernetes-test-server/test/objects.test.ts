import { ApiException, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { createNamespace, newDeployment, startTestCluster, type TestCluster } from './helpers/clients.js';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

describe('objects through @kubernetes/client-node', () => {
  let cluster: TestCluster;
  beforeEach(async () => {
    cluster = await startTestCluster();
  });
  afterEach(() => cluster.server.stop());

  async function failureOf(call: Promise<unknown>): Promise<{ code: number; status: Record<string, unknown> }> {
    const error = await call.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    if (!(error instanceof ApiException)) throw new Error(`expected an ApiException, got ${String(error)}`);
    return { code: error.code, status: typeof error.body === 'string' ? JSON.parse(error.body) : error.body };
  }

  it('creates, reads and refuses a second create of a Secret with AlreadyExists', async () => {
    await createNamespace(cluster, 'tenant-a');
    const created = await cluster.core.createNamespacedSecret({ namespace: 'tenant-a', body: { metadata: { name: 'config', labels: { instance: 'i1' } }, stringData: { 'config.json': '{"a":1}' } } });
    expect(created.metadata).toMatchObject({ name: 'config', namespace: 'tenant-a', uid: expect.any(String), resourceVersion: expect.stringMatching(/^\d+$/) });
    expect(created.data).toEqual({ 'config.json': Buffer.from('{"a":1}').toString('base64') });
    expect((created as { stringData?: unknown }).stringData).toBeUndefined();

    const read = await cluster.core.readNamespacedSecret({ namespace: 'tenant-a', name: 'config' });
    expect(read.metadata?.uid).toBe(created.metadata?.uid);

    const duplicate = await failureOf(cluster.core.createNamespacedSecret({ namespace: 'tenant-a', body: { metadata: { name: 'config' } } }));
    expect(duplicate).toEqual({
      code: 409,
      status: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'secrets "config" already exists', reason: 'AlreadyExists', details: { name: 'config', kind: 'secrets' }, code: 409 },
    });
    expect(cluster.server.objects('secrets', { namespace: 'tenant-a' })).toHaveLength(1);
  });

  it('answers NotFound for a missing object and for a create in a missing namespace', async () => {
    const missing = await failureOf(cluster.apps.readNamespacedDeployment({ namespace: 'nowhere', name: 'web' }));
    expect(missing.code).toBe(404);
    expect(missing.status).toMatchObject({ reason: 'NotFound', message: 'deployments.apps "web" not found', details: { name: 'web', group: 'apps', kind: 'deployments' } });
    const noNamespace = await failureOf(cluster.core.createNamespacedSecret({ namespace: 'nowhere', body: { metadata: { name: 's' } } }));
    expect(noNamespace.status).toMatchObject({ code: 404, message: 'namespaces "nowhere" not found' });
  });

  it('refuses an invalid Deployment with one cause per field', async () => {
    await createNamespace(cluster, 'tenant-a');
    const body = newDeployment('web', 'registry/web:1');
    body.spec!.template.metadata!.labels = { app: 'other' };
    body.spec!.template.spec!.containers[0]!.image = '';
    const refused = await failureOf(cluster.apps.createNamespacedDeployment({ namespace: 'tenant-a', body }));
    expect(refused.code).toBe(422);
    expect(refused.status).toMatchObject({ reason: 'Invalid', details: { kind: 'Deployment', group: 'apps', name: 'web' } });
    expect((refused.status.details as { causes: { field: string }[] }).causes.map((cause) => cause.field)).toEqual([
      'spec.template.metadata.labels',
      'spec.template.spec.containers[0].image',
    ]);
  });

  it('merge-patches a Deployment, bumping generation only when the spec changes and nothing when nothing changes', async () => {
    await createNamespace(cluster, 'tenant-a');
    const created = await cluster.apps.createNamespacedDeployment({ namespace: 'tenant-a', body: newDeployment('web', 'registry/web:1') });
    expect(created.metadata?.generation).toBe(1);
    expect(created.spec).toMatchObject({ replicas: 1, progressDeadlineSeconds: 600, revisionHistoryLimit: 10 });

    const labelled = await cluster.apps.patchNamespacedDeployment({ namespace: 'tenant-a', name: 'web', body: { metadata: { labels: { tier: 'runtime' } } } }, mergePatch);
    expect(labelled.metadata?.generation).toBe(1);
    expect(labelled.metadata?.labels).toEqual({ app: 'web', tier: 'runtime' });

    const scaled = await cluster.apps.patchNamespacedDeployment({ namespace: 'tenant-a', name: 'web', body: { spec: { replicas: 2 } } }, mergePatch);
    expect(scaled.metadata?.generation).toBe(2);
    expect(Number(scaled.metadata?.resourceVersion)).toBeGreaterThan(Number(labelled.metadata?.resourceVersion));

    // The same spec with its fields in another order is no change (client-node orders a V1Container's fields image before name on create; a raw patch body keeps its own order).
    const reordered = await cluster.apps.patchNamespacedDeployment(
      { namespace: 'tenant-a', name: 'web', body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'registry/web:1' }] } } } } },
      mergePatch,
    );
    expect(reordered.metadata?.generation).toBe(2);

    // A patch that changes nothing stores nothing: no new resourceVersion, no watch event.
    await cluster.core.createNamespacedSecret({ namespace: 'tenant-a', body: { metadata: { name: 'config' } } });
    const first = await cluster.core.patchNamespacedSecret({ namespace: 'tenant-a', name: 'config', body: { metadata: { labels: { a: 'b' } } } }, mergePatch);
    const again = await cluster.core.patchNamespacedSecret({ namespace: 'tenant-a', name: 'config', body: { metadata: { labels: { a: 'b' } } } }, mergePatch);
    expect(again.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);

    const stale = await failureOf(
      cluster.apps.patchNamespacedDeployment({ namespace: 'tenant-a', name: 'web', body: { metadata: { resourceVersion: '1' }, spec: { replicas: 3 } } }, mergePatch),
    );
    expect(stale.status).toMatchObject({ code: 409, reason: 'Conflict' });
  });

  it('applies the JSON patch the generated client sends by default, and strategic merge by container name', async () => {
    await createNamespace(cluster, 'tenant-a');
    await cluster.apps.createNamespacedDeployment({ namespace: 'tenant-a', body: newDeployment('web', 'registry/web:1') });
    const patched = await cluster.apps.patchNamespacedDeployment({ namespace: 'tenant-a', name: 'web', body: [{ op: 'replace', path: '/spec/replicas', value: 3 }] });
    expect(patched.spec?.replicas).toBe(3);
    const upgraded = await cluster.apps.patchNamespacedDeployment(
      { namespace: 'tenant-a', name: 'web', body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'registry/web:2' }] } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(upgraded.spec?.template.spec?.containers).toEqual([{ name: 'app', image: 'registry/web:2' }]);
  });

  it('lists with equality and set label selectors and reports the list resourceVersion', async () => {
    await createNamespace(cluster, 'tenant-a');
    for (const [name, instance] of [['a', 'i1'], ['b', 'i2'], ['c', 'i1']] as const) {
      await cluster.core.createNamespacedSecret({ namespace: 'tenant-a', body: { metadata: { name, labels: { instance } } } });
    }
    const list = await cluster.core.listNamespacedSecret({ namespace: 'tenant-a', labelSelector: 'instance=i1' });
    expect(list.items.map((item) => item.metadata?.name)).toEqual(['a', 'c']);
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThanOrEqual(Number(list.items[1]!.metadata?.resourceVersion));
    const notI1 = await cluster.core.listSecretForAllNamespaces({ labelSelector: 'instance notin (i1)' });
    expect(notI1.items.map((item) => item.metadata?.name)).toEqual(['b']);
    const byName = await cluster.core.listNamespacedSecret({ namespace: 'tenant-a', fieldSelector: 'metadata.name=b' });
    expect(byName.items).toHaveLength(1);
  });

  it('deletes a Deployment with its Pods, and a namespace with everything in it', async () => {
    await createNamespace(cluster, 'tenant-a');
    await cluster.apps.createNamespacedDeployment({ namespace: 'tenant-a', body: newDeployment('web', 'registry/web:1', { replicas: 2 }) });
    await cluster.core.createNamespacedService({ namespace: 'tenant-a', body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } } });
    await waitUntil(() => cluster.server.objects('pods', { namespace: 'tenant-a' }).length === 2);

    const status = await cluster.apps.deleteNamespacedDeployment({ namespace: 'tenant-a', name: 'web' });
    expect(status).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'web', group: 'apps', kind: 'deployments' } });
    await waitUntil(() => cluster.server.objects('pods', { namespace: 'tenant-a' }).length === 0);

    const terminating = await cluster.core.deleteNamespace({ name: 'tenant-a' });
    expect((terminating as { status?: { phase?: string } }).status?.phase).toBe('Terminating');
    await waitUntil(() => cluster.server.objects('namespaces').length === 0);
    expect(cluster.server.objects('services')).toEqual([]);
  });
});

async function waitUntil(predicate: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
