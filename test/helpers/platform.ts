import { randomBytes } from 'node:crypto';
import { createCredentialCipher, createEnvReader, mintToken, newCredentialKeys, readCredentialKeys, type TokenClaims } from '@addon-platform/platform';
import { createTestDatabase } from '@addon-platform/platform/testing';
import { readConfig as readGatewayConfig, startGateway, type RunningGateway } from '@addon-platform/gateway';
import { startPlatform, type PlatformOptions, type RunningPlatform } from '../../scripts/platform.js';

export interface TestPlatform extends RunningPlatform {
  databaseUrl: string;
  gatewaySecret: string;
  jwtSecret: string;
  credentialKeys: string;
  /** Mints a token signed with this platform's secret. */
  token(claims: TokenClaims, options?: { expiresIn?: string | number }): Promise<string>;
}

/** The whole platform on free ports over a fresh database; `stop()` also drops the database. */
export async function startTestPlatform(options: Pick<PlatformOptions, 'env' | 'serviceEnv' | 'supergraphPath'> = {}): Promise<TestPlatform> {
  const database = await createTestDatabase();
  const gatewaySecret = randomBytes(32).toString('hex');
  const jwtSecret = randomBytes(32).toString('hex');
  const credentialKeys = newCredentialKeys();
  const platform = await startPlatform({
    databaseUrl: database.url,
    gatewaySecret,
    jwtSecret,
    credentialKeys,
    supergraphPath: options.supergraphPath,
    env: { LOG_LEVEL: 'silent', ...options.env },
    serviceEnv: options.serviceEnv,
  }).catch(async (error: unknown) => {
    await database.drop();
    throw error;
  });
  return {
    ...platform,
    databaseUrl: database.url,
    gatewaySecret,
    jwtSecret,
    credentialKeys,
    token: (claims, tokenOptions) => mintToken(jwtSecret, claims, tokenOptions),
    async stop() {
      await platform.stop();
      await database.drop();
    },
  };
}

/** The cipher the platform builds from a `CREDENTIAL_KEYS` value (`id:base64[,…]`). */
export function credentialCipherOf(keys: string) {
  return createCredentialCipher(readCredentialKeys(createEnvReader('test', { CREDENTIAL_KEYS: keys })));
}

/**
 * Another gateway in front of the platform's subgraphs, with its own settings over the platform's
 * secrets (e.g. `{ NODE_ENV: 'production' }`, or `SUBGRAPH_URL_RUNTIMES` pointing at a replica).
 * The caller stops it.
 */
export function startExtraGateway(platform: TestPlatform, env: Record<string, string> = {}): Promise<RunningGateway> {
  const { repos, addons, runtimes } = platform.subgraphs;
  return startGateway(
    readGatewayConfig({
      PORT: '0',
      GATEWAY_SECRET: platform.gatewaySecret,
      JWT_SECRET: platform.jwtSecret,
      LOG_LEVEL: 'silent',
      SUBGRAPH_URL_REPOS: repos.graphqlUrl.href,
      SUBGRAPH_URL_ADDONS: addons.graphqlUrl.href,
      SUBGRAPH_URL_RUNTIMES: runtimes.graphqlUrl.href,
      ...env,
    }),
  );
}
