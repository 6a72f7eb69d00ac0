import { createNamespace, startTestCluster, startWatchRecorder, type TestCluster } from './helpers/clients.js';

describe('watch', () => {
  let cluster: TestCluster;
  beforeEach(async () => {
    cluster = await startTestCluster({ retainedEvents: 50 });
    await createNamespace(cluster, 'tenant-a');
  });
  afterEach(() => cluster.server.stop());

  const createSecret = (name: string, labels: Record<string, string> = {}) =>
    cluster.core.createNamespacedSecret({ namespace: 'tenant-a', body: { metadata: { name, labels } } });

  it('streams ADDED, MODIFIED and DELETED in resourceVersion order, filtered by label selector', async () => {
    const watch = await startWatchRecorder(cluster.kubeConfig, '/api/v1/namespaces/tenant-a/secrets', { labelSelector: 'instance=i1' });
    await createSecret('a', { instance: 'i1' });
    await createSecret('other', { instance: 'i2' });
    await cluster.core.replaceNamespacedSecret({ namespace: 'tenant-a', name: 'a', body: { ...(await cluster.core.readNamespacedSecret({ namespace: 'tenant-a', name: 'a' })), data: { k: 'dg==' } } });
    await cluster.core.deleteNamespacedSecret({ namespace: 'tenant-a', name: 'a' });
    await watch.waitFor((event) => event.type === 'DELETED');
    watch.abort();
    expect(watch.events.map((event) => `${event.type} ${event.object.metadata.name}`)).toEqual(['ADDED a', 'MODIFIED a', 'DELETED a']);
    const versions = watch.events.map((event) => Number(event.object.metadata.resourceVersion));
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
  });

  it('resumes after a dropped connection from the last resourceVersion without losing or repeating an event', async () => {
    const first = await startWatchRecorder(cluster.kubeConfig, '/api/v1/namespaces/tenant-a/secrets', { resourceVersion: '1' });
    await createSecret('a');
    await first.waitFor((event) => event.object.metadata.name === 'a');
    cluster.server.dropWatches();
    await first.ended;
    expect(cluster.server.openWatches).toBe(0);
    // Changes made while no one watches.
    await createSecret('b');
    await createSecret('c');
    const last = first.events[first.events.length - 1]!.object.metadata.resourceVersion;
    const second = await startWatchRecorder(cluster.kubeConfig, '/api/v1/namespaces/tenant-a/secrets', { resourceVersion: last });
    await second.waitFor((event) => event.object.metadata.name === 'c');
    second.abort();
    expect(second.events.map((event) => `${event.type} ${event.object.metadata.name}`)).toEqual(['ADDED b', 'ADDED c']);
  });

  it('sends bookmarks carrying the current resourceVersion when asked for them', async () => {
    const watch = await startWatchRecorder(cluster.kubeConfig, '/api/v1/namespaces/tenant-a/secrets', { allowWatchBookmarks: true, resourceVersion: '1' });
    const created = await createSecret('a');
    await watch.waitFor((event) => event.type === 'ADDED');
    cluster.server.sendBookmarks();
    const bookmark = await watch.waitFor((event) => event.type === 'BOOKMARK');
    watch.abort();
    expect(bookmark.object).toEqual({ kind: 'Secret', apiVersion: 'v1', metadata: { resourceVersion: created.metadata?.resourceVersion } });
  });

  it('answers a resume from a compacted resourceVersion with an ERROR event of 410 Expired, and a re-list recovers', async () => {
    const created = await createSecret('a');
    await createSecret('b');
    cluster.server.compact();
    const stale = await startWatchRecorder(cluster.kubeConfig, '/api/v1/namespaces/tenant-a/secrets', { resourceVersion: created.metadata!.resourceVersion });
    const error = await stale.waitFor((event) => event.type === 'ERROR');
    await stale.ended;
    expect(error.object).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410, message: expect.stringContaining('too old resource version') });

    const list = await cluster.core.listNamespacedSecret({ namespace: 'tenant-a' });
    expect(list.items.map((item) => item.metadata?.name)).toEqual(['a', 'b']);
    const fresh = await startWatchRecorder(cluster.kubeConfig, '/api/v1/namespaces/tenant-a/secrets', { resourceVersion: list.metadata!.resourceVersion });
    await createSecret('c');
    await fresh.waitFor((event) => event.object.metadata?.name === 'c');
    fresh.abort();
    expect(fresh.events.map((event) => event.object.metadata.name)).toEqual(['c']);
  });

  it('expires history past the retained window too', async () => {
    const created = await createSecret('first');
    for (let index = 0; index < 60; index += 1) await createSecret(`s${index}`);
    const stale = await startWatchRecorder(cluster.kubeConfig, '/api/v1/namespaces/tenant-a/secrets', { resourceVersion: created.metadata!.resourceVersion });
    const error = await stale.waitFor((event) => event.type === 'ERROR');
    expect(error.object.code).toBe(410);
  });

  it('starts a watch without resourceVersion with the current objects as ADDED', async () => {
    await createSecret('a');
    const watch = await startWatchRecorder(cluster.kubeConfig, '/api/v1/namespaces/tenant-a/secrets');
    await watch.waitFor((event) => event.object.metadata.name === 'a');
    watch.abort();
    expect(watch.events.map((event) => event.type)).toEqual(['ADDED']);
  });

  it('reports an injected 500 on a watch request through the Watch done callback', async () => {
    const watch = await startWatchRecorder(cluster.kubeConfig, '/api/v1/namespaces/tenant-a/secrets');
    watch.abort();
    cluster.server.failNext({ verb: 'watch', resource: 'secrets', code: 500 });
    const failing = await startWatchRecorder(cluster.kubeConfig, '/api/v1/namespaces/tenant-a/secrets');
    const error = (await failing.ended);
    expect((error as { statusCode?: number }).statusCode).toBe(500);
  });
});
