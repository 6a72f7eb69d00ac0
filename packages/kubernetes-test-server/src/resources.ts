/** One kind of object the server stores, as the API names it on the wire. */
export interface ResourceType {
  /** Path segment and RBAC name: `deployments`. */
  plural: string;
  kind: string;
  /** `''` for the core group. */
  group: string;
  apiVersion: string;
  isNamespaced: boolean;
  /** Only the rollout controller writes it; clients may read, watch and delete. */
  isDerived: boolean;
}

export type ResourceName = 'namespaces' | 'secrets' | 'services' | 'pods' | 'deployments';

export const RESOURCE_TYPES: Record<ResourceName, ResourceType> = {
  namespaces: { plural: 'namespaces', kind: 'Namespace', group: '', apiVersion: 'v1', isNamespaced: false, isDerived: false },
  secrets: { plural: 'secrets', kind: 'Secret', group: '', apiVersion: 'v1', isNamespaced: true, isDerived: false },
  services: { plural: 'services', kind: 'Service', group: '', apiVersion: 'v1', isNamespaced: true, isDerived: false },
  pods: { plural: 'pods', kind: 'Pod', group: '', apiVersion: 'v1', isNamespaced: true, isDerived: true },
  deployments: { plural: 'deployments', kind: 'Deployment', group: 'apps', apiVersion: 'apps/v1', isNamespaced: true, isDerived: false },
};

/** Finds a resource by its API path prefix (`/api/v1` or `/apis/apps/v1`) and plural. */
export function findResourceType(groupVersion: string, plural: string): ResourceType | undefined {
  const type = RESOURCE_TYPES[plural as ResourceName];
  return type && type.apiVersion === groupVersion ? type : undefined;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  generateName?: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
  creationTimestamp: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

/** A stored object. Fields other than the metadata are kept as the client sent them, after defaults. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  // Object bodies are free-form JSON; the handlers read only the fields they model.
  [field: string]: any;
}

/** RFC 3339 with whole seconds, as the API server writes timestamps. */
export function toTimestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
