/**
 * Where the addons subgraph's time for the bench query goes in SQL: the query is executed in this
 * process against the addons subgraph's own schema, resolvers and per-request context (what its
 * server runs after the HTTP, signature and JWT steps), and every statement it sends is captured
 * from knex (MikroORM's and the read paths' own alike) with its bind parameters. Each is then run
 * under `explain (analyze, buffers)` a few times with the same parameters.
 */
import { performance } from 'node:perf_hooks';
import { execute as executeGraphql, parse, validate } from 'graphql';
import { buildAddonsSchema, createAddonsSubgraph, readConfig as readAddonsConfig } from '@addon-platform/addons';
import { createLogger, createOrm, type Env, type Viewer } from '@addon-platform/platform';
import { withClient } from '@addon-platform/platform/testing';

export interface StatementProfile {
  sql: string;
  bindings: unknown[];
  /** Rows it returned. */
  rows: number;
  planningMs: number;
  /** Median over the explain runs. */
  executionMs: number;
  /** The plan of the run with the median execution time. */
  plan: string;
}

export interface SqlProfile {
  /** Median wall time of executing the operation in this process (parsed and validated once), SQL included; no HTTP, no load. */
  operationMs: number;
  statements: StatementProfile[];
}

const WARM_RUNS = 30;
const TIMED_RUNS = 31;
const EXPLAIN_RUNS = 7;

export async function profileSubgraphSql(env: Env, viewer: Viewer, source: string): Promise<SqlProfile> {
  const captured: Array<{ sql: string; bindings: unknown[]; rows: number }> = [];
  const definition = createAddonsSubgraph(readAddonsConfig(env));
  const logger = createLogger({ service: 'bench-catalog-profile', level: 'warn' });
  const orm = await createOrm({ databaseUrl: env.DATABASE_URL!, schema: definition.name, entities: definition.entities, migrations: [], logger, poolMax: 2 });
  try {
    // As PostgreSQL receives them: numbered placeholders and their values.
    orm.em.getKnex().on('query-response', (response: { rows?: unknown[] } | unknown[], query: { sql: string; bindings?: unknown[] }) => {
      captured.push({ sql: query.sql, bindings: query.bindings ?? [], rows: Array.isArray(response) ? response.length : (response.rows?.length ?? 0) });
    });
    const schema = await buildAddonsSchema();
    // Parsed and validated once, as Apollo Server caches them per query text.
    const document = parse(source);
    const invalid = validate(schema, document);
    if (invalid.length > 0) throw new Error(`profiling run: ${invalid.map((error) => error.message).join('; ')}`);
    const execute = async () => {
      const result = await executeGraphql({ schema, document, contextValue: definition.createContext(orm.em.fork(), { viewer, logger }) });
      if (result.errors?.length) throw new Error(`profiling run: ${JSON.stringify(result.errors).slice(0, 500)}`);
    };
    for (let run = 0; run < WARM_RUNS; run++) await execute();
    const times: number[] = [];
    for (let run = 0; run < TIMED_RUNS; run++) {
      captured.length = 0;
      const started = performance.now();
      await execute();
      times.push(performance.now() - started);
    }
    const statements = [...captured];
    const profiles: StatementProfile[] = [];
    await withClient(env.DATABASE_URL!, async (client) => {
      for (const { sql, bindings, rows } of statements) {
        const runs: Array<{ planningMs: number; executionMs: number; plan: string }> = [];
        for (let run = 0; run < EXPLAIN_RUNS; run++) {
          const result = await client.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${sql}`, bindings);
          const plan = result.rows.map((row) => row['QUERY PLAN']).join('\n');
          runs.push({ plan, planningMs: readMs(plan, 'Planning Time'), executionMs: readMs(plan, 'Execution Time') });
        }
        runs.sort((a, b) => a.executionMs - b.executionMs);
        const median = runs[Math.floor(runs.length / 2)]!;
        profiles.push({ sql, bindings, rows, ...median });
      }
    });
    return { operationMs: times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!, statements: profiles };
  } finally {
    await orm.close();
  }
}

function readMs(plan: string, label: string): number {
  const match = new RegExp(`${label}: ([\\d.]+) ms`).exec(plan);
  return match ? Number(match[1]) : NaN;
}
