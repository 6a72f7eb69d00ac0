import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const TS_NODE = ['--conditions=source', '--import', '@swc-node/register/esm-register'];

/** Runs `npm run schema:check` against a copy of schema/, so the real folder is never touched. */
async function checkSchema(dir: string) {
  return run(process.execPath, [...TS_NODE, 'scripts/schema.ts', '--check', '--dir', dir]).then(
    ({ stdout }) => ({ code: 0, output: stdout }),
    (error: { code: number; stderr: string }) => ({ code: error.code, output: error.stderr }),
  );
}

describe('schema:check', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'schema-'));
    await cp('schema', dir, { recursive: true });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('passes when schema/ matches the code', async () => {
    await expect(checkSchema(dir)).resolves.toEqual({ code: 0, output: expect.stringContaining('up to date') });
  });

  it('fails on a stale subgraph file and names it, changing nothing', async () => {
    const path = join(dir, 'addons.graphql');
    const stale = (await readFile(path, 'utf8')).replace('totalCount: Int!', 'count: Int!');
    await writeFile(path, stale);
    await expect(checkSchema(dir)).resolves.toEqual({ code: 1, output: expect.stringContaining('addons.graphql') });
    expect(await readFile(path, 'utf8')).toBe(stale);
  });

  it('fails on a stale supergraph', async () => {
    await writeFile(join(dir, 'supergraph.graphql'), '');
    await expect(checkSchema(dir)).resolves.toEqual({ code: 1, output: expect.stringContaining('supergraph.graphql') });
  });
});
