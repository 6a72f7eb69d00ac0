/**
 * `npm run credentials:rotate`: re-seals every stored credential (repo registry credentials,
 * environment kubeconfigs: each subgraph's `sealedCredentials`) with the current key. Run it after
 * putting a new key first in `CREDENTIAL_KEYS` and deploying that setting; then the old key can be
 * removed (ADR 007). Reads the subgraphs' own settings from the environment.
 */
import { createCredentialCipher, createLogger, createOrm, resealCredentials, type Env } from '@addon-platform/platform';
import { createReposSubgraph, readConfig as readReposConfig } from '@addon-platform/repos';
import { createRuntimesSubgraph, readConfig as readRuntimesConfig } from '@addon-platform/runtimes';

const env: Env = process.env;
const repos = readReposConfig(env);
const runtimes = readRuntimesConfig(env);
const logger = createLogger({ service: 'credentials-rotate', level: repos.logLevel });
const cipher = createCredentialCipher(repos.credentialKeys);
for (const definition of [createReposSubgraph(repos), createRuntimesSubgraph(runtimes)]) {
  const orm = await createOrm({ databaseUrl: repos.databaseUrl, schema: definition.name, entities: definition.entities, migrations: definition.migrations, logger });
  try {
    for (const column of definition.sealedCredentials ?? []) {
      const resealed = await resealCredentials(orm.em.fork(), column, cipher);
      logger.info({ subgraph: definition.name, column: `${column.entity.name}.${column.property}`, resealed, key: repos.credentialKeys[0]!.id }, 'credentials re-sealed with the current key');
    }
  } finally {
    await orm.close();
  }
}
