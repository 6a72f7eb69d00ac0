import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newCredentialKeys } from '@addon-platform/platform';

/** The secrets a local platform runs with, made once per data folder so `npm run token` can sign with them. */
export interface LocalSecrets {
  gatewaySecret: string;
  jwtSecret: string;
  /** `CREDENTIAL_KEYS`: seals repo credentials at rest. */
  credentialKeys: string;
}

const FILE = 'local-secrets.json';

export async function readOrCreateLocalSecrets(dataDir: string): Promise<LocalSecrets> {
  const path = join(dataDir, FILE);
  const known = existsSync(path) ? (JSON.parse(await readFile(path, 'utf8')) as Partial<LocalSecrets>) : undefined;
  if (known?.gatewaySecret && known.jwtSecret && known.credentialKeys) return known as LocalSecrets;
  // A data folder made before a secret existed keeps the ones it has and gains the new one.
  const secrets: LocalSecrets = {
    gatewaySecret: known?.gatewaySecret ?? randomBytes(32).toString('hex'),
    jwtSecret: known?.jwtSecret ?? randomBytes(32).toString('hex'),
    credentialKeys: known?.credentialKeys ?? newCredentialKeys(),
  };
  await mkdir(dataDir, { recursive: true });
  await writeFile(path, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  return secrets;
}

export async function readLocalSecrets(dataDir: string): Promise<LocalSecrets | undefined> {
  const path = join(dataDir, FILE);
  return existsSync(path) ? (JSON.parse(await readFile(path, 'utf8')) as LocalSecrets) : undefined;
}
