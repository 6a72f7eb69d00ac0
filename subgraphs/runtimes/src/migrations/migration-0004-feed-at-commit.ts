import { Migration } from '@mikro-orm/migrations';

/**
 * The tenant's change feed is written at commit, by a deferred trigger on each launch event, instead
 * of by the statement that records the event. The feed row's lock is what orders a tenant's changes
 * (migration 0003), and it is held to commit: taken by a statement, it was also held across the
 * writer's round trip to COMMIT, which on a busy process cost milliseconds per event and capped a
 * tenant at a few hundred events a second (bench:subscriptions). Taken inside COMMIT, it is held for
 * the commit alone. Deferred triggers fire in the order their rows were inserted, so a transaction
 * that records two events feeds them in that order.
 *
 * The trigger also sends the NOTIFY every replica's hub listens for ('runtimes_launch_events'); its
 * payload is `LaunchNotice` (launch-event-log.ts), the message left out above 1000 characters to
 * stay under NOTIFY's 8000 bytes. The event now keeps the status the instance had from it on, which
 * the feed needs; events recorded before this migration have none.
 */
export class Migration0004FeedAtCommit extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table runtimes.launch_event add column status text check (status in ('PENDING', 'DEPLOYING', 'RUNNING', 'STOPPED', 'FAILED', 'DELETED'))`);
    this.addSql(`
      create function runtimes.feed_launch_event() returns trigger language plpgsql as $$
      declare
        event_tenant text;
        change_sequence bigint;
        change_created_at timestamptz;
      begin
        select tenant into strict event_tenant from runtimes.runtime_instance where id = new.instance_id;
        insert into runtimes.tenant_feed as f (tenant, last_sequence) values (event_tenant, 1)
          on conflict (tenant) do update set last_sequence = f.last_sequence + 1
          returning last_sequence into change_sequence;
        -- Stamped under the feed row's lock, so a feed's times rise with its sequence.
        insert into runtimes.instance_change (tenant, sequence, instance_id, status, operation, phase)
          values (event_tenant, change_sequence, new.instance_id, new.status, new.operation, new.phase)
          returning created_at into change_created_at;
        perform pg_notify('runtimes_launch_events', json_build_object(
          'tenant', event_tenant,
          'instanceId', new.instance_id,
          'sequence', new.sequence::text,
          'operationId', new.operation_id,
          'operation', new.operation,
          'phase', new.phase,
          'message', case when length(new.message) <= 1000 then new.message end,
          'reason', new.reason,
          'status', new.status,
          'changeSequence', change_sequence::text,
          'createdAt', to_char(new.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'changeCreatedAt', to_char(change_created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text);
        return null;
      end
      $$`);
    this.addSql(`
      create constraint trigger launch_event_feed after insert on runtimes.launch_event
        deferrable initially deferred
        for each row execute function runtimes.feed_launch_event()`);
  }
}
