import type { Constructor, EntityClass } from '@mikro-orm/core';
import type { Migration } from '@mikro-orm/migrations';
import type { BaseContext } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import { createJwtVerifier } from '../auth/index.js';
import { applyMigrations, createOrm, isDatabaseReachable, type EntityManager, type SubgraphOrm } from '../db/index.js';
import { createJobQueue, startJobWorker, type JobHandler, type JobQueue, type JobWorker } from '../jobs/index.js';
import { repeatEvery } from '../jobs/repeat.js';
import type { SealedCredentials } from '../crypto/credential-rotation.js';
import { createLogger, type Logger } from '../logger.js';
import { createServiceMetrics } from '../metrics.js';
import type { SubgraphConfig } from '../service-config.js';
import { startSubgraphServer, type RequestScope, type RunningService } from './subgraph-server.js';

/** What makes one subgraph: its schema, its tables, and how a request sees them. */
export interface SubgraphDefinition<TContext extends BaseContext> {
  /** Service name; also the PostgreSQL schema it owns. */
  name: string;
  entities: EntityClass<unknown>[];
  migrations: Constructor<Migration>[];
  buildSchema(): Promise<GraphQLSchema>;
  /** Per-request state from a forked EntityManager and the verified viewer. */
  createContext(em: EntityManager, scope: RequestScope): TContext;
  /** Handlers of the jobs on this subgraph's queue (`<name>.<task>`), run by a worker in this process. */
  createTasks?(orm: SubgraphOrm, logger: Logger): Record<string, JobHandler<never>>;
  /** Work repeated in every replica (e.g. queueing due syncs); each must be safe to run concurrently. */
  createSchedules?(orm: SubgraphOrm, logger: Logger): Schedule[];
  /**
   * Process-long services of its own (a LISTEN connection, say): started after migrations and before
   * the server, stopped after the server and before the database connections close.
   */
  start?(orm: SubgraphOrm, logger: Logger): Promise<StartedService>;
  /** Its columns of sealed credentials, which `npm run credentials:rotate` re-seals (ADR 007). */
  sealedCredentials?: SealedCredentials[];
}

export interface StartedService {
  stop(): Promise<void>;
}

export interface Schedule {
  name: string;
  /** Time between the end of one run and the start of the next. */
  everyMs: number;
  run(): Promise<void>;
}

export interface RunningSubgraph extends RunningService {
  orm: SubgraphOrm;
  /** Enqueues on any subgraph's queue; its schema is migrated at start, so in-transaction enqueues find it. */
  jobs: JobQueue;
  logger: Logger;
}

/** Connects to the database, applies migrations, and serves the subgraph until `stop()`. */
export async function startSubgraph<TContext extends BaseContext>(
  definition: SubgraphDefinition<TContext>,
  config: SubgraphConfig,
  options: { logger?: Logger } = {},
): Promise<RunningSubgraph> {
  const logger = options.logger ?? createLogger({ service: definition.name, level: config.logLevel });
  const orm = await createOrm({
    databaseUrl: config.databaseUrl,
    schema: definition.name,
    entities: definition.entities,
    migrations: definition.migrations,
    logger,
    poolMax: config.dbPoolMax,
  });
  let jobs: JobQueue | undefined;
  let worker: JobWorker | undefined;
  let started: StartedService | undefined;
  const schedules: Array<{ stop(): Promise<void> }> = [];
  const stopSchedules = () => Promise.all(schedules.map((schedule) => schedule.stop()));
  try {
    await applyMigrations(orm, logger);
    const queue = await createJobQueue({ databaseUrl: config.databaseUrl, logger });
    jobs = queue;
    for (const schedule of definition.createSchedules?.(orm, logger) ?? []) {
      schedules.push(repeatEvery(schedule.everyMs, schedule.run, (error) => logger.error({ err: error, schedule: schedule.name }, 'a scheduled run failed')));
    }
    if (definition.createTasks && config.jobConcurrency > 0) {
      worker = await startJobWorker({
        databaseUrl: config.databaseUrl,
        logger,
        queue: definition.name,
        tasks: definition.createTasks(orm, logger),
        concurrency: config.jobConcurrency,
      });
    }
    started = await definition.start?.(orm, logger);
    const service = await startSubgraphServer({
      schema: await definition.buildSchema(),
      host: config.host,
      port: config.port,
      logger,
      metrics: createServiceMetrics(definition.name),
      gatewaySecret: config.gatewaySecret,
      jwt: createJwtVerifier(config.jwt),
      production: config.production,
      maxBodyBytes: config.maxBodyBytes,
      isReady: () => isDatabaseReachable(orm),
      context: (scope) => definition.createContext(orm.em.fork(), scope),
    });
    return {
      ...service,
      orm,
      jobs: queue,
      logger,
      async stop() {
        await service.stop();
        await started?.stop();
        await stopSchedules();
        await worker?.stop();
        await queue.stop();
        await orm.close();
      },
    };
  } catch (error) {
    await started?.stop();
    await stopSchedules();
    await worker?.stop();
    await jobs?.stop();
    await orm.close();
    throw error;
  }
}
