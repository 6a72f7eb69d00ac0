import type { V1ContainerStatus, V1Deployment, V1Pod, V1PodTemplateSpec } from '@kubernetes/client-node';
import { CONFIG_HASH_ANNOTATION } from './manifests.js';

/** Launch phases after QUEUED (which the job queue reports), one spelling with DESIGN's launch events. */
export type LaunchPhase = 'SCHEDULING' | 'PULLING_IMAGE' | 'STARTING' | 'READY' | 'FAILED' | 'STOPPING' | 'STOPPED' | 'DELETING' | 'DELETED';

export type FailureReason = 'IMAGE_PULL_FAILED' | 'CRASH_LOOP' | 'UNSCHEDULABLE' | 'DEADLINE_EXCEEDED' | 'CLUSTER_ERROR';

export interface PhaseEvent {
  phase: LaunchPhase;
  /** For a person: what is happening, or what to do about a failure. */
  message: string;
  /** Set when `phase` is FAILED. */
  reason?: FailureReason;
}

/** What a follow has seen of one instance: its Deployment (once listed) and its Pods. */
export interface ObservedInstance {
  deployment?: V1Deployment;
  pods: V1Pod[];
}

export const ROLLOUT_PHASES = ['SCHEDULING', 'PULLING_IMAGE', 'STARTING', 'READY'] as const;
export type RolloutPhase = (typeof ROLLOUT_PHASES)[number];

/** A rollout's state read from the cluster; `unschedulable` is left to the follow, which knows for how long. */
export type RolloutObservation =
  | { phase: RolloutPhase; message: string; unschedulable?: { pod: string; message: string } }
  | { phase: 'FAILED'; reason: FailureReason; message: string };

/**
 * Reads a rollout's phase from the Deployment and the Pods of its current template. Which states count
 * as failed at once:
 * - ImagePullBackOff (and InvalidImageName, ErrImageNeverPull): the kubelet has already failed to pull
 *   and is backing off; a lone ErrImagePull is still PULLING_IMAGE, as one registry hiccup heals.
 * - CrashLoopBackOff: the container has exited and the kubelet is backing off restarting it; waiting for
 *   back-offs of up to five minutes would only delay the same answer.
 * - ProgressDeadlineExceeded on the Deployment (for the generation written): Kubernetes' own verdict.
 * An unschedulable Pod is not failed here: a cluster autoscaler may add a node, so the follow gives it a
 * grace period.
 */
export function observeRollout({ deployment, pods }: ObservedInstance, generation: number): RolloutObservation {
  if (!deployment) return { phase: 'SCHEDULING', message: 'Waiting for the Deployment to appear.' };
  const template = deployment.spec?.template;
  const image = template?.spec?.containers?.[0]?.image ?? 'the image';
  const current = pods.filter((pod) => !pod.metadata?.deletionTimestamp && isOfTemplate(pod, template));
  const status = deployment.status ?? {};
  const desired = deployment.spec?.replicas ?? 1;
  const isObserved = (status.observedGeneration ?? 0) >= generation;

  // The API server leaves zero counts out of DeploymentStatus, so every count is read as `?? 0`.
  if (isObserved && (status.updatedReplicas ?? 0) === desired && (status.availableReplicas ?? 0) === desired && (status.replicas ?? 0) === desired) {
    return { phase: 'READY', message: desired === 1 ? 'The instance is ready.' : `All ${desired} replicas are ready.` };
  }
  for (const pod of current) {
    const failure = failureOf(pod);
    if (failure) return failure;
  }
  const progressing = status.conditions?.find((condition) => condition.type === 'Progressing');
  if (isObserved && progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    return {
      phase: 'FAILED',
      reason: 'DEADLINE_EXCEEDED',
      message: `The rollout made no progress within ${deployment.spec?.progressDeadlineSeconds ?? 600} s (${progressing.message ?? 'ProgressDeadlineExceeded'}); the container runs but never becomes ready: check that it listens on its port and its logs.`,
    };
  }

  const running = current.find((pod) => containersOf(pod).some((container) => container.state?.running));
  if (running) {
    return isPodReady(running)
      ? { phase: 'STARTING', message: 'The container is ready; waiting for the Deployment to count it available.' }
      : { phase: 'STARTING', message: 'The container is running; waiting for it to become ready.' };
  }
  const scheduled = current.find(isScheduled);
  if (scheduled) {
    const waiting = containersOf(scheduled).find((container) => container.state?.waiting)?.state?.waiting;
    const message =
      waiting?.reason === 'ErrImagePull'
        ? `Pulling image ${image} failed once; retrying (${shorten(waiting.message ?? 'ErrImagePull')}).`
        : `Pulling image ${image} and creating the container.`;
    return { phase: 'PULLING_IMAGE', message };
  }
  const unschedulable = current.map((pod) => ({ pod, condition: scheduledCondition(pod) })).find(({ condition }) => condition?.status === 'False' && condition.reason === 'Unschedulable');
  if (unschedulable) {
    const message = unschedulable.condition?.message ?? 'no node can run the Pod';
    return { phase: 'SCHEDULING', message: `Waiting for a node: ${shorten(message)}`, unschedulable: { pod: unschedulable.pod.metadata?.name ?? '', message } };
  }
  return { phase: 'SCHEDULING', message: current.length === 0 ? 'Objects written; waiting for a Pod.' : 'Waiting for the scheduler to place the Pod.' };
}

/** STOPPED once no Pod of the instance is left, terminating ones included (they may still serve). */
export function observeStop({ pods }: ObservedInstance): PhaseEvent {
  return pods.length === 0 ? { phase: 'STOPPED', message: 'The instance is stopped; no Pod is left.' } : { phase: 'STOPPING', message: `Waiting for ${countOf(pods.length, 'Pod')} to stop.` };
}

/** DELETED once the Deployment and every Pod of the instance are gone. */
export function observeRemoval({ deployment, pods }: ObservedInstance): PhaseEvent {
  if (!deployment && pods.length === 0) return { phase: 'DELETED', message: 'The instance and its objects are deleted.' };
  return { phase: 'DELETING', message: deployment ? 'Waiting for the Deployment to be deleted.' : `Waiting for ${countOf(pods.length, 'Pod')} to stop.` };
}

/** The message of a phase a follow passed without seeing it (the watch coalesced it), so the sequence of events stays whole. */
export function passedPhaseMessage(phase: RolloutPhase, image: string): string {
  // Named for the step, not its outcome: a failed pull passes through this phase too.
  if (phase === 'PULLING_IMAGE') return `Pulling image ${image}.`;
  if (phase === 'STARTING') return 'The container started.';
  return 'Objects written.';
}

function failureOf(pod: V1Pod): RolloutObservation | undefined {
  for (const container of containersOf(pod)) {
    const waiting = container.state?.waiting;
    if (waiting?.reason === 'ImagePullBackOff' || waiting?.reason === 'InvalidImageName' || waiting?.reason === 'ErrImageNeverPull') {
      return {
        phase: 'FAILED',
        reason: 'IMAGE_PULL_FAILED',
        message: `The image ${container.image} could not be pulled (${waiting.reason}${waiting.message ? `: ${shorten(waiting.message)}` : ''}); check the image name and tag, and that the cluster has credentials for its registry.`,
      };
    }
    if (waiting?.reason === 'CrashLoopBackOff') {
      const last = container.lastState?.terminated;
      const exit = last ? ` (last exit code ${last.exitCode}${last.reason ? `, ${last.reason}` : ''})` : '';
      return {
        phase: 'FAILED',
        reason: 'CRASH_LOOP',
        message: `The container keeps exiting${exit} and Kubernetes is backing off restarting it (restarted ${container.restartCount} times); check its logs and its configuration.`,
      };
    }
  }
  return undefined;
}

function containersOf(pod: V1Pod): V1ContainerStatus[] {
  return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
}

function scheduledCondition(pod: V1Pod) {
  return pod.status?.conditions?.find((condition) => condition.type === 'PodScheduled');
}

function isScheduled(pod: V1Pod): boolean {
  return Boolean(pod.spec?.nodeName) || scheduledCondition(pod)?.status === 'True';
}

function isPodReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false;
}

/**
 * Whether a Pod runs the Deployment's current template. ReplicaSets are not read (one watch fewer), so
 * the Pod is compared on what the driver changes between revisions: images and the config hash.
 */
function isOfTemplate(pod: V1Pod, template: V1PodTemplateSpec | undefined): boolean {
  if (!template) return true;
  const hash = template.metadata?.annotations?.[CONFIG_HASH_ANNOTATION];
  if (hash !== undefined && pod.metadata?.annotations?.[CONFIG_HASH_ANNOTATION] !== hash) return false;
  const images = new Map((template.spec?.containers ?? []).map((container) => [container.name, container.image]));
  return (pod.spec?.containers ?? []).every((container) => images.get(container.name) === container.image);
}

function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function shorten(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}
