/**
 * The synthetic Helm index of the reader and sync benches: the fixtures' charts repeated under new
 * names (`<chart>-copy<n>`) until the index passes a size, in Helm's block layout, as real 50 MB
 * indexes are.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const HELM_FIXTURES = join(import.meta.dirname, '../fixtures/helm-index');
export const HELM_FIXTURE_NAMES = ['castai-helm-charts', 'grafana-helm-charts', 'jupyterhub-helm-chart'];

export function helmFixtureFile(name: string): string {
  return join(HELM_FIXTURES, `${name}.gh-pages.index.yaml`);
}

/** Writes an index of at least `bytes` to `file`: every fixture chart again as `<chart>-copy<n>`; answers n. */
export async function writeSyntheticIndex(file: string, bytes: number): Promise<number> {
  const charts = (await Promise.all(HELM_FIXTURE_NAMES.map(async (name) => chartBlocks(await readFile(helmFixtureFile(name), 'utf8'))))).flat();
  const out = createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('apiVersion: v1\nentries:\n');
  let written = 0;
  let copies = 0;
  while (written < bytes) {
    copies++;
    for (const { name, lines } of charts) {
      const renamed = `${name}-copy${copies}`;
      const text = `${lines.map((line) => renameLine(line, name, renamed)).join('\n')}\n`;
      written += Buffer.byteLength(text);
      await write(text);
    }
  }
  await write(`generated: "${new Date().toISOString()}"\n`);
  out.end();
  await once(out, 'finish');
  return copies;
}

function renameLine(line: string, name: string, renamed: string): string {
  if (line === `  ${name}:`) return `  ${renamed}:`;
  if (line === `    name: ${name}`) return `    name: ${renamed}`;
  return line;
}

/** The fixture's charts as Helm writes them: a key at two spaces, then its list. */
function chartBlocks(index: string): Array<{ name: string; lines: string[] }> {
  const lines = index.split('\n');
  const blocks: Array<{ name: string; lines: string[] }> = [];
  for (const line of lines.slice(lines.indexOf('entries:') + 1)) {
    if (/^\S/.test(line)) break;
    const key = /^ {2}([^\s-][^:]*):$/.exec(line);
    if (key) blocks.push({ name: key[1]!, lines: [] });
    blocks.at(-1)!.lines.push(line);
  }
  return blocks;
}
