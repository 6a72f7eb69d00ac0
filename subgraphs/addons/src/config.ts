import { readCredentialKeys, readSubgraphConfig, type CredentialKey, type Env, type SubgraphConfig } from '@addon-platform/platform';
import { readUrlGuardOptions, type UrlGuardOptions } from '@addon-platform/sources';

export interface AddonsConfig extends SubgraphConfig {
  /** `CREDENTIAL_KEYS`: opens the repo credentials the repos subgraph sealed (ADR 007). */
  credentialKeys: CredentialKey[];
  /** `URL_ALLOW_LIST`, `SOURCE_TIMEOUT_MS`, `SOURCE_MAX_BYTES`: how sources are fetched (ADR 008). */
  urlGuard: UrlGuardOptions;
  /** `SYNC_INTERVAL_MS`: how often every repo is synced on schedule; 0 turns the schedule off. */
  syncIntervalMs: number;
}

/** Reads the addons subgraph's settings; see the README's configuration table. Default port 4002. */
export function readConfig(env: Env): AddonsConfig {
  return readSubgraphConfig('addons subgraph', env, 4002, (read) => ({
    credentialKeys: readCredentialKeys(read),
    urlGuard: readUrlGuardOptions(read),
    syncIntervalMs: read.integer('SYNC_INTERVAL_MS', 3_600_000, { min: 0 }),
  }));
}
