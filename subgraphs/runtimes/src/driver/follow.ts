import type { KubeConfig, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { ClusterError, toClusterError } from './cluster-error.js';
import { instanceSelector } from './manifests.js';
import type { ObservedInstance, PhaseEvent } from './phases.js';
import { streamWatch } from './raw-request.js';
import { HttpStatusFailure, withTimeout } from './request-failure.js';

/** The instance a follow watches. */
export interface FollowTarget {
  namespace: string;
  objectName: string;
  instanceId: string;
}

export interface FollowOptions {
  /** Called once per change of phase (or of failure reason), in order. */
  onPhase: (event: PhaseEvent) => void;
  signal?: AbortSignal;
  /** The driver's own limit on the whole operation; past it the follow ends FAILED, DEADLINE_EXCEEDED. */
  deadlineMs?: number;
}

export interface FollowSettings {
  requestTimeoutMs: number;
  /** How long list and watch may keep failing with errors a retry can help before the follow gives up. */
  clusterErrorGraceMs: number;
  /** First pause between failed attempts; doubles up to 5 s. */
  retryDelayMs: number;
  /** Asked of the API server so a silently dead connection is replaced at least this often. */
  watchTimeoutSeconds: number;
}

/** What the list functions give back: items and the resourceVersion to watch from. */
export interface Listed<T> {
  items: T[];
  resourceVersion: string;
}

export interface FollowSources {
  kubeConfig: KubeConfig;
  listDeployments(target: FollowTarget, signal: AbortSignal): Promise<Listed<V1Deployment>>;
  listPods(target: FollowTarget, signal: AbortSignal): Promise<Listed<V1Pod>>;
}

/**
 * Decides the phase from what has been seen. `undefined` keeps the current phase; `wakeAtMs` asks to be
 * asked again at that time even if nothing changes (a grace period running out).
 */
export type Judge = (observed: ObservedInstance, nowMs: number) => { event: PhaseEvent; isFinal: boolean; wakeAtMs?: number };

const MAX_RETRY_DELAY_MS = 5000;
const DEFAULT_DEADLINE_MS = 15 * 60_000;

class WatchGone extends Error {}

/**
 * Lists the instance's Deployment and Pods, then watches both from the lists' resourceVersion, judging
 * after every change, until the judge says the operation is over, the deadline passes, the cluster keeps
 * failing, or `signal` aborts (then it rejects with the signal's reason). It returns only after both
 * watch connections are closed.
 */
export async function follow(sources: FollowSources, settings: FollowSettings, target: FollowTarget, options: FollowOptions, judge: Judge, deadlineMessage: string): Promise<PhaseEvent> {
  const { signal, onPhase, deadlineMs = DEFAULT_DEADLINE_MS } = options;
  signal?.throwIfAborted();
  const stop = new AbortController();
  const deployments = new Map<string, V1Deployment>();
  const pods = new Map<string, V1Pod>();
  const listed = { deployments: false, pods: false };
  let last: PhaseEvent | undefined;
  let outcome: { event: PhaseEvent } | { error: unknown } | undefined;
  let wakeTimer: NodeJS.Timeout | undefined;

  const emit = (event: PhaseEvent) => {
    if (last && last.phase === event.phase && last.reason === event.reason) return;
    last = event;
    onPhase(event);
  };
  const finish = (result: { event: PhaseEvent } | { error: unknown }) => {
    if (outcome) return;
    outcome = result;
    if ('event' in result) emit(result.event);
    stop.abort();
  };
  const judgeNow = () => {
    if (outcome || !listed.deployments || !listed.pods) return;
    const verdict = judge({ deployment: deployments.get(target.objectName), pods: [...pods.values()] }, Date.now());
    clearTimeout(wakeTimer);
    if (verdict.isFinal) return finish({ event: verdict.event });
    emit(verdict.event);
    if (verdict.wakeAtMs !== undefined) wakeTimer = setTimeout(judgeNow, Math.max(0, verdict.wakeAtMs - Date.now()));
  };

  const onAbort = () => finish({ error: signal!.reason });
  signal?.addEventListener('abort', onAbort, { once: true });
  const deadline = setTimeout(() => finish({ event: { phase: 'FAILED', reason: 'DEADLINE_EXCEEDED', message: deadlineMessage.replace('{deadline}', `${Math.round(deadlineMs / 1000)} s`) } }), deadlineMs);
  const onClusterError = (error: ClusterError) =>
    finish({ event: { phase: 'FAILED', reason: 'CLUSTER_ERROR', message: `${error.message}${error.isRetryable ? ` It kept failing for ${Math.round(settings.clusterErrorGraceMs / 1000)} s.` : ''}` } });

  const feeds = [
    keepWatching<V1Deployment>({
      kubeConfig: sources.kubeConfig,
      settings,
      what: `watch Deployment ${target.namespace}/${target.objectName}`,
      path: `/apis/apps/v1/namespaces/${encodeURIComponent(target.namespace)}/deployments`,
      query: { fieldSelector: `metadata.name=${target.objectName}` },
      list: (listSignal) => sources.listDeployments(target, listSignal),
      replace: (items) => {
        deployments.clear();
        for (const item of items) deployments.set(item.metadata?.name ?? '', item);
        listed.deployments = true;
      },
      apply: (type, item) => (type === 'DELETED' ? deployments.delete(item.metadata?.name ?? '') : deployments.set(item.metadata?.name ?? '', item)),
      onChange: judgeNow,
      onFailure: onClusterError,
      signal: stop.signal,
    }),
    keepWatching<V1Pod>({
      kubeConfig: sources.kubeConfig,
      settings,
      what: `watch the Pods of instance ${target.instanceId} in ${target.namespace}`,
      path: `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods`,
      query: { labelSelector: instanceSelector(target.instanceId) },
      list: (listSignal) => sources.listPods(target, listSignal),
      replace: (items) => {
        pods.clear();
        for (const item of items) pods.set(item.metadata?.name ?? '', item);
        listed.pods = true;
      },
      apply: (type, item) => (type === 'DELETED' ? pods.delete(item.metadata?.name ?? '') : pods.set(item.metadata?.name ?? '', item)),
      onChange: judgeNow,
      onFailure: onClusterError,
      signal: stop.signal,
    }),
  ];
  try {
    await Promise.all(feeds);
  } finally {
    clearTimeout(deadline);
    clearTimeout(wakeTimer);
    signal?.removeEventListener('abort', onAbort);
  }
  if (!outcome) throw new Error('the follow ended without an outcome');
  if ('error' in outcome) throw outcome.error;
  return outcome.event;
}

interface Feed<T> {
  kubeConfig: KubeConfig;
  settings: FollowSettings;
  what: string;
  path: string;
  query: Record<string, string>;
  list: (signal: AbortSignal) => Promise<Listed<T>>;
  replace: (items: T[]) => void;
  apply: (type: 'ADDED' | 'MODIFIED' | 'DELETED', item: T) => void;
  onChange: () => void;
  onFailure: (error: ClusterError) => void;
  signal: AbortSignal;
}

/**
 * One list-then-watch loop. A watch that ends or drops resumes from the last resourceVersion seen, an
 * event's or a bookmark's; 410 Gone (an ERROR event, or the HTTP status) means that point has left the
 * server's history, so it lists again and watches from the new list.
 */
async function keepWatching<T extends { metadata?: { resourceVersion?: string } }>(feed: Feed<T>): Promise<void> {
  const { settings, signal } = feed;
  let resourceVersion: string | undefined;
  let failingSinceMs: number | undefined;
  let quietEnds = 0;
  while (!signal.aborted) {
    try {
      if (resourceVersion === undefined) {
        const listed = await withTimeout(settings.requestTimeoutMs, signal, (listSignal) => feed.list(listSignal));
        feed.replace(listed.items);
        resourceVersion = listed.resourceVersion;
        failingSinceMs = undefined;
        feed.onChange();
        if (signal.aborted) return;
      }
      let sawEvent = false;
      // The handler runs inside the stream's line events, where a throw would escape: it stops the
      // stream and leaves the reason here instead.
      let streamError: Error | undefined;
      await streamWatch(
        feed.kubeConfig,
        feed.path,
        { ...feed.query, resourceVersion, allowWatchBookmarks: true, timeoutSeconds: settings.watchTimeoutSeconds },
        (event) => {
          if (signal.aborted || streamError) return 'stop';
          sawEvent = true;
          if (event.type === 'ERROR') {
            const code = typeof event.object?.code === 'number' ? event.object.code : 500;
            streamError = code === 410 ? new WatchGone() : new HttpStatusFailure(code, JSON.stringify(event.object ?? {}));
            return 'stop';
          }
          const version = event.object?.metadata?.resourceVersion;
          if (typeof version === 'string' && version !== '') resourceVersion = version;
          if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED') {
            feed.apply(event.type, event.object as T);
            feed.onChange();
          }
          return undefined;
        },
        { signal, connectTimeoutMs: settings.requestTimeoutMs },
      );
      if (streamError) throw streamError;
      failingSinceMs = undefined;
      // A server that closes every watch at once would otherwise be asked again in a tight loop.
      quietEnds = sawEvent ? 0 : quietEnds + 1;
      if (quietEnds > 1) await pause(Math.min(settings.retryDelayMs * 2 ** (quietEnds - 2), MAX_RETRY_DELAY_MS), signal);
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof WatchGone || (error as { code?: unknown }).code === 410) {
        resourceVersion = undefined;
        continue;
      }
      const clusterError = toClusterError(error, feed.what.replace(/^watch/, resourceVersion === undefined ? 'list' : 'watch'), settings.requestTimeoutMs);
      const nowMs = Date.now();
      failingSinceMs ??= nowMs;
      if (!clusterError.isRetryable || nowMs - failingSinceMs >= settings.clusterErrorGraceMs) return feed.onFailure(clusterError);
      const attempt = Math.floor(Math.log2((nowMs - failingSinceMs) / settings.retryDelayMs + 1));
      await pause(Math.min(settings.retryDelayMs * 2 ** attempt, MAX_RETRY_DELAY_MS), signal);
    }
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
