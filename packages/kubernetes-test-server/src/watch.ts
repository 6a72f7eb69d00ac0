import type { ServerResponse } from 'node:http';
import { RESOURCE_TYPES, type KubeObject, type ResourceName } from './resources.js';
import { toFailure } from './status.js';
import type { ObjectStore, StoredEvent } from './store.js';

export interface WatchRequest {
  resource: ResourceName;
  /** Undefined: all namespaces. */
  namespace?: string;
  isSelected: (object: KubeObject) => boolean;
  /** Absent or `"0"`: the current objects as ADDED first, then changes. Otherwise the changes after it. */
  resourceVersion?: string;
  allowWatchBookmarks: boolean;
  /** `sendInitialEvents=true`: end the initial ADDED events with a bookmark annotated `k8s.io/initial-events-end`. */
  sendInitialEvents: boolean;
  timeoutSeconds?: number;
}

export interface WatchConnection {
  /** Sends a BOOKMARK now, if the watch asked for them. */
  bookmark(): void;
  /** Cuts the connection mid-stream, as a load balancer or an API server restart would. */
  drop(): void;
}

/**
 * Streams newline-delimited watch events on `response`. A resume point older than the retained history
 * gets a 200 with one ERROR event carrying a 410 Status, then the end of the stream: that is how the
 * real API server answers "too old resource version" on a watch.
 */
export function startWatch(store: ObjectStore, request: WatchRequest, response: ServerResponse, onEnd: () => void): WatchConnection {
  response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
  response.flushHeaders();
  const send = (type: string, object: unknown) => response.write(`${JSON.stringify({ type, object })}\n`);
  const apiVersion = RESOURCE_TYPES[request.resource].apiVersion;
  const kind = RESOURCE_TYPES[request.resource].kind;
  const sendBookmark = (annotations?: Record<string, string>) =>
    send('BOOKMARK', { kind, apiVersion, metadata: { resourceVersion: String(store.revision), ...(annotations ? { annotations } : {}) } });

  let isOpen = true;
  let unsubscribe = () => {};
  let timeout: NodeJS.Timeout | undefined;
  const end = (how: 'end' | 'destroy') => {
    if (!isOpen) return;
    isOpen = false;
    unsubscribe();
    clearTimeout(timeout);
    if (how === 'end') response.end();
    else response.destroy();
    onEnd();
  };
  response.on('close', () => end('end'));

  const inScope = (object: KubeObject) => request.namespace === undefined || object.metadata.namespace === request.namespace;
  const deliver = (event: StoredEvent) => {
    if (event.resource !== request.resource || !inScope(event.object)) return;
    const isNow = request.isSelected(event.object);
    // An object that moves out of a label selector is DELETED for this watcher, and one that moves in is ADDED.
    const wasBefore = event.previous ? request.isSelected(event.previous) : event.type !== 'ADDED' && isNow;
    if (event.type === 'MODIFIED' && isNow !== wasBefore) send(isNow ? 'ADDED' : 'DELETED', event.object);
    else if (isNow) send(event.type, event.object);
  };

  const { resourceVersion } = request;
  if (resourceVersion === undefined || resourceVersion === '' || resourceVersion === '0') {
    for (const object of store.list(request.resource, request.namespace)) if (request.isSelected(object)) send('ADDED', object);
    if (request.sendInitialEvents && request.allowWatchBookmarks) sendBookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    const after = Number(resourceVersion);
    const events = Number.isInteger(after) ? store.eventsAfter(after) : undefined;
    if (!events) {
      send('ERROR', toFailure(410, `too old resource version: ${resourceVersion} (${store.revision})`, undefined, 'Expired'));
      end('end');
      return { bookmark: () => {}, drop: () => {} };
    }
    for (const event of events) deliver(event);
  }
  unsubscribe = store.subscribe((event) => isOpen && deliver(event));
  if (request.timeoutSeconds) timeout = setTimeout(() => end('end'), request.timeoutSeconds * 1000);
  return {
    bookmark: () => {
      if (isOpen && request.allowWatchBookmarks) sendBookmark();
    },
    drop: () => end('destroy'),
  };
}
