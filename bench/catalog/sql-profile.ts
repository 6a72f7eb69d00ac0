/**
 * Where the addons subgraph's time for the bench query goes in SQL: the query is executed in this
 * process against the addons subgraph's own schema, resolvers and per-request context (what its
 * server runs after the HTTP, signature and JWT steps), on an ORM whose query log is captured with
 * parameters, exactly as MikroORM sends each statement (it inlines the parameters itself). Each
 * captured statement is then run under `explain (analyze, buffers)` a few times.
 */
import { performance } from 'node:perf_hooks';
import { execute as executeGraphql, parse, validate } from 'graphql';
import { buildAddonsSchema, createAddonsSubgraph, readConfig as readAddonsConfig } from '@addon-platform/addons';
import { createLogger, createOrm, type Env, type Logger, type Viewer } from '@addon-platform/platform';
import { withClient } from '@addon-platform/platform/testing';

export interface StatementProfile {
  sql: string;
  /** Rows it returned, from MikroORM's log. */
  rows: string;
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
  const captured: string[] = [];
  const definition = createAddonsSubgraph(readAddonsConfig(env));
  // createOrm turns MikroORM's query log on when the logger is at trace, and writes each line as { orm }.
  const ormLogger = {
    isLevelEnabled: () => true,
    trace: ({ orm }: { orm: string }) => captured.push(orm),
  } as unknown as Logger;
  const orm = await createOrm({ databaseUrl: env.DATABASE_URL!, schema: definition.name, entities: definition.entities, migrations: [], logger: ormLogger, poolMax: 2 });
  try {
    // With parameters: the statement text is then what PostgreSQL receives.
    // Through the configuration, which re-applies it to the logger whenever a setting changes.
    orm.config.set('debug', ['query', 'query-params']);
    const schema = await buildAddonsSchema();
    const logger = createLogger({ service: 'bench-catalog-profile', level: 'warn' });
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
    const statements = captured
      .map((line) => /^\[query\] (.*?)(?: \[took \d+ ms(?:, (\d+ results?))?\])?$/.exec(line))
      .filter((match) => match !== null)
      .map((match) => ({ sql: match[1]!, rows: match[2] ?? '' }));
    const profiles: StatementProfile[] = [];
    await withClient(env.DATABASE_URL!, async (client) => {
      for (const { sql, rows } of statements) {
        const runs: Array<{ planningMs: number; executionMs: number; plan: string }> = [];
        for (let run = 0; run < EXPLAIN_RUNS; run++) {
          const result = await client.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${sql}`);
          const plan = result.rows.map((row) => row['QUERY PLAN']).join('\n');
          runs.push({ plan, planningMs: readMs(plan, 'Planning Time'), executionMs: readMs(plan, 'Execution Time') });
        }
        runs.sort((a, b) => a.executionMs - b.executionMs);
        const median = runs[Math.floor(runs.length / 2)]!;
        profiles.push({ sql, rows, ...median });
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
