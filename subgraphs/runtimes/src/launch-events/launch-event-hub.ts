import pg from 'pg';
import { domainError, type Logger, type StartedService } from '@addon-platform/platform';
import { LAUNCH_EVENTS_CHANNEL, changeOfNotice, eventOfNotice, type InstanceChangeRecord, type LaunchEventRecord, type LaunchNotice } from './launch-event-log.js';
import type { ArrivalSink } from './sequence-follower.js';

export interface LaunchEventHubOptions {
  /** First wait before reconnecting, doubled after each failure up to `maxRetryMs`. Default 100 ms. */
  retryMs?: number;
  maxRetryMs?: number;
}

/** Shown in pg_stat_activity, so an operator (or a test) can tell the hub's connection apart. */
export const HUB_APPLICATION_NAME = 'runtimes-launch-event-hub';

/**
 * The process's one LISTEN connection to {@link LAUNCH_EVENTS_CHANNEL}, fanning notices out to the
 * followers of an instance and of a tenant. A dropped connection is reopened (with backoff), and then
 * every follower is told to catch up from the database, so a lost NOTIFY never costs an event.
 */
export class LaunchEventHub {
  private readonly byInstance = new Map<string, Set<ArrivalSink<LaunchEventRecord>>>();
  private readonly byTenant = new Map<string, Set<ArrivalSink<InstanceChangeRecord>>>();
  private client: pg.Client | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LaunchEventHubOptions = {}) {}

  /** Connects and listens; fails when the database cannot be reached at all. */
  async start(databaseUrl: string, logger: Logger): Promise<StartedService> {
    const { retryMs = 100, maxRetryMs = 5_000 } = this.options;
    let delayMs = retryMs;
    const reconnect = () => {
      if (this.stopped) return;
      this.retryTimer = setTimeout(() => {
        connect().then(
          () => {
            delayMs = retryMs;
            logger.info('launch event hub listens again; followers catch up from the database');
            this.forEveryListener((listener) => listener.catchUp());
          },
          (error: unknown) => {
            logger.warn({ err: error, retryInMs: delayMs }, 'launch event hub could not reconnect');
            delayMs = Math.min(delayMs * 2, maxRetryMs);
            reconnect();
          },
        );
      }, delayMs);
    };
    const connect = async () => {
      const client = new pg.Client({ connectionString: databaseUrl, application_name: HUB_APPLICATION_NAME, keepAlive: true });
      let lost = false;
      const onLost = (error?: Error) => {
        if (lost) return;
        lost = true;
        client.removeAllListeners('notification');
        void client.end().catch(() => {});
        if (this.stopped) return;
        logger.warn({ err: error }, 'launch event hub lost its LISTEN connection; reconnecting');
        reconnect();
      };
      client.on('error', onLost);
      client.on('end', () => onLost());
      client.on('notification', (message) => this.dispatch(message.payload, logger));
      try {
        await client.connect();
        await client.query(`listen ${LAUNCH_EVENTS_CHANNEL}`);
      } catch (error) {
        lost = true;
        client.removeAllListeners();
        await client.end().catch(() => {});
        throw error;
      }
      this.client = client;
    };

    await connect();
    return {
      stop: async () => {
        this.stopped = true;
        clearTimeout(this.retryTimer);
        this.forEveryListener((listener) =>
          listener.end(domainError('UPSTREAM_UNAVAILABLE', 'This service is stopping; subscribe again with the last cursor you received.')),
        );
        await this.client?.end().catch(() => {});
      },
    };
  }

  /** One instance's events, live, until the returned function is called. */
  followInstance(instanceId: string, sink: ArrivalSink<LaunchEventRecord>): () => void {
    return register(this.byInstance, instanceId, sink);
  }

  /** One tenant's changes, live, until the returned function is called. */
  followTenant(tenant: string, sink: ArrivalSink<InstanceChangeRecord>): () => void {
    return register(this.byTenant, tenant, sink);
  }

  private dispatch(payload: string | undefined, logger: Logger) {
    let notice: LaunchNotice;
    try {
      notice = JSON.parse(payload ?? '') as LaunchNotice;
    } catch (error) {
      // Nothing to route it by: everyone reads on from the database instead.
      logger.error({ err: error }, 'unreadable launch event notice');
      this.forEveryListener((listener) => listener.catchUp());
      return;
    }
    for (const sink of [...(this.byInstance.get(notice.instanceId) ?? [])]) sink.arrive(BigInt(notice.sequence), eventOfNotice(notice));
    for (const sink of [...(this.byTenant.get(notice.tenant) ?? [])]) sink.arrive(BigInt(notice.changeSequence), changeOfNotice(notice));
  }

  private forEveryListener(act: (listener: ArrivalSink<unknown>) => void) {
    for (const listeners of [...this.byInstance.values(), ...this.byTenant.values()]) for (const listener of [...listeners]) act(listener);
  }
}

function register<T>(map: Map<string, Set<ArrivalSink<T>>>, key: string, listener: ArrivalSink<T>): () => void {
  let listeners = map.get(key);
  if (!listeners) map.set(key, (listeners = new Set()));
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && map.get(key) === listeners) map.delete(key);
  };
}
