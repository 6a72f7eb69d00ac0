import { randomBytes, randomUUID } from 'node:crypto';
import type { DeploymentController } from './deployment-controller.js';
import { ownerDeploymentName, toStableJson } from './deployment-controller.js';
import { prepareObject } from './defaults.js';
import { applyPatch, readPatchType } from './patch.js';
import type { PodLifecycle } from './pod-lifecycle.js';
import { RESOURCE_TYPES, toTimestamp, type KubeObject, type ResourceName } from './resources.js';
import type { Route } from './routes.js';
import { readFieldSelector, readLabelSelector } from './selectors.js';
import { StatusError, alreadyExists, badRequest, conflict, invalid, notFound, toFailure, toSuccess } from './status.js';
import type { ObjectStore } from './store.js';

export interface ObjectAnswer {
  code: number;
  body: unknown;
}

export interface ObjectHandlers {
  get(route: Route): ObjectAnswer;
  list(route: Route): ObjectAnswer;
  create(route: Route, body: unknown): ObjectAnswer;
  update(route: Route, body: unknown): ObjectAnswer;
  patch(route: Route, body: unknown, contentType: string | undefined): ObjectAnswer;
  delete(route: Route, body: unknown): ObjectAnswer;
}

/** create, get, list, update, patch and delete, with the API server's preconditions, defaults and cascades. */
export function createObjectHandlers({ store, deployments, pods }: { store: ObjectStore; deployments: DeploymentController; pods: PodLifecycle }): ObjectHandlers {
  let nextClusterIp = 10;
  const clusterIp = () => `10.96.${Math.floor(nextClusterIp / 250) % 250}.${(nextClusterIp++ % 250) + 1}`;
  const resourceOf = (route: Route) => route.type.plural as ResourceName;

  const existing = (route: Route): KubeObject => {
    const found = store.get(resourceOf(route), route.namespace, route.name!);
    if (!found) throw notFound(route.type, route.name!);
    return found;
  };
  const refuseDryRun = (route: Route) => {
    if (route.query.has('dryRun')) throw badRequest('dryRun is not supported by kubernetes-test-server');
  };
  const refuseDerived = (route: Route) => {
    if (route.type.isDerived) throw new StatusError(toFailure(405, `${route.type.plural} are derived from Deployments in kubernetes-test-server and cannot be written`));
  };
  const requireObject = (route: Route, body: unknown): KubeObject => {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('the request body must be a JSON object');
    const object = body as KubeObject;
    if (object.apiVersion && object.apiVersion !== route.type.apiVersion) {
      throw badRequest(`the API version in the data (${object.apiVersion}) does not match the expected API version (${route.type.apiVersion})`);
    }
    if (object.kind && object.kind !== route.type.kind) throw badRequest(`the kind in the data (${object.kind}) does not match the expected kind (${route.type.kind})`);
    if (object.metadata?.namespace && route.namespace && object.metadata.namespace !== route.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    return { ...object, apiVersion: route.type.apiVersion, kind: route.type.kind, metadata: { ...object.metadata } };
  };
  const afterWrite = (resource: ResourceName, object: KubeObject) => {
    if (resource === 'deployments') deployments.enqueue(object.metadata.namespace!, object.metadata.name);
  };

  /** Stores `next` in place of `current`; an update that changes nothing stores nothing, as on the real server. */
  const replace = (route: Route, current: KubeObject, next: KubeObject): ObjectAnswer => {
    const resource = resourceOf(route);
    if (next.metadata.resourceVersion && next.metadata.resourceVersion !== current.metadata.resourceVersion) throw conflict(route.type, current.metadata.name);
    if (next.metadata.name !== current.metadata.name) throw badRequest('the name of the object does not match the name on the URL');
    const metadata = {
      ...next.metadata,
      name: current.metadata.name,
      ...(current.metadata.namespace ? { namespace: current.metadata.namespace } : {}),
      uid: current.metadata.uid,
      creationTimestamp: current.metadata.creationTimestamp,
      resourceVersion: current.metadata.resourceVersion,
      ...(current.metadata.generation !== undefined ? { generation: current.metadata.generation } : {}),
      ...(current.metadata.deletionTimestamp ? { deletionTimestamp: current.metadata.deletionTimestamp } : {}),
    };
    let prepared = prepareObject(route.type, { ...next, metadata }, { nextClusterIp: clusterIp, existing: current });
    if (resource === 'namespaces') prepared = { ...prepared, status: current.status };
    // Compared as values, as the real server compares decoded objects: a client that sends the same
    // fields in another order (client-node's serializer on create, a raw merge patch later) changes nothing.
    if (resource === 'deployments' && toStableJson(prepared.spec) !== toStableJson(current.spec)) {
      prepared.metadata.generation = (current.metadata.generation ?? 1) + 1;
    }
    if (toStableJson(prepared) === toStableJson(current)) return { code: 200, body: current };
    const stored = store.put(resource, prepared);
    afterWrite(resource, stored);
    return { code: 200, body: stored };
  };

  const removeNamespace = (namespace: KubeObject) => {
    const name = namespace.metadata.name;
    for (const deployment of store.list('deployments', name)) {
      store.remove('deployments', name, deployment.metadata.name);
      deployments.removePods(deployment);
    }
    for (const resource of ['pods', 'services', 'secrets'] as const) {
      for (const object of store.list(resource, name)) {
        if (resource === 'pods') pods.forget(object.metadata.uid);
        store.remove(resource, name, object.metadata.name);
      }
    }
    store.remove('namespaces', undefined, name);
  };

  return {
    get: (route) => ({ code: 200, body: existing(route) }),

    list: (route) => {
      const labels = readLabelSelector(route.query.get('labelSelector'));
      const fields = readFieldSelector(route.query.get('fieldSelector'));
      const items = store.list(resourceOf(route), route.namespace).filter((object) => labels(object.metadata.labels) && fields(object));
      return { code: 200, body: { kind: `${route.type.kind}List`, apiVersion: route.type.apiVersion, metadata: { resourceVersion: String(store.revision) }, items } };
    },

    create: (route, body) => {
      refuseDryRun(route);
      refuseDerived(route);
      const object = requireObject(route, body);
      const resource = resourceOf(route);
      if (route.namespace) {
        const namespace = store.get('namespaces', undefined, route.namespace);
        if (!namespace) throw notFound(RESOURCE_TYPES.namespaces, route.namespace);
        if (namespace.metadata.deletionTimestamp) {
          throw new StatusError(
            toFailure(403, `${route.type.plural} "${object.metadata.name ?? ''}" is forbidden: unable to create new content in namespace ${route.namespace} because it is being terminated`, {
              name: object.metadata.name,
              kind: route.type.plural,
              causes: [{ reason: 'NamespaceTerminating', message: `namespace ${route.namespace} is being terminated`, field: 'metadata.namespace' }],
            }),
          );
        }
      }
      const name = object.metadata.name || (object.metadata.generateName ? `${object.metadata.generateName}${randomBytes(3).toString('hex').slice(0, 5)}` : '');
      if (!name) throw invalid(route.type, '', [{ field: 'metadata.name', message: 'Required value: name or generateName is required', reason: 'FieldValueRequired' }]);
      if (store.get(resource, route.namespace, name)) throw alreadyExists(route.type, name);
      const { resourceVersion: _ignored, deletionTimestamp: _alsoIgnored, ...metadata } = object.metadata;
      const prepared = prepareObject(
        route.type,
        {
          ...object,
          metadata: {
            ...metadata,
            name,
            ...(route.namespace ? { namespace: route.namespace } : {}),
            uid: randomUUID(),
            resourceVersion: '',
            creationTimestamp: toTimestamp(),
            ...(resource === 'deployments' ? { generation: 1 } : {}),
          },
        },
        { nextClusterIp: clusterIp },
      );
      const stored = store.put(resource, prepared);
      afterWrite(resource, stored);
      return { code: 201, body: stored };
    },

    update: (route, body) => {
      refuseDryRun(route);
      refuseDerived(route);
      const current = existing(route);
      const next = requireObject(route, body);
      if (!next.metadata.resourceVersion) {
        throw invalid(route.type, route.name!, [{ field: 'metadata.resourceVersion', message: 'Invalid value: 0x0: must be specified for an update' }]);
      }
      return replace(route, current, next);
    },

    patch: (route, body, contentType) => {
      refuseDryRun(route);
      refuseDerived(route);
      const type = readPatchType(contentType);
      const current = existing(route);
      const patched = applyPatch(current, body, type) as KubeObject;
      // A merge patch that sets metadata.resourceVersion is a precondition on it.
      const precondition = (body as { metadata?: { resourceVersion?: string } } | null)?.metadata?.resourceVersion;
      return replace(route, current, { ...patched, metadata: { ...patched.metadata, resourceVersion: type === 'json' ? current.metadata.resourceVersion : precondition ?? current.metadata.resourceVersion } });
    },

    delete: (route, body) => {
      refuseDryRun(route);
      const current = existing(route);
      const options = (body && typeof body === 'object' ? body : {}) as { propagationPolicy?: string; preconditions?: { uid?: string; resourceVersion?: string } };
      const { preconditions = {} } = options;
      if (preconditions.uid && preconditions.uid !== current.metadata.uid) {
        throw conflict(route.type, current.metadata.name, `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${current.metadata.uid}`);
      }
      if (preconditions.resourceVersion && preconditions.resourceVersion !== current.metadata.resourceVersion) {
        throw conflict(route.type, current.metadata.name, `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
      }
      const propagation = route.query.get('propagationPolicy') ?? options.propagationPolicy ?? 'Background';
      const resource = resourceOf(route);
      const details = { name: current.metadata.name, ...(route.type.group ? { group: route.type.group } : {}), kind: route.type.plural, uid: current.metadata.uid };

      if (resource === 'namespaces') {
        if (current.metadata.deletionTimestamp) return { code: 200, body: current };
        const terminating = store.put('namespaces', { ...current, metadata: { ...current.metadata, deletionTimestamp: toTimestamp() }, status: { phase: 'Terminating' } });
        // The namespace controller empties it on its own turn; until then creates in it are refused.
        setImmediate(() => removeNamespace(terminating));
        return { code: 200, body: terminating };
      }
      if (resource === 'deployments' && propagation === 'Foreground') {
        const deleting = store.put('deployments', { ...current, metadata: { ...current.metadata, deletionTimestamp: toTimestamp(), finalizers: ['foregroundDeletion'] } });
        setImmediate(() => {
          deployments.removePods(deleting);
          store.remove('deployments', deleting.metadata.namespace, deleting.metadata.name);
        });
        return { code: 200, body: deleting };
      }
      const removed = store.remove(resource, route.namespace, current.metadata.name)!;
      if (resource === 'deployments' && propagation !== 'Orphan') setImmediate(() => deployments.removePods(removed));
      if (resource === 'pods') {
        pods.forget(removed.metadata.uid);
        const owner = ownerDeploymentName(removed);
        if (owner) deployments.enqueue(route.namespace!, owner);
        return { code: 200, body: { ...removed, metadata: { ...removed.metadata, deletionTimestamp: toTimestamp() } } };
      }
      return { code: 200, body: toSuccess(details) };
    },
  };
}
