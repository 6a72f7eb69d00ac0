import { createHash } from 'node:crypto';
import type { V1Deployment, V1OwnerReference, V1Secret, V1Service } from '@kubernetes/client-node';

export type InstanceKind = 'TENANT' | 'CONFIG_SERVICE';

/** One runtime instance, as the driver is asked to run it. */
export interface InstanceSpec {
  instanceId: string;
  tenant: string;
  kind: InstanceKind;
  namespace: string;
  /** Name of the Deployment and the Service; the Secret is `<objectName>-config`. */
  objectName: string;
  image: string;
  port: number;
  config: object;
  replicas: number;
  /** How long the Deployment may make no progress before Kubernetes marks it failed. Default 300. */
  progressDeadlineSeconds?: number;
}

/** The three objects of one instance. */
export interface InstanceObjects {
  namespace: string;
  secret: V1Secret;
  deployment: V1Deployment;
  service: V1Service;
}

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'addon-platform';
export const INSTANCE_LABEL = 'addon-platform.io/instance';
export const KIND_LABEL = 'addon-platform.io/kind';
export const TENANT_ANNOTATION = 'addon-platform.io/tenant';
/** On the pod template: a config change changes the template, so the Deployment rolls its Pods. */
export const CONFIG_HASH_ANNOTATION = 'addon-platform.io/config-sha256';
export const CONFIG_DIRECTORY = '/etc/addon-platform';
export const CONFIG_FILE = `${CONFIG_DIRECTORY}/config.json`;
export const CONTAINER_NAME = 'addon';
const DEFAULT_PROGRESS_DEADLINE_SECONDS = 300;

export function secretNameOf(objectName: string): string {
  return `${objectName}-config`;
}

/** The label selector that finds everything of one instance, Pods included. */
export function instanceSelector(instanceId: string): string {
  return `${INSTANCE_LABEL}=${instanceId}`;
}

/**
 * Builds the Secret, Deployment and Service of one instance. Pure: the same spec gives the same
 * objects, byte for byte, so writing them again changes nothing on the server.
 */
export function buildInstanceObjects(spec: InstanceSpec): InstanceObjects {
  const { instanceId, tenant, kind, namespace, objectName, image, port, config, replicas } = spec;
  const labels = {
    [MANAGED_BY_LABEL]: MANAGED_BY,
    [INSTANCE_LABEL]: instanceId,
    [KIND_LABEL]: kind === 'TENANT' ? 'tenant' : 'config-service',
  };
  const annotations = { [TENANT_ANNOTATION]: tenant };
  const configJson = JSON.stringify(config);
  const configHash = createHash('sha256').update(configJson).digest('hex');
  const secretName = secretNameOf(objectName);

  const secret: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secretName, namespace, labels, annotations },
    type: 'Opaque',
    data: { 'config.json': Buffer.from(configJson, 'utf8').toString('base64') },
  };
  const deployment: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: objectName, namespace, labels, annotations },
    spec: {
      replicas,
      progressDeadlineSeconds: spec.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS,
      selector: { matchLabels: { [INSTANCE_LABEL]: instanceId } },
      template: {
        metadata: { labels, annotations: { ...annotations, [CONFIG_HASH_ANNOTATION]: configHash } },
        spec: {
          // Addon code is the tenant's: it gets no token for the cluster's API and no environment
          // variables describing the namespace's other Services.
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          containers: [
            {
              name: CONTAINER_NAME,
              image,
              ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
              env: [{ name: 'ADDON_CONFIG_FILE', value: CONFIG_FILE }],
              volumeMounts: [{ name: 'config', mountPath: CONFIG_DIRECTORY, readOnly: true }],
              // Ready means listening: the Service sends nothing, and READY is not reported, before that.
              readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 5 },
            },
          ],
          volumes: [{ name: 'config', secret: { secretName, defaultMode: 0o444, items: [{ key: 'config.json', path: 'config.json' }] } }],
        },
      },
    },
  };
  const service: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: objectName, namespace, labels, annotations },
    spec: {
      type: 'ClusterIP',
      selector: { [INSTANCE_LABEL]: instanceId },
      ports: [{ name: 'http', port, targetPort: 'http', protocol: 'TCP' }],
    },
  };
  return { namespace, secret, deployment, service };
}

/**
 * Makes the Deployment the owner of `object`, so a cluster's garbage collector removes the Secret and
 * the Service with it. Only known once the Deployment exists (its uid).
 */
export function ownedByDeployment<T extends V1Secret | V1Service>(object: T, deployment: { name: string; uid: string }): T {
  // Neither `controller` (the Deployment controller does not manage them) nor `blockOwnerDeletion`
  // (clusters with OwnerReferencesPermissionEnforcement would then want rights on deployments/finalizers).
  const owner: V1OwnerReference = { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.name, uid: deployment.uid };
  return { ...object, metadata: { ...object.metadata, ownerReferences: [owner] } };
}
