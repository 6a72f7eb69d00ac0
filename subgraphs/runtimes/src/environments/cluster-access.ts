import { CoreV1Api, KubeConfig, VersionApi } from '@kubernetes/client-node';
import { domainError } from '@addon-platform/platform';
import type { ClusterAccessConfig } from '../config.js';
import { requestFailureOf, signalOptions } from '../driver/request-failure.js';
import { readKubeconfig, toKubeConfig, type CheckedKubeconfig } from './kubeconfig.js';

/** How an environment reaches its API server: a checked kubeconfig, or the pod's own credentials. */
export type ClusterCredential = { kind: 'kubeconfig'; kubeconfig: CheckedKubeconfig } | { kind: 'in-cluster' };

/**
 * Reads and probes the credentials of an environment before anything is saved (ADR 014): the
 * kubeconfig is checked field by field, then `GET /version` must answer 200 within the time limit
 * through the real TLS and authentication path. Every refusal is BAD_USER_INPUT naming `kubeconfig` or
 * `inCluster`, says what failed (unreachable, timeout, TLS, 401, 403, status) and never repeats the
 * kubeconfig, the server's answer or a plugin's output.
 */
export class ClusterAccess {
  constructor(private readonly config: ClusterAccessConfig) {}

  read(input: { kubeconfig?: string | null; inCluster?: boolean | null }): ClusterCredential {
    const hasKubeconfig = input.kubeconfig != null && input.kubeconfig !== '';
    if (hasKubeconfig === Boolean(input.inCluster)) {
      throw domainError('BAD_USER_INPUT', 'Give either a kubeconfig or inCluster: true, one of the two.', { field: hasKubeconfig ? 'inCluster' : 'kubeconfig' });
    }
    if (hasKubeconfig) return { kind: 'kubeconfig', kubeconfig: readKubeconfig(input.kubeconfig!, { commands: this.config.execCommands }) };
    if (!this.config.inPod) {
      throw domainError('BAD_USER_INPUT', 'inCluster: the platform is not running in a Kubernetes pod, so it has no in-cluster credentials; give a kubeconfig.', {
        field: 'inCluster',
      });
    }
    return { kind: 'in-cluster' };
  }

  toKubeConfig(credential: ClusterCredential): KubeConfig {
    if (credential.kind === 'kubeconfig') return toKubeConfig(credential.kubeconfig.canonical);
    const config = new KubeConfig();
    config.loadFromCluster();
    return config;
  }

  /**
   * Throws BAD_USER_INPUT unless the API server answers `GET /version` and lists Namespaces with these
   * credentials, both within the time limit together.
   */
  async probe(credential: ClusterCredential): Promise<void> {
    const field = credential.kind === 'kubeconfig' ? 'kubeconfig' : 'inCluster';
    const { timeoutMs } = this.config;
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new ProbeTimeout());
      }, timeoutMs);
    });
    try {
      const kubeConfig = this.toKubeConfig(credential);
      const options = signalOptions(abort.signal);
      // /version proves the server is there and its TLS verifies; many clusters answer it without
      // credentials. Listing one Namespace proves the credentials, and the cluster-wide namespace
      // rights the driver needs to give each tenant its namespace.
      await Promise.race([kubeConfig.makeApiClient(VersionApi).getCode({}, options), deadline]);
      await Promise.race([kubeConfig.makeApiClient(CoreV1Api).listNamespace({ limit: 1 }, options), deadline]);
    } catch (error) {
      throw domainError('BAD_USER_INPUT', `${field}: the API server ${describeFailure(error, timeoutMs)}. Nothing was saved.`, {
        field,
        reason: reasonOf(error),
      });
    } finally {
      clearTimeout(timer);
    }
  }
}

class ProbeTimeout extends Error {}

type ProbeFailure = 'TIMEOUT' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'TLS' | 'UNREACHABLE' | 'UPSTREAM_ERROR' | 'CREDENTIAL_PLUGIN';

function reasonOf(error: unknown): ProbeFailure {
  if (error instanceof ProbeTimeout) return 'TIMEOUT';
  const failure = requestFailureOf(error);
  if (failure.kind === 'HTTP') return failure.code === 401 ? 'UNAUTHORIZED' : failure.code === 403 ? 'FORBIDDEN' : 'UPSTREAM_ERROR';
  // Anything else that failed before a request went out: the exec plugin, or the credentials themselves.
  return failure.kind === 'CREDENTIALS' ? 'CREDENTIAL_PLUGIN' : failure.kind;
}

function describeFailure(error: unknown, timeoutMs: number): string {
  switch (reasonOf(error)) {
    case 'TIMEOUT':
      return `did not answer GET /version within ${timeoutMs} ms; check the server URL and that the platform can reach it`;
    case 'UNAUTHORIZED':
      return 'refused the credentials (401); give a valid token, client certificate or plugin';
    case 'FORBIDDEN':
      return 'accepted the credentials but they may not list Namespaces (403); the platform needs cluster-wide rights on Namespaces to give each tenant its own';
    case 'TLS':
      return "could not be verified over TLS; give the CA that signed the server's certificate as certificate-authority-data, and the server name it is issued for";
    case 'UNREACHABLE':
      return 'could not be reached (connection refused, reset or host not found); check the server URL';
    case 'UPSTREAM_ERROR':
      return `answered with HTTP ${(requestFailureOf(error) as { code: number }).code}; check that the URL is a Kubernetes API server`;
    default:
      return 'could not be called: the credentials could not be used (a failing exec plugin or unreadable certificate data)';
  }
}
