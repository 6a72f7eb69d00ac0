import { ApiException, PatchStrategy, setHeaderOptions, VersionApi } from '@kubernetes/client-node';
import { conditionOf, createNamespace, newDeployment, startTestCluster, startWatchRecorder, toKubeConfig, type TestCluster } from './helpers/clients.js';
import { CoreV1Api } from '@kubernetes/client-node';
import { get } from 'node:https';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

describe('Deployment rollouts, service proxy and access', () => {
  let cluster: TestCluster;
  beforeEach(async () => {
    cluster = await startTestCluster();
    await createNamespace(cluster, 'tenant-a');
  });
  afterEach(() => cluster.server.stop());

  const watchDeployments = () => startWatchRecorder(cluster.kubeConfig, '/apis/apps/v1/namespaces/tenant-a/deployments', { resourceVersion: '1' });
  const watchPods = () => startWatchRecorder(cluster.kubeConfig, '/api/v1/namespaces/tenant-a/pods', { resourceVersion: '1' });
  const launch = (name: string, image: string, options?: Parameters<typeof newDeployment>[2]) =>
    cluster.apps.createNamespacedDeployment({ namespace: 'tenant-a', body: newDeployment(name, image, options) });
  const reason = (type: string) => (event: { object: Parameters<typeof conditionOf>[0] }) => conditionOf(event.object, 'Progressing')?.reason === type;

  it('rolls out to NewReplicaSetAvailable, upgrades through updatedReplicas, and scales to zero', async () => {
    const watch = await watchDeployments();
    await launch('web', 'registry/web:1');
    const ready = await watch.waitFor((event) => event.object.status?.readyReplicas === 1 && reason('NewReplicaSetAvailable')(event));
    expect(ready.object.status).toMatchObject({ observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 });
    expect(conditionOf(ready.object, 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
    expect(ready.object.metadata.annotations['deployment.kubernetes.io/revision']).toBe('1');

    await cluster.apps.patchNamespacedDeployment({ namespace: 'tenant-a', name: 'web', body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'registry/web:2' }] } } } } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
    const upgraded = await watch.waitFor((event) => event.object.status?.observedGeneration === 2 && reason('NewReplicaSetAvailable')(event));
    expect(upgraded.object.status).toMatchObject({ replicas: 1, updatedReplicas: 1, availableReplicas: 1 });
    expect(upgraded.object.metadata.annotations['deployment.kubernetes.io/revision']).toBe('2');
    // Mid-rollout the old Pod still runs beside the new one.
    expect(watch.events.some((event) => event.object.status?.observedGeneration === 2 && event.object.status?.replicas === 2)).toBe(true);
    const pods = cluster.server.objects('pods', { namespace: 'tenant-a' });
    expect(pods.map((pod) => pod.spec.containers[0].image)).toEqual(['registry/web:2']);

    await cluster.apps.patchNamespacedDeployment({ namespace: 'tenant-a', name: 'web', body: { spec: { replicas: 0 } } }, mergePatch);
    const stopped = await watch.waitFor((event) => event.object.status?.observedGeneration === 3 && !event.object.status?.replicas && reason('NewReplicaSetAvailable')(event));
    watch.abort();
    expect(stopped.object.status.readyReplicas).toBeUndefined();
    expect(cluster.server.objects('pods')).toEqual([]);
  });

  it('shows an image pull failure as ErrImagePull then ImagePullBackOff', async () => {
    cluster.server.script('registry/missing:1', { kind: 'imagePullFailure', afterMs: 5 });
    const pods = await watchPods();
    await launch('web', 'registry/missing:1');
    const backOff = await pods.waitFor((event) => event.object.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff');
    pods.abort();
    expect(pods.events.some((event) => event.object.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImagePull')).toBe(true);
    expect(backOff.object.status.containerStatuses[0].state.waiting.message).toBe('Back-off pulling image "registry/missing:1"');
    expect(backOff.object.status.phase).toBe('Pending');
  });

  it('shows a crash loop as CrashLoopBackOff with restartCount rising', async () => {
    cluster.server.script('registry/crash:1', { kind: 'crashLoop', afterMs: 5, exitCode: 2 });
    const pods = await watchPods();
    await launch('web', 'registry/crash:1');
    const second = await pods.waitFor((event) => event.object.status?.containerStatuses?.[0]?.restartCount >= 2);
    pods.abort();
    const container = second.object.status.containerStatuses[0];
    expect(container.state.waiting?.reason ?? 'CrashLoopBackOff').toBe('CrashLoopBackOff');
    expect(container.lastState.terminated).toMatchObject({ exitCode: 2, reason: 'Error' });
    expect(container.ready).toBe(false);
  });

  it('shows an unschedulable Pod with PodScheduled False', async () => {
    cluster.server.script('registry/huge:1', { kind: 'unschedulable' });
    const pods = await watchPods();
    await launch('web', 'registry/huge:1');
    const pending = await pods.waitFor((event) => event.object.status?.conditions?.some((condition: { reason?: string }) => condition.reason === 'Unschedulable'));
    pods.abort();
    expect(pending.object.status.conditions[0]).toMatchObject({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: expect.stringContaining('nodes are available') });
  });

  it('marks a rollout that makes no progress ProgressDeadlineExceeded', async () => {
    cluster.server.script('registry/slow:1', { kind: 'neverReady', afterMs: 5 });
    const watch = await watchDeployments();
    await launch('web', 'registry/slow:1', { progressDeadlineSeconds: 100 });
    const exceeded = await watch.waitFor(reason('ProgressDeadlineExceeded'));
    watch.abort();
    expect(conditionOf(exceeded.object, 'Progressing')).toMatchObject({ status: 'False', message: expect.stringMatching(/^ReplicaSet "web-\w+" has timed out progressing\.$/) });
    expect(conditionOf(exceeded.object, 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
  });

  it('answers the service proxy from the handler of the selected image, and 503 without a Ready Pod', async () => {
    cluster.server.proxyHandler('registry/form:1', (request) => ({ body: { path: request.path, port: request.port, service: request.service } }));
    await cluster.core.createNamespacedService({ namespace: 'tenant-a', body: { metadata: { name: 'form' }, spec: { selector: { app: 'form' }, ports: [{ name: 'http', port: 80 }] } } });
    const early = await cluster.core.connectGetNamespacedServiceProxyWithPath({ namespace: 'tenant-a', name: 'form:http', path: 'config' }).catch((error: ApiException<string>) => error);
    expect((early as ApiException<string>).code).toBe(503);
    expect(JSON.parse((early as ApiException<string>).body)).toMatchObject({ kind: 'Status', code: 503, message: 'no endpoints available for service "form"' });

    const watch = await watchDeployments();
    await launch('form', 'registry/form:1');
    await watch.waitFor((event) => event.object.status?.readyReplicas === 1);
    watch.abort();
    const answer = await cluster.core.connectGetNamespacedServiceProxyWithPath({ namespace: 'tenant-a', name: 'form:http', path: 'config' });
    // The generated client parses a JSON answer although the operation is typed as a string.
    expect(typeof answer === 'string' ? JSON.parse(answer) : answer).toEqual({ path: '/config', port: 'http', service: 'form' });
  });

  it('refuses a missing or wrong token with 401, a namespace outside the token with 403, and a client that trusts another CA', async () => {
    const noToken = await getWithoutToken(cluster.server.url, cluster.server.caPem);
    expect(noToken).toEqual({ code: 401, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 } });

    const wrongToken = toKubeConfig(cluster.server.kubeconfig({ token: 'not-a-token' })).makeApiClient(CoreV1Api);
    const unauthorized = await wrongToken.listNamespace().catch((error: ApiException<string>) => error);
    expect((unauthorized as ApiException<string>).code).toBe(401);
    // /version answers anonymous callers, but a token that fails authentication is refused there too.
    const wrongTokenVersion = toKubeConfig(cluster.server.kubeconfig({ token: 'not-a-token' })).makeApiClient(VersionApi);
    expect(((await wrongTokenVersion.getCode().catch((error: ApiException<string>) => error)) as ApiException<string>).code).toBe(401);
    const rightTokenVersion = toKubeConfig(cluster.server.kubeconfig()).makeApiClient(VersionApi);
    await expect(rightTokenVersion.getCode()).resolves.toMatchObject({ major: '1' });

    cluster.server.addToken('tenant-b-token', { user: 'tenant-b', namespaces: ['tenant-b'] });
    const tenantB = toKubeConfig(cluster.server.kubeconfig({ token: 'tenant-b-token' })).makeApiClient(CoreV1Api);
    const forbidden = await tenantB.listNamespacedSecret({ namespace: 'tenant-a' }).catch((error: ApiException<string>) => error);
    expect((forbidden as ApiException<string>).code).toBe(403);
    expect(JSON.parse((forbidden as ApiException<string>).body)).toMatchObject({
      reason: 'Forbidden',
      message: 'secrets is forbidden: User "tenant-b" cannot list resource "secrets" in API group "" in the namespace "tenant-a"',
    });

    const other = await startTestCluster();
    const wrongCa = toKubeConfig(cluster.server.kubeconfig({ caPem: other.server.caPem })).makeApiClient(CoreV1Api);
    await other.server.stop();
    await expect(wrongCa.listNamespace()).rejects.toThrow(/certificate|self.signed|unable to verify/i);
  });

  it('fails the next matching requests as injected, then answers normally', async () => {
    cluster.server.failNext({ verb: 'create', resource: 'secrets', code: 500, count: 2 });
    cluster.server.failNext({ verb: 'patch', resource: 'deployments', code: 409 });
    cluster.server.failNext({ verb: 'get', resource: 'services', hang: true });
    const body = { metadata: { name: 'config' } };
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const failed = await cluster.core.createNamespacedSecret({ namespace: 'tenant-a', body }).catch((error: ApiException<string>) => error);
      expect(JSON.parse((failed as ApiException<string>).body)).toMatchObject({ code: 500, reason: 'InternalError' });
    }
    await cluster.core.createNamespacedSecret({ namespace: 'tenant-a', body });
    expect(cluster.server.objects('secrets')).toHaveLength(1);

    await launch('web', 'registry/web:1');
    const conflict = await cluster.apps.patchNamespacedDeployment({ namespace: 'tenant-a', name: 'web', body: { spec: { replicas: 2 } } }, mergePatch).catch((error: ApiException<string>) => error);
    expect((conflict as ApiException<string>).code).toBe(409);

    const hanging = Promise.race([
      cluster.core.readNamespacedService({ namespace: 'tenant-a', name: 'web' }).then(() => 'answered', () => 'failed'),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 200)),
    ]);
    expect(await hanging).toBe('still waiting');
  });
});

function getWithoutToken(url: string, caPem: string): Promise<{ code: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    get(`${url}/api/v1/namespaces`, { ca: caPem }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ code: response.statusCode ?? 0, body: JSON.parse(text) }));
    }).on('error', reject);
  });
}
