import { readCredentialKeys, readSubgraphConfig, type CredentialKey, type Env, type SubgraphConfig } from '@addon-platform/platform';
import { readUrlGuardOptions, type UrlGuardOptions } from '@addon-platform/sources';

export interface ReposConfig extends SubgraphConfig {
  /** `CREDENTIAL_KEYS`: seals repo credentials; the first key seals, all open (ADR 007). */
  credentialKeys: CredentialKey[];
  /** `URL_ALLOW_LIST`, `SOURCE_TIMEOUT_MS`, `SOURCE_MAX_BYTES`: how sources are fetched. */
  urlGuard: UrlGuardOptions;
}

/** Reads the repos subgraph's settings; see the README's configuration table. Default port 4001. */
export function readConfig(env: Env): ReposConfig {
  return readSubgraphConfig('repos subgraph', env, 4001, (read) => ({
    credentialKeys: readCredentialKeys(read),
    urlGuard: readUrlGuardOptions(read),
  }));
}
