import type { KubeConfig } from '@kubernetes/client-node';
import { environmentCredentialContext, type CredentialCipher } from '@addon-platform/platform';
import { KubernetesDriver, type KubernetesDriverOptions } from '../driver/index.js';
import type { ClusterAccess } from './cluster-access.js';
import type { Environment } from './environment.entity.js';
import { toKubeConfig } from './kubeconfig.js';

/**
 * A driver per environment, from its stored credentials. Drivers are kept while the environment is
 * unchanged (its `updatedAt`): opening the sealed kubeconfig and building clients for every job would
 * cost more than the calls they make.
 */
export class EnvironmentClusters {
  private readonly drivers = new Map<string, { updatedAt: number; driver: KubernetesDriver }>();

  constructor(
    private readonly cluster: ClusterAccess,
    private readonly cipher: CredentialCipher,
    private readonly driverOptions: KubernetesDriverOptions = {},
  ) {}

  driverFor(environment: Environment): KubernetesDriver {
    const known = this.drivers.get(environment.id);
    if (known && known.updatedAt === environment.updatedAt.getTime()) return known.driver;
    const driver = new KubernetesDriver(this.kubeConfigOf(environment), this.driverOptions);
    this.drivers.set(environment.id, { updatedAt: environment.updatedAt.getTime(), driver });
    return driver;
  }

  private kubeConfigOf(environment: Environment): KubeConfig {
    if (environment.inCluster) return this.cluster.toKubeConfig({ kind: 'in-cluster' });
    return toKubeConfig(this.cipher.open(environment.credentialSealed!, environmentCredentialContext(environment.id)));
  }
}
