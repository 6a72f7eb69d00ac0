export { startKubernetesTestServer } from './server.js';
export type { KubernetesTestServer, KubernetesTestServerOptions, RecordedRequest, TokenGrant } from './server.js';
export type { PodBehaviour } from './pod-lifecycle.js';
export type { ProxyHandler, ProxyRequest, ProxyResponse } from './proxy.js';
export type { Fault, Verb } from './faults.js';
export type { KubeObject, ObjectMeta, OwnerReference, ResourceName } from './resources.js';
export type { Status, StatusDetails } from './status.js';
export { createServerCertificates, type ServerCertificates } from './certificates.js';
