import { Migration } from '@mikro-orm/migrations';

const PHASES = `'QUEUED', 'SCHEDULING', 'PULLING_IMAGE', 'STARTING', 'READY', 'STOPPING', 'STOPPED', 'DELETING', 'DELETED', 'FAILED'`;
const OPERATIONS = `'LAUNCH', 'UPGRADE', 'START', 'STOP', 'DELETE'`;

/**
 * Launches (DESIGN, "Runtime launch" and "Resumable subscriptions"). An instance runs one version in
 * one environment; every change to it is an operation, and every step of an operation a launch event.
 * Events carry a per-instance sequence and the tenant's change feed a per-tenant one, each taken by
 * an update of one row (the instance, the tenant's feed row), whose lock is held to commit: sequence
 * order is commit order, so a reader that has seen N has seen everything before N.
 *
 * Before this migration instances had no writer, so the new not-null columns meet no rows.
 */
export class Migration0003Launches extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table runtimes.runtime_instance
        add column environment_id uuid not null references runtimes.environment (id),
        add column version_id uuid not null,
        add column namespace text not null,
        add column object_name text not null check (object_name ~ '^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$'),
        add column config jsonb not null default '{}' check (jsonb_typeof(config) = 'object'),
        add column upgrade_policy text not null default 'MANUAL' check (upgrade_policy in ('MANUAL', 'AUTOMATIC')),
        add column url text,
        add column created_by text not null,
        add column event_sequence bigint not null default 0,
        add column operation_id uuid`);
    this.addSql('create index runtime_instance_version on runtimes.runtime_instance (version_id)');
    this.addSql(`create index runtime_instance_automatic on runtimes.runtime_instance (addon_id) where upgrade_policy = 'AUTOMATIC' and status <> 'DELETED'`);

    this.addSql(`
      create table runtimes.runtime_operation (
        id uuid primary key default gen_random_uuid(),
        instance_id uuid not null references runtimes.runtime_instance (id),
        operation text not null check (operation in (${OPERATIONS})),
        phase text not null check (phase in (${PHASES})),
        version_id uuid not null,
        previous_version_id uuid,
        config jsonb not null check (jsonb_typeof(config) = 'object'),
        requested_by text not null,
        created_at timestamptz(3) not null default now(),
        finished_at timestamptz(3)
      )`);
    this.addSql('create index runtime_operation_instance on runtimes.runtime_operation (instance_id, created_at desc)');
    this.addSql('alter table runtimes.runtime_instance add foreign key (operation_id) references runtimes.runtime_operation (id)');

    this.addSql(`
      create table runtimes.launch_event (
        instance_id uuid not null references runtimes.runtime_instance (id),
        sequence bigint not null,
        operation_id uuid not null references runtimes.runtime_operation (id),
        operation text not null check (operation in (${OPERATIONS})),
        phase text not null check (phase in (${PHASES})),
        message text not null check (length(message) <= 2000),
        reason text check (reason ~ '^[A-Z][A-Z_]{0,63}$'),
        created_at timestamptz(3) not null default clock_timestamp(),
        primary key (instance_id, sequence)
      )`);
    this.addSql('create index launch_event_operation on runtimes.launch_event (operation_id, sequence)');

    // The feed row of each tenant holds its sequence; rows appear with a tenant's first change.
    this.addSql(`
      create table runtimes.tenant_feed (
        tenant text primary key,
        last_sequence bigint not null
      )`);
    this.addSql(`
      create table runtimes.instance_change (
        tenant text not null,
        sequence bigint not null,
        instance_id uuid not null references runtimes.runtime_instance (id),
        status text not null check (status in ('PENDING', 'DEPLOYING', 'RUNNING', 'STOPPED', 'FAILED', 'DELETED')),
        operation text not null check (operation in (${OPERATIONS})),
        phase text not null check (phase in (${PHASES})),
        created_at timestamptz(3) not null default clock_timestamp(),
        primary key (tenant, sequence)
      )`);

    // A version's config service (DESIGN): the CONFIG_SERVICE instance launched for it, and how
    // reading its schema went. One per version; the row exists from the job's first run.
    this.addSql(`
      create table runtimes.config_service (
        version_id uuid primary key,
        instance_id uuid references runtimes.runtime_instance (id),
        state text not null check (state in ('WAITING_FOR_ENVIRONMENT', 'LAUNCHING', 'SCHEMA_READ', 'FAILED')),
        message text not null,
        reason text,
        schema_read_at timestamptz(3),
        updated_at timestamptz(3) not null default now()
      )`);
  }
}
