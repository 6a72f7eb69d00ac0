import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The secrets a local platform runs with, made once per data folder so `npm run token` can sign with them. */
export interface LocalSecrets {
  gatewaySecret: string;
  jwtSecret: string;
}

const FILE = 'local-secrets.json';

export async function readOrCreateLocalSecrets(dataDir: string): Promise<LocalSecrets> {
  const path = join(dataDir, FILE);
  if (existsSync(path)) return JSON.parse(await readFile(path, 'utf8')) as LocalSecrets;
  const secrets = { gatewaySecret: randomBytes(32).toString('hex'), jwtSecret: randomBytes(32).toString('hex') };
  await mkdir(dataDir, { recursive: true });
  await writeFile(path, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  return secrets;
}

export async function readLocalSecrets(dataDir: string): Promise<LocalSecrets | undefined> {
  const path = join(dataDir, FILE);
  return existsSync(path) ? (JSON.parse(await readFile(path, 'utf8')) as LocalSecrets) : undefined;
}
