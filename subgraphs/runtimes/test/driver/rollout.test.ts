import { CoreV1Api } from '@kubernetes/client-node';
import { buildInstanceObjects } from '../../src/driver/index.js';
import { expectNoOpenWatch, instanceSpec, launch, startDriverCluster, whenWatching, type DriverCluster } from './helpers.js';

/** Rollouts followed to READY or FAILED against the Kubernetes test server's scripted Pods. */
describe('following a rollout', () => {
  let cluster: DriverCluster;
  afterEach(() => cluster.server.stop());

  it('reports every launch phase in order, once each, and ends READY with no watch left open', async () => {
    cluster = await startDriverCluster();
    cluster.server.script('registry.example/weather:1.0.0', { kind: 'ready', afterMs: 40 });
    const { phases, final, events } = await launch(cluster, instanceSpec());
    expect(phases).toEqual(['SCHEDULING', 'PULLING_IMAGE', 'STARTING', 'READY']);
    expect(final).toEqual({ phase: 'READY', message: 'The instance is ready.' });
    expect(events.every((event) => event.reason === undefined && event.message.length > 0)).toBe(true);
    await expectNoOpenWatch(cluster.server);
  });

  it('fails IMAGE_PULL_FAILED naming the image once the kubelet backs off pulling it', async () => {
    cluster = await startDriverCluster();
    cluster.server.script('registry.example/missing:9', { kind: 'imagePullFailure', afterMs: 10 });
    const { phases, final } = await launch(cluster, instanceSpec({ image: 'registry.example/missing:9' }));
    expect(phases).toEqual(['SCHEDULING', 'PULLING_IMAGE', 'FAILED']);
    expect(final).toMatchObject({ phase: 'FAILED', reason: 'IMAGE_PULL_FAILED' });
    expect(final.message).toContain('registry.example/missing:9');
    expect(final.message).toMatch(/image name and tag.*credentials for its registry/);
    await expectNoOpenWatch(cluster.server);
  });

  it('fails CRASH_LOOP with the last exit code', async () => {
    cluster = await startDriverCluster();
    cluster.server.script('registry.example/crash:1', { kind: 'crashLoop', afterMs: 10, exitCode: 3 });
    const { phases, final } = await launch(cluster, instanceSpec({ image: 'registry.example/crash:1' }));
    expect(phases).toEqual(['SCHEDULING', 'PULLING_IMAGE', 'STARTING', 'FAILED']);
    expect(final).toMatchObject({ phase: 'FAILED', reason: 'CRASH_LOOP' });
    expect(final.message).toMatch(/keeps exiting \(last exit code 3, Error\)/);
  });

  it('fails UNSCHEDULABLE with the scheduler\'s message once the grace period is over', async () => {
    cluster = await startDriverCluster({ unschedulableGraceMs: 150 });
    cluster.server.script('registry.example/huge:1', { kind: 'unschedulable', message: '0/3 nodes are available: 3 Insufficient memory.' });
    const started = Date.now();
    const { phases, final } = await launch(cluster, instanceSpec({ image: 'registry.example/huge:1' }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(phases).toEqual(['SCHEDULING', 'FAILED']);
    expect(final).toMatchObject({ phase: 'FAILED', reason: 'UNSCHEDULABLE', message: expect.stringContaining('0/3 nodes are available: 3 Insufficient memory.') });
    await expectNoOpenWatch(cluster.server);
  });

  it('fails DEADLINE_EXCEEDED when the Deployment reports ProgressDeadlineExceeded', async () => {
    cluster = await startDriverCluster();
    cluster.server.script('registry.example/slow:1', { kind: 'neverReady', afterMs: 10 });
    // apiSecondMs 1: 150 API seconds pass in 150 ms.
    const { phases, final } = await launch(cluster, instanceSpec({ image: 'registry.example/slow:1', progressDeadlineSeconds: 150 }));
    expect(phases).toEqual(['SCHEDULING', 'PULLING_IMAGE', 'STARTING', 'FAILED']);
    expect(final).toMatchObject({ phase: 'FAILED', reason: 'DEADLINE_EXCEEDED', message: expect.stringMatching(/no progress within 150 s .*timed out progressing/) });
  });

  it("fails DEADLINE_EXCEEDED at the driver's own deadline", async () => {
    cluster = await startDriverCluster();
    cluster.server.script('registry.example/slow:1', { kind: 'neverReady', afterMs: 10 });
    const { final } = await launch(cluster, instanceSpec({ image: 'registry.example/slow:1', progressDeadlineSeconds: 100_000 }), { deadlineMs: 200 });
    expect(final).toMatchObject({ phase: 'FAILED', reason: 'DEADLINE_EXCEEDED', message: expect.stringContaining('did not become ready within') });
    await expectNoOpenWatch(cluster.server);
  });

  it('resumes a dropped watch from the last resourceVersion, losing and repeating no phase', async () => {
    cluster = await startDriverCluster();
    cluster.server.script('registry.example/weather:1.0.0', { kind: 'ready', afterMs: 150 });
    let dropped = false;
    const { phases } = await launch(cluster, instanceSpec(), {
      onPhase: (event) => {
        if (event.phase !== 'PULLING_IMAGE' || dropped) return;
        dropped = true;
        void whenWatching(cluster).then(() => cluster.server.dropWatches());
      },
    });
    expect(phases).toEqual(['SCHEDULING', 'PULLING_IMAGE', 'STARTING', 'READY']);
    const watches = cluster.server.requests.filter((request) => request.verb === 'watch' && request.resource === 'pods');
    expect(watches.length).toBeGreaterThanOrEqual(2);
    // The second watch resumes where the first left off: a resourceVersion, not a fresh list.
    expect(new URL(watches[1]!.path, 'https://x').searchParams.get('resourceVersion')).toMatch(/^\d+$/);
    expect(cluster.server.requests.filter((request) => request.verb === 'list' && request.resource === 'pods')).toHaveLength(1);
    await expectNoOpenWatch(cluster.server);
  });

  it('lists again when resuming gets 410 Gone after the history was compacted', async () => {
    cluster = await startDriverCluster();
    cluster.server.script('registry.example/weather:1.0.0', { kind: 'ready', afterMs: 150 });
    let compacted = false;
    const { phases } = await launch(cluster, instanceSpec(), {
      onPhase: (event) => {
        if (event.phase !== 'PULLING_IMAGE' || compacted) return;
        compacted = true;
        void whenWatching(cluster)
          // A write the follow's watches do not select moves the history past the last version they saw.
          .then(() => cluster.kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'unrelated' } } }))
          .then(() => {
            cluster.server.compact();
            cluster.server.dropWatches();
          });
      },
    });
    expect(phases).toEqual(['SCHEDULING', 'PULLING_IMAGE', 'STARTING', 'READY']);
    const lists = (resource: string) => cluster.server.requests.filter((request) => request.verb === 'list' && request.resource === resource);
    expect(lists('pods').length).toBeGreaterThanOrEqual(2);
    expect(lists('deployments').length).toBeGreaterThanOrEqual(2);
    await expectNoOpenWatch(cluster.server);
  });

  it('rejects with the abort reason when the caller aborts, leaving no watch open', async () => {
    cluster = await startDriverCluster();
    cluster.server.script('registry.example/slow:1', { kind: 'neverReady', afterMs: 10 });
    const spec = instanceSpec({ image: 'registry.example/slow:1', progressDeadlineSeconds: 100_000 });
    const applied = await cluster.driver.apply(buildInstanceObjects(spec));
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('the job was cancelled')), 100);
    await expect(
      cluster.driver.followRollout({ ...spec, generation: applied.generation }, { signal: controller.signal, onPhase: () => {} }),
    ).rejects.toThrow('the job was cancelled');
    await expectNoOpenWatch(cluster.server);
  });
});
