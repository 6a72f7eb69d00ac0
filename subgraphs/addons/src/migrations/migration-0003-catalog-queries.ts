import { Migration } from '@mikro-orm/migrations';

/**
 * What catalog queries need to stay index-backed, and the contract the runtimes subgraph reads to
 * launch a version: `addons.launchable_version`.
 */
export class Migration0003CatalogQueries extends Migration {
  override async up(): Promise<void> {
    // `addons(orderBy: UPDATED)` pages by (updated_at desc, id desc); NAME is served by addon_name (0001).
    this.addSql('create index addon_updated on addons.addon (updated_at desc, id desc)');
    // The `owner` filter: an addon's own owner when it has one, else its repo's (few repos, many addons).
    this.addSql('create index addon_owner on addons.addon (owner_sub) where owner_sub is not null');
    // Tenants and anonymous read ACTIVE versions only, and latestVersion and availableVersions read
    // nothing else: a chart with thousands of drafts costs them no more than its active versions.
    this.addSql(`create index addon_version_active on addons.addon_version (addon_id, sort_key desc, id desc) where status = 'ACTIVE'`);
    // The `status` filter of addons and imageList: the versions in one status, then their addons.
    this.addSql('create index addon_version_status on addons.addon_version (status, addon_id)');

    // A published contract, like repos.repo_source: the runtimes subgraph reads versions through this
    // view only, never through our tables. Change it only by appending columns (`create or replace
    // view` cannot drop, rename or retype one). Versions of deleted repos leave it with their repo,
    // because repo_source lists live repos only; every status stays, so runtimes can say why a version
    // it knows can no longer be launched.
    this.addSql(`
      create view addons.launchable_version as
        select v.id as version_id, v.addon_id, a.name as addon_name, a.repo_id, v.version, v.status,
               v.runtime_image, v.config_image, v.config_schema, v.config_schema_validated,
               v.launchable, v.not_launchable_reason, s.providers
          from addons.addon_version v
          join addons.addon a on a.id = v.addon_id
          join repos.repo_source s on s.repo_id = a.repo_id`);
  }
}
