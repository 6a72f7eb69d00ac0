import { MikroORM, type Constructor, type EntityClass, type LoggerNamespace } from '@mikro-orm/core';
import { Migrator, type Migration } from '@mikro-orm/migrations';
import { PostgreSqlDriver, type EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../logger.js';

export type { EntityManager };
export type SubgraphOrm = MikroORM<PostgreSqlDriver>;

export interface OrmOptions {
  databaseUrl: string;
  /** The PostgreSQL schema this subgraph owns and alone writes (DESIGN, "Architecture"). */
  schema: string;
  entities: EntityClass<unknown>[];
  /** In order of application; a migration's class name is its identity in the migrations table. */
  migrations: Constructor<Migration>[];
  logger: Logger;
  /** Connections this process may hold. Default 10. */
  poolMax?: number;
}

/**
 * Connects MikroORM to one subgraph's schema. Migrations are listed in code rather than globbed from
 * disk, so the same list runs from TypeScript sources, compiled output and tests.
 */
export async function createOrm(options: OrmOptions): Promise<SubgraphOrm> {
  const { databaseUrl, schema, entities, migrations, logger, poolMax = 10 } = options;
  const tracing = logger.isLevelEnabled('trace');
  const debug: LoggerNamespace[] = tracing ? ['query'] : [];
  const orm = await MikroORM.init<PostgreSqlDriver>({
    driver: PostgreSqlDriver,
    clientUrl: databaseUrl,
    schema,
    entities,
    extensions: [Migrator],
    migrations: {
      tableName: `${schema}.mikro_orm_migrations`,
      migrationsList: migrations.map((migration) => ({ name: migration.name, class: migration })),
      transactional: true,
      allOrNothing: true,
    },
    pool: { min: 0, max: poolMax },
    allowGlobalContext: false,
    debug,
    // Logs are JSON lines; colour codes would only garble them.
    colors: false,
    logger: (message) => logger.trace({ orm: message }),
    discovery: { warnWhenNoEntities: false },
  });
  // Statements with bind parameters (selectRows, the sync's writes) go to knex past MikroORM's log.
  // Their text is logged, not their values: those can be megabytes of catalog, or a credential.
  if (tracing) {
    orm.em.getKnex().on('query', (query: { sql: string; bindings?: unknown[] }) => {
      if (query.bindings?.length) logger.trace({ orm: `[query] ${query.sql}`, parameters: query.bindings.length });
    });
  }
  return orm;
}

/** Applies pending migrations; concurrent starts of replicas wait on one advisory lock. */
export async function applyMigrations(orm: SubgraphOrm, logger: Logger): Promise<string[]> {
  const connection = orm.em.getConnection();
  const schema = orm.config.get('schema')!;
  // Two replicas starting together must not both run a migration: serialise on a lock keyed by schema.
  const knex = connection.getKnex();
  return knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`migrations:${schema}`]);
    const applied = await orm.getMigrator().up({ transaction: trx } as never);
    const names = applied.map((migration) => migration.name);
    if (names.length > 0) logger.info({ schema, migrations: names }, 'applied migrations');
    return names;
  });
}

/** True when the database answers; used by `/readyz`. */
export async function isDatabaseReachable(orm: SubgraphOrm): Promise<boolean> {
  try {
    await orm.em.getConnection().execute('select 1');
    return true;
  } catch {
    return false;
  }
}
