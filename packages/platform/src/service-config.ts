import type { JwtOptions } from './auth/index.js';
import { createEnvReader, type Env, type EnvReader } from './config.js';

/** Settings every process of the platform reads the same way. */
export interface CommonConfig {
  /** `HOST`: interface to bind. Default 127.0.0.1; containers set 0.0.0.0. */
  host: string;
  /** `PORT`: TCP port; 0 picks a free one. */
  port: number;
  /** `GATEWAY_SECRET`: HMAC key shared by the gateway and the subgraphs; at least 32 characters. */
  gatewaySecret: string;
  /** `JWT_SECRET` (HS256, local use) or `JWT_JWKS_URL` (production), with optional `JWT_ISSUER`, `JWT_AUDIENCE`. */
  jwt: JwtOptions;
  /** `NODE_ENV=production`: introspection off. */
  production: boolean;
  /** `LOG_LEVEL`: pino level. Default info. */
  logLevel: string;
  /** `MAX_BODY_BYTES`: largest request body. Default 1 MiB, far above any legitimate operation. */
  maxBodyBytes: number;
}

export const MIN_SECRET_LENGTH = 32;

export function readCommonConfig(read: EnvReader, defaultPort: number): CommonConfig {
  const gatewaySecret = read.requiredString('GATEWAY_SECRET', 'the HMAC key shared by gateway and subgraphs');
  if (gatewaySecret && gatewaySecret.length < MIN_SECRET_LENGTH) read.problem(`GATEWAY_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
  const jwtSecret = read.optionalString('JWT_SECRET');
  const jwksUrl = read.url('JWT_JWKS_URL');
  if (!jwtSecret && !jwksUrl) read.problem('set JWT_SECRET (HS256, local use) or JWT_JWKS_URL (production)');
  if (jwtSecret && jwksUrl) read.problem('set only one of JWT_SECRET and JWT_JWKS_URL');
  if (jwtSecret && jwtSecret.length < MIN_SECRET_LENGTH) read.problem(`JWT_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
  return {
    host: read.string('HOST', '127.0.0.1'),
    port: read.integer('PORT', defaultPort, { max: 65_535 }),
    gatewaySecret,
    jwt: {
      keys: jwksUrl ? { kind: 'jwks', url: jwksUrl } : { kind: 'hs256', secret: jwtSecret ?? '' },
      issuer: read.optionalString('JWT_ISSUER'),
      audience: read.optionalString('JWT_AUDIENCE'),
    },
    production: read.string('NODE_ENV', 'development') === 'production',
    logLevel: read.oneOf('LOG_LEVEL', ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], 'info'),
    maxBodyBytes: read.integer('MAX_BODY_BYTES', 1 << 20, { min: 1024 }),
  };
}

/** What a subgraph process reads: the common settings plus its database. */
export interface SubgraphConfig extends CommonConfig {
  /** `DATABASE_URL`: the PostgreSQL server and database shared by all subgraphs. */
  databaseUrl: string;
  /** `DB_POOL_MAX`: connections this process may hold. Default 10. */
  dbPoolMax: number;
  /** `JOB_CONCURRENCY`: jobs of its queue this process runs at once. Default 4 (runtimes: 20); 0 runs none (an API-only replica). */
  jobConcurrency: number;
}

/**
 * Reads a subgraph's settings: the common ones, its database, and whatever `readMore` reads with the
 * same reader, so that every problem of every setting is reported at once.
 */
export function readSubgraphConfig<More extends object = object>(
  component: string,
  env: Env,
  defaultPort: number,
  readMore?: (read: EnvReader) => More,
  defaults: { jobConcurrency?: number } = {},
): SubgraphConfig & More {
  const read = createEnvReader(component, env);
  const common = readCommonConfig(read, defaultPort);
  const databaseUrl = read.requiredString('DATABASE_URL', 'postgres://user:password@host:5432/database');
  const dbPoolMax = read.integer('DB_POOL_MAX', 10, { min: 1, max: 1000 });
  const jobConcurrency = read.integer('JOB_CONCURRENCY', defaults.jobConcurrency ?? 4, { min: 0, max: 100 });
  const more = readMore?.(read) ?? ({} as More);
  read.done();
  return { ...common, databaseUrl, dbPoolMax, jobConcurrency, ...more };
}
