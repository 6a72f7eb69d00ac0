/**
 * `npm start`: the whole platform in one process for local use. Without `DATABASE_URL` it runs an
 * embedded PostgreSQL whose data stays in `$PLATFORM_DATA_DIR/postgres` (default `.data/`) across
 * restarts. Secrets come from the environment or are made once into the data folder. Unless
 * `SIMULATED_CLUSTER=false`, it also runs the Kubernetes test server (ADR 013) and registers it as the
 * environment `simulated` of kind `SIMULATED` (ADR 014), so instances can be launched with no cluster.
 */
import { join, resolve } from 'node:path';
import { createEnvReader, createLogger, startEmbeddedPostgres } from '@addon-platform/platform';
import { startPlatform } from './platform.js';
import { readOrCreateLocalSecrets } from './local-secrets.js';
import { SIMULATED_ENVIRONMENT, ensureSimulatedEnvironment, startSimulatedCluster } from './simulated-cluster.js';

const read = createEnvReader('npm start', process.env);
const dataDir = resolve(read.string('PLATFORM_DATA_DIR', '.data'));
const postgresPort = read.integer('EMBEDDED_POSTGRES_PORT', 5433, { min: 1, max: 65_535 });
const gatewayPort = read.integer('GATEWAY_PORT', 4000, { max: 65_535 });
const databaseUrlFromEnv = read.optionalString('DATABASE_URL');
const simulatedCluster = read.boolean('SIMULATED_CLUSTER', true);
read.done();

const logger = createLogger({ service: 'start', level: process.env.LOG_LEVEL ?? 'info' });
const secrets = await readOrCreateLocalSecrets(dataDir);

const postgres = databaseUrlFromEnv
  ? undefined
  : await startEmbeddedPostgres({ dataDir: join(dataDir, 'postgres'), port: postgresPort, onLog: (line) => logger.debug({ postgres: line }) });
if (postgres) logger.info({ dataDir: join(dataDir, 'postgres'), fresh: postgres.initialised }, 'embedded PostgreSQL started');

const simulator = simulatedCluster
  ? await startSimulatedCluster().catch(async (error: unknown) => {
      logger.error({ err: error }, 'the simulated cluster failed to start');
      await postgres?.stop();
      process.exit(1);
    })
  : undefined;
const stopBackingServices = async () => {
  await simulator?.stop();
  await postgres?.stop();
};

const jwtSecret = process.env.JWT_SECRET ?? secrets.jwtSecret;
const platform = await startPlatform({
  databaseUrl: databaseUrlFromEnv ?? postgres!.databaseUrl,
  gatewaySecret: process.env.GATEWAY_SECRET ?? secrets.gatewaySecret,
  jwtSecret,
  credentialKeys: process.env.CREDENTIAL_KEYS ?? secrets.credentialKeys,
  ports: { gateway: gatewayPort, repos: 0, addons: 0, runtimes: 0 },
  // Every other setting (LOG_LEVEL, URL_ALLOW_LIST, …) reaches the services as when each runs alone.
  env: process.env,
}).catch(async (error: unknown) => {
  logger.error({ err: error }, 'the platform failed to start');
  await stopBackingServices();
  process.exit(1);
});

if (simulator) {
  try {
    const environment = await ensureSimulatedEnvironment({ graphqlUrl: platform.gateway.graphqlUrl, jwtSecret, kubeconfig: simulator.kubeconfig() });
    logger.info(
      { environment: SIMULATED_ENVIRONMENT, id: environment.id, kind: 'SIMULATED', platform: environment.platform, server: simulator.url, action: environment.action },
      `simulated cluster ready: environment "${SIMULATED_ENVIRONMENT}" (kind SIMULATED, label simulated=true) is the Kubernetes test server; nothing really runs there`,
    );
  } catch (error) {
    logger.error({ err: error }, 'the simulated cluster could not be registered (SIMULATED_CLUSTER=false starts without it)');
    await platform.stop();
    await stopBackingServices();
    process.exit(1);
  }
}

console.log(`
  Addon platform ready: ${platform.gateway.graphqlUrl.href}${simulator ? `\n  Simulated cluster: environment "${SIMULATED_ENVIRONMENT}" (kind SIMULATED: pods and rollouts are scripted, nothing runs)` : ''}

  Mint a token:   npm run token -- --role operator --sub alice
  Then query:     curl -s ${platform.gateway.graphqlUrl.href} -H 'content-type: application/json' \\
                    -H "authorization: Bearer $TOKEN" -d '{"query":"{ repos { totalCount edges { node { name } } } }"}'

  Ctrl-C stops everything.
`);

let stopping = false;
async function shutdown() {
  if (stopping) process.exit(1);
  stopping = true;
  logger.info('stopping');
  await platform.stop();
  await stopBackingServices();
  logger.info('stopped cleanly');
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
