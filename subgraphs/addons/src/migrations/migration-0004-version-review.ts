import { Migration } from '@mikro-orm/migrations';

/**
 * Review and publication (ADR 011): the audit of every status change of a version, and what the
 * release rule needs to find the ports and slots that ACTIVE versions declare.
 */
export class Migration0004VersionReview extends Migration {
  override async up(): Promise<void> {
    // `actor_sub` is null for changes the platform makes itself (a sync), which then name their run.
    // `seq` orders a version's rows: transitions of one version run under its row lock, so insertion
    // order is transition order, where `at` may tie within a millisecond.
    this.addSql(`
      create table addons.addon_version_audit (
        id uuid primary key default gen_random_uuid(),
        seq bigint generated always as identity,
        version_id uuid not null references addons.addon_version (id),
        actor_sub text,
        at timestamptz(3) not null default clock_timestamp(),
        from_status text,
        to_status text not null,
        message text check (length(message) <= 2000),
        sync_run_id uuid references addons.sync_run (id),
        check (actor_sub is not null or sync_run_id is not null)
      )`);
    this.addSql('create index addon_version_audit_version on addons.addon_version_audit (version_id, seq desc)');

    // The release rule's keys (see versions/release-rule.ts for the rule in words). Both functions
    // are IMMUTABLE so they can key an index; entries of other shapes declare nothing.
    // A port is `8080` (TCP), `"8080"` or `"8080/udp"`, or `{"port": 8080, "protocol": "UDP"}`; its key
    // is `<number>/<TCP|UDP|SCTP>`, the number 1 to 65535 read by value. The patterns write `{0,1}` for
    // `?`, which knex would take for a binding.
    this.addSql(`
      create function addons.port_keys(ports jsonb) returns text[] language sql immutable parallel safe as $$
        select coalesce(array_agg(distinct p.port::int || '/' || p.protocol order by p.port::int || '/' || p.protocol), '{}')
          from jsonb_array_elements(case jsonb_typeof(ports) when 'array' then ports else '[]' end) as e (entry)
          cross join lateral (
            select case jsonb_typeof(e.entry)
                     when 'number' then e.entry #>> '{}'
                     when 'string' then substring(e.entry #>> '{}' from '^\\s*(\\d+)(/[A-Za-z]+){0,1}\\s*$')
                     when 'object' then case when jsonb_typeof(e.entry -> 'port') in ('number', 'string') then btrim(e.entry ->> 'port') end
                   end as port,
                   upper(case jsonb_typeof(e.entry)
                     when 'string' then coalesce(substring(e.entry #>> '{}' from '^\\s*\\d+/([A-Za-z]+)\\s*$'), 'TCP')
                     when 'object' then case when jsonb_typeof(e.entry -> 'protocol') = 'string' then btrim(e.entry ->> 'protocol') else 'TCP' end
                     else 'TCP'
                   end) as protocol
          ) as p
         where p.protocol in ('TCP', 'UDP', 'SCTP')
           and case when p.port ~ '^\\d{1,5}$' then p.port::int between 1 and 65535 else false end
      $$`);
    // A slot is a name, `"sidebar"` or `{"name": "sidebar"}`; its key is the name without surrounding
    // white space, case-sensitive.
    this.addSql(`
      create function addons.slot_keys(slots jsonb) returns text[] language sql immutable parallel safe as $$
        select coalesce(array_agg(distinct s.name order by s.name), '{}')
          from jsonb_array_elements(case jsonb_typeof(slots) when 'array' then slots else '[]' end) as e (entry)
          cross join lateral (
            select btrim(case
                     when jsonb_typeof(e.entry) = 'string' then e.entry #>> '{}'
                     when jsonb_typeof(e.entry -> 'name') = 'string' then e.entry ->> 'name'
                   end) as name
          ) as s
         where s.name <> ''
      $$`);
    // A publish looks up, among ACTIVE versions only, those sharing a key with its own: an overlap
    // (&&) that these GIN indexes answer without reading other versions.
    this.addSql(`create index addon_version_active_ports on addons.addon_version using gin (addons.port_keys(ports)) where status = 'ACTIVE'`);
    this.addSql(`create index addon_version_active_slots on addons.addon_version using gin (addons.slot_keys(slots)) where status = 'ACTIVE'`);
  }
}
