import { Migration } from '@mikro-orm/migrations';

/**
 * The catalog proper: versions of addons, sync runs, and what each repo's last read left behind
 * (its ETag), so an unchanged Helm index costs one conditional request.
 */
export class Migration0002Catalog extends Migration {
  override async up(): Promise<void> {
    // array_to_string is only STABLE in general (element output functions could vary); for text[] it
    // cannot, and a generated column needs an IMMUTABLE expression.
    this.addSql(`
      create function addons.words_of(text[]) returns text language sql immutable parallel safe
        as $$ select array_to_string($1, ' ') $$`);
    this.addSql(`
      alter table addons.addon
        add column icon text,
        add column home text,
        add column tags text[] not null default '{}',
        add column official boolean not null default false,
        add column owner_sub text,
        add column deprecated boolean not null default false,
        add column search tsvector generated always as (
          setweight(to_tsvector('simple', name), 'A') ||
          setweight(to_tsvector('simple', addons.words_of(tags)), 'B') ||
          setweight(to_tsvector('simple', description), 'C')
        ) stored`);
    this.addSql('create index addon_search on addons.addon using gin (search)');
    this.addSql('create index addon_tags on addons.addon using gin (tags)');

    this.addSql(`
      create table addons.sync_run (
        id uuid primary key default gen_random_uuid(),
        repo_id uuid not null,
        status text not null check (status in ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED')),
        trigger text not null check (trigger in ('REPO_CHANGED', 'REQUESTED', 'SCHEDULED')),
        requested_by text,
        attempts int not null default 0,
        added int, updated int, unchanged int, removed int, rejected int,
        errors jsonb not null default '[]' check (jsonb_typeof(errors) = 'array'),
        failure text,
        revision text,
        created_at timestamptz(3) not null default now(),
        started_at timestamptz(3),
        finished_at timestamptz(3)
      )`);
    // One run per repo at a time: the worker serialises syncs of a repo, and this keeps it true in data.
    this.addSql(`create unique index sync_run_active on addons.sync_run (repo_id) where status in ('PENDING', 'RUNNING')`);
    this.addSql('create index sync_run_repo on addons.sync_run (repo_id, created_at desc, id desc)');

    this.addSql(`
      create table addons.repo_sync_state (
        repo_id uuid primary key,
        source_url text not null,
        etag text,
        revision text,
        synced_at timestamptz(3) not null
      )`);

    this.addSql(`
      create table addons.addon_version (
        id uuid primary key default gen_random_uuid(),
        addon_id uuid not null references addons.addon (id),
        version text not null check (length(version) between 1 and 128),
        revision int,
        sort_key text collate "C" not null,
        status text not null check (status in ('DRAFT', 'SUBMITTED', 'APPROVED', 'REJECTED', 'ACTIVE', 'SUSPENDED', 'REMOVED')),
        prerelease boolean not null default false,
        description text not null default '',
        app_version text,
        chart_name text,
        urls text[] not null default '{}',
        digest text,
        content_digest text not null,
        published_at timestamptz(3),
        deprecated boolean not null default false,
        config_image text,
        runtime_image text,
        images text[] not null default '{}',
        image_properties jsonb not null default '{}',
        ports jsonb not null default '[]',
        slots jsonb not null default '[]',
        config_schema jsonb,
        config_schema_validated boolean not null default false,
        config_schema_source text,
        ui_schemas jsonb not null default '[]',
        launchable boolean not null default false,
        not_launchable_reason text,
        source text not null check (source in ('SYNC', 'SUBMISSION')),
        sync_run_id uuid references addons.sync_run (id),
        owner_sub text,
        created_at timestamptz(3) not null default now(),
        updated_at timestamptz(3) not null default now(),
        unique (addon_id, version),
        check (launchable or not_launchable_reason is not null)
      )`);
    this.addSql('create index addon_version_order on addons.addon_version (addon_id, sort_key desc, id desc)');
  }
}
