import { Migration } from '@mikro-orm/migrations';

/**
 * The catalog's first table. `repo_id` names a repo of the repos subgraph without a foreign key:
 * each subgraph owns its schema, and reads across go through published views (DESIGN).
 */
export class Migration0001Addons extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table addons.addon (
        id uuid primary key default gen_random_uuid(),
        repo_id uuid not null,
        name text not null check (length(name) between 1 and 253),
        description text not null default '',
        created_at timestamptz(3) not null default now(),
        updated_at timestamptz(3) not null default now(),
        unique (repo_id, name)
      )`);
    this.addSql('create index addon_name on addons.addon (name, id)');
  }
}
