import { randomBytes } from 'node:crypto';
import { ConfigError, createCredentialCipher, createEnvReader, CredentialUnreadableError, readCredentialKeys } from '@addon-platform/platform';

const key = (id: string) => ({ id, key: randomBytes(32) });

describe('sealing credentials', () => {
  const current = key('k2');
  const older = key('k1');
  const cipher = createCredentialCipher([current, older]);

  it('opens what it sealed, and the sealed text holds neither the secret nor a readable form of it', () => {
    const sealed = cipher.seal('{"token":"ghp_secret"}', 'repo:1');
    expect(sealed).toMatch(/^v1\.k2\./);
    expect(sealed).not.toContain('secret');
    expect(Buffer.from(sealed.split('.')[3]!, 'base64url').toString('utf8')).not.toContain('secret');
    expect(cipher.open(sealed, 'repo:1')).toBe('{"token":"ghp_secret"}');
  });

  it('seals the same plaintext differently each time', () => {
    expect(cipher.seal('same', 'repo:1')).not.toBe(cipher.seal('same', 'repo:1'));
  });

  it('refuses a value moved to another record, altered, or sealed with an unlisted key', () => {
    const sealed = cipher.seal('password', 'repo:1');
    expect(() => cipher.open(sealed, 'repo:2')).toThrow(CredentialUnreadableError);
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    parts[3] = body.toString('base64url');
    expect(() => cipher.open(parts.join('.'), 'repo:1')).toThrow(/altered/);
    const stranger = createCredentialCipher([key('k9')]).seal('password', 'repo:1');
    expect(() => cipher.open(stranger, 'repo:1')).toThrow(/k9/);
    expect(() => cipher.open('plain text', 'repo:1')).toThrow(/not a sealed credential/);
  });

  it('opens values sealed with an older key and reports them as due for rotation', () => {
    const sealedBefore = createCredentialCipher([older]).seal('password', 'repo:1');
    expect(cipher.open(sealedBefore, 'repo:1')).toBe('password');
    expect(cipher.isCurrent(sealedBefore)).toBe(false);
    expect(cipher.isCurrent(cipher.seal('password', 'repo:1'))).toBe(true);
  });
});

describe('reading CREDENTIAL_KEYS', () => {
  const read = (value: string | undefined) => {
    const reader = createEnvReader('repos subgraph', { CREDENTIAL_KEYS: value });
    const keys = readCredentialKeys(reader);
    reader.done();
    return keys;
  };

  it('reads keys in order, the first current', () => {
    const a = randomBytes(32).toString('base64');
    const b = randomBytes(32).toString('base64');
    expect(read(`new:${a}, old:${b}`).map((entry) => entry.id)).toEqual(['new', 'old']);
  });

  it.each([
    ['missing', undefined, /CREDENTIAL_KEYS is required/],
    ['a short key', `k1:${randomBytes(16).toString('base64')}`, /entry 1 must be/],
    ['no id', randomBytes(32).toString('base64'), /entry 1 must be/],
    ['a repeated id', `k1:${randomBytes(32).toString('base64')},k1:${randomBytes(32).toString('base64')}`, /twice/],
  ])('refuses %s without echoing key material', (_case, value, problem) => {
    expect(() => read(value)).toThrow(ConfigError);
    expect(() => read(value)).toThrow(problem);
    if (value) {
      try {
        read(value);
      } catch (error) {
        expect(String(error)).not.toContain(value.split(':').pop()!.slice(0, 12));
      }
    }
  });
});
