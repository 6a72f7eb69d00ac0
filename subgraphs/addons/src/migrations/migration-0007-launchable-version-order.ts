import { Migration } from '@mikro-orm/migrations';

/**
 * `addons.launchable_version` gains each version's place in its addon's order, so the runtimes
 * subgraph can tell whether an activated version is newer than the one an instance runs. Columns are
 * appended only: the view is a published contract (0003).
 */
export class Migration0007LaunchableVersionOrder extends Migration {
  override async up(): Promise<void> {
    // sort_key orders by byte (collation "C"), as in addons.addon_version; revision is r1, r2, … of legacy submissions.
    this.addSql(`
      create or replace view addons.launchable_version as
        select v.id as version_id, v.addon_id, a.name as addon_name, a.repo_id, v.version, v.status,
               v.runtime_image, v.config_image, v.config_schema, v.config_schema_validated,
               v.launchable, v.not_launchable_reason, s.providers,
               v.sort_key, v.revision
          from addons.addon_version v
          join addons.addon a on a.id = v.addon_id
          join repos.repo_source s on s.repo_id = a.repo_id`);
  }
}
