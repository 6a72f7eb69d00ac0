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

export interface RuntimesConfig extends SubgraphConfig {
  /** `CREDENTIAL_KEYS`: seals environments' kubeconfigs; the first key seals, all open (ADR 007). */
  credentialKeys: CredentialKey[];
  cluster: ClusterAccessConfig;
}

/** Reads the runtimes subgraph's settings; see the README's configuration table. Default port 4003. */
export function readConfig(env: Env): RuntimesConfig {
  return readSubgraphConfig('runtimes subgraph', env, 4003, (read) => ({
    credentialKeys: readCredentialKeys(read),
    cluster: readClusterAccess(read),
  }));
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
