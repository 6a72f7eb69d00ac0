import { join } from 'node:path';
import { helmReader, UrlGuard, type HelmChart, type SourceLocation, type SourceSnapshot } from '@addon-platform/sources';
import { startFixtureHttpServer, type FixtureHttpServer } from '@addon-platform/sources/testing';
import { failure } from './failure.js';

const FIXTURES = join(import.meta.dirname, '../../../fixtures/helm-index');
const PASSWORD = 'correct-horse-battery-staple';
const TOKEN = 'ghp_0123456789abcdefSECRET';
const guard = new UrlGuard({ allow: ['127.0.0.1/32'], timeoutMs: 10_000 });

/** Written the way Helm writes it, with the quirks a reader must keep: `1.10` and `1.13.00` as strings, relative URLs. */
const SMALL_INDEX = `apiVersion: v1
entries:
  demo:
  - apiVersion: v2
    appVersion: "2.0"
    annotations:
      category: Database
      release-date: 2024-06-04T07:10:07
    created: "2024-01-02T03:04:05Z"
    deprecated: true
    description: |
      A demo chart.

      # Not a comment: part of the description.
    digest: abc123
    home: https://demo.example.com
    icon: https://demo.example.com/icon.svg
    keywords: [demo, "db"]
    kubeVersion: '>=1.23.0-0'
    name: demo
    type: application
    urls:
    - charts/demo-1.10.tgz
    version: 1.10
  - name: demo
    description: an entry without a version

  # a comment between charts
  "quoted":
  - name: quoted
    version: 1.13.00
    urls: ["/elsewhere/quoted-1.13.00.tgz", "https://cdn.example.com/quoted.tgz"]
generated: "2024-01-02T03:04:05Z"
serverInfo:
  contextPath: /charts
`;

let server: FixtureHttpServer;

beforeAll(async () => {
  server = await startFixtureHttpServer({
    routes: {
      '/castai/index.yaml': { file: join(FIXTURES, 'castai-helm-charts.gh-pages.index.yaml') },
      '/grafana/index.yaml': { file: join(FIXTURES, 'grafana-helm-charts.gh-pages.index.yaml') },
      '/jupyterhub/index.yaml': { file: join(FIXTURES, 'jupyterhub-helm-chart.gh-pages.index.yaml'), etag: '"jupyterhub-39270f3"' },
      '/small/index.yaml': { body: SMALL_INDEX },
      '/crlf/index.yaml': { body: SMALL_INDEX.replaceAll('\n', '\r\n') },
      '/basic/index.yaml': { body: SMALL_INDEX, auth: { basic: { username: 'reader', password: PASSWORD } } },
      '/bearer/index.yaml': { body: SMALL_INDEX, auth: { bearer: TOKEN } },
      '/forbidden/index.yaml': { status: 403 },
      '/failing/index.yaml': { status: 500, body: 'oops' },
      '/html/index.yaml': { body: '<!DOCTYPE html>\n<html><head><title>Welcome: charts</title></head><body>Hello</body></html>\n' },
      '/config-map/index.yaml': { body: 'apiVersion: v1\nkind: ConfigMap\ndata:\n  a: b\n' },
      '/null-entries/index.yaml': { body: 'apiVersion: v1\nentries:\ngenerated: "2024-01-02T03:04:05Z"\n' },
      '/no-charts/index.yaml': { body: 'apiVersion: v1\nentries: {}\ngenerated: "2024-01-02T03:04:05Z"\n' },
      '/entries-list/index.yaml': { body: 'apiVersion: v1\nentries:\n- name: demo\n  version: 1.0.0\n' },
      '/broken-chart/index.yaml': { body: `apiVersion: v1\nentries:\n  good:\n  - version: 1.0.0\n  bad:\n  - version: [1.0.0\n    name: "${'x'.repeat(5000)}\n` },
      '/flow/index.yaml': { body: 'apiVersion: v1\nentries: {demo: [{name: demo, version: 1.10, urls: [demo-1.10.tgz]}]}\n' },
      '/json/index.yaml': { body: JSON.stringify({ apiVersion: 'v1', entries: { demo: [{ name: 'demo', version: '1.0.0' }] } }) },
      '/huge-json/index.yaml': {
        body: async function* () {
          yield '{"apiVersion": "v1", "entries": {"demo": [';
          const entry = `{"name": "demo", "version": "1.0.0", "description": "${'x'.repeat(100)}"},`;
          for (let i = 0; i < 100; i++) yield entry.repeat(1000);
          yield ']}}';
        },
      },
      '/chunked/index.yaml': {
        body: async function* () {
          yield 'apiVersion: v1\nentries:\n';
          for (let i = 0; ; i++) yield `  chart-${i}:\n  - name: chart-${i}\n    version: 1.0.0\n    description: ${'x'.repeat(1000)}\n`;
        },
      },
    },
  });
});
afterAll(async () => {
  await server?.close();
});

const fixtureReads = new Map<string, Promise<HelmChart[]>>();

/** Each fixture is read once and shared: a read of all three takes seconds. */
function readFixture(name: string): Promise<HelmChart[]> {
  if (!fixtureReads.has(name)) fixtureReads.set(name, readCharts({ url: `${server.url}/${name}` }));
  return fixtureReads.get(name)!;
}

async function readCharts(location: SourceLocation, readGuard = guard): Promise<HelmChart[]> {
  const snapshot = await helmReader.read(location, { guard: readGuard });
  if (snapshot.status !== 'read') throw new Error('expected a read');
  const charts: HelmChart[] = [];
  for await (const chart of snapshot.entries) charts.push(chart);
  return charts;
}

async function drain(snapshot: SourceSnapshot<HelmChart>): Promise<void> {
  if (snapshot.status === 'read') for await (const _chart of snapshot.entries);
}

describe('helmReader on real indexes', () => {
  it.each([
    ['castai', 55, 5_122, 5_118],
    ['grafana', 41, 3_591, 3_589],
    ['jupyterhub', 3, 1_775, 1_775],
  ])('reads every chart and version of %s, duplicates included', async (name, charts, entries, distinct) => {
    const read = await readFixture(name);
    const versions = read.flatMap((chart) => chart.versions.map((version) => `${chart.name}@${version.version}`));
    expect(read).toHaveLength(charts);
    expect(new Set(read.map((chart) => chart.name)).size).toBe(charts);
    expect(versions).toHaveLength(entries);
    expect(new Set(versions).size).toBe(distinct);
    expect(read.flatMap((chart) => chart.rejected)).toEqual([]);
  });

  it('keeps versions exactly as written and reads deprecation', async () => {
    const castai = await readFixture('castai');
    expect(castai.flatMap((chart) => chart.versions).filter((version) => version.version === '1.13.00')).toHaveLength(1);
    const grafana = await readFixture('grafana');
    const versions = grafana.flatMap((chart) => chart.versions);
    expect(versions.filter((version) => version.deprecated)).toHaveLength(28);
    expect(versions.some((version) => version.version.startsWith('v'))).toBe(true);
    expect(versions.every((version) => typeof version.version === 'string' && version.urls.every((url) => url.startsWith('https://')))).toBe(true);
  });

  it('answers not-modified when the ETag still matches, and reads again when it does not', async () => {
    const first = await helmReader.read({ url: `${server.url}/jupyterhub` }, { guard });
    expect(first).toMatchObject({ status: 'read', etag: '"jupyterhub-39270f3"' });
    await drain(first);
    const second = await helmReader.read({ url: `${server.url}/jupyterhub` }, { guard, etag: '"jupyterhub-39270f3"' });
    expect(second).toEqual({ status: 'not-modified', etag: '"jupyterhub-39270f3"' });
    expect(server.requests.at(-1)!.headers['if-none-match']).toBe('"jupyterhub-39270f3"');
    const third = await helmReader.read({ url: `${server.url}/jupyterhub` }, { guard, etag: '"older"' });
    expect(third.status).toBe('read');
    await drain(third);
  });
});

describe('helmReader on the fields of a version', () => {
  it('reads each field, resolves relative URLs against the repository and reports entries without a version', async () => {
    for (const url of [`${server.url}/small`, `${server.url}/small/`]) {
      const [demo, quoted] = await readCharts({ url });
      expect(demo).toEqual({
        name: 'demo',
        versions: [
          {
            name: 'demo',
            version: '1.10',
            digest: 'abc123',
            created: '2024-01-02T03:04:05Z',
            appVersion: '2.0',
            description: 'A demo chart.\n\n# Not a comment: part of the description.\n',
            icon: 'https://demo.example.com/icon.svg',
            home: 'https://demo.example.com',
            keywords: ['demo', 'db'],
            urls: [`${server.url}/small/charts/demo-1.10.tgz`],
            deprecated: true,
            annotations: { category: 'Database', 'release-date': '2024-06-04T07:10:07' },
            apiVersion: 'v2',
            type: 'application',
            kubeVersion: '>=1.23.0-0',
          },
        ],
        rejected: [{ position: 2, reason: 'the entry has no version' }],
      });
      expect(quoted).toMatchObject({
        name: 'quoted',
        versions: [
          {
            version: '1.13.00',
            urls: [`${server.url}/elsewhere/quoted-1.13.00.tgz`, 'https://cdn.example.com/quoted.tgz'],
            digest: null,
            deprecated: false,
            keywords: [],
            annotations: {},
          },
        ],
      });
      expect(server.requests.at(-1)!.path).toBe('/small/index.yaml');
    }
  });

  it('reads an index with Windows line endings the same way', async () => {
    const crlf = await readCharts({ url: `${server.url}/crlf` });
    const lf = await readCharts({ url: `${server.url}/small` });
    expect(JSON.parse(JSON.stringify(crlf).replaceAll('/crlf/', '/small/'))).toEqual(lf);
  });

  it('reads a small index in flow style as one document', async () => {
    const charts = await readCharts({ url: `${server.url}/flow` });
    expect(charts).toMatchObject([{ name: 'demo', versions: [{ version: '1.10', urls: [`${server.url}/flow/demo-1.10.tgz`] }] }]);
  });

  it('reads a small index written as JSON', async () => {
    expect(await readCharts({ url: `${server.url}/json` })).toMatchObject([{ name: 'demo', versions: [{ version: '1.0.0' }] }]);
  });

  it('reads a repository without charts', async () => {
    expect(await readCharts({ url: `${server.url}/no-charts` })).toEqual([]);
  });

  it('hands out each chart while the rest of the index is still arriving', async () => {
    const snapshot = await helmReader.read({ url: `${server.url}/chunked` }, { guard });
    if (snapshot.status !== 'read') throw new Error('expected a read');
    const names: string[] = [];
    for await (const chart of snapshot.entries) {
      names.push(chart.name);
      if (names.length === 3) break;
    }
    // The body never ends: only a chart-by-chart reader gets here.
    expect(names).toEqual(['chart-0', 'chart-1', 'chart-2']);
  });
});

describe('helmReader with credentials', () => {
  const basic = (password: string) => ({ kind: 'basic', username: 'reader', password }) as const;

  it('sends a basic credential', async () => {
    const charts = await readCharts({ url: `${server.url}/basic`, credential: basic(PASSWORD) });
    expect(charts.map((chart) => chart.name)).toEqual(['demo', 'quoted']);
  });

  it('sends a token as a bearer credential', async () => {
    expect(await readCharts({ url: `${server.url}/bearer`, credential: { kind: 'token', token: TOKEN } })).toHaveLength(2);
  });

  it.each([
    ['a wrong password', 'basic', basic('wrong-password'), 'refused the credential'],
    ['a wrong token', 'bearer', { kind: 'token', token: `${TOKEN}-old` } as const, 'refused the credential'],
    ['no credential', 'basic', null, 'needs a credential'],
  ])('answers UNAUTHORIZED for %s, without the secret in the message', async (_case, path, credential, message) => {
    const error = await failure(helmReader.read({ url: `${server.url}/${path}`, credential }, { guard }));
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringContaining(message) });
    expectNoSecret(error);
  });

  it('keeps the credential out of every failure', async () => {
    const credential = { kind: 'basic', username: 'reader', password: PASSWORD } as const;
    const errors = await Promise.all([
      failure(helmReader.read({ url: `${server.url}/missing`, credential }, { guard })),
      failure(helmReader.read({ url: `${server.url}/failing`, credential }, { guard })),
      failure(helmReader.read({ url: `${server.url}/small`, credential }, { guard: new UrlGuard() })),
      failure(readCharts({ url: `${server.url}/html`, credential: { kind: 'token', token: TOKEN } })),
    ]);
    for (const error of errors) expectNoSecret(error);
  });
});

describe('helmReader failures', () => {
  it.each([
    ['a missing index', 'missing', 'NOT_FOUND', 'There is no index.yaml at'],
    ['a 403', 'forbidden', 'UNAUTHORIZED', 'HTTP 403'],
    ['a 500', 'failing', 'UPSTREAM_ERROR', 'HTTP 500'],
  ])('maps %s', async (_case, path, code, message) => {
    const error = await failure(helmReader.read({ url: `${server.url}/${path}` }, { guard }));
    expect(error).toMatchObject({ code, message: expect.stringContaining(message) });
    expect(error.message).toContain(`${server.url}/${path}/index.yaml`);
  });

  it.each([
    ['a body that is not YAML', 'html', 'it is not valid YAML (line 2: end of the stream or a document separator is expected'],
    ['YAML that is not an index', 'config-map', 'it has no entries map'],
    ['an entries key without a map', 'null-entries', 'its entries key is empty'],
    ['entries written as a list', 'entries-list', 'entries must map chart names to their versions'],
    ['a chart whose YAML is broken', 'broken-chart', 'it is not valid YAML (line 7: missed comma between flow collection entries'],
    ['an index over 8 MB that is not in block layout', 'huge-json', 'too large to read as one document'],
  ])('answers MALFORMED for %s, briefly', async (_case, path, message) => {
    const error = await failure(readCharts({ url: `${server.url}/${path}` }));
    expect(error).toMatchObject({ code: 'MALFORMED', message: expect.stringContaining(message) });
    expect(error.message).toContain(`${server.url}/${path}/index.yaml is not a Helm repository index`);
    expect(error.message.length).toBeLessThan(400);
  });

  it('answers TOO_LARGE before reading when the index says it is over the size limit', async () => {
    const small = new UrlGuard({ allow: ['127.0.0.1/32'], maxBytes: 1024 * 1024 });
    expect(await failure(helmReader.read({ url: `${server.url}/castai` }, { guard: small }))).toMatchObject({ code: 'TOO_LARGE' });
  });

  it('answers TOO_LARGE while reading when the index grows past the size limit', async () => {
    const small = new UrlGuard({ allow: ['127.0.0.1/32'], maxBytes: 256 * 1024 });
    const snapshot = await helmReader.read({ url: `${server.url}/chunked` }, { guard: small });
    if (snapshot.status !== 'read') throw new Error('expected a read');
    let charts = 0;
    const error = await failure(
      (async () => {
        for await (const _chart of snapshot.entries) charts++;
      })(),
    );
    expect(error.code).toBe('TOO_LARGE');
    expect(charts).toBeGreaterThan(100);
  });

  it('refuses a repository URL that is not http(s)', async () => {
    expect(await failure(helmReader.read({ url: 'oci://registry.example.com/charts' }, { guard }))).toMatchObject({ code: 'INVALID_URL' });
  });
});

function expectNoSecret(error: Error): void {
  const shown = `${error.message} ${String(error.stack)} ${JSON.stringify(error)}`;
  for (const secret of [PASSWORD, TOKEN, Buffer.from(`reader:${PASSWORD}`).toString('base64')]) expect(shown).not.toContain(secret);
}
