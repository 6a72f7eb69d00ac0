/**
 * What converting each fixture `parameter.cue` must give, written by reading the files in
 * fixtures/kubevela-catalog (not by recording the converter's output).
 */
import type { JsonSchema } from '../src/config-schemas/cue-to-json-schema.js';

export interface ParameterCueExpectation {
  /** Relative to fixtures/kubevela-catalog. */
  file: string;
  /** Top-level properties, in file order. */
  properties: string[];
  validated: boolean;
  /** Paths recorded as not converted. */
  unconverted: string[];
  /** Property schemas compared whole, by path below the root: `a.b` for nested fields, `list[]` for list items. */
  schemas: Record<string, JsonSchema>;
  /** `required` of nested objects, by the same paths; the root requires nothing in any of these files. */
  required?: Record<string, string[]>;
  $defs?: Record<string, JsonSchema>;
}

const pullPolicy = (description?: string): JsonSchema => ({
  ...(description ? { description } : {}),
  type: 'string',
  enum: ['IfNotPresent', 'Never', 'Always'],
  default: 'IfNotPresent',
});
const clusters = (description: string): JsonSchema => ({ description, type: 'array', items: { type: 'string' } });
const upgradeCrd = (addon: string): JsonSchema => ({
  description: `Specify if upgrade the CRDs when upgrading ${addon} or not`,
  type: 'boolean',
  default: false,
});
const serviceTypeOptions: JsonSchema = {
  description: 'Specify what kind of Service you want. options: "ClusterIP", "NodePort", "LoadBalancer"',
  type: 'string',
  enum: ['ClusterIP', 'NodePort', 'LoadBalancer'],
  default: 'ClusterIP',
};
const storageSize: JsonSchema = {
  description: 'Specify the storage size to use. If empty, emptyDir will be used. Otherwise pvc will be used.',
  type: 'string',
  pattern: '^([1-9][0-9]{0,63})(E|P|T|G|M|K|Ei|Pi|Ti|Gi|Mi|Ki)$',
};
const cpuUnits = (value: number): JsonSchema => ({ description: 'Specify the number of CPU units', type: 'number', default: value });
const memory = (value: string): JsonSchema => ({
  description: 'Specifies the attributes of the memory resource required for the container.',
  type: 'string',
  default: value,
});
const stringDefault = (value: string): JsonSchema => ({ type: 'string', default: value });

export const PARAMETER_CUE_EXPECTATIONS: ParameterCueExpectation[] = [
  {
    file: 'cert-manager/parameter.cue',
    properties: ['installCRDs', 'upgradeCRD', 'clusters', 'namespace', 'replicas', 'staging', 'dns01'],
    validated: true,
    unconverted: [],
    schemas: {
      installCRDs: { description: 'Specify if install the CRDs before installing cert-manager or not', type: 'boolean', default: true },
      clusters: clusters('Deploy to specified clusters. Leave empty to deploy to all clusters.'),
      replicas: { description: 'Number of replicas', type: 'integer', default: 1 },
      'dns01.alidns.regionId': { description: 'Alidns DNS zone', type: 'string', default: '' },
      'dns01.cloudflare.domain': { description: 'Your domain apex, e.g. "example.com"', type: 'string' },
    },
    required: {
      dns01: ['namespace'],
      'dns01.cloudflare': ['email', 'token', 'zone', 'domain'],
      'dns01.alidns': ['email', 'accessToken', 'secretKey', 'groupName'],
    },
  },
  {
    file: 'chartmuseum/resources/parameter.cue',
    properties: [
      'image', 'storage', 'alibaba', 'amazon', 'google', 'microsoft', 'debug', 'disableAPI', 'cacheRefresh', 'allowOverwrite',
      'authAnonymousGet', 'basicAuth', 'serviceType', 'externalPort', 'persistence', 'ingressHost',
    ],
    validated: true,
    unconverted: [],
    schemas: {
      storage: {
        description: 'Storage backend, can be one of: local(default), alibaba, amazon, google, microsoft',
        type: 'string',
        enum: ['local', 'alibaba', 'amazon', 'google', 'microsoft'],
        default: 'local',
      },
      'alibaba.sse': {
        description: 'Server side encryption algorithm for alibaba storage backend, can be one of: AES256 or KMS',
        type: 'string',
        enum: ['AES256', 'KMS'],
      },
      externalPort: { description: 'Access ChartMuseum from this port', type: 'integer', default: 8080 },
      // Below a commented-out field: only the `+usage` line of that comment group is the description.
      'persistence.pvcName': {
        description:
          'Use an existing PVC. If you specify this, PVC will NOT be created automatically. You can use this to persist data even if this addon is disabled.',
        type: 'string',
      },
      'ingressHost.path': stringDefault('/'),
    },
    required: {
      alibaba: ['bucket', 'endpoint', 'accessKeyID', 'accessKeySecret'],
      amazon: ['bucket', 'region'],
      google: ['bucket', 'googleCredentialsJSON'],
      microsoft: ['container', 'account', 'accessKey'],
      basicAuth: ['username', 'password'],
      persistence: [],
      ingressHost: ['name'],
    },
  },
  {
    file: 'flink-kubernetes-operator/parameter.cue',
    properties: ['clusters', 'namespace', 'createWebhook', 'imageRepository', 'imageTag', 'createJobServiceAccount', 'upgradeCRD', 'flinkOperatorVersion'],
    validated: true,
    unconverted: [],
    schemas: {
      createWebhook: { description: 'Specify if create  the webhook or not', type: 'boolean', default: false },
      imageRepository: { description: 'Specify the image repository', type: 'string', default: 'apache/flink-kubernetes-operator' },
      flinkOperatorVersion: { description: 'Specify the flink operator version, defaults to 1.9.0', type: 'string', default: '1.9.0' },
      upgradeCRD: upgradeCrd('flink-kubernetes-operator'),
    },
  },
  {
    file: 'fluxcd/parameter.cue',
    properties: [
      'registry', 'clusters', 'namespace', 'onlyHelmComponents', 'helmControllerOptions', 'sourceControllerOptions',
      'kustomizeControllerOptions', 'imageReflectorControllerOptions', 'imageAutomationControllerOptions',
    ],
    validated: true,
    unconverted: [],
    schemas: {
      registry: { description: 'Base URL for images that the FluxCD controllers use, e.g. ghcr.io', type: 'string' },
      namespace: { description: 'Namespace to deploy to, defaults to flux-system', type: 'string', default: 'flux-system' },
      helmControllerOptions: clusters('advanced options for Helm Controller'),
    },
  },
  {
    file: 'grafana/parameter.cue',
    properties: [
      'install', 'grafanaName', 'configName', 'kubeEndpoint', 'namespace', 'clusters', 'image', 'imagePullPolicy', 'cpu', 'memory',
      'serviceType', 'storage', 'storageClassName', 'adminUser', 'adminPassword',
    ],
    validated: true,
    unconverted: [],
    schemas: {
      install: {
        description: "You should create a grafana config and provide the name if want't install the grafana and only init the dashboards.",
        type: 'boolean',
        default: true,
      },
      imagePullPolicy: pullPolicy('Specify the imagePullPolicy of the image'),
      cpu: cpuUnits(0.5),
      storage: storageSize,
    },
  },
  {
    file: 'ingress-nginx/parameter.cue',
    properties: ['serviceType', 'upgradeCRD'],
    validated: true,
    unconverted: [],
    schemas: { serviceType: serviceTypeOptions, upgradeCRD: upgradeCrd('ingress-nginx') },
  },
  {
    file: 'keda/parameter.cue',
    properties: ['clusters', 'upgradeCRD'],
    validated: true,
    unconverted: [],
    schemas: { clusters: clusters('The clusters to install'), upgradeCRD: upgradeCrd('keda') },
  },
  {
    file: 'kruise-rollout/parameter.cue',
    properties: ['clusters', 'upgradeCRD'],
    validated: true,
    unconverted: [],
    schemas: { clusters: clusters('The clusters to install'), upgradeCRD: upgradeCrd('kruise-rollout') },
  },
  {
    file: 'kube-state-metrics/parameter.cue',
    properties: ['namespace', 'clusters', 'image', 'imagePullPolicy', 'cpu', 'memory'],
    validated: true,
    unconverted: [],
    schemas: {
      image: { description: 'Specify the image of kube-state-metrics', type: 'string', default: 'bitnami/kube-state-metrics:2.4.2' },
      cpu: cpuUnits(0.1),
      memory: memory('250Mi'),
    },
  },
  {
    file: 'kube-trigger/parameter.cue',
    properties: ['image', 'imagePullPolicy', 'version', 'resources'],
    validated: true,
    unconverted: [],
    schemas: {
      image: stringDefault('oamdev/kube-trigger-manager'),
      imagePullPolicy: pullPolicy(),
      resources: {
        type: 'object',
        properties: {
          requests: { type: 'object', properties: { cpu: stringDefault('10m'), memory: stringDefault('64Mi') } },
          limits: { type: 'object', properties: { cpu: stringDefault('500m'), memory: stringDefault('1Gi') } },
        },
      },
    },
  },
  {
    file: 'loki/parameter.cue',
    properties: [
      'namespace', 'clusters', 'image', 'imagePullPolicy', 'serviceType', 'storage', 'storageClassName', 'agent', 'promtailImage',
      'vectorImage', 'vectorControllerImage', 'stdout', 'lokiURL', 'agentOnly',
    ],
    validated: true,
    unconverted: [],
    schemas: {
      serviceType: {
        description: 'Specify the service type for expose loki. If empty, it will be not exposed.',
        type: 'string',
        enum: ['ClusterIP', 'NodePort', 'LoadBalancer', ''],
        default: 'ClusterIP',
      },
      storage: storageSize,
      agent: {
        description: 'Specify the type of log agents, if empty, no agent will be installed',
        type: 'string',
        enum: ['vector', '', 'promtail'],
        default: 'vector',
      },
      vectorImage: { description: 'Specify the image of vector', type: 'string', default: 'timberio/vector:0.25.2-distroless-libc' },
      // The line above it is a field, not a comment: no description.
      vectorControllerImage: stringDefault('oamdev/vector-controller:0.2.2'),
      stdout: { description: "collect all pods' stdout log", type: 'string', enum: ['', 'all'], default: '' },
    },
  },
  {
    file: 'model-serving/resources/parameter.cue',
    properties: ['serviceType', 'upgradeCRD'],
    validated: true,
    unconverted: [],
    schemas: { serviceType: serviceTypeOptions, upgradeCRD: upgradeCrd('model-serving') },
  },
  {
    file: 'node-exporter/parameter.cue',
    properties: ['namespace', 'clusters', 'image', 'imagePullPolicy', 'cpu', 'memory'],
    validated: true,
    unconverted: [],
    schemas: {
      namespace: { description: 'The namespace of the node-exporter to be installed', type: 'string', default: 'o11y-system' },
      image: { description: 'Specify the image of node-exporter', type: 'string', default: 'quay.io/prometheus/node-exporter' },
      cpu: cpuUnits(0.1),
    },
  },
  {
    file: 'prometheus-server/parameter.cue',
    properties: [
      'namespace', 'clusters', 'image', 'imagePullPolicy', 'cpu', 'memory', 'serviceType', 'storage', 'storageClassName', 'customConfig',
      'thanos', 'scrapeInterval',
    ],
    validated: true,
    unconverted: [],
    schemas: {
      memory: memory('1024Mi'),
      customConfig: { description: 'If specified, the prometheus server will mount the config map as the additional config.', type: 'string' },
      thanos: { description: 'If specified, thanos sidecar will be attached and ports will be exposed', type: 'boolean', default: false },
      scrapeInterval: {
        description: 'The interval for scraping pods, services, endpoints.',
        type: 'string',
        anyOf: [{ const: '15s' }, { pattern: '^([1-9][0-9]?)(s|m)$' }],
        default: '15s',
      },
    },
  },
  {
    file: 'rollout/parameter.cue',
    properties: ['clusters', 'upgradeCRD'],
    validated: true,
    unconverted: [],
    schemas: { clusters: clusters('The clusters to install'), upgradeCRD: upgradeCrd('rollout') },
  },
  {
    file: 'terraform/resources/parameter.cue',
    properties: ['values', 'upgradeCRD'],
    validated: true,
    unconverted: [],
    schemas: { values: { $ref: '#/$defs/values' }, upgradeCRD: upgradeCrd('terraform') },
    $defs: { values: { type: 'object', additionalProperties: true } },
  },
  {
    file: 'traefik/resources/parameter.cue',
    properties: ['serviceType', 'autoscaling', 'accessLog', 'exposeDashboard', 'entryPoints', 'upgradeCRD'],
    validated: true,
    unconverted: [],
    schemas: {
      serviceType: {
        description: 'Specify the service type.',
        type: 'string',
        enum: ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'],
        default: 'ClusterIP',
      },
      autoscaling: { description: 'Enabled the autoscaling', type: 'boolean' },
      'entryPoints[]': {
        type: 'object',
        properties: {
          name: { type: 'string' },
          port: { type: 'integer' },
          protocol: { type: 'string', enum: ['TCP', 'UDP'], default: 'TCP' },
        },
        required: ['name', 'port'],
      },
    },
  },
  {
    file: 'trivy-operator/parameter.cue',
    properties: ['clusters', 'namespace', 'upgradeCRD'],
    validated: true,
    unconverted: [],
    schemas: { namespace: { description: 'Namespace to deploy to, defaults to cert-manager', type: 'string', default: 'trivy-system' } },
  },
  {
    file: 'vela-core-shard-manager/parameter.cue',
    properties: ['deploymentName', 'containerName', 'instanceName', 'nShards', 'shardNames', 'replicas', 'cpu', 'memory'],
    validated: true,
    unconverted: [],
    schemas: {
      // Its comment is not a `+usage` line.
      deploymentName: stringDefault('kubevela-vela-core'),
      nShards: { type: 'integer', default: 1 },
      shardNames: { type: 'array', items: { type: 'string' } },
      cpu: { type: 'string' },
    },
  },
  {
    file: 'vela-prism/parameter.cue',
    properties: ['namespace', 'image', 'imagePullPolicy', 'cpu', 'memory'],
    validated: true,
    unconverted: [],
    schemas: {
      namespace: { description: 'The namespace of the vela-prism to be installed', type: 'string', default: 'vela-system' },
      image: { description: 'Specify the image of vela-prism', type: 'string', default: 'oamdev/vela-prism:v1.7.0' },
      memory: memory('200Mi'),
    },
  },
  {
    file: 'vela-workflow/parameter.cue',
    properties: [
      'image', 'version', 'imagePullPolicy', 'concurrentReconciles', 'kubeQPS', 'kubeBurst', 'resources', 'maxWorkflowWaitBackoffTime',
      'maxWorkflowFailedBackoffTime', 'maxWorkflowStepErrorRetryTimes', 'enableCueExpVariable',
    ],
    validated: true,
    unconverted: [],
    schemas: {
      kubeBurst: { type: 'integer', default: 100 },
      'resources.requests.memory': stringDefault('20Mi'),
      maxWorkflowStepErrorRetryTimes: { type: 'integer', default: 10 },
      enableCueExpVariable: {
        description:
          'Inject the CUE_EXPERIMENT env var (evalv3=0,keepvalidators=0) into the controller to disable experimental CUE features during the v0.14.x migration window',
        type: 'boolean',
        default: true,
      },
    },
  },
  {
    file: 'velaux/parameter.cue',
    properties: [
      'repo', 'dbType', 'database', 'dbURL', 'domain', 'secretName', 'gatewayDriver', 'serviceAccountName', 'serviceType',
      'imagePullSecrets', 'replicas', 'nodePort', 'enableImpersonation',
    ],
    validated: true,
    unconverted: [],
    schemas: {
      dbType: {
        description: 'Specify the database type, current support KubeAPI(default), MongoDB, MySQL, Postgres.',
        type: 'string',
        enum: ['kubeapi', 'mongodb', 'mysql', 'postgres'],
        default: 'kubeapi',
      },
      dbURL: {
        description:
          'Specify the Database connection URL. it is not used when dbType is "kubeapi", Format reference: https://kubevela.io/docs/reference/addons/velaux/',
        type: 'string',
      },
      nodePort: { description: 'Specify nodeport. This will be ignored if serviceType is not NodePort.', type: 'integer', default: 30000 },
      // `true | *false`: the default is not the first alternative.
      enableImpersonation: {
        description: 'Enable impersonation means impersonating the login user to request the KubeAPI.',
        type: 'boolean',
        enum: [true, false],
        default: false,
      },
    },
  },
  {
    file: 'victoria-metric/parameter.cue',
    properties: ['namespace'],
    validated: true,
    unconverted: [],
    schemas: { namespace: { description: 'The namespace name', type: 'string', default: 'vm-system' } },
  },
];
