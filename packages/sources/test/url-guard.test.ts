import { execFile } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@addon-platform/platform/testing';
import { guardedFetch, SourceError, UrlGuard } from '@addon-platform/sources';
import { startFixtureHttpServer, type FixtureHttpServer } from '@addon-platform/sources/testing';
import { failure } from './failure.js';

const HTTP = ['https:', 'http:'];
const ROOT = join(import.meta.dirname, '../../..');

async function readAll(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

describe('UrlGuard.parse', () => {
  const guard = new UrlGuard();

  it.each([
    ['not a URL', 'charts.example.com', /absolute URL/],
    ['a scheme the source does not use', 'ftp://charts.example.com/', /must use https, http; it uses ftp/],
    ['a file URL', 'file:///etc/passwd', /it uses file/],
    ['embedded credentials', 'https://reader:secret@charts.example.com/', /must not embed credentials/],
    ['an embedded user name alone', 'https://reader@charts.example.com/', /must not embed credentials/],
    ['a URL longer than 2048 characters', `https://charts.example.com/${'a'.repeat(2048)}`, /longer than 2048/],
  ])('refuses %s with INVALID_URL', (_case, value, message) => {
    const error = (() => {
      try {
        guard.parse(value, HTTP);
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ code: 'INVALID_URL', message: expect.stringMatching(message) });
    expect((error as Error).message).not.toContain('secret');
  });

  it('accepts an http(s) URL and keeps it as written', () => {
    expect(guard.parse('https://charts.example.com/stable/', HTTP).href).toBe('https://charts.example.com/stable/');
  });

  it('refuses an allow-list entry that is neither a CIDR, an address nor a host name', () => {
    expect(() => new UrlGuard({ allow: ['10.0.0.0/33'] })).toThrow(/not a CIDR/);
    expect(() => new UrlGuard({ allow: ['http://x'] })).toThrow(/not a CIDR/);
  });
});

describe('UrlGuard.resolve', () => {
  const guard = new UrlGuard();

  it.each([
    ['IPv4 loopback', 'http://127.0.0.1/'],
    ['another loopback address', 'http://127.9.9.9/'],
    ['loopback written as one number', 'http://2130706433/'],
    ['loopback written in hex', 'http://0x7f.1/'],
    ['"this network"', 'http://0.0.0.0/'],
    ['a 10/8 private address', 'http://10.1.2.3/'],
    ['a 172.16/12 private address', 'http://172.31.255.1/'],
    ['a 192.168/16 private address', 'http://192.168.1.1/'],
    ['carrier-grade NAT', 'http://100.64.0.1/'],
    ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data/'],
    ['IPv4 link-local', 'http://169.254.10.10/'],
    ['IPv6 loopback', 'http://[::1]/'],
    ['IPv6 link-local', 'http://[fe80::1]/'],
    ['the AWS IPv6 metadata address', 'http://[fd00:ec2::254]/'],
    ['IPv6 unique local', 'http://[fc00::1]/'],
    ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]/'],
    ['IPv4-mapped metadata', 'http://[::ffff:169.254.169.254]/'],
    ['NAT64 of a private address', 'http://[64:ff9b::a00:1]/'],
    ['6to4 of loopback', 'http://[2002:7f00:1::]/'],
  ])('refuses %s with FORBIDDEN_ADDRESS', async (_case, url) => {
    const error = await failure(guard.resolve(new URL(url)));
    expect(error).toMatchObject({ code: 'FORBIDDEN_ADDRESS', message: expect.stringMatching(/special address/) });
  });

  it('refuses a name that resolves to loopback, without showing the address it resolved to', async () => {
    const error = await failure(guard.resolve(new URL('http://localhost:8080/')));
    expect(error).toMatchObject({ code: 'FORBIDDEN_ADDRESS', message: expect.stringContaining('localhost resolves to') });
    expect(error.message).not.toMatch(/127\.0\.0\.1|::1/);
  });

  it.each([
    ['a public IPv4 address', 'https://93.184.215.14/', '93.184.215.14', 4],
    ['a public IPv6 address', 'https://[2606:4700:4700::1111]/', '2606:4700:4700::1111', 6],
  ])('pins %s', async (_case, url, address, family) => {
    await expect(guard.resolve(new URL(url))).resolves.toEqual({ address, family });
  });

  it('answers UNREACHABLE for a name DNS does not know', async () => {
    const error = await failure(guard.resolve(new URL('https://no-such-host.invalid/')));
    expect(error).toMatchObject({ code: 'UNREACHABLE', message: expect.stringContaining('no-such-host.invalid') });
  });

  it('lets an allow-listed range through and nothing next to it', async () => {
    const allowing = new UrlGuard({ allow: ['10.0.0.0/8', '127.0.0.1/32', 'fd00::/8'] });
    await expect(allowing.resolve(new URL('http://10.200.0.1/'))).resolves.toEqual({ address: '10.200.0.1', family: 4 });
    await expect(allowing.resolve(new URL('http://127.0.0.1/'))).resolves.toEqual({ address: '127.0.0.1', family: 4 });
    await expect(allowing.resolve(new URL('http://[fd00:ec2::254]/'))).resolves.toEqual({ address: 'fd00:ec2::254', family: 6 });
    expect(await failure(allowing.resolve(new URL('http://127.0.0.2/')))).toMatchObject({ code: 'FORBIDDEN_ADDRESS' });
    expect(await failure(allowing.resolve(new URL('http://192.168.0.1/')))).toMatchObject({ code: 'FORBIDDEN_ADDRESS' });
    expect(await failure(allowing.resolve(new URL('http://[fe80::1]/')))).toMatchObject({ code: 'FORBIDDEN_ADDRESS' });
  });

  it('lets an allow-listed host name through whatever it resolves to', async () => {
    const allowing = new UrlGuard({ allow: ['LOCALHOST.'] });
    await expect(allowing.resolve(new URL('http://localhost/'))).resolves.toMatchObject({ address: expect.any(String) });
    expect(allowing.mayConnect('127.0.0.1', 'localhost')).toBe(true);
    expect(allowing.mayConnect('127.0.0.1', 'other.example')).toBe(false);
  });
});

describe('guardedFetch', () => {
  const loopbackOnly = (options: ConstructorParameters<typeof UrlGuard>[0] = {}) => new UrlGuard({ allow: ['127.0.0.1/32'], ...options });
  let server: FixtureHttpServer;
  let elsewhere: FixtureHttpServer;

  beforeAll(async () => {
    server = await startFixtureHttpServer({
      routes: {
        '/hello': { body: 'hello', headers: { 'x-Custom': 'yes' } },
        '/loop': { redirect: '/loop' },
        '/hang': { hang: true },
        '/stall': {
          body: async function* () {
            yield 'first bytes';
            await new Promise(() => {});
          },
        },
        '/endless': {
          body: async function* () {
            for (;;) yield Buffer.alloc(1024, 'x');
          },
        },
        '/claims-large': {
          headers: { 'content-length': String(10 * 1024 * 1024) },
          body: async function* () {
            await new Promise(() => {});
          },
        },
        '/to-relative': { redirect: '/hello', status: 301 },
        '/echo-auth': { body: 'seen' },
      },
    });
    elsewhere = await startFixtureHttpServer({ routes: { '/landing': { body: 'landed' } } });
    server.route('/to-elsewhere', { redirect: `${elsewhere.url}/landing`, status: 307 });
    server.route('/to-same-origin', { redirect: `${server.url}/echo-auth`, status: 308 });
  });
  afterAll(async () => {
    await Promise.all([server?.close(), elsewhere?.close()]);
  });

  it('answers the status, lowercased headers, final URL and body', async () => {
    const response = await guardedFetch(loopbackOnly(), `${server.url}/hello`, { schemes: HTTP });
    expect(response.status).toBe(200);
    expect(response.headers['x-custom']).toBe('yes');
    expect(response.url.href).toBe(`${server.url}/hello`);
    expect(await readAll(response.body)).toBe('hello');
  });

  it('connects to the address the guard resolved a name to, sending the name as Host', async () => {
    const { address } = await lookup('localhost');
    const named = await startFixtureHttpServer({ host: address, routes: { '/hello': { body: 'hello by name' } } });
    try {
      const url = `http://localhost:${named.port}/hello`;
      const response = await guardedFetch(new UrlGuard({ allow: ['localhost'] }), url, { schemes: HTTP });
      expect(await readAll(response.body)).toBe('hello by name');
      expect(named.requests[0]!.headers.host).toBe(`localhost:${named.port}`);
    } finally {
      await named.close();
    }
  });

  it('refuses a loopback server the guard does not allow before connecting', async () => {
    const before = server.requests.length;
    const error = await failure(guardedFetch(new UrlGuard(), `${server.url}/hello`, { schemes: HTTP }));
    expect(error.code).toBe('FORBIDDEN_ADDRESS');
    expect(server.requests.length).toBe(before);
  });

  it('follows a relative redirect and reports where it ended', async () => {
    const response = await guardedFetch(loopbackOnly(), `${server.url}/to-relative`, { schemes: HTTP });
    expect(response.url.href).toBe(`${server.url}/hello`);
    expect(await readAll(response.body)).toBe('hello');
  });

  it('refuses a redirect to an address outside the allow-list, without connecting to it', async () => {
    // Linux answers on all of 127/8, so 127.0.0.2 is reachable and only the guard stands in the way.
    const internal = await startFixtureHttpServer({ host: '127.0.0.2', routes: { '/secret': { body: 'internal' } } });
    try {
      server.route('/to-internal', { redirect: `${internal.url}/secret` });
      const error = await failure(guardedFetch(loopbackOnly(), `${server.url}/to-internal`, { schemes: HTTP }));
      expect(error).toMatchObject({ code: 'FORBIDDEN_ADDRESS', message: expect.stringMatching(/redirected/) });
      expect(error.message).toContain(`127.0.0.1:${server.port}`);
      expect(error.message).not.toContain('127.0.0.2');
      expect(internal.requests).toHaveLength(0);
      // The same server is reachable when allowed: the refusal above is the guard's doing.
      const allowed = await guardedFetch(loopbackOnly({ allow: ['127.0.0.1/32', '127.0.0.2/32'] }), `${server.url}/to-internal`, { schemes: HTTP });
      expect(await readAll(allowed.body)).toBe('internal');
    } finally {
      await internal.close();
    }
  });

  it('stops after the redirect limit', async () => {
    const before = server.requests.length;
    const error = await failure(guardedFetch(loopbackOnly({ maxRedirects: 3 }), `${server.url}/loop`, { schemes: HTTP }));
    expect(error).toMatchObject({ code: 'UPSTREAM_ERROR', message: expect.stringContaining('more than 3 times') });
    expect(server.requests.length - before).toBe(4);
  });

  it('drops the Authorization header on a redirect to another origin and keeps it on the same origin', async () => {
    const headers = { Authorization: 'Bearer top-secret-token' };
    await readAll((await guardedFetch(loopbackOnly(), `${server.url}/to-elsewhere`, { schemes: HTTP, headers })).body);
    expect(elsewhere.requests.at(-1)).toMatchObject({ path: '/landing' });
    expect(elsewhere.requests.at(-1)!.headers.authorization).toBeUndefined();

    await readAll((await guardedFetch(loopbackOnly(), `${server.url}/to-same-origin`, { schemes: HTTP, headers })).body);
    expect(server.requests.at(-1)).toMatchObject({ path: '/echo-auth', headers: { authorization: 'Bearer top-secret-token' } });
  });

  it('gives up with TIMEOUT on a server that never answers, naming the host and not the credential', async () => {
    const started = Date.now();
    const error = await failure(
      guardedFetch(loopbackOnly({ timeoutMs: 300 }), `${server.url}/hang`, { schemes: HTTP, headers: { authorization: 'Bearer top-secret-token' } }),
    );
    expect(error).toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining(`127.0.0.1:${server.port}`) });
    expect(error.message).not.toContain('top-secret-token');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('counts the body in the time limit', async () => {
    const response = await guardedFetch(loopbackOnly({ timeoutMs: 300 }), `${server.url}/stall`, { schemes: HTTP });
    expect(response.status).toBe(200);
    expect((await failure(readAll(response.body))).code).toBe('TIMEOUT');
  });

  it('fails with TOO_LARGE as soon as the body passes the size limit', async () => {
    const response = await guardedFetch(loopbackOnly({ maxBytes: 4096 }), `${server.url}/endless`, { schemes: HTTP });
    let received = 0;
    const error = await failure(
      (async () => {
        for await (const chunk of response.body) received += chunk.length;
      })(),
    );
    expect(error).toMatchObject({ code: 'TOO_LARGE', message: expect.stringContaining('4096 bytes') });
    expect(received).toBeLessThanOrEqual(4096);
  });

  it('fails with TOO_LARGE on a Content-Length over the limit without reading the body', async () => {
    // The body never comes: reading it would end in TIMEOUT, not TOO_LARGE.
    const error = await failure(guardedFetch(loopbackOnly({ maxBytes: 1024 * 1024, timeoutMs: 5_000 }), `${server.url}/claims-large`, { schemes: HTTP }));
    expect(error.code).toBe('TOO_LARGE');
  });

  it('answers UNREACHABLE when the connection is refused', async () => {
    const port = await freePort();
    const error = await failure(guardedFetch(loopbackOnly(), `http://127.0.0.1:${port}/index.yaml`, { schemes: HTTP }));
    expect(error).toMatchObject({ code: 'UNREACHABLE', message: `127.0.0.1:${port} refused the connection.` });
  });

  it("throws the caller's abort reason and stops reading", async () => {
    const controller = new AbortController();
    const response = await guardedFetch(loopbackOnly(), `${server.url}/stall`, { schemes: HTTP, signal: controller.signal });
    const reading = readAll(response.body);
    controller.abort(new Error('sync stopped'));
    await expect(reading).rejects.toThrow('sync stopped');
  });

  it('refuses a redirect from https to http', async () => {
    const tls = await tlsServer();
    try {
      const landing = await startFixtureHttpServer({ routes: { '/index.yaml': { body: 'apiVersion: v1' } } });
      tls.server.route('/downgrade', { redirect: `${landing.url}/index.yaml` });
      const outcome = await fetchTrusting(tls.certFile, [`${tls.server.url}/ok`, `${tls.server.url}/downgrade`]);
      await landing.close();
      expect(outcome[0]).toEqual({ status: 200 });
      expect(outcome[1]).toMatchObject({ code: 'UPSTREAM_ERROR', message: expect.stringContaining('from https to http') });
      expect(landing.requests).toHaveLength(0);
    } finally {
      await tls.close();
    }
  });
});

/**
 * A self-signed certificate for 127.0.0.1 (valid until 2126), for an https server on loopback. Test
 * material only: the key protects nothing.
 */
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg6IDMvhEHYRkJ53+a
1buahI+dSleZY8X2tn+RCQvBE+yhRANCAAQ5JIYwXRlLvQ32mYDcnspQwKSbLkH6
bk/OmUjXcBaofW4b9pVSc7g1L/2wxorKv//03t1kO7Ep4n8LYhIrQ2Vz
-----END PRIVATE KEY-----
`;
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBkDCCATagAwIBAgIUIyZfqQIgAORnBNb7Eprm+V9HAb8wCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyMTExMDkwMloYDzIxMjYxMDI4
MTEwOTAyWjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAQ5JIYwXRlLvQ32mYDcnspQwKSbLkH6bk/OmUjXcBaofW4b9pVSc7g1
L/2wxorKv//03t1kO7Ep4n8LYhIrQ2Vzo2QwYjAdBgNVHQ4EFgQUJhUk3lHpccUY
XjGHvE2YwOY5lE8wHwYDVR0jBBgwFoAUJhUk3lHpccUYXjGHvE2YwOY5lE8wDwYD
VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0gAMEUC
IQCeY6bLhzV42OlEbYlPycU/uWZPOxnr8G/ZHY+VK4+Q6AIgSIZci4HQ2DtIgAbr
wsECJsOqPYkBvOrZSsWayqUppKc=
-----END CERTIFICATE-----
`;

async function tlsServer() {
  const dir = await mkdtemp(join(tmpdir(), 'url-guard-tls-'));
  const certFile = join(dir, 'cert.pem');
  await writeFile(certFile, TEST_CERT);
  const server = await startFixtureHttpServer({ tls: { key: TEST_KEY, cert: TEST_CERT }, routes: { '/ok': { body: 'ok' } } });
  return {
    server,
    certFile,
    close: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Fetches in a child process that trusts the test certificate: Node reads extra CAs only at start-up,
 * and the guard rightly offers no way to turn certificate checks off.
 */
async function fetchTrusting(certFile: string, urls: string[]): Promise<unknown[]> {
  const script = `
    import { guardedFetch, UrlGuard } from '@addon-platform/sources';
    const guard = new UrlGuard({ allow: ['127.0.0.1/32'], timeoutMs: 5000 });
    const outcomes = [];
    for (const url of ${JSON.stringify(urls)}) {
      try {
        const response = await guardedFetch(guard, url, { schemes: ['https:', 'http:'] });
        response.close();
        outcomes.push({ status: response.status });
      } catch (error) {
        outcomes.push({ code: error.code, message: error.message });
      }
    }
    console.log(JSON.stringify(outcomes));
  `;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=source', '--import', '@swc-node/register/esm-register', '--input-type=module', '-e', script],
    { cwd: ROOT, env: { ...process.env, NODE_EXTRA_CA_CERTS: certFile } },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as unknown[];
}
