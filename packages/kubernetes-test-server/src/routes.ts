import type { Verb } from './faults.js';
import { findResourceType, type ResourceType } from './resources.js';

/** A request to the resource API, read from its method and path. */
export interface Route {
  verb: Verb;
  type: ResourceType;
  namespace?: string;
  name?: string;
  /** For `proxy`: the port from `name:port`, and the path after `/proxy`. */
  proxy?: { port?: string; path: string };
  query: URLSearchParams;
}

const GROUP_VERSIONS: Record<string, string> = { '/api/v1': 'v1', '/apis/apps/v1': 'apps/v1' };

/**
 * Reads `/api/v1[/watch]/namespaces/{ns}/{resource}[/{name}[/status|/proxy/...]]`, the cluster-scoped
 * forms (`/api/v1/namespaces/{name}`, `/api/v1/pods` for all namespaces) and the same under `/apis/apps/v1`.
 * Undefined when the path names nothing this server serves.
 */
export function readRoute(method: string, url: URL): Route | undefined {
  const prefix = Object.keys(GROUP_VERSIONS).find((candidate) => url.pathname.startsWith(`${candidate}/`));
  if (!prefix) return undefined;
  const segments = url.pathname.slice(prefix.length + 1).split('/').map(decodeURIComponent);
  let isWatch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
  if (segments[0] === 'watch') {
    isWatch = true;
    segments.shift();
  }
  let namespace: string | undefined;
  let plural: string;
  let rest: string[];
  if (segments[0] === 'namespaces' && segments.length >= 3) {
    namespace = segments[1];
    plural = segments[2]!;
    rest = segments.slice(3);
  } else {
    plural = segments[0]!;
    rest = segments.slice(1);
  }
  const type = findResourceType(GROUP_VERSIONS[prefix]!, plural);
  if (!type || (namespace !== undefined && !type.isNamespaced)) return undefined;
  const [rawName, subresource, ...subpath] = rest.filter((segment, index) => segment !== '' || index < 2);
  const query = url.searchParams;
  if (subresource === 'proxy' && type.plural === 'services' && namespace) {
    // `name`, `name:port` or `scheme:name:port`.
    const parts = rawName!.split(':');
    const [name, port] = parts.length === 3 ? [parts[1], parts[2]] : [parts[0], parts[1]];
    return { verb: 'proxy', type, namespace, name, proxy: { ...(port ? { port } : {}), path: `/${subpath.join('/')}` }, query };
  }
  if (subresource !== undefined && !(subresource === 'status' && method === 'GET')) return undefined;
  const name = rawName || undefined;
  const verb = toVerb(method, name !== undefined, isWatch);
  if (!verb) return undefined;
  // A namespaced resource at the cluster scope can only be listed or watched.
  if (type.isNamespaced && namespace === undefined && name !== undefined) return undefined;
  return { verb, type, ...(namespace !== undefined ? { namespace } : {}), ...(name ? { name } : {}), query };
}

function toVerb(method: string, hasName: boolean, isWatch: boolean): Verb | undefined {
  if (method === 'GET') return isWatch ? 'watch' : hasName ? 'get' : 'list';
  if (method === 'POST' && !hasName) return 'create';
  if (method === 'PUT' && hasName) return 'update';
  if (method === 'PATCH' && hasName) return 'patch';
  if (method === 'DELETE' && hasName) return 'delete';
  return undefined;
}
