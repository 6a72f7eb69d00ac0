import type { KubeObject, ResourceName } from './resources.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change, as the watch cache keeps it: the object after the change, and before it for MODIFIED. */
export interface StoredEvent {
  revision: number;
  type: WatchEventType;
  resource: ResourceName;
  object: KubeObject;
  previous?: KubeObject;
}

export interface ObjectStore {
  /** The newest resource version handed out: what a list reports in `metadata.resourceVersion`. */
  readonly revision: number;
  get(resource: ResourceName, namespace: string | undefined, name: string): KubeObject | undefined;
  /** Sorted by namespace, then name. All namespaces when `namespace` is undefined. */
  list(resource: ResourceName, namespace?: string): KubeObject[];
  /** Stores the object under a new resource version; ADDED or MODIFIED depends on whether it existed. */
  put(resource: ResourceName, object: KubeObject): KubeObject;
  /** Removes it; the DELETED event carries the deletion's resource version, as etcd does. */
  remove(resource: ResourceName, namespace: string | undefined, name: string): KubeObject | undefined;
  /** Events after `revision` in order, or undefined when some of them are no longer retained. */
  eventsAfter(revision: number): StoredEvent[] | undefined;
  subscribe(listener: (event: StoredEvent) => void): () => void;
  /** Forgets every retained event, so any resumption from an older version gets 410 Gone. */
  compact(): void;
}

/**
 * Objects and their change history under one global, monotonically increasing resource version, like
 * etcd's revision behind the real API server. Objects are cloned on the way in and out so a caller's
 * mutation never changes stored state.
 */
export function createObjectStore({ retainedEvents = 1000 }: { retainedEvents?: number } = {}): ObjectStore {
  let revision = 0;
  const objects = new Map<ResourceName, Map<string, KubeObject>>();
  let history: StoredEvent[] = [];
  // Every event with a revision above this one is in `history`.
  let oldestKnownRevision = 0;
  const listeners = new Set<(event: StoredEvent) => void>();

  const table = (resource: ResourceName) => {
    let found = objects.get(resource);
    if (!found) objects.set(resource, (found = new Map()));
    return found;
  };
  const keyOf = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;

  const record = (event: StoredEvent) => {
    history.push(event);
    if (history.length > retainedEvents) {
      const dropped = history.splice(0, history.length - retainedEvents);
      oldestKnownRevision = dropped[dropped.length - 1]!.revision;
    }
    for (const listener of [...listeners]) listener(event);
  };

  return {
    get revision() {
      return revision;
    },
    get: (resource, namespace, name) => {
      const found = table(resource).get(keyOf(namespace, name));
      return found && structuredClone(found);
    },
    list: (resource, namespace) =>
      [...table(resource).entries()]
        .filter(([, object]) => namespace === undefined || object.metadata.namespace === namespace)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([, object]) => structuredClone(object)),
    put: (resource, object) => {
      const key = keyOf(object.metadata.namespace, object.metadata.name);
      const previous = table(resource).get(key);
      revision += 1;
      const stored = structuredClone(object);
      stored.metadata.resourceVersion = String(revision);
      table(resource).set(key, stored);
      record({ revision, type: previous ? 'MODIFIED' : 'ADDED', resource, object: stored, ...(previous ? { previous } : {}) });
      return structuredClone(stored);
    },
    remove: (resource, namespace, name) => {
      const key = keyOf(namespace, name);
      const previous = table(resource).get(key);
      if (!previous) return undefined;
      table(resource).delete(key);
      revision += 1;
      const removed = { ...previous, metadata: { ...previous.metadata, resourceVersion: String(revision) } };
      record({ revision, type: 'DELETED', resource, object: removed });
      return structuredClone(removed);
    },
    eventsAfter: (after) => (after < oldestKnownRevision ? undefined : history.filter((event) => event.revision > after)),
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    compact: () => {
      oldestKnownRevision = revision;
      history = [];
    },
  };
}
