import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addonIndexReader, UrlGuard, type AddonIndexEntry, type SourceLocation } from '@addon-platform/sources';
import { createGitRepository, startGitDaemon, startGitHttpServer, type RunningGitServer } from '@addon-platform/sources/testing';

const indexDir = fileURLToPath(new URL('../../../fixtures/ontology-addon-index', import.meta.url));
const loopback = new UrlGuard({ allow: ['127.0.0.1/32'] });

const servers: RunningGitServer[] = [];
let basePath: string;
let daemon: RunningGitServer;

/** A repository `<name>.git` served by the daemon, holding `files` (path → content, or a fixture file to copy). */
async function newIndexRepository(name: string, files: Record<string, string | { fixture: string }>): Promise<{ url: string; revision: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'addon-platform-index-'));
  try {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(join(dir, path, '..'), { recursive: true });
      if (typeof content === 'string') await writeFile(join(dir, path), content);
      else await copyFile(join(indexDir, content.fixture), join(dir, path));
    }
    const { revision } = await createGitRepository(dir, { basePath, name: `${name}.git` });
    return { url: `${daemon.url}/${name}.git`, revision };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  basePath = await mkdtemp(join(tmpdir(), 'addon-platform-index-repos-'));
  daemon = await startGitDaemon({ basePath });
  servers.push(daemon);
});

afterAll(async () => {
  for (const server of servers) await server.close();
  await rm(basePath, { recursive: true, force: true });
});

async function readAll(location: SourceLocation, guard = loopback) {
  const snapshot = await addonIndexReader.read(location, { guard });
  if (snapshot.status !== 'read') throw new Error('a git read is never not-modified');
  const entries: AddonIndexEntry[] = [];
  for await (const entry of snapshot.entries) entries.push(entry);
  return { snapshot, entries };
}

describe('reading an Ontology addon index from git', () => {
  it('lists every driver of config.json with its exact text, a submission listed twice included', async () => {
    const { url, revision } = await newIndexRepository('testnet-50e334d', { 'config.json': { fixture: 'config/testnet-50e334d-config.json' } });
    const { snapshot, entries } = await readAll({ url });

    expect(snapshot).toMatchObject({ status: 'read', etag: null, revision });
    expect(entries).toHaveLength(17);
    expect(entries.map((entry) => entry.index)).toEqual([...Array(17).keys()]);
    expect(entries[4].text).toBe(entries[5].text);
    expect(entries[0].driver).toMatchObject({ pattern: '^(did:ont:.+)$' });
    for (const entry of entries) expect(JSON.parse(entry.text)).toEqual(entry.driver);
    // The fixture's single submissions are byte-exact slices of the config.json they come from.
    expect(entries[16].text).toBe(readFileSync(join(indexDir, 'addon-index_50e334d_config.json_entry16.json'), 'utf8'));
  });

  it('reads the 406f90f index, whose submission is the byte-exact fixture entry', async () => {
    const { url } = await newIndexRepository('testnet-406f90f', { 'config.json': { fixture: 'config/testnet-406f90f-config.json' } });
    const { entries } = await readAll({ url });

    expect(entries).toHaveLength(2);
    expect(entries[1].text).toBe(readFileSync(join(indexDir, 'addon-index_406f90f_config.json_entry1.json'), 'utf8'));
    expect(entries[1].driver).toMatchObject({ owner: 'did:ont:Adg3mfNAbfNwjvtbBSziZnXKKP3HbHNqM5' });
  });

  it('finds config.json in the folder the path names, or reads the file the path names', async () => {
    const { url } = await newIndexRepository('nested', {
      'networks/testnet/config.json': { fixture: 'config/testnet-406f90f-config.json' },
      'networks/testnet-50e334d.json': { fixture: 'config/testnet-50e334d-config.json' },
    });

    expect((await readAll({ url, path: 'networks/testnet' })).entries).toHaveLength(2);
    expect((await readAll({ url, path: 'networks/testnet/' })).entries).toHaveLength(2);
    expect((await readAll({ url, path: 'networks/testnet-50e334d.json' })).entries).toHaveLength(17);
    await expect(readAll({ url })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('config.json') });
    await expect(readAll({ url, path: 'networks/mainnet' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('"networks/mainnet"'),
    });
  });

  it('keeps whitespace, escapes and nesting of each element exactly, and the last "drivers" key wins as in JSON.parse', async () => {
    const config =
      '\uFEFF{"drivers": "first", "note": "a \\"drivers\\": [] inside a string",\n' +
      ' "drivers" : [ {"a" :[1, {"b":"]}"}]} ,"x\\u00e9",\n\t-1.50e+3 ,null,[ ] ] }\n';
    const { url } = await newIndexRepository('spacing', { 'config.json': config });
    const { entries } = await readAll({ url });

    expect(entries.map((entry) => entry.text)).toEqual(['{"a" :[1, {"b":"]}"}]}', '"x\\u00e9"', '-1.50e+3', 'null', '[ ]']);
    expect(entries.map((entry) => entry.driver)).toEqual([{ a: [1, { b: ']}' }] }, 'xé', -1500, null, []]);
  });

  it.each([
    ['not JSON', 'drivers:\n  - owner: did:ont:x\n', 'not valid JSON'],
    ['JSON without a drivers array', '{"drivers": {"0": {}}}', '"drivers" array'],
    ['a JSON array', '[{"owner": "did:ont:x"}]', '"drivers" array'],
  ])('answers MALFORMED for %s', async (name, config, message) => {
    const { url } = await newIndexRepository(name.replaceAll(' ', '-'), { 'config.json': config });
    await expect(readAll({ url })).rejects.toMatchObject({ code: 'MALFORMED', message: expect.stringContaining(message) });
  });

  it('answers TOO_LARGE for a config.json over the size limit, however well it compresses', async () => {
    const padding = ' '.repeat(2 * 1024 * 1024);
    const { url } = await newIndexRepository('padded', { 'config.json': `{"drivers": [${padding}]}` });
    await expect(readAll({ url }, new UrlGuard({ allow: ['127.0.0.1/32'], maxBytes: 1024 * 1024 }))).rejects.toMatchObject({
      code: 'TOO_LARGE',
      message: expect.stringContaining('files to read'),
    });
    expect((await readAll({ url })).entries).toEqual([]);
  });

  it('reads over smart HTTP as over git://', async () => {
    await newIndexRepository('over-http', { 'config.json': { fixture: 'config/testnet-50e334d-config.json' } });
    const http = await startGitHttpServer({ basePath });
    servers.push(http);
    expect((await readAll({ url: `${http.url}/over-http.git` })).entries).toHaveLength(17);
  });
});
