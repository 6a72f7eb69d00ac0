import { matchesLabels } from './selectors.js';
import { invalid, type StatusError } from './status.js';
import type { KubeObject, ResourceType } from './resources.js';

type Cause = { field: string; message: string; reason?: string };

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Fills the defaults the API server's defaulting would and refuses what its validation would, for the
 * fields modelled here. Returns the object to store; throws 422 Invalid with one cause per field.
 */
export function prepareObject(type: ResourceType, object: KubeObject, { nextClusterIp, existing }: { nextClusterIp: () => string; existing?: KubeObject }): KubeObject {
  const causes: Cause[] = [];
  const { name } = object.metadata;
  const isLabelName = type.plural === 'namespaces' || type.plural === 'services';
  const pattern = isLabelName ? DNS_LABEL : DNS_SUBDOMAIN;
  if (!pattern.test(name) || name.length > (isLabelName ? 63 : 253)) {
    causes.push({ field: 'metadata.name', message: `Invalid value: "${name}": a lowercase RFC 1123 ${isLabelName ? 'label' : 'subdomain'} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character` });
  }
  const prepared = PREPARE[type.plural]?.(object, causes, nextClusterIp, existing) ?? object;
  if (causes.length > 0) throw invalidObject(type, name, causes);
  return prepared;
}

function invalidObject(type: ResourceType, name: string, causes: Cause[]): StatusError {
  return invalid(type, name, causes);
}

type Prepare = (object: KubeObject, causes: Cause[], nextClusterIp: () => string, existing?: KubeObject) => KubeObject;

const PREPARE: Record<string, Prepare> = {
  namespaces: (object) => ({
    ...object,
    metadata: { ...object.metadata, labels: { ...object.metadata.labels, 'kubernetes.io/metadata.name': object.metadata.name } },
    spec: { finalizers: ['kubernetes'] },
    status: object.status?.phase === 'Terminating' ? object.status : { phase: 'Active' },
  }),

  secrets: (object, causes) => {
    const data: Record<string, string> = { ...object.data };
    for (const [key, value] of Object.entries(data)) {
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) causes.push({ field: `data[${key}]`, message: 'Invalid value: illegal base64 data' });
    }
    // The API server folds stringData into data on write and never stores or returns stringData.
    for (const [key, value] of Object.entries((object.stringData ?? {}) as Record<string, string>)) data[key] = Buffer.from(String(value)).toString('base64');
    const { stringData: _dropped, ...rest } = object;
    return { ...rest, type: object.type ?? 'Opaque', data };
  },

  services: (object, causes, nextClusterIp, existing) => {
    const spec = { ...object.spec };
    const ports = (spec.ports ?? []) as Record<string, unknown>[];
    if ((spec.type ?? 'ClusterIP') !== 'ExternalName' && ports.length === 0) causes.push({ field: 'spec.ports', message: 'Required value', reason: 'FieldValueRequired' });
    const clusterIp: string = existing?.spec?.clusterIP ?? spec.clusterIP ?? nextClusterIp();
    return {
      ...object,
      spec: {
        type: 'ClusterIP',
        sessionAffinity: 'None',
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        internalTrafficPolicy: 'Cluster',
        ...spec,
        clusterIP: clusterIp,
        clusterIPs: [clusterIp],
        ports: ports.map((port) => ({ protocol: 'TCP', targetPort: port.port, ...port })),
      },
      status: existing?.status ?? { loadBalancer: {} },
    };
  },

  deployments: (object, causes, _nextClusterIp, existing) => {
    const spec = { ...object.spec };
    const template = spec.template ?? {};
    const containers = (template.spec?.containers ?? []) as { name?: string; image?: string }[];
    if (!spec.selector) causes.push({ field: 'spec.selector', message: 'Required value', reason: 'FieldValueRequired' });
    else if (!matchesLabels(spec.selector.matchLabels, template.metadata?.labels)) {
      causes.push({ field: 'spec.template.metadata.labels', message: `Invalid value: ${JSON.stringify(template.metadata?.labels ?? {})}: \`selector\` does not match template \`labels\`` });
    }
    if (containers.length === 0) causes.push({ field: 'spec.template.spec.containers', message: 'Required value', reason: 'FieldValueRequired' });
    containers.forEach((container, index) => {
      if (!container.name) causes.push({ field: `spec.template.spec.containers[${index}].name`, message: 'Required value', reason: 'FieldValueRequired' });
      if (!container.image) causes.push({ field: `spec.template.spec.containers[${index}].image`, message: 'Required value', reason: 'FieldValueRequired' });
    });
    if (existing && JSON.stringify(existing.spec.selector) !== JSON.stringify(spec.selector)) {
      causes.push({ field: 'spec.selector', message: `Invalid value: ${JSON.stringify(spec.selector)}: field is immutable` });
    }
    return {
      ...object,
      spec: {
        replicas: 1,
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
        ...spec,
        template: {
          ...template,
          spec: { restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', ...template.spec },
        },
      },
      // Status belongs to the controller: a write to the main resource never changes it.
      status: existing?.status ?? {},
    };
  },
};
