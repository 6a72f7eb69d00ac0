import type { ClientRequest, IncomingMessage } from 'node:http';
import * as http from 'node:http';
import * as https from 'node:https';
import { createInterface } from 'node:readline';
import type { KubeConfig } from '@kubernetes/client-node';
import { HttpStatusFailure, RequestTimeout } from './request-failure.js';
import { sharedAgentsOf } from './shared-agents.js';

/**
 * GET requests the generated clients do not serve well, made with client-node's own TLS and credential
 * options (`applyToHTTPSOptions`: CA, client certificate, token or exec plugin). client-node's `Watch`
 * cannot be cancelled before the server answers (it returns its AbortController only then), and the
 * generated proxy call reads a whole answer before anyone can limit its size.
 */

const MAX_ERROR_BODY_BYTES = 64 * 1024;

export interface WatchEvent {
  type: string;
  object: any;
}

/**
 * Streams a watch, one parsed event per `onEvent`, until the server ends it, the connection drops,
 * `onEvent` returns `'stop'`, or `signal` aborts (then it rejects with the signal's reason). Resolves
 * only once the connection is closed, so no watch outlives its caller. A non-200 answer rejects with
 * HttpStatusFailure; no answer within `connectTimeoutMs` rejects with RequestTimeout.
 */
export async function streamWatch(
  kubeConfig: KubeConfig,
  path: string,
  query: Record<string, string | number | boolean | undefined>,
  onEvent: (event: WatchEvent) => 'stop' | void,
  { signal, connectTimeoutMs }: { signal: AbortSignal; connectTimeoutMs: number },
): Promise<void> {
  const request = await startGet(kubeConfig, path, { ...query, watch: true }, signal);
  return new Promise<void>((resolve, reject) => {
    // Set only by what makes the watch a failure: its time limit, the caller's abort, a refusal, or an
    // error before the stream opened. Once open, any end is a normal one: the caller resumes.
    let failure: unknown;
    let isStreaming = false;
    const timer = setTimeout(() => request.destroy((failure = new RequestTimeout(connectTimeoutMs))), connectTimeoutMs);
    const onAbort = () => request.destroy((failure = signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    request.on('error', (error) => {
      if (!isStreaming) failure ??= error;
    });
    request.on('response', (response) => {
      clearTimeout(timer);
      // Destroying the request to end the watch destroys the response with an "aborted" error.
      response.on('error', () => {});
      if (response.statusCode !== 200) {
        readBody(response, MAX_ERROR_BODY_BYTES)
          .then(
            (body) => (failure ??= new HttpStatusFailure(response.statusCode ?? 0, body.toString('utf8'))),
            () => (failure ??= new HttpStatusFailure(response.statusCode ?? 0, '')),
          )
          .finally(() => request.destroy());
        return;
      }
      isStreaming = true;
      const lines = createInterface({ input: response, crlfDelay: Infinity });
      // readline re-emits its input's errors, the "aborted" one included.
      lines.on('error', () => {});
      lines.on('line', (line) => {
        if (line.trim() === '') return;
        let event: WatchEvent;
        try {
          event = JSON.parse(line) as WatchEvent;
        } catch {
          return;
        }
        if (onEvent(event) === 'stop') request.destroy();
      });
      response.on('end', () => request.destroy());
    });
    request.on('close', () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (failure !== undefined) reject(failure);
      else resolve();
    });
    request.end();
  });
}

/**
 * Reads one answer whole, up to `maxBytes`, within `timeoutMs` (connection and body together).
 * Rejects with HttpStatusFailure on a status other than 200, and with `tooLarge()` past the limit.
 */
export async function readLimited(
  kubeConfig: KubeConfig,
  path: string,
  { signal, timeoutMs, maxBytes, tooLarge }: { signal?: AbortSignal; timeoutMs: number; maxBytes: number; tooLarge: () => Error },
): Promise<{ body: Buffer; contentType: string | undefined }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new RequestTimeout(timeoutMs)), timeoutMs);
  const onAbort = () => controller.abort(signal!.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const request = await startGet(kubeConfig, path, {}, controller.signal);
    return await new Promise((resolve, reject) => {
      const stop = () => request.destroy(controller.signal.reason);
      controller.signal.addEventListener('abort', stop, { once: true });
      request.on('close', () => controller.signal.removeEventListener('abort', stop));
      request.on('error', reject);
      request.on('response', (response) => {
        const isOk = response.statusCode === 200;
        readBody(response, isOk ? maxBytes : MAX_ERROR_BODY_BYTES).then(
          (body) => (isOk ? resolve({ body, contentType: response.headers['content-type'] }) : reject(new HttpStatusFailure(response.statusCode ?? 0, body.toString('utf8')))),
          (error: unknown) => {
            request.destroy();
            if (error instanceof BodyTooLarge) reject(isOk ? tooLarge() : new HttpStatusFailure(response.statusCode ?? 0, ''));
            else reject(controller.signal.aborted ? controller.signal.reason : error);
          },
        );
      });
      request.end();
    });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

async function startGet(kubeConfig: KubeConfig, path: string, query: Record<string, string | number | boolean | undefined>, signal: AbortSignal): Promise<ClientRequest> {
  signal.throwIfAborted();
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/$/, '') + path);
  for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
  const options: https.RequestOptions = {};
  // Resolves the credentials (an exec plugin runs here), so it is inside the caller's time limit.
  await kubeConfig.applyToHTTPSOptions(options);
  options.agent = sharedAgentsOf(kubeConfig).reuse(options.agent);
  signal.throwIfAborted();
  const transport = url.protocol === 'http:' ? http : https;
  return transport.request(url, { ...options, method: 'GET', headers: { ...options.headers, Accept: 'application/json' } });
}

class BodyTooLarge extends Error {}

function readBody(response: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) return reject(new BodyTooLarge());
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        response.destroy();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(Buffer.concat(chunks)));
    response.on('error', reject);
    response.on('aborted', () => reject(new Error('the connection closed before the answer was complete')));
  });
}
