import { Migration } from '@mikro-orm/migrations';

/** Runtime instances, each owned by one tenant; `addon_id` names the catalog's addon without a foreign key. */
export class Migration0001Runtimes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table runtimes.runtime_instance (
        id uuid primary key default gen_random_uuid(),
        tenant text not null,
        name text not null check (name ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
        kind text not null check (kind in ('TENANT', 'CONFIG_SERVICE')),
        status text not null check (status in ('PENDING', 'DEPLOYING', 'RUNNING', 'STOPPED', 'FAILED', 'DELETED')),
        addon_id uuid not null,
        created_at timestamptz(3) not null default now(),
        updated_at timestamptz(3) not null default now()
      )`);
    this.addSql(`create unique index runtime_instance_name_live on runtimes.runtime_instance (tenant, name) where status <> 'DELETED'`);
    this.addSql('create index runtime_instance_tenant on runtimes.runtime_instance (tenant, created_at desc, id desc)');
    this.addSql('create index runtime_instance_addon on runtimes.runtime_instance (addon_id, created_at desc, id desc)');
  }
}
