import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createServerCertificates } from './certificates.js';
import { createDeploymentController, ownerDeploymentName } from './deployment-controller.js';
import { createFaultTable, type Fault, type Verb } from './faults.js';
import { toKubeconfig } from './kubeconfig.js';
import { createObjectHandlers, type ObjectAnswer } from './objects.js';
import { createPodLifecycle, type PodBehaviour } from './pod-lifecycle.js';
import { answerProxy, type ProxyHandler } from './proxy.js';
import type { KubeObject, ResourceName } from './resources.js';
import { readRoute, type Route } from './routes.js';
import { readFieldSelector, readLabelSelector } from './selectors.js';
import { StatusError, badRequest, forbidden, toFailure, type Status } from './status.js';
import { createObjectStore } from './store.js';
import { startWatch, type WatchConnection } from './watch.js';

/** Who a bearer token is, and which namespaces it may touch. */
export interface TokenGrant {
  /** The user named in 403 messages. Default `system:serviceaccount:default:<token prefix>`. */
  user?: string;
  /** `'*'` (the default): everything, cluster-scoped resources included. A list: namespaced resources in those namespaces, and reading those Namespace objects. */
  namespaces?: '*' | string[];
}

export interface KubernetesTestServerOptions {
  /**
   * How many real milliseconds one second of the API's own clocks lasts: progressDeadlineSeconds and
   * the kubelet's back-offs (10 s doubling). Default 1, so the default 600 s deadline passes in 600 ms.
   */
  apiSecondMs?: number;
  /** Watch events kept for resumption; an older resourceVersion gets 410 Gone. Default 1000. */
  retainedEvents?: number;
  /** How often watches that asked for bookmarks get one. Default 1000 ms (the real server: about a minute). */
  bookmarkIntervalMs?: number;
  /** For images with no script. Default `{ kind: 'ready', afterMs: 20 }`. */
  defaultBehaviour?: PodBehaviour;
}

export interface RecordedRequest {
  method: string;
  /** Path and query as requested. */
  path: string;
  verb?: Verb;
  resource?: ResourceName;
  namespace?: string;
  name?: string;
  /** The status code answered; undefined while it hangs or streams. */
  code?: number;
}

export interface KubernetesTestServer {
  /** `https://127.0.0.1:<port>`. */
  url: string;
  caPem: string;
  /** A token with every right. */
  token: string;
  /** A kubeconfig for `KubeConfig.loadFromString`, with the CA and `token` (default: the all-rights one). */
  kubeconfig(options?: { token?: string; namespace?: string; caPem?: string }): string;
  /** Accepts `token` from now on with the rights of `grant`. */
  addToken(token: string, grant?: TokenGrant): void;
  /** Sets what containers of `image` do from the next Pod on. */
  script(image: string, behaviour: PodBehaviour): void;
  /** Answers service proxy requests that reach a Ready Pod running `image`. */
  proxyHandler(image: string, handler: ProxyHandler): void;
  /** Makes the next matching requests fail or hang. */
  failNext(fault: Fault): void;
  /** Cuts every open watch connection mid-stream. */
  dropWatches(): void;
  /** Sends a BOOKMARK on every watch that asked for them, now. */
  sendBookmarks(): void;
  /** Forgets the watch history: resuming from any earlier resourceVersion now gets 410 Gone. */
  compact(): void;
  /** The stored objects of a kind, for assertions such as "no duplicates". */
  objects(resource: ResourceName, options?: { namespace?: string; labelSelector?: string }): KubeObject[];
  readonly openWatches: number;
  readonly requests: RecordedRequest[];
  /** Stops listening, drops every connection (hanging ones too) and every timer. */
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** Starts a Kubernetes-API-compatible server over HTTPS on a free loopback port. See the package README and ADR 013. */
export async function startKubernetesTestServer({
  apiSecondMs = 1,
  retainedEvents = 1000,
  bookmarkIntervalMs = 1000,
  defaultBehaviour = { kind: 'ready', afterMs: 20 },
}: KubernetesTestServerOptions = {}): Promise<KubernetesTestServer> {
  const certificates = await createServerCertificates();
  const store = createObjectStore({ retainedEvents });
  const behaviours = new Map<string, PodBehaviour>();
  const proxyHandlers = new Map<string, ProxyHandler>();
  const faults = createFaultTable();
  const watches = new Set<WatchConnection>();
  const requests: RecordedRequest[] = [];
  const adminToken = randomBytes(24).toString('base64url');
  const grants = new Map<string, Required<TokenGrant>>([[adminToken, { user: 'kubernetes-admin', namespaces: '*' }]]);

  let enqueueOwner = (_pod: KubeObject) => {};
  const pods = createPodLifecycle({ store, apiSecondMs, behaviourFor: (image) => behaviours.get(image) ?? defaultBehaviour, onChange: (pod) => enqueueOwner(pod) });
  const deployments = createDeploymentController({ store, pods, apiSecondMs });
  enqueueOwner = (pod) => {
    const owner = ownerDeploymentName(pod);
    if (owner) deployments.enqueue(pod.metadata.namespace!, owner);
  };
  const handlers = createObjectHandlers({ store, deployments, pods });
  const bookmarkTimer = setInterval(() => watches.forEach((watch) => watch.bookmark()), bookmarkIntervalMs);

  const authorize = (grant: Required<TokenGrant>, route: Route) => {
    if (grant.namespaces === '*') return;
    const allowed = grant.namespaces;
    const isAllowed = route.type.isNamespaced
      ? route.namespace !== undefined && allowed.includes(route.namespace)
      : route.type.plural === 'namespaces' && route.verb === 'get' && allowed.includes(route.name ?? '');
    if (!isAllowed) throw forbidden(route.type, route.verb, grant.user, route.name, route.namespace);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse, record: RecordedRequest) => {
    const url = new URL(request.url ?? '/', 'https://kubernetes-test-server');
    const grant = grants.get(/^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '');
    // As the real API server: these answer anonymous requests, but a token that fails authentication
    // is refused everywhere (it is not taken for anonymous).
    if (request.headers.authorization !== undefined && !grant) return sendStatus(response, record, toFailure(401, 'Unauthorized'));
    if (['/version', '/healthz', '/livez', '/readyz'].includes(url.pathname)) {
      const body = url.pathname === '/version' ? { major: '1', minor: '31', gitVersion: 'v1.31.0-kubernetes-test-server', platform: 'linux/amd64' } : 'ok';
      return send(response, record, 200, body);
    }
    if (!grant) return sendStatus(response, record, toFailure(401, 'Unauthorized'));
    const route = readRoute(request.method ?? 'GET', url);
    if (!route) return sendStatus(response, record, toFailure(404, 'the server could not find the requested resource', {}));
    Object.assign(record, { verb: route.verb, resource: route.type.plural as ResourceName, namespace: route.namespace, name: route.name });
    authorize(grant, route);
    const fault = faults.take({ verb: route.verb, resource: route.type.plural as ResourceName, namespace: route.namespace, name: route.name });
    if (fault?.hang) return;
    if (fault) return sendStatus(response, record, toFailure(fault.code ?? 500, fault.message ?? defaultFaultMessage(fault.code ?? 500, route)));
    const body = await readBody(request);

    if (route.verb === 'watch') {
      const labels = readLabelSelector(route.query.get('labelSelector'));
      const fields = readFieldSelector(route.query.get('fieldSelector'));
      const timeoutSeconds = Number(route.query.get('timeoutSeconds') ?? 0);
      record.code = 200;
      // A watch may end inside startWatch (410 Gone), before it could be registered.
      let hasEnded = false;
      let watch: WatchConnection | undefined;
      watch = startWatch(
        store,
        {
          resource: route.type.plural as ResourceName,
          ...(route.namespace !== undefined ? { namespace: route.namespace } : {}),
          isSelected: (object) => labels(object.metadata.labels) && fields(object) && (route.name === undefined || object.metadata.name === route.name),
          ...(route.query.has('resourceVersion') ? { resourceVersion: route.query.get('resourceVersion')! } : {}),
          allowWatchBookmarks: route.query.get('allowWatchBookmarks') === 'true',
          sendInitialEvents: route.query.get('sendInitialEvents') === 'true',
          ...(timeoutSeconds > 0 ? { timeoutSeconds } : {}),
        },
        response,
        () => {
          hasEnded = true;
          if (watch) watches.delete(watch);
        },
      );
      if (!hasEnded) watches.add(watch);
      return;
    }
    if (route.verb === 'proxy') {
      const answer = await answerProxy(store, proxyHandlers, {
        method: request.method ?? 'GET',
        path: route.proxy!.path,
        query: url.searchParams,
        headers: request.headers,
        body: body ?? Buffer.alloc(0),
        namespace: route.namespace!,
        service: route.name!,
        ...(route.proxy!.port ? { port: route.proxy!.port } : {}),
      });
      record.code = answer.status;
      response.writeHead(answer.status, { 'content-length': String(answer.body.length), ...answer.headers }).end(answer.body);
      return;
    }
    const json = body && body.length > 0 ? readJson(body) : undefined;
    const answer: ObjectAnswer =
      route.verb === 'get'
        ? handlers.get(route)
        : route.verb === 'list'
          ? handlers.list(route)
          : route.verb === 'create'
            ? handlers.create(route, json)
            : route.verb === 'update'
              ? handlers.update(route, json)
              : route.verb === 'patch'
                ? handlers.patch(route, json, request.headers['content-type'])
                : handlers.delete(route, json);
    send(response, record, answer.code, answer.body);
  };

  const server = createServer({ key: certificates.keyPem, cert: certificates.certPem }, (request, response) => {
    const record: RecordedRequest = { method: request.method ?? 'GET', path: request.url ?? '/' };
    requests.push(record);
    handle(request, response, record).catch((error: unknown) => {
      if (response.headersSent) return response.destroy();
      if (error instanceof StatusError) return sendStatus(response, record, error.status);
      sendStatus(response, record, toFailure(500, `Internal error occurred: ${(error as Error).message}`, { causes: [{ message: (error as Error).message }] }));
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolveListen);
  });
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    caPem: certificates.caPem,
    token: adminToken,
    kubeconfig: ({ token = adminToken, namespace, caPem = certificates.caPem } = {}) => toKubeconfig({ url, caPem, token, ...(namespace ? { namespace } : {}) }),
    addToken: (token, { user = `system:serviceaccount:default:${token.slice(0, 8)}`, namespaces = '*' } = {}) => {
      grants.set(token, { user, namespaces });
    },
    script: (image, behaviour) => {
      behaviours.set(image, behaviour);
    },
    proxyHandler: (image, handler) => {
      proxyHandlers.set(image, handler);
    },
    failNext: (fault) => faults.add(fault),
    dropWatches: () => [...watches].forEach((watch) => watch.drop()),
    sendBookmarks: () => watches.forEach((watch) => watch.bookmark()),
    compact: () => store.compact(),
    objects: (resource, { namespace, labelSelector } = {}) => {
      const labels = readLabelSelector(labelSelector ?? null);
      return store.list(resource, namespace).filter((object) => labels(object.metadata.labels));
    },
    get openWatches() {
      return watches.size;
    },
    requests,
    stop: async () => {
      clearInterval(bookmarkTimer);
      deployments.stop();
      pods.stop();
      faults.clear();
      await new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      });
    },
  };
}

function send(response: ServerResponse, record: RecordedRequest, code: number, body: unknown): void {
  record.code = code;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(code, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', 'content-length': String(Buffer.byteLength(text)) }).end(text);
}

function sendStatus(response: ServerResponse, record: RecordedRequest, status: Status): void {
  send(response, record, status.code, status);
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new StatusError(toFailure(413, 'Request entity too large: limit is 3145728', undefined, 'RequestEntityTooLarge'));
    chunks.push(chunk as Buffer);
  }
  return chunks.length > 0 ? Buffer.concat(chunks) : undefined;
}

function readJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw badRequest(`the request body is not valid JSON: ${(error as Error).message}`);
  }
}

function defaultFaultMessage(code: number, route: Route): string {
  const target = route.name ? `${route.type.plural} "${route.name}"` : route.type.plural;
  if (code === 403) return `${target} is forbidden: injected by kubernetes-test-server`;
  if (code === 409) return `Operation cannot be fulfilled on ${target}: the object has been modified; please apply your changes to the latest version and try again`;
  if (code === 429) return 'Too many requests, please try again later.';
  if (code === 504) return `Timeout: request did not complete within the allotted timeout`;
  return `Internal error occurred: injected failure on ${route.verb} ${target}`;
}
