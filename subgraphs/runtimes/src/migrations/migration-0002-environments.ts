import { Migration } from '@mikro-orm/migrations';

/**
 * Runtime environments: where instances run. Operators register them; the kubeconfig is sealed with
 * the platform key under `environment:<id>` (ADR 007), or the environment uses the credentials of the
 * pod the platform runs in. Names are unique among live environments, and at most one live
 * environment is the platform's own (config services run there).
 */
export class Migration0002Environments extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table runtimes.environment (
        id uuid primary key default gen_random_uuid(),
        name text not null check (name ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
        kind text not null check (kind in ('KUBERNETES', 'SIMULATED')),
        in_cluster boolean not null,
        credential_sealed text,
        server text,
        namespace_pattern text not null check (length(namespace_pattern) <= 63 and namespace_pattern like '%{tenant}%'),
        tenants_all boolean not null,
        tenants text[] not null default '{}',
        labels jsonb not null default '[]' check (jsonb_typeof(labels) = 'array'),
        is_platform boolean not null default false,
        created_by text not null,
        created_at timestamptz(3) not null default now(),
        updated_at timestamptz(3) not null default now(),
        deleted_at timestamptz(3),
        -- Exactly one way in: a sealed kubeconfig (with the server it names) or the pod's own credentials.
        check ((in_cluster and credential_sealed is null and server is null) or (not in_cluster and credential_sealed is not null and server is not null)),
        check (not tenants_all or cardinality(tenants) = 0)
      )`);
    this.addSql('create unique index environment_name_live on runtimes.environment (name) where deleted_at is null');
    this.addSql('create unique index environment_platform_live on runtimes.environment ((true)) where is_platform and deleted_at is null');
    this.addSql('create index environment_tenants on runtimes.environment using gin (tenants) where deleted_at is null');
  }
}
