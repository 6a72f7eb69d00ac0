/**
 * The catalog the bench reads, written set-based in SQL (`insert … select … from generate_series`)
 * into tables the subgraphs' own migrations made. Everything is derived from row numbers and
 * `hashtext`, so every run writes the same catalog:
 * - repos: 85% PUBLIC (1 in 100 of them deleted), 10% PRIVATE (half of those the bench tenant's own),
 *   5% SELECTED (half of those labelled for a selector the bench tenant holds): the tenant sees ~91%;
 * - addons spread evenly over the repos, named after real charts (`grafana`, `loki-stack`,
 *   `cert-manager-operator`…), so the same name recurs across repos as real charts do. About 2% carry
 *   "grafana": ~1.6% in the name, ~0.4% as a tag, ~0.4% in the description;
 * - versions per addon from a template of releases and prereleases (the newest is a prerelease, so
 *   `latestVersion` must skip it), ~8% DRAFT, ~2% REMOVED, ~1% SUSPENDED, the rest ACTIVE, and 1 addon
 *   in 100 with only DRAFT versions (its `latestVersion` is null). Sort keys come from the addons
 *   subgraph's own `versionSortKey`.
 */
import { parseVersion, versionSortKey } from '@addon-platform/addons';
import { withClient } from '@addon-platform/platform/testing';

/** Who the bench queries as: a tenant, with a repo selector matching half the SELECTED repos. */
export const BENCH_TENANT = { sub: 'bench-tenant', tenant: 'acme', selector: { key: 'team', value: 'team-0' } } as const;

export interface CatalogSize {
  repos: number;
  addons: number;
  versionsPerAddon: number;
}

export interface CatalogFacts {
  repos: Record<string, number>;
  visibleRepos: number;
  addons: number;
  versions: Record<string, number>;
  /** Addons with a word starting with "grafana" in name, tags or description: all, and in repos the tenant sees. */
  grafanaAddons: number;
  grafanaAddonsVisible: number;
  /** The search's first page as the tenant should get it: names by (name, id). */
  grafanaFirstNames: string[];
}

// Chart names; `grafana` exactly once. Addon j of repo r is named NAMES[(7j + r) % NAMES.length], so
// the names of one repo are distinct while j < NAMES.length (7 and the length must be coprime).
const NAMES = [
  'prometheus', 'loki', 'tempo', 'mimir', 'alertmanager', 'node-exporter', 'kube-state-metrics', 'cert-manager',
  'ingress-nginx', 'traefik', 'redis', 'postgresql', 'mysql', 'mariadb', 'mongodb', 'kafka',
  'zookeeper', 'rabbitmq', 'elasticsearch', 'kibana', 'logstash', 'fluent-bit', 'fluentd', 'vector',
  'jaeger', 'opentelemetry-collector', 'argo-cd', 'argo-workflows', 'vault', 'consul', 'keycloak', 'minio',
  'harbor', 'gitea', 'jenkins', 'sonarqube', 'nexus', 'airflow', 'spark', 'jupyterhub',
  'superset', 'metabase', 'nats', 'etcd', 'coredns', 'external-dns', 'velero', 'longhorn',
  'rook-ceph', 'istio', 'linkerd', 'kong', 'envoy', 'memcached', 'cassandra', 'clickhouse',
  'influxdb', 'telegraf', 'thanos', 'graphite', 'grafeas', 'wordpress', 'nextcloud', 'grafana',
];
const SUFFIXES = ['', '', '', 'operator', 'stack', 'exporter', 'agent', 'crds', 'proxy', 'ha', 'lite', 'cluster'];
const TAGS = [
  'monitoring', 'observability', 'database', 'storage', 'security', 'networking', 'ci', 'logging', 'tracing', 'messaging',
  'analytics', 'backup', 'ingress', 'dns', 'service-mesh', 'cache', 'search', 'ml', 'dashboards', 'metrics',
];
const REPO_PREFIXES = ['bitnami', 'community', 'jetstack', 'examples', 'platform', 'team', 'vendor', 'mirror', 'lab', 'edge'];

/** Ten versions per variant, oldest first; the last is a prerelease newer than every release. */
const TEMPLATE: Array<[minor: number, prerelease: string]> = [
  [0, ''], [1, ''], [2, '-beta.1'], [2, ''], [3, ''], [4, '-rc.1'], [4, ''], [5, ''], [6, ''], [7, '-rc.1'],
];
const VARIANTS = 12;

function versionTemplate(versionsPerAddon: number) {
  const rows = { variant: [] as number[], k: [] as number[], version: [] as string[], sortKey: [] as string[], prerelease: [] as boolean[] };
  for (let variant = 0; variant < VARIANTS; variant++) {
    const major = 1 + Math.floor(variant / 3);
    const patch = variant % 3;
    // One variant writes a leading v, as some real indexes do (grafana's own v5.20.0).
    const prefix = variant === VARIANTS - 1 ? 'v' : '';
    TEMPLATE.forEach(([minor, pre], k) => {
      if (k < TEMPLATE.length - versionsPerAddon) return;
      const version = `${prefix}${major}.${minor}.${patch}${pre}`;
      rows.variant.push(variant);
      rows.k.push(k);
      rows.version.push(version);
      rows.sortKey.push(versionSortKey(version));
      rows.prerelease.push((parseVersion(version)?.prerelease.length ?? 0) > 0);
    });
  }
  return rows;
}

export async function seedCatalog(databaseUrl: string, size: CatalogSize): Promise<void> {
  if (NAMES.length % 7 === 0 || NAMES.length < 34) throw new Error('NAMES must hold at least 34 names, and not a multiple of 7');
  const template = versionTemplate(size.versionsPerAddon);
  await withClient(databaseUrl, async (client) => {
    await client.query('begin');
    await client.query(
      `insert into repos.repo (id, name, description, type, url, visibility, owner_sub, labels, default_status, created_at, updated_at, deleted_at)
       select md5('bench-repo-' || r)::uuid,
              ($2::text[])[1 + r % array_length($2::text[], 1)] || '-charts-' || r,
              'Helm charts of ' || ($2::text[])[1 + r % array_length($2::text[], 1)] || ', mirrored for the platform.',
              'HELM',
              'https://charts.example.com/' || r || '/',
              case when r % 20 in (0, 1) then 'PRIVATE' when r % 20 = 2 then 'SELECTED' else 'PUBLIC' end,
              case when r % 40 = 1 then $3 else 'owner-' || (r % 37) end,
              case when r % 20 = 2 then jsonb_build_array(jsonb_build_object('key', 'team', 'value', 'team-' || ((r / 20) % 2))) else '[]'::jsonb end,
              case when r % 3 = 0 then 'ACTIVE' else 'DRAFT' end,
              timestamptz '2025-01-01' + r * interval '1 hour',
              timestamptz '2025-01-01' + r * interval '1 hour',
              case when r % 100 = 50 then timestamptz '2025-06-01' end
         from generate_series(1, $1::int) r`,
      [size.repos, REPO_PREFIXES, BENCH_TENANT.sub],
    );
    await client.query(`insert into repos.user_repo_selector (user_sub, position, key, value) values ($1, 0, $2, $3)`, [
      BENCH_TENANT.sub,
      BENCH_TENANT.selector.key,
      BENCH_TENANT.selector.value,
    ]);
    // Addon i lives in repo 1 + i % repos as its j-th addon; h1…h4 are independent hashes of i.
    await client.query(
      `insert into addons.addon (id, repo_id, name, description, icon, home, tags, official, owner_sub, deprecated, created_at, updated_at)
       select md5('bench-addon-' || i)::uuid,
              md5('bench-repo-' || r)::uuid,
              base || coalesce('-' || nullif(($3::text[])[1 + (j + r) % array_length($3::text[], 1)], ''), '') || case when j >= array_length($2::text[], 1) then '-' || (j / array_length($2::text[], 1)) else '' end,
              'A Helm chart for ' || base || ' on Kubernetes: deploys, upgrades and scales it with sensible defaults.'
                || case when h4 % 1000 < 4 then ' Ships Grafana dashboards for its metrics.' else '' end,
              'https://charts.example.com/icons/' || base || '.svg',
              'https://' || base || '.example.org/',
              case when base = 'grafana' then array['grafana', 'dashboards', 'monitoring']
                   else array_remove(array[($4::text[])[1 + h1 % 20], ($4::text[])[1 + (h1 / 20) % 20], case when h3 % 1000 < 4 then 'grafana' end], null) end,
              r % 10 = 3,
              null,
              h2 % 50 = 0,
              timestamptz '2025-01-01' + i * interval '37 minutes',
              timestamptz '2025-01-01' + i * interval '37 minutes' + interval '81 days'
         from generate_series(0, $1::int - 1) i
        cross join lateral (select 1 + i % $5::int as r, i / $5::int as j) place
        cross join lateral (select ($2::text[])[1 + (7 * j + r) % array_length($2::text[], 1)] as base) named
        cross join lateral (select abs(0::bigint + hashtext('h1-' || i)) as h1, abs(0::bigint + hashtext('h2-' || i)) as h2,
                                   abs(0::bigint + hashtext('h3-' || i)) as h3, abs(0::bigint + hashtext('h4-' || i)) as h4) hashes`,
      [size.addons, NAMES, SUFFIXES, TAGS, size.repos],
    );
    await client.query(
      `insert into addons.addon_version (addon_id, version, sort_key, status, prerelease, description, app_version, chart_name, urls, digest,
                                         content_digest, published_at, images, config_schema, config_schema_validated,
                                         launchable, not_launchable_reason, source, created_at, updated_at)
       select a.id, t.version, t.sort_key,
              case when abs(0::bigint + hashtext('drafts-' || a.id)) % 100 = 0 then 'DRAFT'
                   when hv % 100 < 8 then 'DRAFT' when hv % 100 < 10 then 'REMOVED' when hv % 100 < 11 then 'SUSPENDED'
                   else 'ACTIVE' end,
              t.prerelease,
              a.description,
              (t.k + 2) || '.' || (hv % 10) || '.0',
              a.name,
              array['https://charts.example.com/' || a.name || '-' || t.version || '.tgz'],
              md5(a.id || t.version) || md5(t.version || a.id),
              md5('content-' || a.id || t.version),
              a.created_at + t.k * interval '9 days',
              array['registry.example.com/' || a.name || ':' || t.version],
              case when hv % 10 = 0 then jsonb_build_object(
                'type', 'object',
                'properties', jsonb_build_object(
                  'replicas', jsonb_build_object('type', 'integer', 'minimum', 1, 'default', 1),
                  'image', jsonb_build_object('type', 'object', 'properties', jsonb_build_object('tag', jsonb_build_object('type', 'string', 'default', t.version))),
                  'resources', jsonb_build_object('type', 'object', 'additionalProperties', true))) end,
              hv % 10 = 0,
              false,
              'Helm charts are catalog entries; they are not launched yet.',
              'SYNC',
              a.created_at + t.k * interval '9 days',
              a.created_at + t.k * interval '9 days'
         from addons.addon a
         join unnest($1::int[], $2::int[], $3::text[], $4::text[], $5::boolean[]) as t (variant, k, version, sort_key, prerelease)
           on t.variant = abs(0::bigint + hashtext('variant-' || a.id)) % ${VARIANTS}
        cross join lateral (select abs(0::bigint + hashtext('version-' || a.id || '-' || t.k)) as hv) hashes`,
      [template.variant, template.k, template.version, template.sortKey, template.prerelease],
    );
    await client.query('commit');
    // Fresh statistics, so the planner sees the catalog as it is and no autovacuum runs mid-measurement;
    // then the bulk load's dirty pages written out now, not by a checkpoint during a measured window.
    await client.query('vacuum analyze');
    await client.query('checkpoint');
  });
}

/**
 * What the seed should give the tenant, computed without the subgraph's code: visibility from the
 * repo columns as DESIGN states it, matches with a regular expression (a word starting with "grafana").
 */
export async function readCatalogFacts(databaseUrl: string, pageSize: number): Promise<CatalogFacts> {
  return withClient(databaseUrl, async (client) => {
    const visible = `
      select id from repos.repo r
       where r.deleted_at is null
         and (r.visibility = 'PUBLIC' or r.owner_sub = $1
              or (r.visibility = 'SELECTED' and exists (
                    select 1 from repos.user_repo_selector s
                     where s.user_sub = $1 and r.labels @> jsonb_build_array(jsonb_build_object('key', s.key, 'value', s.value)))))`;
    const grafana = `(a.name || ' ' || array_to_string(a.tags, ' ') || ' ' || a.description) ~* '\\mgrafana'`;
    const repos = await client.query<{ visibility: string; count: string }>(
      `select case when deleted_at is not null then 'deleted' else lower(visibility) end as visibility, count(*) from repos.repo group by 1 order by 1`,
    );
    const visibleRepos = await client.query<{ count: string }>(`select count(*) from (${visible}) v`, [BENCH_TENANT.sub]);
    const addons = await client.query<{ count: string }>('select count(*) from addons.addon');
    const versions = await client.query<{ status: string; count: string }>(
      `select status || case when prerelease then ' (prerelease)' else '' end as status, count(*) from addons.addon_version group by 1 order by 1`,
    );
    const matches = await client.query<{ all: string; visible: string }>(
      `select count(*) as all, count(*) filter (where a.repo_id in (${visible})) as visible from addons.addon a where ${grafana}`,
      [BENCH_TENANT.sub],
    );
    const firstPage = await client.query<{ name: string }>(
      `select a.name from addons.addon a where ${grafana} and a.repo_id in (${visible}) order by a.name, a.id limit ${pageSize}`,
      [BENCH_TENANT.sub],
    );
    const counts = (rows: Array<{ count: string } & Record<string, string>>, key: string) => Object.fromEntries(rows.map((row) => [row[key]!, Number(row.count)]));
    return {
      repos: counts(repos.rows, 'visibility'),
      visibleRepos: Number(visibleRepos.rows[0]!.count),
      addons: Number(addons.rows[0]!.count),
      versions: counts(versions.rows, 'status'),
      grafanaAddons: Number(matches.rows[0]!.all),
      grafanaAddonsVisible: Number(matches.rows[0]!.visible),
      grafanaFirstNames: firstPage.rows.map((row) => row.name),
    };
  });
}
