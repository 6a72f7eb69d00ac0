import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { lookup } from 'node:dns/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@addon-platform/platform/testing';
import { gitReader, UrlGuard, type KubeVelaAddon, type KubeVelaCatalogEntry, type RejectedAddonDirectory, type SourceLocation } from '@addon-platform/sources';
import {
  createGitRepository,
  startFixtureHttpServer,
  startGitDaemon,
  startGitHttpServer,
  type RunningGitServer,
  type TestGitRepository,
} from '@addon-platform/sources/testing';

const catalogDir = fileURLToPath(new URL('../../../fixtures/kubevela-catalog', import.meta.url));
const loopback = new UrlGuard({ allow: ['127.0.0.1/32'] });
const token = `tok_${randomBytes(12).toString('hex')}`;

/** What the fixture folder holds, counted from disk so the expectations follow the fixtures. */
const fixtureAddons = readdirSync(catalogDir).filter((name) => existsSync(join(catalogDir, name, 'metadata.yaml')));
const fixtureParameterCues = fixtureAddons.filter((name) =>
  ['parameter.cue', 'resources/parameter.cue'].some((file) => existsSync(join(catalogDir, name, file))),
);
const fixtureUiSchemas = fixtureAddons.flatMap((name) => {
  const schemas = join(catalogDir, name, 'schemas');
  return existsSync(schemas) ? readdirSync(schemas).filter((file) => file.endsWith('.yaml')) : [];
});

let catalog: TestGitRepository;
let smallCatalogRevision: string;
let daemon: RunningGitServer;
let http: RunningGitServer;
let authHttp: RunningGitServer;
let requestsToHttp = 0;
let onAuthRequest: (() => Promise<void>) | undefined;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  catalog = await createGitRepository(catalogDir, { intoPath: 'addons' });
  cleanups.push(() => catalog.remove());
  const small = await mkdtemp(join(tmpdir(), 'addon-platform-small-catalog-'));
  cleanups.push(() => rm(small, { recursive: true, force: true }));
  for (const name of ['fluxcd', 'velaux']) {
    await mkdir(join(small, name));
    await writeFile(join(small, name, 'metadata.yaml'), readFileSync(join(catalogDir, name, 'metadata.yaml')));
  }
  smallCatalogRevision = await catalog.commit(small, { intoPath: 'addons', branch: 'next', tag: 'v2.0.0' });

  daemon = await startGitDaemon({ basePath: catalog.basePath });
  http = await startGitHttpServer({ basePath: catalog.basePath, onRequest: () => void (requestsToHttp += 1) });
  authHttp = await startGitHttpServer({
    basePath: catalog.basePath,
    requireAuth: { username: 'x-access-token', password: token },
    onRequest: () => onAuthRequest?.(),
  });
  cleanups.push(() => daemon.close(), () => http.close(), () => authHttp.close());
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function readAll(location: SourceLocation, guard = loopback) {
  const snapshot = await gitReader.read(location, { guard });
  if (snapshot.status !== 'read') throw new Error('a git read is never not-modified');
  const entries: KubeVelaCatalogEntry[] = [];
  for await (const entry of snapshot.entries) entries.push(entry);
  const addons = entries.filter((entry): entry is KubeVelaAddon => entry.kind === 'addon');
  const rejected = entries.filter((entry): entry is RejectedAddonDirectory => entry.kind === 'rejected');
  return { snapshot, addons, rejected, byName: new Map(addons.map((addon) => [addon.name, addon])) };
}

describe('reading a KubeVela catalog from git', () => {
  it.each([
    ['git daemon (git://)', () => daemon.url],
    ['http-backend (smart HTTP)', () => http.url],
  ])('reads every addon directory under the path over %s', async (_, server) => {
    const { snapshot, addons, rejected } = await readAll({ url: `${server()}/${catalog.name}`, path: 'addons' });

    expect(snapshot).toMatchObject({ status: 'read', etag: null, revision: catalog.revision });
    expect(rejected).toEqual([]);
    expect(addons).toHaveLength(41);
    expect(addons.map((addon) => addon.directory).sort()).toEqual([...fixtureAddons].sort());
    expect(addons.filter((addon) => addon.parameterCue !== null)).toHaveLength(23);
    expect(fixtureParameterCues).toHaveLength(23);
    expect(addons.flatMap((addon) => addon.uiSchemas)).toHaveLength(fixtureUiSchemas.length);
  });

  it('keeps metadata as written: versions, unknown keys, parameter files and UI schemas', async () => {
    const { byName } = await readAll({ url: `${daemon.url}/${catalog.name}`, path: 'addons' });

    expect(byName.get('grafana')).toMatchObject({ version: 'v0.4.3', tags: ['Official', 'Observability', 'Kubernetes', 'Grafana'], invisible: false });
    expect(byName.get('terraform-ec')?.metadata).toMatchObject({ shortCloudName: 'ec', completeCloudName: 'Elastic Cloud' });
    expect(byName.get('cert-manager')).toMatchObject({ dependencies: ['fluxcd'], system: { vela: '>=v1.7.0-alpha.1' } });
    // victoria-metric lists `dependencies` twice; like KubeVela's decoder, the last one counts.
    expect(byName.get('victoria-metric')?.dependencies).toEqual(['o11y-definitions']);
    expect(byName.get('flink-kubernetes-operator')?.deployTo).toEqual({ controlPlane: true, runtimeCluster: true });
    expect(byName.get('traefik')?.deployTo).toEqual({ controlPlane: true, runtimeCluster: true });
    expect(byName.get('velaux')?.deployTo).toEqual({ controlPlane: true, runtimeCluster: false });
    expect(byName.get('fluxcd')?.parameterCue).toBe(readFileSync(join(catalogDir, 'fluxcd/parameter.cue'), 'utf8'));
    expect(byName.get('traefik')?.parameterCue).toBe(readFileSync(join(catalogDir, 'traefik/resources/parameter.cue'), 'utf8'));
    expect(byName.get('dex')?.parameterCue).toBeNull();
    expect(byName.get('fluxcd')?.uiSchemas.map((schema) => schema.name).sort()).toEqual([
      'component-uischema-helm',
      'component-uischema-kustomize',
      'config-uischema-helm-repository',
    ]);
    expect(byName.get('fluxcd')?.uiSchemas.find((schema) => schema.name === 'component-uischema-helm')?.content).toBe(
      readFileSync(join(catalogDir, 'fluxcd/schemas/component-uischema-helm.yaml'), 'utf8'),
    );
  });

  it('reads a branch, an annotated tag or a commit, and says which ref is missing', async () => {
    const url = `${daemon.url}/${catalog.name}`;
    const branch = await readAll({ url, path: 'addons', ref: 'next' });
    expect(branch.snapshot).toMatchObject({ revision: smallCatalogRevision });
    expect(branch.addons.map((addon) => addon.name).sort()).toEqual(['fluxcd', 'velaux']);

    const tag = await readAll({ url, path: 'addons', ref: 'v2.0.0' });
    expect(tag.snapshot).toMatchObject({ revision: smallCatalogRevision });

    const commit = await readAll({ url, path: 'addons', ref: catalog.revision });
    expect(commit.addons).toHaveLength(41);

    await expect(readAll({ url, path: 'addons', ref: 'release-9' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('"release-9"'),
    });
  });

  it('refuses a ref git could read as an option or a refspec before fetching', async () => {
    const before = requestsToHttp;
    for (const ref of ['--upload-pack=touch /tmp/x', 'main:refs/heads/evil', 'main~1']) {
      await expect(readAll({ url: `${http.url}/${catalog.name}`, ref })).rejects.toMatchObject({ code: 'INVALID_URL' });
    }
    expect(requestsToHttp).toBe(before);
  });

  it('answers NOT_FOUND naming the path and ref when the path is not in the commit', async () => {
    await expect(readAll({ url: `${daemon.url}/${catalog.name}`, path: 'catalog/addons', ref: 'next' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/"catalog\/addons".*"next"/),
    });
  });

  it('refuses a path that leaves the repository or is absolute, before fetching', async () => {
    const before = requestsToHttp;
    for (const path of ['../addons', 'addons/../../etc', '/addons']) {
      await expect(readAll({ url: `${http.url}/${catalog.name}`, path })).rejects.toMatchObject({ code: 'INVALID_URL' });
    }
    expect(requestsToHttp).toBe(before);
  });

  it('answers MALFORMED when the path names a file', async () => {
    await expect(readAll({ url: `${daemon.url}/${catalog.name}`, path: 'addons/fluxcd/metadata.yaml' })).rejects.toMatchObject({ code: 'MALFORMED' });
  });

  it('answers NOT_FOUND for a repository the server does not have', async () => {
    await expect(readAll({ url: `${daemon.url}/nothing-here.git` })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(readAll({ url: `${http.url}/nothing-here.git` })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('reading messy addon directories', () => {
  let messy: TestGitRepository;
  let messyDaemon: RunningGitServer;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'addon-platform-messy-catalog-'));
    const files: Record<string, string | Buffer> = {
      'README.md': '# not an addon',
      'docs/index.md': 'no metadata.yaml here',
      'numbers/metadata.yaml': 'name: numbers\nversion: 1.10\nreplicas: 3\n',
      'nameless/metadata.yaml': 'version: v1\ndescription: "  "\n',
      'placement/metadata.yaml': 'name: placement\ndeployTo:\n  disableControlPlane: true\n  RuntimeCluster: true\n',
      'broken/metadata.yaml': 'name: [unclosed\n',
      'listed/metadata.yaml': '- name: listed\n',
      'latin1/metadata.yaml': Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9, 0x0a]),
      'huge/metadata.yaml': 'name: huge\n',
      'huge/parameter.cue': `parameter: {}\n${'//'.padEnd(2 * 1024 * 1024, '.')}\n`,
    };
    for (const [path, content] of Object.entries(files)) {
      await mkdir(join(dir, path, '..'), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    // A hostile repository may hold symlinks; they are never followed, so /etc/hostname is never read.
    await mkdir(join(dir, 'linked'));
    await symlink('/etc/hostname', join(dir, 'linked', 'metadata.yaml'));
    messy = await createGitRepository(dir, { name: 'messy.git' });
    await rm(dir, { recursive: true, force: true });
    messyDaemon = await startGitDaemon({ basePath: messy.basePath });
  });

  afterAll(async () => {
    await messyDaemon.close();
    await messy.remove();
  });

  it('reads the repository root when no path is given, rejecting bad directories one by one', async () => {
    const { addons, rejected, byName } = await readAll({ url: `${messyDaemon.url}/messy.git` });

    expect(addons.map((addon) => addon.directory).sort()).toEqual(['nameless', 'numbers', 'placement']);
    expect(byName.get('numbers')).toMatchObject({ version: '1.10', metadata: { version: '1.10', replicas: 3 } });
    expect(byName.get('nameless')).toMatchObject({ version: 'v1', description: null, tags: [] });
    expect(byName.get('placement')?.deployTo).toEqual({ controlPlane: false, runtimeCluster: true });
    expect(rejected.sort((a, b) => a.directory.localeCompare(b.directory))).toEqual([
      { kind: 'rejected', directory: 'broken', reason: expect.stringContaining('metadata.yaml is not valid YAML') },
      { kind: 'rejected', directory: 'huge', reason: expect.stringContaining('parameter.cue is') },
      { kind: 'rejected', directory: 'latin1', reason: 'metadata.yaml is not UTF-8 text.' },
      { kind: 'rejected', directory: 'listed', reason: expect.stringContaining('must be a map') },
    ]);
  });
});

describe('credentials over HTTP', () => {
  const base64 = Buffer.from(`x-access-token:${token}`).toString('base64');

  it('reads a private repository with the right token, which never shows in the process list', async () => {
    const commandLines: string[] = [];
    // Runs while git waits for the server's answer, so git and its remote helper are alive.
    onAuthRequest = async () => {
      if (commandLines.length === 0) commandLines.push(...(await readCommandLines()));
    };
    try {
      const { addons } = await readAll({ url: `${authHttp.url}/${catalog.name}`, path: 'addons', credential: { kind: 'token', token } });
      expect(addons).toHaveLength(41);
    } finally {
      onAuthRequest = undefined;
    }
    expect(commandLines.filter((line) => line.includes(`${authHttp.url}/${catalog.name}`))).not.toHaveLength(0);
    expect(commandLines.filter((line) => line.includes(token) || line.includes(base64))).toEqual([]);
  });

  it('reads with a basic username and password', async () => {
    const { addons } = await readAll({
      url: `${authHttp.url}/${catalog.name}`,
      path: 'addons',
      credential: { kind: 'basic', username: 'x-access-token', password: token },
    });
    expect(addons).toHaveLength(41);
  });

  it('answers UNAUTHORIZED for a wrong token without repeating it', async () => {
    const wrong = `tok_${randomBytes(12).toString('hex')}`;
    const error = await readAll({ url: `${authHttp.url}/${catalog.name}`, credential: { kind: 'token', token: wrong } }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringContaining('refused the credential') });
    const message = (error as Error).message;
    for (const secret of [wrong, token, Buffer.from(`x-access-token:${wrong}`).toString('base64')]) expect(message).not.toContain(secret);
  });

  it('answers UNAUTHORIZED asking for a credential when none is given', async () => {
    await expect(readAll({ url: `${authHttp.url}/${catalog.name}` })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringContaining('needs a credential'),
    });
  });

  it('refuses a credential for git://, which cannot send one', async () => {
    await expect(readAll({ url: `${daemon.url}/${catalog.name}`, credential: { kind: 'token', token } })).rejects.toMatchObject({ code: 'INVALID_URL' });
  });
});

describe('the URL guard in front of git', () => {
  it.each([
    ['ext::', (marker: string) => `ext::sh -c touch% ${marker}`],
    ['file://', () => `file://${catalog.basePath}/${catalog.name}`],
    ['ssh', () => 'git@github.com:kubevela/catalog.git'],
    ['a local path', () => `${catalog.basePath}/${catalog.name}`],
  ])('refuses %s URLs before git runs', async (_, toUrl) => {
    const marker = join(tmpdir(), `addon-platform-marker-${randomBytes(6).toString('hex')}`);
    await expect(readAll({ url: toUrl(marker) })).rejects.toMatchObject({ code: 'INVALID_URL' });
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a loopback server unless the allow-list names it, without connecting', async () => {
    const before = requestsToHttp;
    await expect(readAll({ url: `${http.url}/${catalog.name}` }, new UrlGuard())).rejects.toMatchObject({ code: 'FORBIDDEN_ADDRESS' });
    expect(requestsToHttp).toBe(before);
  });

  it.each([
    ['git://', (port: number) => `git://localhost:${port}`, startGitDaemon],
    ['http://', (port: number) => `http://localhost:${port}`, startGitHttpServer],
  ])('connects %s to the address the host name resolved to', async (_, toUrl, start) => {
    // Whichever address this machine gives localhost first is the one pinned, so the server listens there.
    const { address } = await lookup('localhost', { verbatim: true });
    const server = await start({ basePath: catalog.basePath, host: address });
    try {
      const port = Number(new URL(server.url).port);
      const { addons } = await readAll({ url: `${toUrl(port)}/${catalog.name}`, path: 'addons' }, new UrlGuard({ allow: ['localhost'] }));
      expect(addons).toHaveLength(41);
    } finally {
      await server.close();
    }
  });

  it('does not follow a redirect, even to an allowed server, and says to use the final URL', async () => {
    const redirecting = await startFixtureHttpServer({
      routes: { [`/${catalog.name}/info/refs`]: { status: 301, redirect: `${http.url}/${catalog.name}/info/refs?service=git-upload-pack` } },
    });
    const before = requestsToHttp;
    try {
      await expect(readAll({ url: `${redirecting.url}/${catalog.name}` })).rejects.toMatchObject({
        code: 'UPSTREAM_ERROR',
        message: expect.stringContaining('final URL'),
      });
      expect(redirecting.requests).toHaveLength(1);
      expect(requestsToHttp).toBe(before);
    } finally {
      await redirecting.close();
    }
  });

  it('answers UNREACHABLE when nothing listens', async () => {
    const port = await freePort();
    await expect(readAll({ url: `git://127.0.0.1:${port}/${catalog.name}` })).rejects.toMatchObject({ code: 'UNREACHABLE' });
    await expect(readAll({ url: `http://127.0.0.1:${port}/${catalog.name}` })).rejects.toMatchObject({ code: 'UNREACHABLE' });
  });
});

describe('time and size limits', () => {
  it('answers TIMEOUT when a git server accepts the connection and never answers', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolveListening) => silent.listen(0, '127.0.0.1', resolveListening));
    const { port } = silent.address() as { port: number };
    const started = Date.now();
    try {
      const guard = new UrlGuard({ allow: ['127.0.0.1/32'], timeoutMs: 1000 });
      await expect(readAll({ url: `git://127.0.0.1:${port}/${catalog.name}` }, guard)).rejects.toMatchObject({ code: 'TIMEOUT' });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(sockets.size).toBe(1);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolveClosed) => silent.close(resolveClosed));
    }
  });

  it('answers TIMEOUT when an HTTP server never answers', async () => {
    const hanging = await startFixtureHttpServer({ routes: { [`/${catalog.name}/info/refs`]: { hang: true } } });
    try {
      const guard = new UrlGuard({ allow: ['127.0.0.1/32'], timeoutMs: 1000 });
      await expect(readAll({ url: `${hanging.url}/${catalog.name}` }, guard)).rejects.toMatchObject({ code: 'TIMEOUT' });
    } finally {
      await hanging.close();
    }
  });

  it('answers TOO_LARGE when the fetched repository passes the size limit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'addon-platform-big-catalog-'));
    await mkdir(join(dir, 'big'));
    await writeFile(join(dir, 'big', 'metadata.yaml'), 'name: big\n');
    // Random bytes do not compress, so the pack is as large as the file.
    await writeFile(join(dir, 'big', 'payload.bin'), randomBytes(4 * 1024 * 1024));
    const big = await createGitRepository(dir, { name: 'big.git' });
    await rm(dir, { recursive: true, force: true });
    const bigDaemon = await startGitDaemon({ basePath: big.basePath });
    try {
      const url = `${bigDaemon.url}/big.git`;
      await expect(readAll({ url }, new UrlGuard({ allow: ['127.0.0.1/32'], maxBytes: 1024 * 1024 }))).rejects.toMatchObject({ code: 'TOO_LARGE' });
      const { addons } = await readAll({ url }, new UrlGuard({ allow: ['127.0.0.1/32'], maxBytes: 8 * 1024 * 1024 }));
      expect(addons.map((addon) => addon.name)).toEqual(['big']);
    } finally {
      await bigDaemon.close();
      await big.remove();
    }
  });

  it('stops when the caller aborts, with the caller’s reason', async () => {
    const controller = new AbortController();
    const reason = new Error('sync run stopped');
    const reading = gitReader.read({ url: `${http.url}/${catalog.name}` }, { guard: loopback, signal: controller.signal });
    controller.abort(reason);
    await expect(reading).rejects.toBe(reason);
  });
});

/** Every process's argv as one line each: what `ps` shows anyone on the machine. */
async function readCommandLines(): Promise<string[]> {
  const lines: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    // A process may end between readdir and readFile.
    const line = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (line) lines.push(line.split('\0').join(' '));
  }
  return lines;
}
