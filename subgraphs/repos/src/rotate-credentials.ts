/**
 * `npm run credentials:rotate`: re-seals stored repo credentials with the current key. Run it after
 * putting a new key first in `CREDENTIAL_KEYS` (and deploying that setting); then the old key can be
 * removed. Reads the same settings as the repos subgraph.
 */
import { createCredentialCipher, createLogger, createOrm } from '@addon-platform/platform';
import { readConfig } from './config.js';
import { resealRepoCredentials } from './repos/credential-rotation.js';
import { createReposSubgraph } from './subgraph.js';

const config = readConfig(process.env);
const logger = createLogger({ service: 'repos', level: config.logLevel });
const definition = createReposSubgraph(config);
const orm = await createOrm({ databaseUrl: config.databaseUrl, schema: definition.name, entities: definition.entities, migrations: definition.migrations, logger });
try {
  const resealed = await resealRepoCredentials(orm.em.fork(), createCredentialCipher(config.credentialKeys));
  logger.info({ resealed, key: config.credentialKeys[0]!.id }, 'repo credentials re-sealed with the current key');
} finally {
  await orm.close();
}
