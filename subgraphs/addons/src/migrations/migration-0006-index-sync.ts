import { Migration } from '@mikro-orm/migrations';

/**
 * Syncs of git ADDON_INDEX repos (ADR 012, "Index syncs"): an entry a sync accepts is logged as a
 * submission like one sent through `submitAddons`, so the replay rule (owner, content) and nonces see
 * it, with the run that read it in place of a submitting user.
 */
export class Migration0006IndexSync extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table addons.submission alter column submitter_sub drop not null');
    this.addSql('alter table addons.submission add column sync_run_id uuid references addons.sync_run (id)');
    // Sent by a user through the API, or read by a sync run: exactly one of them.
    this.addSql('alter table addons.submission add constraint submission_sender check ((submitter_sub is null) <> (sync_run_id is null))');
    // A sync's acceptances of a repo, to find the versions its index no longer lists.
    this.addSql(`create index submission_synced on addons.submission (repo_id) where sync_run_id is not null and status = 'ACCEPTED'`);
  }
}
