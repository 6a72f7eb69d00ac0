import type { Knex } from '@mikro-orm/postgresql';
import { enqueueJob, jobClientOf, versionActivatedCommand, type EntityManager } from '@addon-platform/platform';

/** One (addon, version) pair as a source lists it, ready to be written. */
export interface IncomingVersion {
  addon: string;
  /** Of the addon, from the version that describes it (the newest one the source lists). */
  addonDescription: string;
  icon: string | null;
  home: string | null;
  tags: string[];
  version: string;
  sortKey: string;
  prerelease: boolean;
  description: string;
  appVersion: string | null;
  chartName: string | null;
  urls: string[];
  digest: string | null;
  /** What decides "updated": the source's digest, or a hash of the files read. */
  contentDigest: string;
  /** The source's `created`; of two entries for one pair, the later one wins. */
  publishedAt: string | null;
  deprecated: boolean;
  images: string[];
  configSchema: object | null;
  configSchemaValidated: boolean;
  configSchemaSource: string | null;
  uiSchemas: Array<{ name: string; content: string }>;
  notLaunchableReason: string;
}

export interface SyncCounts {
  added: number;
  updated: number;
  unchanged: number;
  removed: number;
}

/** Rows per staging statement: few round trips, and one batch of JSON in memory at a time. */
const STAGE_BATCH = 5000;

export interface CatalogRun {
  repoId: string;
  runId: string;
  defaultStatus: string;
}

/**
 * Writes a whole source's content into the catalog inside the caller's transaction, set-based: pairs
 * are staged in a temporary table as the source is read, batch by batch, then a handful of statements
 * insert new addons and versions, update changed ones, and mark the versions no longer listed REMOVED.
 * A crash before the commit leaves the catalog as it was, so a retried run starts from a clean slate.
 * Statements go through knex with bind parameters: MikroORM's `execute` would paste a batch's JSON
 * into the SQL text, character by character.
 */
export class CatalogStage {
  private pending: IncomingVersion[] = [];

  private constructor(
    private readonly em: EntityManager,
    private readonly sql: Knex.Transaction,
  ) {}

  static async open(em: EntityManager): Promise<CatalogStage> {
    const sql = em.getTransactionContext<Knex.Transaction>();
    if (!sql) throw new Error('CatalogStage needs a transaction');
    await sql.raw(`
      create temporary table incoming_version (
        addon text not null, addon_description text not null, icon text, home text, tags text[] not null,
        version text not null, sort_key text collate "C" not null, prerelease boolean not null, description text not null,
        app_version text, chart_name text, urls text[] not null, digest text, content_digest text not null,
        published_at timestamptz, deprecated boolean not null, images text[] not null, config_schema jsonb,
        config_schema_validated boolean not null, config_schema_source text, ui_schemas jsonb not null,
        not_launchable_reason text not null
      ) on commit drop`);
    return new CatalogStage(em, sql);
  }

  async add(versions: readonly IncomingVersion[]): Promise<void> {
    for (const version of versions) this.pending.push(version);
    if (this.pending.length >= STAGE_BATCH) await this.flush();
  }

  /**
   * Writes the staged source and returns the run's counts. Every status change it makes gets an audit
   * row naming the run (ADR 011): versions marked REMOVED, versions back from REMOVED, and versions
   * inserted straight into ACTIVE (a repo whose default status is ACTIVE). Each version that becomes
   * ACTIVE here also queues "version V is active" for the runtimes subgraph, in this transaction, in
   * version order so the runtimes see an addon's newest version last. The release rule is not applied:
   * a default status of ACTIVE is an operator's choice to trust the source, and Helm and KubeVela
   * sources declare no ports or slots.
   */
  async write(run: CatalogRun): Promise<SyncCounts> {
    await this.flush();
    const sql = this.sql;
    // DESIGN: where a source lists a pair twice, the entry with the latest `created` wins.
    await sql.raw(`
      create temporary table winning_version on commit drop as
        select distinct on (addon, version) * from incoming_version
         order by addon, version, published_at desc nulls last, content_digest`);
    // Temporary tables have no statistics until analysed, and a new catalog's own are stale: the index
    // keeps every plan to lookups, where a nested loop over two scans would cost seconds.
    await sql.raw('create unique index on winning_version (addon, version)');
    await sql.raw('analyze winning_version');

    // An addon is described by its newest listed version.
    await sql.raw(
      `insert into addons.addon (repo_id, name, description, icon, home, tags, deprecated)
       select distinct on (addon) ?::uuid, addon, addon_description, icon, home, tags, deprecated
         from winning_version order by addon, sort_key desc
       on conflict (repo_id, name) do update
          set description = excluded.description, icon = excluded.icon, home = excluded.home, tags = excluded.tags,
              deprecated = excluded.deprecated, updated_at = now()
        where (addon.description, addon.icon, addon.home, addon.tags, addon.deprecated)
              is distinct from (excluded.description, excluded.icon, excluded.home, excluded.tags, excluded.deprecated)`,
      [run.repoId],
    );
    const { rows } = await sql.raw<{ rows: Array<SyncCounts & { activated: Array<{ addonId: string; versionId: string }> }> }>(
      `with listed as (
         select a.id as addon_id, w.* from winning_version w join addons.addon a on a.repo_id = ?::uuid and a.name = w.addon
       ),
       -- Every CTE reads the catalog as it was before this statement: the statuses the changes start from.
       prior as (
         select v.id, v.status from addons.addon_version v join listed l on l.addon_id = v.addon_id and l.version = v.version
       ),
       written as (
         insert into addons.addon_version as v (
           addon_id, version, sort_key, status, prerelease, description, app_version, chart_name, urls, digest, content_digest,
           published_at, deprecated, images, config_schema, config_schema_validated, config_schema_source, ui_schemas,
           launchable, not_launchable_reason, source, sync_run_id)
         select addon_id, version, sort_key, ?, prerelease, description, app_version, chart_name, urls, digest, content_digest,
                published_at, deprecated, images, config_schema, config_schema_validated, config_schema_source, ui_schemas,
                false, not_launchable_reason, 'SYNC', ?::uuid
           from listed
         on conflict (addon_id, version) do update
            set sort_key = excluded.sort_key, prerelease = excluded.prerelease, description = excluded.description,
                app_version = excluded.app_version, chart_name = excluded.chart_name, urls = excluded.urls, digest = excluded.digest,
                content_digest = excluded.content_digest, published_at = excluded.published_at, deprecated = excluded.deprecated,
                images = excluded.images, config_schema = excluded.config_schema,
                config_schema_validated = excluded.config_schema_validated, config_schema_source = excluded.config_schema_source,
                ui_schemas = excluded.ui_schemas, not_launchable_reason = excluded.not_launchable_reason,
                status = case when v.status = 'REMOVED' then excluded.status else v.status end,
                sync_run_id = excluded.sync_run_id, updated_at = now()
          where v.content_digest <> excluded.content_digest or v.status = 'REMOVED'
         returning v.id, v.addon_id, v.sort_key, v.status, (xmax = 0) as inserted
       ),
       -- An addon counts as updated when one of its versions is added or changes: the catalog's UPDATED
       -- order. (PostgreSQL runs a data-modifying CTE whether or not the query reads it.)
       touched as (
         update addons.addon a set updated_at = now() where a.id in (select addon_id from written)
       ),
       gone as (
         -- \`was\` is the same row read from the statement's snapshot: the status before this update.
         update addons.addon_version v set status = 'REMOVED', sync_run_id = ?::uuid, updated_at = now()
           from addons.addon a, addons.addon_version was
          where a.id = v.addon_id and was.id = v.id and a.repo_id = ?::uuid and v.source = 'SYNC' and v.status <> 'REMOVED'
            and not exists (select 1 from winning_version w where w.addon = a.name and w.version = v.version)
         returning v.id, was.status as from_status
       ),
       changed as (
         select w.id, w.addon_id, w.sort_key, p.status as from_status, w.status as to_status
           from written w left join prior p on p.id = w.id
          where p.status is distinct from w.status and (p.status is not null or w.status = 'ACTIVE')
       ),
       audited as (
         insert into addons.addon_version_audit (version_id, from_status, to_status, message, sync_run_id)
         select id, from_status, to_status,
                case when from_status is null then 'Synced from a repo whose default status is ACTIVE.'
                     else 'Listed again by its source.' end, ?::uuid
           from changed
         union all
         select id, from_status, 'REMOVED', 'No longer listed by its source.', ?::uuid from gone
       )
       select (select count(*) from written where inserted)::int as added,
              (select count(*) from written where not inserted)::int as updated,
              ((select count(*) from listed) - (select count(*) from written))::int as unchanged,
              (select count(*) from gone)::int as removed,
              (select coalesce(json_agg(json_build_object('addonId', addon_id, 'versionId', id) order by addon_id, sort_key), '[]')
                 from changed where to_status = 'ACTIVE') as activated`,
      [run.repoId, run.defaultStatus, run.runId, run.runId, run.repoId, run.runId, run.runId],
    );
    const { activated, ...counts } = rows[0]!;
    for (const { addonId, versionId } of activated) {
      const command = versionActivatedCommand(addonId, versionId);
      await enqueueJob(jobClientOf(this.em), command.task, command.payload, command.options);
    }
    return counts;
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = JSON.stringify(this.pending.map(toRow));
    this.pending = [];
    // jsonb_to_recordset turns JSON arrays into text[] itself, one parse per batch.
    await this.sql.raw(
      `insert into incoming_version
       select * from jsonb_to_recordset(?::jsonb) as x(
         addon text, addon_description text, icon text, home text, tags text[], version text, sort_key text, prerelease boolean,
         description text, app_version text, chart_name text, urls text[], digest text, content_digest text, published_at timestamptz,
         deprecated boolean, images text[], config_schema jsonb, config_schema_validated boolean, config_schema_source text,
         ui_schemas jsonb, not_launchable_reason text)`,
      [batch],
    );
  }
}

function toRow(version: IncomingVersion) {
  return {
    addon: version.addon,
    addon_description: version.addonDescription,
    icon: version.icon,
    home: version.home,
    tags: version.tags,
    version: version.version,
    sort_key: version.sortKey,
    prerelease: version.prerelease,
    description: version.description,
    app_version: version.appVersion,
    chart_name: version.chartName,
    urls: version.urls,
    digest: version.digest,
    content_digest: version.contentDigest,
    published_at: version.publishedAt,
    deprecated: version.deprecated,
    images: version.images,
    config_schema: version.configSchema,
    config_schema_validated: version.configSchemaValidated,
    config_schema_source: version.configSchemaSource,
    ui_schemas: version.uiSchemas,
    not_launchable_reason: version.notLaunchableReason,
  };
}
