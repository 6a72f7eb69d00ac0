import { readCredentialKeys, readSubgraphConfig, type CredentialKey, type Env, type SubgraphConfig } from '@addon-platform/platform';
import { readUrlGuardOptions, type UrlGuardOptions } from '@addon-platform/sources';

export interface AddonsConfig extends SubgraphConfig {
  /** `CREDENTIAL_KEYS`: opens the repo credentials the repos subgraph sealed (ADR 007). */
  credentialKeys: CredentialKey[];
  /** `URL_ALLOW_LIST`, `SOURCE_TIMEOUT_MS`, `SOURCE_MAX_BYTES`: how sources are fetched (ADR 008). */
  urlGuard: UrlGuardOptions;
  /** `SYNC_INTERVAL_MS`: how often every repo is synced on schedule; 0 turns the schedule off. */
  syncIntervalMs: number;
  /** Signed submissions (`submitAddons`, ADR 012). */
  submissions: SubmissionSettings;
}

export interface SubmissionSettings {
  /**
   * `LEGACY_SUBMISSION_NETWORKS`: comma-separated networks that accept the legacy form, whose signature
   * covers neither the network nor a nonce. Default `testnet`, where the real index used it; on other
   * networks only envelopes are accepted. Empty (`-`) refuses legacy everywhere.
   */
  legacyNetworks: string[];
  /**
   * `SUBMISSION_RATE_LIMIT`: submissions a user may send per minute, refused ones included (they cost
   * a verification too). Default 30: far above a person or a CI job publishing, low enough that a
   * loop cannot make the log or the verifier its plaything. Counted in the submission log, so it
   * holds across replicas.
   */
  rateLimitPerMinute: number;
  /** `SUBMISSION_MAX_BYTES`: largest submission, in UTF-8 bytes of its JSON. Default 64 KiB (real ones are about 500 bytes). */
  maxSubmissionBytes: number;
}

/** Reads the addons subgraph's settings; see the README's configuration table. Default port 4002. */
export function readConfig(env: Env): AddonsConfig {
  return readSubgraphConfig('addons subgraph', env, 4002, (read) => ({
    credentialKeys: readCredentialKeys(read),
    urlGuard: readUrlGuardOptions(read),
    syncIntervalMs: read.integer('SYNC_INTERVAL_MS', 3_600_000, { min: 0 }),
    submissions: {
      legacyNetworks: readNetworkList(read.string('LEGACY_SUBMISSION_NETWORKS', 'testnet'), read.problem),
      rateLimitPerMinute: read.integer('SUBMISSION_RATE_LIMIT', 30, { min: 1, max: 100_000 }),
      maxSubmissionBytes: read.integer('SUBMISSION_MAX_BYTES', 64 * 1024, { min: 1024, max: 1 << 20 }),
    },
  }));
}

function readNetworkList(value: string, problem: (message: string) => void): string[] {
  if (value.trim() === '-') return [];
  const networks = value.split(',').map((network) => network.trim()).filter((network) => network !== '');
  for (const network of networks) {
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(network)) problem(`LEGACY_SUBMISSION_NETWORKS lists "${network}", which is not a network name such as testnet`);
  }
  return networks;
}
