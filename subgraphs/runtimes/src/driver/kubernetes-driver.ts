import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type ConfigurationOptions, type KubeConfig, type V1Secret, type V1Service } from '@kubernetes/client-node';
import { ClusterError, toClusterError } from './cluster-error.js';
import { follow, type FollowOptions, type FollowSettings, type FollowSources, type FollowTarget } from './follow.js';
import { instanceSelector, MANAGED_BY, MANAGED_BY_LABEL, ownedByDeployment, secretNameOf, type InstanceObjects } from './manifests.js';
import { observeRemoval, observeRollout, observeStop, passedPhaseMessage, ROLLOUT_PHASES, type PhaseEvent, type RolloutPhase } from './phases.js';
import { readLimited } from './raw-request.js';
import { sharedAgentsOf } from './shared-agents.js';
import { requestFailureOf, signalOptions, withTimeout } from './request-failure.js';

export interface KubernetesDriverOptions {
  /** Limit on every single API request (a watch: until it opens). Default 10 000 ms. */
  requestTimeoutMs?: number;
  /** Limit on reading a config service's `GET /config`. Default 10 000 ms. */
  configReadTimeoutMs?: number;
  /** Largest `GET /config` answer accepted. Default 1 MiB. */
  maxConfigBytes?: number;
  /** How long a Pod may stay unschedulable before the rollout fails UNSCHEDULABLE. Default 60 000 ms. */
  unschedulableGraceMs?: number;
  /** How long list and watch may keep failing (5xx, timeouts, unreachable) before a follow fails CLUSTER_ERROR. Default 30 000 ms. */
  clusterErrorGraceMs?: number;
  /** First pause before retrying a failed list or watch. Default 200 ms. */
  retryDelayMs?: number;
  /** `timeoutSeconds` asked of each watch, so a silently dead connection is replaced. Default 300. */
  watchTimeoutSeconds?: number;
  /** `fieldManager` of every write. Default `addon-platform`. */
  fieldManager?: string;
}

/** What apply leaves for a rollout follow. */
export interface AppliedInstance {
  /** The Deployment's `metadata.generation` after the write; READY needs `status.observedGeneration` at least this. */
  generation: number;
  deploymentUid: string;
}

/** A rollout to follow: the instance and the Deployment generation its write produced. */
export interface RolloutTarget extends FollowTarget {
  generation: number;
}

/** A config service's answer to `GET /config`. */
export interface ConfigServiceAnswer {
  /** The JSON Schema of the addon's configuration. */
  schema: Record<string, unknown>;
  /** A UI schema, when the service gave one beside the schema. */
  uiSchema?: Record<string, unknown>;
}

const mergePatch = (options: ConfigurationOptions) => setHeaderOptions('Content-Type', PatchStrategy.MergePatch, options);

/**
 * Runs runtime instances on one cluster (DESIGN "Runtime launch"): writes their Secret, Deployment and
 * Service, follows rollouts, scale-downs and removals to their end as launch phases, and reads config
 * services through the API server's service proxy. Every call is bounded by a time limit, and every
 * failure is a ClusterError.
 */
export class KubernetesDriver {
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly settings: Required<KubernetesDriverOptions>;

  constructor(
    private readonly kubeConfig: KubeConfig,
    options: KubernetesDriverOptions = {},
  ) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
    this.settings = {
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      configReadTimeoutMs: options.configReadTimeoutMs ?? 10_000,
      maxConfigBytes: options.maxConfigBytes ?? 1024 * 1024,
      unschedulableGraceMs: options.unschedulableGraceMs ?? 60_000,
      clusterErrorGraceMs: options.clusterErrorGraceMs ?? 30_000,
      retryDelayMs: options.retryDelayMs ?? 200,
      watchTimeoutSeconds: options.watchTimeoutSeconds ?? 300,
      fieldManager: options.fieldManager ?? 'addon-platform',
    };
  }

  /**
   * Creates or merge-patches the instance's objects so that, run again or after a crash half-way, there
   * is exactly one of each, as built. The Secret is written before the Deployment, so new Pods never
   * start with the old config; it and the Service get their owner reference once the Deployment's uid
   * is known (a write that changes nothing stores nothing, so repeating it is free).
   */
  async apply(objects: InstanceObjects, signal?: AbortSignal): Promise<AppliedInstance> {
    const { namespace } = objects;
    const name = objects.deployment.metadata!.name!;
    await this.ensureNamespace(namespace, signal);
    await this.createOrPatch(`write Secret ${namespace}/${objects.secret.metadata!.name}`, signal, {
      create: (options) => this.core.createNamespacedSecret({ namespace, body: objects.secret, fieldManager: this.settings.fieldManager }, options),
      patch: (options) => this.core.patchNamespacedSecret({ namespace, name: objects.secret.metadata!.name!, body: objects.secret, fieldManager: this.settings.fieldManager }, mergePatch(options)),
    });
    const deployment = await this.createOrPatch(`write Deployment ${namespace}/${name}`, signal, {
      create: (options) => this.apps.createNamespacedDeployment({ namespace, body: objects.deployment, fieldManager: this.settings.fieldManager }, options),
      patch: (options) => this.apps.patchNamespacedDeployment({ namespace, name, body: objects.deployment, fieldManager: this.settings.fieldManager }, mergePatch(options)),
    });
    const owner = { name, uid: deployment.metadata!.uid! };
    const service: V1Service = ownedByDeployment(objects.service, owner);
    await this.createOrPatch(`write Service ${namespace}/${name}`, signal, {
      create: (options) => this.core.createNamespacedService({ namespace, body: service, fieldManager: this.settings.fieldManager }, options),
      patch: (options) => this.core.patchNamespacedService({ namespace, name, body: service, fieldManager: this.settings.fieldManager }, mergePatch(options)),
    });
    const ownership: V1Secret = { metadata: ownedByDeployment(objects.secret, owner).metadata! };
    await this.call(`write Secret ${namespace}/${objects.secret.metadata!.name}`, signal, (options) =>
      this.core.patchNamespacedSecret({ namespace, name: objects.secret.metadata!.name!, body: { metadata: { ownerReferences: ownership.metadata!.ownerReferences } }, fieldManager: this.settings.fieldManager }, mergePatch(options)),
    );
    return { generation: deployment.metadata!.generation ?? 1, deploymentUid: owner.uid };
  }

  /** Sets the Deployment's replicas; returns the generation to follow (STOP with 0, START with more). */
  async scale(namespace: string, objectName: string, replicas: number, signal?: AbortSignal): Promise<{ generation: number }> {
    const deployment = await this.call(`scale Deployment ${namespace}/${objectName} to ${replicas}`, signal, (options) =>
      this.apps.patchNamespacedDeployment({ namespace, name: objectName, body: { spec: { replicas } }, fieldManager: this.settings.fieldManager }, mergePatch(options)),
    );
    return { generation: deployment.metadata?.generation ?? 1 };
  }

  /**
   * Deletes the Deployment (its Pods follow), the Service and the Secret. Each is deleted by name, not
   * left to owner references: an object written before its owner existed (a crash half-way through
   * apply) has none. Already gone counts as done.
   */
  async remove(namespace: string, objectName: string, signal?: AbortSignal): Promise<void> {
    const ignoreMissing = (error: unknown) => {
      if (error instanceof ClusterError && error.reason === 'NOT_FOUND') return;
      throw error;
    };
    await this.call(`delete Deployment ${namespace}/${objectName}`, signal, (options) =>
      this.apps.deleteNamespacedDeployment({ namespace, name: objectName, propagationPolicy: 'Background' }, options),
    ).catch(ignoreMissing);
    await this.call(`delete Service ${namespace}/${objectName}`, signal, (options) => this.core.deleteNamespacedService({ namespace, name: objectName }, options)).catch(ignoreMissing);
    const secretName = secretNameOf(objectName);
    await this.call(`delete Secret ${namespace}/${secretName}`, signal, (options) => this.core.deleteNamespacedSecret({ namespace, name: secretName }, options)).catch(ignoreMissing);
  }

  /**
   * Follows a LAUNCH, UPGRADE or START to READY or FAILED. Phases only move forward; one the watch went
   * past without showing it (states are coalesced, on the wire and in the API server) is reported on the
   * way, so every follow reports SCHEDULING, PULLING_IMAGE, STARTING, READY in that order, or stops at
   * FAILED. An unschedulable Pod fails the rollout after `unschedulableGraceMs`.
   */
  followRollout(target: RolloutTarget, options: FollowOptions): Promise<PhaseEvent> {
    const { unschedulableGraceMs } = this.settings;
    const unschedulableSince = new Map<string, number>();
    let image = 'the image';
    let reached = 0;
    const passTo = (index: number) => {
      for (let passed = reached + 1; passed <= index; passed += 1) options.onPhase({ phase: ROLLOUT_PHASES[passed]!, message: passedPhaseMessage(ROLLOUT_PHASES[passed]!, image) });
      reached = Math.max(reached, index);
    };
    const report = (event: PhaseEvent) => {
      // A failure's reason tells how far the rollout got: a pull was tried, or the container ran.
      if (event.phase === 'FAILED') {
        passTo(ROLLOUT_PHASES.indexOf(event.reason === 'IMAGE_PULL_FAILED' ? 'PULLING_IMAGE' : event.reason === 'CRASH_LOOP' ? 'STARTING' : 'SCHEDULING'));
        return options.onPhase(event);
      }
      const index = ROLLOUT_PHASES.indexOf(event.phase as RolloutPhase);
      // A restarting container looks like an earlier phase again; what was reported stays reported.
      if (index <= reached) return;
      passTo(index - 1);
      reached = index;
      options.onPhase(event);
    };
    options.onPhase({ phase: 'SCHEDULING', message: 'Objects written; waiting for a Pod.' });
    return follow(
      this.sources,
      this.followSettings,
      target,
      { ...options, onPhase: report },
      (observed, nowMs) => {
        image = observed.deployment?.spec?.template?.spec?.containers?.[0]?.image ?? image;
        const observation = observeRollout(observed, target.generation);
        if (observation.phase === 'FAILED' || observation.phase === 'READY') return { event: observation, isFinal: true };
        const stuck = observation.unschedulable;
        const event = { phase: observation.phase, message: observation.message };
        if (!stuck) {
          unschedulableSince.clear();
          return { event, isFinal: false };
        }
        const since = unschedulableSince.get(stuck.pod) ?? nowMs;
        unschedulableSince.set(stuck.pod, since);
        if (nowMs - since >= unschedulableGraceMs) {
          return {
            event: { phase: 'FAILED', reason: 'UNSCHEDULABLE', message: `No node can run the instance (${stuck.message}); free or add capacity in the cluster, or lower the instance's resource requests.` },
            isFinal: true,
          };
        }
        return { event, isFinal: false, wakeAtMs: since + unschedulableGraceMs };
      },
      'The instance did not become ready within {deadline}; check its events and logs in the cluster.',
    );
  }

  /** Follows a STOP (scale to zero) to STOPPED, once no Pod of the instance is left. */
  followStop(target: FollowTarget, options: FollowOptions): Promise<PhaseEvent> {
    options.onPhase({ phase: 'STOPPING', message: 'Scaled to zero; waiting for the Pods to stop.' });
    return follow(this.sources, this.followSettings, target, options, (observed) => {
      const event = observeStop(observed);
      return { event, isFinal: event.phase === 'STOPPED' };
    }, 'The instance did not stop within {deadline}; its Pods are still there.');
  }

  /** Follows a DELETE to DELETED, once the Deployment and its Pods are gone. */
  followRemoval(target: FollowTarget, options: FollowOptions): Promise<PhaseEvent> {
    options.onPhase({ phase: 'DELETING', message: 'Deleting the instance.' });
    return follow(this.sources, this.followSettings, target, options, (observed) => {
      const event = observeRemoval(observed);
      return { event, isFinal: event.phase === 'DELETED' };
    }, 'The instance was not deleted within {deadline}; its Deployment or Pods are still there.');
  }

  /**
   * Reads a config service's `GET /config` through the API server's service proxy, so the platform needs
   * no network path into the cluster. The answer is the JSON Schema, or `{ schema, uiSchema }`.
   */
  async readConfig(namespace: string, objectName: string, port: number, signal?: AbortSignal): Promise<ConfigServiceAnswer> {
    const action = `read GET /config of service ${namespace}/${objectName}:${port} through the service proxy`;
    const { configReadTimeoutMs, maxConfigBytes } = this.settings;
    const invalid = (why: string) => new ClusterError('INVALID_ANSWER', `${action}: the config service ${why}; it must answer 200 with a JSON Schema (or { schema, uiSchema }).`, false);
    let answer: { body: Buffer };
    try {
      answer = await readLimited(this.kubeConfig, `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(`${objectName}:${port}`)}/proxy/config`, {
        ...(signal ? { signal } : {}),
        timeoutMs: configReadTimeoutMs,
        maxBytes: maxConfigBytes,
        tooLarge: () => invalid(`answered more than ${maxConfigBytes} bytes`),
      });
    } catch (error) {
      if (signal?.aborted && error === signal.reason) throw error;
      const failure = requestFailureOf(error);
      // The proxy passes the service's own status on: a 4xx here is the config service's answer.
      if (failure.kind === 'HTTP' && failure.code !== 401 && failure.code !== 403 && failure.code < 500) throw invalid(`answered HTTP ${failure.code} instead of 200`);
      throw toClusterError(error, action, configReadTimeoutMs);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body.toString('utf8'));
    } catch {
      throw invalid('answered something that is not JSON');
    }
    if (!isObject(parsed)) throw invalid('answered JSON that is not an object');
    if (isObject(parsed.schema) && Object.keys(parsed).every((key) => key === 'schema' || key === 'uiSchema')) {
      if (parsed.uiSchema !== undefined && !isObject(parsed.uiSchema)) throw invalid('answered a uiSchema that is not an object');
      return { schema: parsed.schema, ...(parsed.uiSchema ? { uiSchema: parsed.uiSchema } : {}) };
    }
    return { schema: parsed };
  }

  private get sources(): FollowSources {
    return {
      kubeConfig: this.kubeConfig,
      listDeployments: async ({ namespace, objectName }, signal) => {
        const list = await this.apps.listNamespacedDeployment({ namespace, fieldSelector: `metadata.name=${objectName}` }, signalOptions(signal, sharedAgentsOf(this.kubeConfig)));
        return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
      },
      listPods: async ({ namespace, instanceId }, signal) => {
        const list = await this.core.listNamespacedPod({ namespace, labelSelector: instanceSelector(instanceId) }, signalOptions(signal, sharedAgentsOf(this.kubeConfig)));
        return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
      },
    };
  }

  private get followSettings(): FollowSettings {
    const { requestTimeoutMs, clusterErrorGraceMs, retryDelayMs, watchTimeoutSeconds } = this.settings;
    return { requestTimeoutMs, clusterErrorGraceMs, retryDelayMs, watchTimeoutSeconds };
  }

  /**
   * The namespace of a tenant, created on first use. Credentials limited to their namespaces may not
   * create Namespaces at all (403), yet may read their own: then it is enough that it exists.
   */
  private async ensureNamespace(namespace: string, signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.call(`create Namespace ${namespace}`, signal, (options) =>
        this.core.createNamespace({ body: { metadata: { name: namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } } }, fieldManager: this.settings.fieldManager }, options),
      );
    } catch (error) {
      if (isAlreadyExists(error)) return;
      if (error instanceof ClusterError && error.reason === 'FORBIDDEN') {
        const exists = await this.call(`read Namespace ${namespace}`, signal, (options) => this.core.readNamespace({ name: namespace }, options)).then(
          () => true,
          () => false,
        );
        if (exists) return;
      }
      throw error;
    }
  }

  private async createOrPatch<T>(action: string, signal: AbortSignal | undefined, write: { create: (options: ConfigurationOptions) => Promise<T>; patch: (options: ConfigurationOptions) => Promise<T> }): Promise<T> {
    try {
      return await this.call(action, signal, write.create);
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
    return this.call(action, signal, write.patch);
  }

  /** One API request within `requestTimeoutMs`; every failure comes out as a ClusterError, AlreadyExists marked. */
  private async call<T>(action: string, signal: AbortSignal | undefined, request: (options: ConfigurationOptions) => Promise<T>): Promise<T> {
    const { requestTimeoutMs } = this.settings;
    try {
      return await withTimeout(requestTimeoutMs, signal, (callSignal) => request(signalOptions(callSignal, sharedAgentsOf(this.kubeConfig))));
    } catch (error) {
      if (signal?.aborted && error === signal.reason) throw error;
      throw toClusterError(error, action, requestTimeoutMs);
    }
  }
}

/** A 409 that says the object exists, which create-or-patch and namespace creation expect. */
function isAlreadyExists(error: unknown): boolean {
  return error instanceof ClusterError && error.code === 409 && error.apiReason === 'AlreadyExists';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
