import { readCredentialKeys, readSubgraphConfig, type CredentialKey, type Env, type EnvReader, type SubgraphConfig } from '@addon-platform/platform';

export interface ClusterAccessConfig {
  /**
   * `CLUSTER_TIMEOUT_MS`: how long the reachability check of a new environment's API server may take,
   * connection, TLS, exec credential plugin and answer together. Default 10 000 ms: an API server
   * answers `/version` in milliseconds; a plugin fetching a cloud token may take a few seconds.
   */
  timeoutMs: number;
  /**
   * `KUBECONFIG_EXEC_COMMANDS`: absolute paths of the exec credential plugins a kubeconfig may name,
   * comma-separated, e.g. `/usr/local/bin/aws,/usr/local/bin/kubelogin`. Default none: a kubeconfig
   * with an `exec` user is refused, because the plugin is a program run on the platform's host (ADR 014).
   */
  execCommands: string[];
  /**
   * Whether the platform runs in a Kubernetes pod, read from `KUBERNETES_SERVICE_HOST` (set by
   * Kubernetes in every pod). Only then may an environment use `inCluster` credentials: the pod's
   * service account token and CA, read by client-node from their standard paths.
   */
  inPod: boolean;
}

/** How launches run; see ADR 015. */
export interface LaunchConfig {
  /** `LAUNCH_DEADLINE_MS`: how long an operation may take in the cluster before it fails DEADLINE_EXCEEDED. Default 600 000 (10 min). */
  deadlineMs: number;
  /** `UNSCHEDULABLE_GRACE_MS`: how long a Pod may stay unschedulable (an autoscaler adding a node) before the launch fails UNSCHEDULABLE. Default 60 000. */
  unschedulableGraceMs: number;
  /** `CLUSTER_REQUEST_TIMEOUT_MS`: limit on each call to a cluster's API server. Default 10 000. */
  requestTimeoutMs: number;
}

export interface RuntimesConfig extends SubgraphConfig {
  /** `CREDENTIAL_KEYS`: seals environments' kubeconfigs; the first key seals, all open (ADR 007). */
  credentialKeys: CredentialKey[];
  cluster: ClusterAccessConfig;
  launch: LaunchConfig;
}

/**
 * Reads the runtimes subgraph's settings; see the README's configuration table. Default port 4003, and
 * 20 jobs at once: an operation's job waits on the cluster for most of its life, not on this process.
 */
export function readConfig(env: Env): RuntimesConfig {
  return readSubgraphConfig(
    'runtimes subgraph',
    env,
    4003,
    (read) => ({
      credentialKeys: readCredentialKeys(read),
      cluster: readClusterAccess(read),
      launch: {
        deadlineMs: read.integer('LAUNCH_DEADLINE_MS', 600_000, { min: 1000, max: 86_400_000 }),
        unschedulableGraceMs: read.integer('UNSCHEDULABLE_GRACE_MS', 60_000, { min: 0, max: 3_600_000 }),
        requestTimeoutMs: read.integer('CLUSTER_REQUEST_TIMEOUT_MS', 10_000, { min: 100, max: 300_000 }),
      },
    }),
    { jobConcurrency: 20 },
  );
}

function readClusterAccess(read: EnvReader): ClusterAccessConfig {
  const execCommands = (read.optionalString('KUBECONFIG_EXEC_COMMANDS') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  execCommands.forEach((command, index) => {
    if (!command.startsWith('/') || /[\s\0]/.test(command)) {
      read.problem(`KUBECONFIG_EXEC_COMMANDS entry ${index + 1} must be an absolute path to a program, without spaces`);
    }
  });
  return {
    timeoutMs: read.integer('CLUSTER_TIMEOUT_MS', 10_000, { min: 100, max: 300_000 }),
    execCommands,
    inPod: read.optionalString('KUBERNETES_SERVICE_HOST') !== undefined,
  };
}
