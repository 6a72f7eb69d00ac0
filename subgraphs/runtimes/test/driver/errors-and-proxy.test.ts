import { KubeConfig } from '@kubernetes/client-node';
import { buildInstanceObjects, ClusterError, KubernetesDriver } from '../../src/driver/index.js';
import { instanceSpec, launch, startDriverCluster, type DriverCluster } from './helpers.js';

/** API failures as ClusterErrors, and reading a config service through the service proxy. */
describe('cluster errors and the config read', () => {
  let cluster: DriverCluster;
  beforeEach(async () => {
    cluster = await startDriverCluster({ requestTimeoutMs: 300, configReadTimeoutMs: 300 });
  });
  afterEach(() => cluster.server.stop());

  const spec = instanceSpec({ kind: 'CONFIG_SERVICE', image: 'registry.example/weather-config:1', objectName: 'weather-config', instanceId: 'c-1' });
  const failureOf = (call: Promise<unknown>) => call.then(() => undefined, (error: unknown) => error as ClusterError);

  it('turns 403, 409, 500 and a hung request into ClusterErrors with the reason and whether to retry', async () => {
    cluster.server.addToken('other-tenant-token', { user: 'tenant-b', namespaces: ['tenant-b'] });
    const config = new KubeConfig();
    config.loadFromString(cluster.server.kubeconfig({ token: 'other-tenant-token' }));
    const forbidden = await failureOf(new KubernetesDriver(config).apply(buildInstanceObjects(spec)));
    expect(forbidden).toBeInstanceOf(ClusterError);
    expect(forbidden).toMatchObject({ reason: 'FORBIDDEN', isRetryable: false, code: 403 });
    expect(forbidden!.message).toMatch(/create Namespace tenant-acme: .*\(403\)/);
    expect(forbidden!.message).not.toContain('other-tenant-token');

    await cluster.driver.apply(buildInstanceObjects(spec));
    cluster.server.failNext({ verb: 'patch', resource: 'deployments', code: 409 });
    expect(await failureOf(cluster.driver.apply(buildInstanceObjects(spec)))).toMatchObject({ reason: 'CONFLICT', isRetryable: false, code: 409, apiReason: 'Conflict' });

    cluster.server.failNext({ verb: 'patch', resource: 'secrets', code: 500 });
    const upstream = await failureOf(cluster.driver.apply(buildInstanceObjects(spec)));
    expect(upstream).toMatchObject({ reason: 'UPSTREAM_ERROR', isRetryable: true, code: 500 });
    expect(upstream!.message).toMatch(/^write Secret tenant-acme\/weather-config-config: the API server failed \(HTTP 500\)/);

    cluster.server.failNext({ verb: 'delete', resource: 'deployments', hang: true });
    const started = Date.now();
    const timeout = await failureOf(cluster.driver.remove(spec.namespace, spec.objectName));
    expect(timeout).toMatchObject({ reason: 'TIMEOUT', isRetryable: true });
    expect(timeout!.message).toContain('did not answer within 300 ms');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('ends a follow FAILED CLUSTER_ERROR on an error a retry cannot help, and rides out passing 5xx', async () => {
    cluster.server.failNext({ verb: 'watch', resource: 'pods', code: 503, count: 2 });
    const { final } = await launch(cluster, spec);
    expect(final.phase).toBe('READY');

    const applied = await cluster.driver.apply(buildInstanceObjects({ ...spec, config: { city: 'Bergen' } }));
    cluster.server.failNext({ verb: 'list', resource: 'pods', code: 403 });
    const failed = await cluster.driver.followRollout({ ...spec, generation: applied.generation }, { onPhase: () => {} });
    expect(failed).toMatchObject({ phase: 'FAILED', reason: 'CLUSTER_ERROR', message: expect.stringContaining('(403)') });
  });

  it('reads the JSON Schema through the service proxy, and refuses a non-JSON, oversized or failing answer', async () => {
    const answers: { status?: number; body: unknown }[] = [];
    cluster.server.proxyHandler(spec.image, (request) => (request.path === '/config' ? answers.shift()! : { status: 404, body: 'not here' }));
    await launch(cluster, spec);
    const read = () => cluster.driver.readConfig(spec.namespace, spec.objectName, spec.port);

    answers.push({ body: { type: 'object', properties: { city: { type: 'string' } } } });
    expect(await read()).toEqual({ schema: { type: 'object', properties: { city: { type: 'string' } } } });
    answers.push({ body: { schema: { type: 'object' }, uiSchema: { city: { 'ui:widget': 'text' } } } });
    expect(await read()).toEqual({ schema: { type: 'object' }, uiSchema: { city: { 'ui:widget': 'text' } } });

    answers.push({ body: '<html>hello</html>' });
    expect(await failureOf(read())).toMatchObject({ reason: 'INVALID_ANSWER', message: expect.stringContaining('not JSON') });
    answers.push({ body: JSON.stringify({ blob: 'x'.repeat(1024 * 1024) }) });
    expect(await failureOf(read())).toMatchObject({ reason: 'INVALID_ANSWER', message: expect.stringContaining('more than 1048576 bytes') });
    answers.push({ status: 404, body: 'no config here' });
    expect(await failureOf(read())).toMatchObject({ reason: 'INVALID_ANSWER', message: expect.stringContaining('HTTP 404 instead of 200') });
    answers.push({ status: 500, body: 'boom' });
    expect(await failureOf(read())).toMatchObject({ reason: 'UPSTREAM_ERROR', isRetryable: true });
    cluster.server.failNext({ verb: 'proxy', hang: true });
    expect(await failureOf(read())).toMatchObject({ reason: 'TIMEOUT', isRetryable: true });
  });
});
