/**
 * Helm index reading over loopback HTTP: how fast `helmReader` parses each fixture index (median of
 * a few runs), and the peak RSS of reading a synthetic ~50 MB index (fixture charts repeated under new
 * names) in a child process, so the figure is the reader's own. Goal: peak RSS under 512 MB.
 * `npm run bench:readers -- [runs]` (default 5).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { helmReader, UrlGuard } from '@addon-platform/sources';
import { startFixtureHttpServer } from '@addon-platform/sources/testing';
import { printTable } from '../print-table.js';
import { HELM_FIXTURE_NAMES, helmFixtureFile, writeSyntheticIndex } from '../synthetic-index.js';

const SYNTHETIC_BYTES = 50 * 1024 * 1024;
const RSS_GOAL_MB = 512;
const MB = 1024 * 1024;
const guard = new UrlGuard({ allow: ['127.0.0.1/32'], timeoutMs: 600_000 });

interface ReadFigures {
  charts: number;
  versions: number;
  ms: number;
}

/** Reads the whole index keeping only counts, as a sync that stores chart by chart would. */
async function readIndex(url: string): Promise<ReadFigures> {
  const started = performance.now();
  const snapshot = await helmReader.read({ url }, { guard });
  if (snapshot.status !== 'read') throw new Error(`${url}: expected a read`);
  let charts = 0;
  let versions = 0;
  for await (const chart of snapshot.entries) {
    charts++;
    versions += chart.versions.length;
  }
  return { charts, versions, ms: performance.now() - started };
}

if (process.argv[2] === '--child') {
  const baselineRssMb = process.memoryUsage().rss / MB;
  const figures = await readIndex(process.argv[3]!);
  console.log(JSON.stringify({ ...figures, baselineRssMb, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
} else {
  await main(Number(process.argv[2] ?? 5));
}

async function main(runs: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'addon-platform-bench-readers-'));
  const syntheticFile = join(dir, 'index.yaml');
  const copies = await writeSyntheticIndex(syntheticFile, SYNTHETIC_BYTES);
  const server = await startFixtureHttpServer({
    routes: {
      ...Object.fromEntries(HELM_FIXTURE_NAMES.map((name) => [`/${name}/index.yaml`, { file: helmFixtureFile(name) }])),
      '/synthetic/index.yaml': { file: syntheticFile },
    },
  });
  try {
    console.log(`helmReader over loopback HTTP, median of ${runs} runs\n`);
    const rows: string[][] = [];
    for (const name of HELM_FIXTURE_NAMES) {
      const reads: ReadFigures[] = [];
      for (let run = 0; run < runs; run++) reads.push(await readIndex(`${server.url}/${name}`));
      const median = reads.map((read) => read.ms).sort((a, b) => a - b)[Math.floor(runs / 2)]!;
      const size = (await stat(helmFixtureFile(name))).size;
      const { charts, versions } = reads[0]!;
      rows.push([name, mb(size), String(charts), String(versions), median.toFixed(0), perSecond(versions, median), mb((size / median) * 1000)]);
    }
    printTable(['index', 'MB', 'charts', 'versions', 'median ms', 'versions/s', 'MB/s'], rows);

    const size = (await stat(syntheticFile)).size;
    const child = await readInChild(`${server.url}/synthetic`);
    console.log(`\nsynthetic index: ${mb(size)} MB, the fixtures' charts ${copies} times over, read in a child process\n`);
    printTable(
      ['charts', 'versions', 'ms', 'versions/s', 'RSS before read MB', 'peak RSS MB'],
      [[String(child.charts), String(child.versions), child.ms.toFixed(0), perSecond(child.versions, child.ms), child.baselineRssMb.toFixed(0), child.peakRssMb.toFixed(0)]],
    );
    const verdict = child.peakRssMb < RSS_GOAL_MB ? 'MET' : 'MISSED';
    console.log(`\ngoal "peak RSS under ${RSS_GOAL_MB} MB" on a ${mb(size)} MB index: ${verdict} (${child.peakRssMb.toFixed(0)} MB)`);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** An index in Helm's layout past {@link SYNTHETIC_BYTES}: every fixture chart again as `<chart>-copy<n>`; answers n. */

async function readInChild(url: string): Promise<ReadFigures & { baselineRssMb: number; peakRssMb: number }> {
  const child = spawn(process.execPath, [...process.execArgv, import.meta.filename, '--child', url], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`the reading child exited with ${code}`);
  return JSON.parse(output.trim().split('\n').at(-1)!);
}


function mb(bytes: number): string {
  return (bytes / MB).toFixed(1);
}

function perSecond(count: number, ms: number): string {
  return Math.round((count / ms) * 1000).toLocaleString('en-US');
}
