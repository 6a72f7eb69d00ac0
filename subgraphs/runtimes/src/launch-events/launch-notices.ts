import type { EventSubscriber } from '@mikro-orm/core';
import pg from 'pg';
import type { Logger, StartedService, SubgraphOrm } from '@addon-platform/platform';
import { LAUNCH_EVENTS_CHANNEL } from './launch-event-log.js';

/** Shown in pg_stat_activity. */
const NOTICES_APPLICATION_NAME = 'runtimes-launch-notices';

/** Notices sent per statement; a longer queue takes several. */
const BATCH = 500;

/**
 * Sends up to {@link BATCH} queued notices (migration 0004's outbox) on {@link LAUNCH_EVENTS_CHANNEL},
 * oldest first, and deletes them in the same statement: they go out when it commits, or stay queued
 * for the next sender if it does not. Concurrent senders take disjoint notices. Answers how many it sent.
 */
const SEND_LAUNCH_NOTICES_SQL = `with sent as (
    delete from runtimes.launch_notice
     where id in (select id from runtimes.launch_notice order by id limit ${BATCH} for update skip locked)
 returning id, payload)
  select pg_notify('${LAUNCH_EVENTS_CHANNEL}', payload) from sent order by id`;

/**
 * Sends start at least this far apart. Each send that finds notices is a commit, and a commit costs
 * the database about 0.9 ms of CPU on this project's machines whatever it does (pgbench, a one-row
 * update): a send per event doubled the commits of a few hundred events a second.
 */
export const MIN_SEND_INTERVAL_MS = 10;

/**
 * A coalescing sender of queued notices over `query` (any connection): a call while a send runs, or
 * within {@link MIN_SEND_INTERVAL_MS} of the last one's start, waits for the next send, which then
 * serves every call that waited; a send takes batches until the queue is empty. It never fails: on
 * an error the notices stay queued for the next send, and `onError` hears.
 */
export function createLaunchNoticeSender(query: (sql: string) => Promise<unknown[]>, onError: (error: unknown) => void): () => Promise<void> {
  // The send querying now, and the next one, which callers join until it starts querying.
  let running: Promise<void> | undefined;
  let pending: Promise<void> | undefined;
  let lastStartedAt = 0;
  return () => {
    if (pending) return pending;
    const before = running;
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    pending = done;
    void (async () => {
      await before;
      const wait = lastStartedAt + MIN_SEND_INTERVAL_MS - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      pending = undefined;
      running = done;
      lastStartedAt = Date.now();
      try {
        for (let sent = BATCH; sent === BATCH; ) sent = (await query(SEND_LAUNCH_NOTICES_SQL)).length;
      } catch (error) {
        onError(error);
      } finally {
        if (running === done) running = undefined;
        finish();
      }
    })();
    return done;
  };
}

/** How often queued notices are looked for regardless, so that those of a writer that died after its commit still go out. */
const SWEEP_MS = 1_000;

/**
 * Sends launch notices after the transactions that queued them commit: after every transaction the
 * ORM commits (a subscriber, awaited before `transactional` returns, so a job that wrote an event ends
 * only once its notice is out; one short statement for a transaction that queued none), and on a sweep.
 */
export function startLaunchNotices(orm: SubgraphOrm, logger: Logger): StartedService {
  // A connection of its own: notices never wait behind a busy pool's queue. A pool of one reconnects by itself.
  const connection = new pg.Pool({ connectionString: orm.config.get('clientUrl'), max: 1, application_name: NOTICES_APPLICATION_NAME });
  connection.on('error', (error) => logger.warn({ err: error }, 'the launch notices connection failed; it reconnects with the next send'));
  let stopped = false;
  const send = createLaunchNoticeSender(
    async (sql) => (await connection.query(sql)).rows,
    (error) => {
      if (!stopped) logger.warn({ err: error }, 'sending launch notices failed; they stay queued for the next commit or sweep');
    },
  );
  const subscriber: EventSubscriber = {
    afterTransactionCommit: () => (stopped ? Promise.resolve() : send()),
  };
  orm.em.getEventManager().registerSubscriber(subscriber);
  const sweep = setInterval(() => void send(), SWEEP_MS);
  sweep.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(sweep);
      // Whatever is queued now goes out before the connection closes.
      await send();
      await connection.end();
    },
  };
}
