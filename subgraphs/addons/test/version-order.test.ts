import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, withClient, type TestDatabase } from '@addon-platform/platform/testing';
import { compareVersions, parseVersion, versionSortKey } from '../src/versions/version-order.js';

const FIXTURES = join(import.meta.dirname, '../../../fixtures/helm-index');

/** The chain semver.org §11.4.4 gives, oldest first. */
const SEMVER_ORG_CHAIN = [
  '1.0.0-alpha',
  '1.0.0-alpha.1',
  '1.0.0-alpha.beta',
  '1.0.0-beta',
  '1.0.0-beta.2',
  '1.0.0-beta.11',
  '1.0.0-rc.1',
  '1.0.0',
];

/** Worked out by hand, newest first: what the catalog must list for these rows. */
const NEWEST_FIRST: Array<{ version: string; revision?: number }> = [
  { version: '2.0.0' },
  // ASCII order within an identifier, where `-` sorts below digits; then more identifiers rank higher.
  { version: '2.0.0-rc1' },
  { version: '2.0.0-rc-1' },
  { version: '2.0.0-rc.1' },
  { version: '2.0.0-rc' },
  { version: '1.100000000000000000000.0' },
  { version: '1.99999999999999999999.0' },
  { version: '1.13.1' },
  // 1.13.00 and 1.13.0 share a precedence; the text breaks the tie, and the shorter text is smaller.
  { version: '1.13.00' },
  { version: '1.13.0' },
  { version: '1.12.16' },
  // Equal precedence again: `v` sorts above digits, a longer text above its prefix.
  { version: 'v1.10.0' },
  { version: '1.10.0+build.2' },
  { version: '1.10.0' },
  { version: '1.10.0-rc.1' },
  { version: '1.9.0' },
  { version: '0.0.0-0' },
  { version: 'r10', revision: 10 },
  { version: 'r2', revision: 2 },
  // A revision places a legacy submission whatever its version string looks like.
  { version: '3.0.0', revision: 1 },
  // Non-semver strings by their UTF-8 bytes, descending: U+1D463 (F0 …) above U+FF56 (EF …), though
  // UTF-16 would put it below.
  { version: '\u{1D463}1' },
  { version: '\uFF561' },
  { version: 'v0.6' },
  { version: 'v0.4' },
  { version: 'latest' },
  { version: '1.13' },
  { version: '1.0.0-rc.01' },
];

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
const keyOf = (row: { version: string; revision?: number }) => versionSortKey(row.version, row.revision);

describe('parseVersion', () => {
  it('reads the core, the prerelease with numeric identifiers as numbers, and the build', () => {
    expect(parseVersion('1.2.3-alpha.10.x-y.0+build.007')).toEqual({
      major: 1n,
      minor: 2n,
      patch: 3n,
      prerelease: ['alpha', 10n, 'x-y', 0n],
      build: ['build', '007'],
    });
    expect(parseVersion('0.9.0-n116.h1c766a1')).toEqual({ major: 0n, minor: 9n, patch: 0n, prerelease: ['n116', 'h1c766a1'], build: [] });
    expect(parseVersion('1.99999999999999999999.0')?.minor).toBe(99999999999999999999n);
  });

  it('tolerates a leading v or V and leading zeros in the core, as Helm indexes hold them', () => {
    expect(parseVersion('v5.20.0')).toEqual(parseVersion('5.20.0'));
    expect(parseVersion('V5.20.0')).toEqual(parseVersion('5.20.0'));
    expect(parseVersion('1.13.00')).toEqual(parseVersion('1.13.0'));
  });

  const notSemver = ['v0.6', 'v0.4', '1.13', '1', 'latest', '', 'vv1.0.0', ' 1.0.0', '1.0.0.0', '-1.0.0'];
  const badSuffix = ['1.0.0-', '1.0.0+', '1.0.0-a..b', '1.0.0-rc.01', '1.0.0-é', '1.0.0+a+b'];
  it.each([...notSemver, ...badSuffix])('answers null for %j, which is not semver', (version) => {
    expect(parseVersion(version)).toBeNull();
  });
});

describe('compareVersions', () => {
  it('follows the precedence chain of semver.org', () => {
    expect([...SEMVER_ORG_CHAIN].reverse().sort(compareVersions)).toEqual(SEMVER_ORG_CHAIN);
    for (let i = 1; i < SEMVER_ORG_CHAIN.length; i++) {
      expect(compareVersions(SEMVER_ORG_CHAIN[i - 1]!, SEMVER_ORG_CHAIN[i]!)).toBeLessThan(0);
      expect(compareVersions(SEMVER_ORG_CHAIN[i]!, SEMVER_ORG_CHAIN[i - 1]!)).toBeGreaterThan(0);
    }
  });

  it('compares numbers by value at any size, in the core and in prereleases', () => {
    const oldestFirst = [
      '1.9.0',
      '1.10.0',
      '1.99999999999999999999.0',
      '1.100000000000000000000.0',
      '2.0.0-rc.99999999999999999999',
      '2.0.0-rc.100000000000000000000',
      '2.0.0',
    ];
    expect([...oldestFirst].reverse().sort(compareVersions)).toEqual(oldestFirst);
  });

  it('ignores a leading v and build metadata for precedence and breaks those ties by the text', () => {
    expect(compareVersions('v1.2.3', '1.2.4')).toBeLessThan(0);
    expect(compareVersions('1.2.3+zzz', '1.2.4-alpha')).toBeLessThan(0);
    expect(compareVersions('1.0.0-rc.1+build.5', '1.0.0')).toBeLessThan(0);
    expect(compareVersions('1.2.3', 'v1.2.3')).toBeLessThan(0);
    expect(compareVersions('1.0.0+b', '1.0.0+a')).toBeGreaterThan(0);
    expect(compareVersions('1.0.0+a', '1.0.0+a')).toBe(0);
  });

  it('ranks every non-semver string below every semver version, by its bytes among themselves', () => {
    expect(compareVersions('v0.6', '0.0.0-0')).toBeLessThan(0);
    expect(compareVersions('latest', '0.0.0-0')).toBeLessThan(0);
    expect(compareVersions('v0.4', 'v0.6')).toBeLessThan(0);
    expect(compareVersions('\uFF561', '\u{1D463}1')).toBeLessThan(0);
  });

  it('gives the hand-made list its newest-first order', () => {
    const strings = NEWEST_FIRST.filter((row) => row.revision === undefined).map((row) => row.version);
    expect([...strings].reverse().sort(compareVersions).reverse()).toEqual(strings);
  });
});

describe('versionSortKey', () => {
  it('sorts by bytes, ascending, in the order of compareVersions', () => {
    const versions = [...SEMVER_ORG_CHAIN, ...NEWEST_FIRST.filter((row) => row.revision === undefined).map((row) => row.version)];
    const byKey = [...versions].sort((a, b) => byteOrder(versionSortKey(a), versionSortKey(b)));
    expect(byKey).toEqual([...versions].sort(compareVersions));
  });

  it('orders revisions by number, above non-semver strings and below every semver version', () => {
    const newestFirst = [...NEWEST_FIRST].reverse().sort((a, b) => byteOrder(keyOf(b), keyOf(a)));
    expect(newestFirst).toEqual(NEWEST_FIRST);
    expect(byteOrder(versionSortKey('r9', 9), versionSortKey('r10', 10))).toBeLessThan(0);
    expect(byteOrder(versionSortKey('r1', 2 ** 53 - 1), versionSortKey('0.0.0-0'))).toBeLessThan(0);
  });

  it('gives distinct versions and revisions distinct keys', () => {
    const keys = [...NEWEST_FIRST, ...SEMVER_ORG_CHAIN.map((version) => ({ version })), { version: 'r10', revision: 11 }].map(keyOf);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.each([0, -1, 1.5, Number.NaN, 2 ** 53])('refuses the revision %p', (revision) => {
    expect(() => versionSortKey('r', revision)).toThrow(RangeError);
  });
});

/**
 * Strict semver 2.0.0 (the regular expression semver.org suggests), written plainly and apart from the
 * module, as the oracle for valid versions.
 */
const OFFICIAL_SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const withoutV = (version: string) => version.replace(/^[vV]/, '');
const isOfficialSemver = (version: string) => OFFICIAL_SEMVER.test(withoutV(version));

function referencePrecedence(a: string, b: string): number {
  const [, ...partsA] = OFFICIAL_SEMVER.exec(withoutV(a))!;
  const [, ...partsB] = OFFICIAL_SEMVER.exec(withoutV(b))!;
  for (let i = 0; i < 3; i++) {
    const difference = BigInt(partsA[i]!) - BigInt(partsB[i]!);
    if (difference !== 0n) return difference < 0n ? -1 : 1;
  }
  const preA = partsA[3]?.split('.') ?? [];
  const preB = partsB[3]?.split('.') ?? [];
  if (preA.length === 0 || preB.length === 0) return preB.length - preA.length;
  for (let i = 0; i < preA.length && i < preB.length; i++) {
    const x = preA[i]!;
    const y = preB[i]!;
    if (x === y) continue;
    const xNumeric = /^\d+$/.test(x);
    const yNumeric = /^\d+$/.test(y);
    if (xNumeric && yNumeric) return BigInt(x) < BigInt(y) ? -1 : 1;
    if (xNumeric !== yNumeric) return xNumeric ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return preA.length - preB.length;
}

interface HelmIndexVersions {
  entries: number;
  /** Distinct versions per chart. */
  charts: Map<string, string[]>;
}

/**
 * Versions as Helm writes an index: a chart's name two spaces in, each entry's own `version:` four
 * (a dependency's is deeper). Read as text, so `1.10` stays `1.10`; the counts in fixtures/README.md
 * check that nothing is missed.
 */
function readHelmIndexVersions(file: string): HelmIndexVersions {
  const charts = new Map<string, Set<string>>();
  let chart: Set<string> | undefined;
  let entries = 0;
  for (const line of readFileSync(join(FIXTURES, file), 'utf8').split('\n')) {
    const chartName = /^ {2}([^\s-][^:]*):$/.exec(line)?.[1];
    if (chartName !== undefined) {
      chart = new Set();
      charts.set(chartName, chart);
      continue;
    }
    const version = /^ {4}version: (.+)$/.exec(line)?.[1];
    if (version !== undefined) {
      chart!.add(version);
      entries++;
    }
  }
  return { entries, charts: new Map([...charts].map(([name, versions]) => [name, [...versions]])) };
}

const INDEXES = [
  { file: 'grafana-helm-charts.gh-pages.index.yaml', entries: 3591, distinct: 3589, charts: 41 },
  { file: 'jupyterhub-helm-chart.gh-pages.index.yaml', entries: 1775, distinct: 1775, charts: 3 },
  { file: 'castai-helm-charts.gh-pages.index.yaml', entries: 5122, distinct: 5118, charts: 55 },
].map((index) => ({ ...index, read: readHelmIndexVersions(index.file) }));

const allFixtureVersions = () => INDEXES.flatMap(({ read }) => [...read.charts.values()].flat());

describe('the versions of real Helm indexes', () => {
  it.each(INDEXES)('reads every entry of $file', ({ read, entries, distinct, charts }) => {
    expect(read.entries).toBe(entries);
    expect([...read.charts.values()].reduce((sum, versions) => sum + versions.length, 0)).toBe(distinct);
    expect(read.charts.size).toBe(charts);
  });

  it('finds exactly the known non-semver versions, and tolerates 1.13.00', () => {
    const strict = allFixtureVersions().filter((version) => !isOfficialSemver(version));
    expect(strict.sort()).toEqual(['1.13.00', 'v0.4', 'v0.6']);
    expect(strict.filter((version) => parseVersion(version) === null)).toEqual(['v0.4', 'v0.6']);
  });

  it.each(INDEXES)('orders every valid version of $file as a reference semver implementation does', ({ read }) => {
    for (const versions of read.charts.values()) {
      const valid = versions.filter(isOfficialSemver);
      const reference = [...valid].sort((a, b) => referencePrecedence(a, b) || byteOrder(a, b));
      expect([...valid].sort(compareVersions)).toEqual(reference);
    }
  });

  // Helm writes each chart's entries newest first, by a semver library that also reads `v0.6` as 0.6.0;
  // we keep those two non-semver, so only they may stand elsewhere.
  it.each(INDEXES)('lists each chart of $file in the order Helm wrote it', ({ read }) => {
    for (const versions of read.charts.values()) {
      const semver = versions.filter((version) => parseVersion(version) !== null);
      expect([...semver].sort(compareVersions).reverse()).toEqual(semver);
    }
  });
});

describe('the sort key in PostgreSQL', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase({ prefix: 'version_order' });
    await withClient(database.url, async (client) => {
      await client.query(`create table chart_version (source text not null, chart text not null, version text not null, sort_key text not null)`);
      await client.query(`create index on chart_version (source, chart, sort_key collate "C")`);
      for (const { file, read } of INDEXES) {
        const rows = [...read.charts].flatMap(([chart, versions]) => versions.map((version) => ({ chart, version })));
        await client.query(
          `insert into chart_version (source, chart, version, sort_key)
           select $1, * from unnest($2::text[], $3::text[], $4::text[])`,
          [file, rows.map((row) => row.chart), rows.map((row) => row.version), rows.map((row) => versionSortKey(row.version))],
        );
      }
    });
  });

  afterAll(async () => {
    await database?.drop();
  });

  async function newestFirstInPostgres(file: string): Promise<Map<string, string[]>> {
    const { rows } = await withClient(database.url, (client) =>
      client.query<{ chart: string; version: string }>(`select chart, version from chart_version where source = $1 order by chart, sort_key collate "C" desc`, [file]),
    );
    const charts = new Map<string, string[]>();
    for (const { chart, version } of rows) charts.set(chart, [...(charts.get(chart) ?? []), version]);
    return charts;
  }

  it.each(INDEXES)('lists every chart of $file newest first, as compareVersions sorts it', async ({ file, read }) => {
    const listed = await newestFirstInPostgres(file);
    expect([...listed.keys()].sort()).toEqual([...read.charts.keys()].sort());
    for (const [chart, versions] of read.charts) {
      expect({ chart, versions: listed.get(chart) }).toEqual({ chart, versions: [...versions].sort(compareVersions).reverse() });
    }
  });

  it('lists what a person reading the indexes expects', async () => {
    const grafana = await newestFirstInPostgres('grafana-helm-charts.gh-pages.index.yaml');
    expect(grafana.get('loki')!.slice(0, 3)).toEqual(['7.3.0', '7.2.0', '7.1.0']);
    expect(grafana.get('loki')!.at(-1)).toBe('0.5.0');
    expect(grafana.get('grafana')![0]).toBe('10.5.15');
    expect(grafana.get('mimir-distributed')).toEqual(expect.arrayContaining(['5.6.0-weekly.314']));

    expect(grafana.get('grafana-operator')).toEqual(
      ['5.24.0', '5.23.0', '5.22.2', '5.22.1', '5.22.0', '5.21.4', '5.21.3', '5.21.2', '5.21.1']
        .concat(['v5.20.0', 'v5.19.4', 'v5.19.3', 'v5.19.2', 'v5.19.1', 'v5.18.0', 'v5.17.1', 'v5.17.0', 'v5.16.0', 'v5.15.1']),
    );

    const jupyterhub = await newestFirstInPostgres('jupyterhub-helm-chart.gh-pages.index.yaml');
    const hub = jupyterhub.get('jupyterhub')!;
    expect(hub[0]).toBe('4.0.0-beta.4.git.6831.habe06f4d');
    expect(hub.slice(-3)).toEqual(['v0.3.1', 'v0.6', 'v0.4']);
    // A numeric identifier ranks below an alphanumeric one: the one all-digit commit hash is the oldest 0.6.0 build.
    expect(hub.slice(hub.indexOf('v0.6.0-5107222'), hub.indexOf('v0.6.0-5107222') + 2)).toEqual(['v0.6.0-5107222', '0.5.0']);
    expect(jupyterhub.get('pebble')!.slice(0, 4)).toEqual(['1.2.0', '1.1.0', '1.1.0-0.dev.git.108.h7e47ce6', '1.0.1']);

    const castai = await newestFirstInPostgres('castai-helm-charts.gh-pages.index.yaml');
    const omniAgent = castai.get('omni-agent')!;
    expect(omniAgent.slice(omniAgent.indexOf('1.13.1'), omniAgent.indexOf('1.13.1') + 3)).toEqual(['1.13.1', '1.13.00', '1.12.16']);
  });

  it('pages through a chart with keyset cursors, each version once and in order', async () => {
    const file = 'jupyterhub-helm-chart.gh-pages.index.yaml';
    const paged: string[] = [];
    let cursor: string | null = null;
    for (;;) {
      const { rows }: { rows: Array<{ version: string; sort_key: string }> } = await withClient(database.url, (client) =>
        client.query(
          `select version, sort_key from chart_version
           where source = $1 and chart = 'jupyterhub' and ($2::text is null or sort_key collate "C" < $2)
           order by sort_key collate "C" desc limit 100`,
          [file, cursor],
        ),
      );
      if (rows.length === 0) break;
      paged.push(...rows.map((row) => row.version));
      cursor = rows.at(-1)!.sort_key;
    }
    expect(paged).toEqual((await newestFirstInPostgres(file)).get('jupyterhub'));
    expect(paged).toHaveLength(1058);
  });

  it('lists revisions and non-ASCII strings in the hand-made order', async () => {
    const { rows } = await withClient(database.url, async (client) => {
      await client.query(`create temporary table addon_version (version text not null, revision integer, sort_key text not null)`);
      await client.query(`insert into addon_version select * from unnest($1::text[], $2::integer[], $3::text[])`, [
        NEWEST_FIRST.map((row) => row.version),
        NEWEST_FIRST.map((row) => row.revision ?? null),
        NEWEST_FIRST.map(keyOf),
      ]);
      return client.query<{ version: string; revision: number | null }>(`select version, revision from addon_version order by sort_key collate "C" desc`);
    });
    expect(rows).toEqual(NEWEST_FIRST.map((row) => ({ version: row.version, revision: row.revision ?? null })));
  });
});
