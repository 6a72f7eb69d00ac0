import { createHash } from 'node:crypto';
import { toTimestamp, type KubeObject } from './resources.js';
import type { ObjectStore } from './store.js';

/**
 * What the containers of one image do once their Pod exists. Times are real milliseconds; back-offs
 * follow the kubelet's (10 s doubling to 5 min) measured in API seconds (`apiSecondMs`).
 */
export type PodBehaviour =
  /** Scheduled, pulled, running and Ready after `afterMs` (default 20). */
  | { kind: 'ready'; afterMs?: number }
  /** Running after `afterMs` but never Ready, like a readiness probe that never passes. */
  | { kind: 'neverReady'; afterMs?: number }
  /** ErrImagePull after `afterMs`, then ImagePullBackOff and ErrImagePull in turn. */
  | { kind: 'imagePullFailure'; afterMs?: number; message?: string }
  /** Starts after `afterMs`, exits `exitCode` (default 1) `afterMs` later, then CrashLoopBackOff with restartCount rising. */
  | { kind: 'crashLoop'; afterMs?: number; exitCode?: number }
  /** Never scheduled: PodScheduled False, reason Unschedulable. */
  | { kind: 'unschedulable'; message?: string };

type ContainerPhase = 'creating' | 'running' | 'pullError' | 'pullBackOff' | 'crashBackOff';

interface ContainerRuntime {
  name: string;
  image: string;
  behaviour: PodBehaviour;
  phase: ContainerPhase;
  isReady: boolean;
  hasStarted: boolean;
  restartCount: number;
  startedAt?: string;
  lastTerminated?: { exitCode: number; reason: string; startedAt?: string; finishedAt: string };
  backOffSeconds: number;
}

interface PodRuntime {
  namespace: string;
  name: string;
  uid: string;
  scheduling: 'pending' | 'scheduled' | 'unschedulable';
  containers: ContainerRuntime[];
  startTime?: string;
  podIp: string;
}

export interface PodLifecycle {
  /** Starts driving a Pod just stored by the controller; `onChange` runs after each status write. */
  start(pod: KubeObject): void;
  /** Stops its timers; the Pod is gone or going. */
  forget(uid: string): void;
  stop(): void;
}

const NODE_NAME = 'kubernetes-test-server-node';
const MAX_BACK_OFF_SECONDS = 300;

export function createPodLifecycle({
  store,
  behaviourFor,
  apiSecondMs,
  onChange,
}: {
  store: ObjectStore;
  behaviourFor: (image: string) => PodBehaviour;
  apiSecondMs: number;
  onChange: (pod: KubeObject) => void;
}): PodLifecycle {
  const pods = new Map<string, PodRuntime>();
  const timers = new Map<string, Set<NodeJS.Timeout>>();
  let nextPodIp = 10;

  const after = (runtime: PodRuntime, delayMs: number, step: () => void) => {
    const set = timers.get(runtime.uid) ?? new Set();
    timers.set(runtime.uid, set);
    const timer = setTimeout(() => {
      set.delete(timer);
      if (pods.has(runtime.uid)) step();
    }, delayMs);
    set.add(timer);
  };

  const write = (runtime: PodRuntime) => {
    const pod = store.get('pods', runtime.namespace, runtime.name);
    if (!pod || pod.metadata.uid !== runtime.uid) return forget(runtime.uid);
    if (runtime.scheduling === 'scheduled') pod.spec.nodeName = NODE_NAME;
    pod.status = toPodStatus(runtime);
    onChange(store.put('pods', pod));
  };

  const drive = (runtime: PodRuntime, container: ContainerRuntime) => {
    const { behaviour } = container;
    const afterMs = 'afterMs' in behaviour ? behaviour.afterMs ?? 20 : 20;
    const backOff = () => {
      const delayMs = container.backOffSeconds * apiSecondMs;
      container.backOffSeconds = Math.min(container.backOffSeconds * 2, MAX_BACK_OFF_SECONDS);
      return delayMs;
    };
    const run = () => {
      container.phase = 'running';
      container.hasStarted = true;
      container.startedAt = toTimestamp();
      runtime.startTime ??= container.startedAt;
      container.isReady = behaviour.kind === 'ready';
      write(runtime);
      if (behaviour.kind === 'crashLoop') after(runtime, afterMs, crash);
    };
    const crash = () => {
      container.phase = 'crashBackOff';
      container.isReady = false;
      container.restartCount += 1;
      container.lastTerminated = { exitCode: behaviour.kind === 'crashLoop' ? behaviour.exitCode ?? 1 : 1, reason: 'Error', startedAt: container.startedAt, finishedAt: toTimestamp() };
      write(runtime);
      after(runtime, backOff(), run);
    };
    const pullFailed = () => {
      container.phase = 'pullError';
      write(runtime);
      after(runtime, afterMs, () => {
        container.phase = 'pullBackOff';
        write(runtime);
        after(runtime, backOff(), pullFailed);
      });
    };
    after(runtime, afterMs, behaviour.kind === 'imagePullFailure' ? pullFailed : run);
  };

  const forget = (uid: string) => {
    pods.delete(uid);
    for (const timer of timers.get(uid) ?? []) clearTimeout(timer);
    timers.delete(uid);
  };

  return {
    start: (pod) => {
      const containers = (pod.spec.containers ?? []) as { name: string; image: string }[];
      const runtime: PodRuntime = {
        namespace: pod.metadata.namespace!,
        name: pod.metadata.name,
        uid: pod.metadata.uid,
        scheduling: 'pending',
        podIp: `10.244.${Math.floor(nextPodIp / 250) % 250}.${(nextPodIp++ % 250) + 2}`,
        containers: containers.map(({ name, image }) => ({
          name,
          image,
          behaviour: behaviourFor(image),
          phase: 'creating',
          isReady: false,
          hasStarted: false,
          restartCount: 0,
          backOffSeconds: 10,
        })),
      };
      pods.set(runtime.uid, runtime);
      // The scheduler binds on its own turn, so a watcher sees the Pod Pending first, as it would.
      after(runtime, 1, () => {
        runtime.scheduling = runtime.containers.some((container) => container.behaviour.kind === 'unschedulable') ? 'unschedulable' : 'scheduled';
        write(runtime);
        if (runtime.scheduling === 'scheduled') for (const container of runtime.containers) drive(runtime, container);
      });
    },
    forget,
    stop: () => {
      for (const uid of [...pods.keys()]) forget(uid);
    },
  };
}

function toPodStatus(runtime: PodRuntime): Record<string, unknown> {
  const now = toTimestamp();
  if (runtime.scheduling !== 'scheduled') {
    const unschedulable = runtime.containers.map((container) => container.behaviour).find((behaviour) => behaviour.kind === 'unschedulable');
    return {
      phase: 'Pending',
      qosClass: 'BestEffort',
      ...(runtime.scheduling === 'unschedulable'
        ? {
            conditions: [
              {
                type: 'PodScheduled',
                status: 'False',
                reason: 'Unschedulable',
                message: (unschedulable?.kind === 'unschedulable' && unschedulable.message) || '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
                lastProbeTime: null,
                lastTransitionTime: now,
              },
            ],
          }
        : {}),
    };
  }
  const unready = runtime.containers.filter((container) => !container.isReady).map((container) => container.name);
  const isReady = unready.length === 0;
  const notReady = isReady ? {} : { reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` };
  const condition = (type: string, status: boolean, extra: object = {}) => ({ type, status: status ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: now, ...extra });
  return {
    phase: runtime.containers.some((container) => container.hasStarted) ? 'Running' : 'Pending',
    conditions: [
      condition('PodReadyToStartContainers', true),
      condition('Initialized', true),
      condition('Ready', isReady, notReady),
      condition('ContainersReady', isReady, notReady),
      condition('PodScheduled', true),
    ],
    hostIP: '10.0.0.1',
    hostIPs: [{ ip: '10.0.0.1' }],
    podIP: runtime.podIp,
    podIPs: [{ ip: runtime.podIp }],
    ...(runtime.startTime ? { startTime: runtime.startTime } : {}),
    qosClass: 'BestEffort',
    containerStatuses: runtime.containers.map((container) => toContainerStatus(runtime, container)),
  };
}

function toContainerStatus(runtime: PodRuntime, container: ContainerRuntime): Record<string, unknown> {
  const isPulled = container.phase === 'running' || container.phase === 'crashBackOff';
  const digest = createHash('sha256').update(container.image).digest('hex');
  return {
    name: container.name,
    image: container.image,
    imageID: isPulled ? `${container.image.split(':')[0]}@sha256:${digest}` : '',
    ...(container.hasStarted ? { containerID: `containerd://${createHash('sha256').update(`${runtime.uid}/${container.name}/${container.restartCount}`).digest('hex')}` } : {}),
    ready: container.isReady,
    started: container.phase === 'running',
    restartCount: container.restartCount,
    state: toContainerState(runtime, container),
    lastState: container.lastTerminated ? { terminated: container.lastTerminated } : {},
  };
}

function toContainerState(runtime: PodRuntime, container: ContainerRuntime): Record<string, unknown> {
  const { behaviour } = container;
  switch (container.phase) {
    case 'creating':
      return { waiting: { reason: 'ContainerCreating' } };
    case 'running':
      return { running: { startedAt: container.startedAt } };
    case 'pullError':
      return {
        waiting: {
          reason: 'ErrImagePull',
          message: (behaviour.kind === 'imagePullFailure' && behaviour.message) || `rpc error: code = NotFound desc = failed to pull and unpack image "${container.image}": not found`,
        },
      };
    case 'pullBackOff':
      return { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${container.image}"` } };
    case 'crashBackOff':
      return {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${container.backOffSeconds}s restarting failed container=${container.name} pod=${runtime.name}_${runtime.namespace}(${runtime.uid})`,
        },
      };
  }
}
