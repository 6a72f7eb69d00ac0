import { AppsV1Api, CoreV1Api, KubeConfig, Watch, type V1Deployment } from '@kubernetes/client-node';
import { startKubernetesTestServer, type KubernetesTestServer, type KubernetesTestServerOptions } from '../../src/index.js';

export interface TestCluster {
  server: KubernetesTestServer;
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
}

/** Starts a server and real clients over its kubeconfig; `stop` goes in an afterEach. */
export async function startTestCluster(options?: KubernetesTestServerOptions): Promise<TestCluster> {
  const server = await startKubernetesTestServer(options);
  const kubeConfig = toKubeConfig(server.kubeconfig());
  return { server, kubeConfig, core: kubeConfig.makeApiClient(CoreV1Api), apps: kubeConfig.makeApiClient(AppsV1Api) };
}

export function toKubeConfig(text: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(text);
  return kubeConfig;
}

export interface WatchedEvent {
  type: string;
  object: any;
}

export interface WatchRecorder {
  events: WatchedEvent[];
  /** Resolves with the first event (from the start) that matches, or rejects after `timeoutMs`. */
  waitFor(predicate: (event: WatchedEvent) => boolean, timeoutMs?: number): Promise<WatchedEvent>;
  /** Resolves when the watch ends, with the error it ended with, if any. */
  ended: Promise<unknown>;
  abort(): void;
}

/** A client-node Watch that queues every event, so none is missed between awaits. */
export async function startWatchRecorder(kubeConfig: KubeConfig, path: string, query: Record<string, string | number | boolean | undefined> = {}): Promise<WatchRecorder> {
  const events: WatchedEvent[] = [];
  const waiters = new Set<() => void>();
  let resolveEnded!: (error: unknown) => void;
  const ended = new Promise<unknown>((resolve) => (resolveEnded = resolve));
  const controller = await new Watch(kubeConfig).watch(
    path,
    query,
    (type, object) => {
      events.push({ type, object });
      waiters.forEach((wake) => wake());
    },
    (error) => {
      resolveEnded(error);
      waiters.forEach((wake) => wake());
    },
  );
  return {
    events,
    ended,
    abort: () => controller.abort(),
    waitFor: (predicate, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(predicate);
          if (!found) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no matching watch event within ${timeoutMs} ms; saw ${events.map((event) => `${event.type} ${event.object?.metadata?.name ?? event.object?.reason ?? ''}`).join(', ')}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
  };
}

export function newDeployment(name: string, image: string, { replicas = 1, progressDeadlineSeconds }: { replicas?: number; progressDeadlineSeconds?: number } = {}): V1Deployment {
  return {
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      ...(progressDeadlineSeconds ? { progressDeadlineSeconds } : {}),
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } },
    },
  };
}

export async function createNamespace(cluster: TestCluster, name: string): Promise<void> {
  await cluster.core.createNamespace({ body: { metadata: { name } } });
}

export function conditionOf(deployment: V1Deployment | undefined, type: string) {
  return deployment?.status?.conditions?.find((condition) => condition.type === type);
}
