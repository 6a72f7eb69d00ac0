import type { IncomingHttpHeaders } from 'node:http';
import { isPodReady } from './deployment-controller.js';
import { RESOURCE_TYPES } from './resources.js';
import { matchesLabels } from './selectors.js';
import { StatusError, notFound, toFailure } from './status.js';
import type { ObjectStore } from './store.js';

/** What a scripted container receives through `/api/v1/namespaces/{ns}/services/{name}[:port]/proxy/{path}`. */
export interface ProxyRequest {
  method: string;
  /** The path after `/proxy`, always starting with `/`, without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  namespace: string;
  service: string;
  /** The port name or number from `name:port`, if the client gave one. */
  port?: string;
  pod: string;
  image: string;
}

export interface ProxyResponse {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string>;
  /** A string or Buffer is sent as is; anything else as JSON. */
  body?: unknown;
}

export type ProxyHandler = (request: ProxyRequest) => ProxyResponse | Promise<ProxyResponse>;

/** Answers a service proxy request from the handler of the image of a Ready Pod the Service selects. */
export async function answerProxy(
  store: ObjectStore,
  handlers: Map<string, ProxyHandler>,
  request: Omit<ProxyRequest, 'pod' | 'image'>,
): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  const service = store.get('services', request.namespace, request.service);
  if (!service) throw notFound(RESOURCE_TYPES.services, request.service);
  const pod = store
    .list('pods', request.namespace)
    .find((candidate) => !candidate.metadata.deletionTimestamp && isPodReady(candidate) && matchesLabels(service.spec.selector, candidate.metadata.labels));
  if (!pod) throw new StatusError(toFailure(503, `no endpoints available for service "${request.service}"`));
  const images = ((pod.spec.containers ?? []) as { image: string }[]).map((container) => container.image);
  const image = images.find((candidate) => handlers.has(candidate));
  if (!image) {
    throw new StatusError(toFailure(503, `error trying to reach service: dial tcp ${pod.status?.podIP}:${request.port ?? '80'}: connect: connection refused`));
  }
  let answer: ProxyResponse;
  try {
    answer = await handlers.get(image)!({ ...request, pod: pod.metadata.name, image });
  } catch (error) {
    throw new StatusError(toFailure(503, `error trying to reach service: ${(error as Error).message}`));
  }
  const isRaw = typeof answer.body === 'string' || Buffer.isBuffer(answer.body);
  const body = answer.body === undefined ? Buffer.alloc(0) : isRaw ? Buffer.from(answer.body as string | Buffer) : Buffer.from(JSON.stringify(answer.body));
  return {
    status: answer.status ?? 200,
    headers: { ...(isRaw || answer.body === undefined ? {} : { 'content-type': 'application/json' }), ...answer.headers },
    body,
  };
}
