import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EnvReader } from '../config.js';

/**
 * Credentials (registry passwords, git tokens, kubeconfigs) are sealed with AES-256-GCM before they
 * reach the database. A sealed value names the key that sealed it, so keys can be rotated: the first
 * key of `CREDENTIAL_KEYS` seals, every listed key opens (ADR 007). The caller's `context` (e.g.
 * `repo:<id>`) is authenticated with the value, so a sealed credential copied onto another row does
 * not open there.
 */
export interface CredentialKey {
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

export interface CredentialCipher {
  seal(plaintext: string, context: string): string;
  /** The plaintext; throws {@link CredentialUnreadableError} for an unknown key or altered data. */
  open(sealed: string, context: string): string;
  /** Whether `sealed` was sealed with the current key; rotation re-seals the others. */
  isCurrent(sealed: string): boolean;
}

/** Says which key was missing or that the data was altered, never what it held. */
export class CredentialUnreadableError extends Error {
  constructor(reason: string) {
    super(`stored credential cannot be opened: ${reason}`);
    this.name = 'CredentialUnreadableError';
  }
}

const FORMAT = 'v1';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const IV_BYTES = 12;

export function createCredentialCipher(keys: readonly CredentialKey[]): CredentialCipher {
  if (keys.length === 0) throw new Error('at least one credential key is needed');
  for (const { id, key } of keys) {
    if (!KEY_ID.test(id)) throw new Error(`credential key id "${id}" must be 1 to 32 letters, digits, _ or -`);
    if (key.length !== 32) throw new Error(`credential key "${id}" must be 32 bytes`);
  }
  const current = keys[0]!;
  const byId = new Map(keys.map((entry) => [entry.id, entry.key]));
  return {
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [FORMAT, current.id, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    open(sealed, context) {
      const [format, id, iv, body, tag, ...rest] = sealed.split('.');
      if (format !== FORMAT || !id || !iv || !body || tag === undefined || rest.length > 0) throw new CredentialUnreadableError('not a sealed credential');
      const key = byId.get(id);
      if (!key) throw new CredentialUnreadableError(`it was sealed with key "${id}", which CREDENTIAL_KEYS does not list`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new CredentialUnreadableError('it was altered or belongs to another record');
      }
    },
    isCurrent(sealed) {
      return sealed.split('.')[1] === current.id;
    },
  };
}

/**
 * `CREDENTIAL_KEYS`: `id:base64key[,id:base64key…]`, 32-byte keys, the first one current. Generate one
 * with `openssl rand -base64 32`.
 */
export function readCredentialKeys(read: EnvReader): CredentialKey[] {
  const value = read.requiredString('CREDENTIAL_KEYS', 'id:base64-32-byte-key[,older-id:key...], e.g. k1:$(openssl rand -base64 32)');
  if (!value) return [];
  const keys: CredentialKey[] = [];
  for (const entry of value.split(',').map((part) => part.trim())) {
    const [id = '', encoded = '', ...rest] = entry.split(':');
    const key = Buffer.from(encoded, 'base64');
    // The problem names the key id and position, never the key material.
    if (!KEY_ID.test(id) || rest.length > 0 || key.length !== 32) {
      read.problem(`CREDENTIAL_KEYS entry ${keys.length + 1} must be id:base64 of 32 bytes (id of letters, digits, _ or -)`);
      continue;
    }
    if (keys.some((known) => known.id === id)) read.problem(`CREDENTIAL_KEYS lists key id "${id}" twice`);
    keys.push({ id, key });
  }
  return keys;
}

/** A fresh `CREDENTIAL_KEYS` value of one key, for local runs and tests. */
export function newCredentialKeys(id = 'k1'): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

/**
 * The context a repo's credential is sealed under: the repos subgraph seals it, the addons subgraph
 * opens it from `repos.repo_source`.
 */
export const repoCredentialContext = (repoId: string) => `repo:${repoId}`;

/**
 * The context a runtime environment's kubeconfig is sealed under: the runtimes subgraph seals and
 * opens it; nothing else reads it.
 */
export const environmentCredentialContext = (environmentId: string) => `environment:${environmentId}`;
