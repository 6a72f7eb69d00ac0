import { Migration } from '@mikro-orm/migrations';

/**
 * Repos become readable sources: path, ref, a sealed credential, labels, providers and the status
 * synced versions start in. SELECTED visibility is decided here, from users' repo selectors, and the
 * contract for other subgraphs grows: `repo_access` gains the labels, and `repo_source` publishes what
 * a sync reads (the credential still sealed; only holders of the platform key open it).
 */
export class Migration0002RepoSources extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table repos.repo
        add column path text check (length(path) <= 1024),
        add column ref text check (length(ref) <= 255),
        add column credential_sealed text,
        add column labels jsonb not null default '[]' check (jsonb_typeof(labels) = 'array'),
        add column providers text[] not null default '{kubernetes}',
        add column default_status text not null default 'DRAFT' check (default_status in ('DRAFT', 'ACTIVE')),
        add column search tsvector generated always as (to_tsvector('simple', name || ' ' || description)) stored`);
    this.addSql('create index repo_labels on repos.repo using gin (labels jsonb_path_ops)');
    this.addSql('create index repo_search on repos.repo using gin (search)');
    this.addSql(`
      create table repos.user_repo_selector (
        user_sub text not null,
        position int not null,
        key text not null,
        value text not null check (value <> ''),
        primary key (user_sub, position),
        unique (user_sub, key, value)
      )`);
    this.addSql(`
      create or replace view repos.repo_access as
        select id as repo_id, visibility, owner_sub, labels from repos.repo where deleted_at is null`);
    this.addSql(`
      create or replace function repos.visible_repo_ids(viewer_sub text, viewer_is_operator boolean) returns setof uuid
        language sql stable as $$
          select a.repo_id from repos.repo_access a
           where viewer_is_operator or a.visibility = 'PUBLIC' or a.owner_sub = viewer_sub
              or (a.visibility = 'SELECTED' and exists (
                    select 1 from repos.user_repo_selector s
                     where s.user_sub = viewer_sub
                       and a.labels @> jsonb_build_array(jsonb_build_object('key', s.key, 'value', s.value))))
        $$`);
    this.addSql(`
      create view repos.repo_source as
        select id as repo_id, name, type, url, path, ref, network, providers, credential_sealed, default_status, updated_at
          from repos.repo where deleted_at is null`);
  }
}
