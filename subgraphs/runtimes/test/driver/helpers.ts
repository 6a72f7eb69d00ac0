import { KubeConfig } from '@kubernetes/client-node';
import { startKubernetesTestServer, type KubernetesTestServer, type KubernetesTestServerOptions } from '@addon-platform/kubernetes-test-server';
import { buildInstanceObjects, KubernetesDriver, type InstanceSpec, type KubernetesDriverOptions, type PhaseEvent } from '../../src/driver/index.js';

export interface DriverCluster {
  server: KubernetesTestServer;
  driver: KubernetesDriver;
  kubeConfig: KubeConfig;
}

/** The test server and a driver that reaches it over HTTPS with its CA and bearer token, as a cluster. */
export async function startDriverCluster(driverOptions: KubernetesDriverOptions = {}, serverOptions?: KubernetesTestServerOptions): Promise<DriverCluster> {
  const server = await startKubernetesTestServer(serverOptions);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(server.kubeconfig());
  return { server, kubeConfig, driver: new KubernetesDriver(kubeConfig, { retryDelayMs: 20, ...driverOptions }) };
}

export function instanceSpec(overrides: Partial<InstanceSpec> = {}): InstanceSpec {
  return {
    instanceId: 'i-1',
    tenant: 'acme',
    kind: 'TENANT',
    namespace: 'tenant-acme',
    objectName: 'weather-i-1',
    image: 'registry.example/weather:1.0.0',
    port: 8080,
    config: { city: 'Oslo' },
    replicas: 1,
    ...overrides,
  };
}

/** Applies the instance and follows the rollout, collecting every phase reported. */
export async function launch(cluster: DriverCluster, spec: InstanceSpec, follow: { deadlineMs?: number; onPhase?: (event: PhaseEvent) => void } = {}) {
  const applied = await cluster.driver.apply(buildInstanceObjects(spec));
  const events: PhaseEvent[] = [];
  const final = await cluster.driver.followRollout(
    { namespace: spec.namespace, objectName: spec.objectName, instanceId: spec.instanceId, generation: applied.generation },
    {
      ...(follow.deadlineMs ? { deadlineMs: follow.deadlineMs } : {}),
      onPhase: (event) => {
        events.push(event);
        follow.onPhase?.(event);
      },
    },
  );
  return { applied, events, final, phases: events.map((event) => event.phase) };
}

/** Waits until the server has no open watch; closing is seen by the server a moment after the client closes. */
export async function expectNoOpenWatch(server: KubernetesTestServer): Promise<void> {
  for (let waited = 0; server.openWatches > 0 && waited < 500; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
  if (server.openWatches !== 0) throw new Error(`${server.openWatches} watches are still open`);
}

/** Resolves once the follow has both its watches (Deployment and Pods) open. */
export async function whenWatching(cluster: DriverCluster): Promise<void> {
  while (cluster.server.openWatches < 2) await new Promise((resolve) => setTimeout(resolve, 2));
}
