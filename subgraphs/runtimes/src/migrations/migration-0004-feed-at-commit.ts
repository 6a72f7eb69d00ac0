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
 * The NOTIFY every replica's hub listens for ('runtimes_launch_events') no longer goes out from the
 * event's transaction: PostgreSQL lets one notifying transaction commit at a time, which capped all
 * events at a few hundred commits a second. The trigger queues the notice in `launch_notice` (an
 * outbox); after commit the writer, or any replica's sweep, sends queued notices in batches, each
 * batch deleted in the transaction that notifies (launch-notices.ts). The payload is `LaunchNotice`
 * (launch-event-log.ts), the message left out above 1000 characters to stay under NOTIFY's 8000 bytes.
 *
 * The event now keeps the status the instance had from it on, which the feed needs; events recorded
 * before this migration have none.
 *
 * Recording an event is a function, `record_launch_event`: one round trip, and PL/pgSQL keeps its
 * statements' plans per connection, where the same statements sent as one query were planned again
 * for every event (about half of the database's CPU per event at 1,000 events/s).
 */
export class Migration0004FeedAtCommit extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table runtimes.launch_event add column status text check (status in ('PENDING', 'DEPLOYING', 'RUNNING', 'STOPPED', 'FAILED', 'DELETED'))`);
    this.addSql('create table runtimes.launch_notice (id bigint generated always as identity primary key, payload text not null)');
    this.addSql(`
      create function runtimes.record_launch_event(
        p_instance_id uuid, p_operation_id uuid, p_operation text, p_phase text, p_terminal boolean, p_message text, p_reason text,
        p_status text, p_set_url boolean, p_url text, p_version_id uuid)
      returns table (recorded_sequence bigint, recorded_at_ms float8) language plpgsql as $$
      declare
        instance_sequence bigint;
        instance_status text;
        event_created_at timestamptz;
      begin
        -- The instance row stays locked to commit: its sequence order is commit order.
        update runtimes.runtime_instance i
           set event_sequence = i.event_sequence + 1,
               status = coalesce(p_status, i.status),
               url = case when p_set_url then p_url else i.url end,
               version_id = coalesce(p_version_id, i.version_id),
               updated_at = case when p_status is not null or p_set_url or p_version_id is not null then now() else i.updated_at end
         where i.id = p_instance_id
        returning i.event_sequence, i.status into instance_sequence, instance_status;
        if not found then
          return query select null::bigint, null::float8;
          return;
        end if;
        update runtimes.runtime_operation o
           set phase = p_phase, finished_at = case when p_terminal then clock_timestamp() end
         where o.id = p_operation_id and o.instance_id = p_instance_id and o.operation = p_operation;
        if not found then
          return query select instance_sequence, null::float8;
          return;
        end if;
        insert into runtimes.launch_event (instance_id, sequence, operation_id, operation, phase, message, reason, status)
          values (p_instance_id, instance_sequence, p_operation_id, p_operation, p_phase, p_message, p_reason, instance_status)
          returning created_at into event_created_at;
        return query select instance_sequence, (extract(epoch from event_created_at) * 1000)::float8;
      end
      $$`);
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
        insert into runtimes.launch_notice (payload) values (json_build_object(
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
