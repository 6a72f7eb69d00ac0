import type { Constructor, EntityClass } from '@mikro-orm/core';
import type { Migration } from '@mikro-orm/migrations';
import type { BaseContext } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import { createJwtVerifier } from '../auth/index.js';
import { applyMigrations, createOrm, isDatabaseReachable, type EntityManager, type SubgraphOrm } from '../db/index.js';
import { createJobQueue, type JobQueue } from '../jobs/index.js';
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
  try {
    await applyMigrations(orm, logger);
    const queue = await createJobQueue({ databaseUrl: config.databaseUrl, logger });
    jobs = queue;
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
        await queue.stop();
        await orm.close();
      },
    };
  } catch (error) {
    await jobs?.stop();
    await orm.close();
    throw error;
  }
}
