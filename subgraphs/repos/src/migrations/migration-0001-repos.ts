import { Migration } from '@mikro-orm/migrations';

/**
 * Repos, the two built-in Ontology addon-index repos, and the contract other subgraphs read:
 * `repos.repo_access` and `repos.visible_repo_ids(sub, is_operator)`, so that visibility is decided
 * in SQL, in one place, and catalog pages and counts stay right.
 */
export class Migration0001Repos extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table repos.repo (
        id uuid primary key default gen_random_uuid(),
        name text not null check (name ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
        description text not null default '' check (length(description) <= 2000),
        type text not null check (type in ('HELM', 'GIT', 'ADDON_INDEX')),
        url text check (length(url) <= 2048),
        visibility text not null check (visibility in ('PUBLIC', 'PRIVATE', 'SELECTED')),
        owner_sub text not null,
        built_in boolean not null default false,
        network text check (network in ('testnet', 'mainnet')),
        created_at timestamptz(3) not null default now(),
        updated_at timestamptz(3) not null default now(),
        deleted_at timestamptz(3),
        check (built_in or url is not null),
        check ((type = 'ADDON_INDEX') = (network is not null))
      )`);
    this.addSql('create unique index repo_name_live on repos.repo (name) where deleted_at is null');
    this.addSql('create index repo_created on repos.repo (created_at desc, id desc)');
    this.addSql(`
      insert into repos.repo (name, description, type, visibility, owner_sub, built_in, network) values
        ('ontology-testnet', 'Signed addon submissions on the Ontology testnet.', 'ADDON_INDEX', 'PUBLIC', 'platform', true, 'testnet'),
        ('ontology-mainnet', 'Signed addon submissions on the Ontology mainnet.', 'ADDON_INDEX', 'PUBLIC', 'platform', true, 'mainnet')`);
    this.addSql(`
      create view repos.repo_access as
        select id as repo_id, visibility, owner_sub from repos.repo where deleted_at is null`);
    this.addSql(`
      create function repos.visible_repo_ids(viewer_sub text, viewer_is_operator boolean) returns setof uuid
        language sql stable as $$
          select repo_id from repos.repo_access
           where viewer_is_operator or visibility = 'PUBLIC' or owner_sub = viewer_sub
        $$`);
  }
}
