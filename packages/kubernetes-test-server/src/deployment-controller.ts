import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { toTimestamp, type KubeObject } from './resources.js';
import type { ObjectStore } from './store.js';
import type { PodLifecycle } from './pod-lifecycle.js';

/** Keeps each Deployment's Pods and status in line with its spec, as the deployment and ReplicaSet controllers do together. */
export interface DeploymentController {
  /** Queues a sync of the Deployment on a later turn; several requests in one turn make one sync. */
  enqueue(namespace: string, name: string): void;
  /** Removes every Pod the Deployment owns (garbage collection after its deletion). */
  removePods(deployment: KubeObject): void;
  stop(): void;
}

interface RolloutState {
  revisions: Map<string, number>;
  replicaSetUids: Set<string>;
  lastProgressMs: number;
  deadlineTimer?: NodeJS.Timeout;
}

const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
// The alphabet Kubernetes uses for pod-template-hash and generated names (no vowels, no look-alikes).
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function createDeploymentController({ store, pods, apiSecondMs }: { store: ObjectStore; pods: PodLifecycle; apiSecondMs: number }): DeploymentController {
  const rollouts = new Map<string, RolloutState>();
  const queued = new Set<string>();
  let isStopped = false;

  const stateOf = (deployment: KubeObject) => {
    let state = rollouts.get(deployment.metadata.uid);
    if (!state) rollouts.set(deployment.metadata.uid, (state = { revisions: new Map(), replicaSetUids: new Set(), lastProgressMs: Date.now() }));
    return state;
  };
  const ownedPods = (deployment: KubeObject, state: RolloutState) =>
    store.list('pods', deployment.metadata.namespace).filter((pod) => state.replicaSetUids.has(pod.metadata.ownerReferences?.[0]?.uid ?? ''));

  const removePod = (pod: KubeObject) => {
    pods.forget(pod.metadata.uid);
    store.remove('pods', pod.metadata.namespace, pod.metadata.name);
  };

  const sync = (namespace: string, name: string) => {
    const deployment = store.get('deployments', namespace, name);
    if (!deployment || deployment.metadata.deletionTimestamp) return;
    const state = stateOf(deployment);
    const hash = toTemplateHash(deployment.spec.template);
    const replicaSetName = `${name}-${hash}`;
    const isNewRevision = !state.revisions.has(hash);
    if (isNewRevision) {
      state.revisions.set(hash, Math.max(0, ...state.revisions.values()) + 1);
      state.replicaSetUids.add(toReplicaSetUid(deployment.metadata.uid, hash));
      state.lastProgressMs = Date.now();
    }
    const desired: number = deployment.spec.replicas ?? 1;
    let current = ownedPods(deployment, state).filter((pod) => pod.metadata.labels?.['pod-template-hash'] === hash);
    for (let index = current.length; index < desired; index += 1) {
      const pod = store.put('pods', toPod(deployment, hash, toReplicaSetUid(deployment.metadata.uid, hash)));
      pods.start(pod);
    }
    for (const pod of current.slice(desired)) removePod(pod);
    current = ownedPods(deployment, state).filter((pod) => pod.metadata.labels?.['pod-template-hash'] === hash);
    // Old Pods go once the new ones are all Ready: a rolling update with maxUnavailable 0 and maxSurge 100%.
    if (desired === 0 || (current.length === desired && current.every(isPodReady))) {
      for (const pod of ownedPods(deployment, state)) if (pod.metadata.labels?.['pod-template-hash'] !== hash) removePod(pod);
    }

    const owned = ownedPods(deployment, state);
    const counts = {
      replicas: owned.length,
      updatedReplicas: current.length,
      readyReplicas: owned.filter(isPodReady).length,
      availableReplicas: owned.filter(isPodReady).length,
    };
    const previous = deployment.status ?? {};
    if (isNewRevision || counts.updatedReplicas > (previous.updatedReplicas ?? 0) || counts.availableReplicas > (previous.availableReplicas ?? 0) || (previous.replicas ?? 0) !== counts.replicas) {
      state.lastProgressMs = Date.now();
    }
    const isComplete = counts.updatedReplicas === desired && counts.replicas === desired && counts.availableReplicas === desired;
    const deadlineMs = (deployment.spec.progressDeadlineSeconds ?? 600) * apiSecondMs;
    const hasTimedOut = !isComplete && Date.now() - state.lastProgressMs >= deadlineMs;
    clearTimeout(state.deadlineTimer);
    if (!isComplete && !hasTimedOut) {
      state.deadlineTimer = setTimeout(() => enqueue(namespace, name), state.lastProgressMs + deadlineMs - Date.now() + 1);
    }

    const maxUnavailable = readIntOrPercent(deployment.spec.strategy?.rollingUpdate?.maxUnavailable ?? '25%', desired);
    const conditions: Record<string, unknown>[] = previous.conditions ?? [];
    const available =
      counts.availableReplicas >= desired - maxUnavailable
        ? { status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
        : { status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' };
    const progressing = isComplete
      ? { status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${replicaSetName}" has successfully progressed.` }
      : hasTimedOut
        ? { status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${replicaSetName}" has timed out progressing.` }
        : isNewRevision
          ? { status: 'True', reason: 'NewReplicaSetCreated', message: `Created new replica set "${replicaSetName}"` }
          : { status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${replicaSetName}" is progressing.` };
    const status = omitZeros({
      observedGeneration: deployment.metadata.generation,
      ...counts,
      unavailableReplicas: Math.max(0, desired - counts.availableReplicas),
      conditions: [toCondition(conditions, 'Available', available), toCondition(conditions, 'Progressing', progressing)],
    });
    const revision = String(state.revisions.get(hash));
    if (JSON.stringify(status) !== JSON.stringify(previous) || deployment.metadata.annotations?.[REVISION_ANNOTATION] !== revision) {
      deployment.status = status;
      deployment.metadata.annotations = { ...deployment.metadata.annotations, [REVISION_ANNOTATION]: revision };
      store.put('deployments', deployment);
    }
  };

  const enqueue = (namespace: string, name: string) => {
    const key = `${namespace}/${name}`;
    if (isStopped || queued.has(key)) return;
    queued.add(key);
    setImmediate(() => {
      queued.delete(key);
      if (!isStopped) sync(namespace, name);
    });
  };

  return {
    enqueue,
    removePods: (deployment) => {
      const state = rollouts.get(deployment.metadata.uid);
      if (!state) return;
      clearTimeout(state.deadlineTimer);
      for (const pod of ownedPods(deployment, state)) removePod(pod);
      rollouts.delete(deployment.metadata.uid);
    },
    stop: () => {
      isStopped = true;
      for (const state of rollouts.values()) clearTimeout(state.deadlineTimer);
    },
  };
}

export function isPodReady(pod: KubeObject): boolean {
  return (pod.status?.conditions ?? []).some((condition: { type: string; status: string }) => condition.type === 'Ready' && condition.status === 'True');
}

/** Finds the Deployment that owns a Pod through its ReplicaSet name (`<deployment>-<hash>`). */
export function ownerDeploymentName(pod: KubeObject): string | undefined {
  const owner = pod.metadata.ownerReferences?.[0];
  const hash = pod.metadata.labels?.['pod-template-hash'];
  return owner && hash && owner.name.endsWith(`-${hash}`) ? owner.name.slice(0, -hash.length - 1) : undefined;
}

function toPod(deployment: KubeObject, hash: string, replicaSetUid: string): KubeObject {
  const replicaSetName = `${deployment.metadata.name}-${hash}`;
  const template = structuredClone(deployment.spec.template ?? {});
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${replicaSetName}-${toRandomName(5)}`,
      generateName: `${replicaSetName}-`,
      namespace: deployment.metadata.namespace,
      uid: randomUUID(),
      resourceVersion: '',
      creationTimestamp: toTimestamp(),
      labels: { ...template.metadata?.labels, 'pod-template-hash': hash },
      ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: replicaSetName, uid: replicaSetUid, controller: true, blockOwnerDeletion: true }],
    },
    spec: { ...template.spec, serviceAccountName: template.spec?.serviceAccountName ?? 'default' },
    status: { phase: 'Pending', qosClass: 'BestEffort' },
  };
}

function toCondition(existing: Record<string, unknown>[], type: string, next: { status: string; reason: string; message: string }): Record<string, unknown> {
  const previous = existing.find((condition) => condition.type === type);
  const now = toTimestamp();
  const isSame = previous?.status === next.status && previous?.reason === next.reason && previous?.message === next.message;
  return {
    type,
    ...next,
    lastUpdateTime: isSame ? previous.lastUpdateTime : now,
    lastTransitionTime: previous?.status === next.status ? previous.lastTransitionTime : now,
  };
}

// The API server leaves zero counts out of DeploymentStatus (omitempty), so clients must read them as `?? 0`.
function omitZeros(status: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(status).filter(([, value]) => value !== 0 && value !== undefined));
}

function readIntOrPercent(value: number | string, total: number): number {
  if (typeof value === 'number') return value;
  return Math.floor((Number.parseInt(value, 10) / 100) * total);
}

function toTemplateHash(template: unknown): string {
  const digest = createHash('sha256').update(toStableJson(template)).digest();
  return [...digest.subarray(0, 10)].map((byte) => NAME_ALPHABET[byte % NAME_ALPHABET.length]).join('');
}

function toReplicaSetUid(deploymentUid: string, hash: string): string {
  const hex = createHash('sha256').update(`${deploymentUid}/${hash}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function toRandomName(length: number): string {
  return [...randomBytes(length)].map((byte) => NAME_ALPHABET[byte % NAME_ALPHABET.length]).join('');
}

/** JSON with object keys sorted at every level, for comparing objects as values. */
export function toStableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(toStableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${toStableJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
