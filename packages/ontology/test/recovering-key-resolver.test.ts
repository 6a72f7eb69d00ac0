import { createHash } from 'node:crypto';
import { canonicalJson, readOntologyDid, readSignature, recoverOwnerPublicKey, RecoveringKeyResolver, toOwnerKey, type JsonValue } from '@addon-platform/ontology';
import { createTestOwner } from '@addon-platform/ontology/testing';
import { readFixtureSubmissions, type FixtureSubmission } from './helpers/fixtures.js';

const fixtures = readFixtureSubmissions();
const valid = fixtures.filter((fixture) => fixture.vector.valid);
const hex = (bytes: Uint8Array | null) => (bytes ? Buffer.from(bytes).toString('hex') : null);

/** The owner, legacy digest and signature of a fixture, as the verifier hands them to a resolver. */
function partsOf({ submission }: FixtureSubmission) {
  const digest = createHash('sha256').update(canonicalJson(submission.addons as JsonValue)).digest();
  return { owner: readOntologyDid(submission.owner), digest, signature: readSignature(submission.sig) };
}

const junkDigest = createHash('sha256').update('not what was signed').digest();

describe('recoverOwnerPublicKey', () => {
  it('recovers the publicKey vectors.json gives for each of the 20 valid submissions', () => {
    for (const fixture of valid) {
      const { owner, digest, signature } = partsOf(fixture);
      expect(hex(recoverOwnerPublicKey(owner, digest, signature))).toBe(fixture.vector.publicKey);
    }
  });

  it('finds no key of the owner for 406f90f, whose addon was renamed after signing', () => {
    const invalid = fixtures.find((fixture) => fixture.file.includes('406f90f'))!;
    expect(invalid.vector.valid).toBe(false);
    const { owner, digest, signature } = partsOf(invalid);
    expect(recoverOwnerPublicKey(owner, digest, signature)).toBeNull();
  });

  it("finds no key when the submission names another owner's DID", () => {
    const { digest, signature } = partsOf(valid[0]!);
    const another = readOntologyDid(valid.find((fixture) => fixture.vector.owner !== valid[0]!.vector.owner)!.vector.owner);
    expect(recoverOwnerPublicKey(another, digest, signature)).toBeNull();
  });
});

describe('RecoveringKeyResolver', () => {
  it('recovers a key once and then answers from memory, whatever the digest', async () => {
    const resolver = new RecoveringKeyResolver();
    const { owner, digest, signature } = partsOf(valid[0]!);
    expect(await resolver.keyFor(owner, junkDigest, signature)).toBeNull();
    expect(resolver.size).toBe(0);

    const key = await resolver.keyFor(owner, digest, signature);
    expect(hex(key!.publicKey)).toBe(valid[0]!.vector.publicKey);
    expect(key!.keyObject.asymmetricKeyType).toBe('ec');
    expect(resolver.size).toBe(1);
    // Remembered: the same key object, even for a digest it could not be recovered from.
    expect(await resolver.keyFor(owner, junkDigest, signature)).toBe(key);
  });

  it('keeps at most maxKeys keys, dropping the least recently used', async () => {
    const resolver = new RecoveringKeyResolver({ maxKeys: 2 });
    const owners = [createTestOwner(), createTestOwner(), createTestOwner()];
    const signed = owners.map((owner) => {
      const text = canonicalJson([{ name: 'lru' }]);
      return { owner: readOntologyDid(owner.did), digest: createHash('sha256').update(text).digest(), signature: readSignature(owner.signText(text)) };
    });
    for (const { owner, digest, signature } of signed.slice(0, 2)) expect(await resolver.keyFor(owner, digest, signature)).not.toBeNull();
    // Use the first again, so the second is now the least recently used.
    expect(await resolver.keyFor(signed[0]!.owner, junkDigest, signed[0]!.signature)).not.toBeNull();
    expect(await resolver.keyFor(signed[2]!.owner, signed[2]!.digest, signed[2]!.signature)).not.toBeNull();

    expect(resolver.size).toBe(2);
    expect(await resolver.keyFor(signed[0]!.owner, junkDigest, signed[0]!.signature)).not.toBeNull();
    expect(await resolver.keyFor(signed[2]!.owner, junkDigest, signed[2]!.signature)).not.toBeNull();
    expect(await resolver.keyFor(signed[1]!.owner, junkDigest, signed[1]!.signature)).toBeNull();
  });

  it('remembers nothing with maxKeys 0', async () => {
    const resolver = new RecoveringKeyResolver({ maxKeys: 0 });
    const { owner, digest, signature } = partsOf(valid[0]!);
    expect(await resolver.keyFor(owner, digest, signature)).not.toBeNull();
    expect(resolver.size).toBe(0);
    expect(await resolver.keyFor(owner, junkDigest, signature)).toBeNull();
  });

  it('answers with a key remembered from elsewhere, such as a DID document', async () => {
    const resolver = new RecoveringKeyResolver();
    const { owner, signature } = partsOf(valid[0]!);
    const key = toOwnerKey(Buffer.from(valid[0]!.vector.publicKey!, 'hex'));
    resolver.remember(owner, key);
    expect(await resolver.keyFor(owner, junkDigest, signature)).toBe(key);
  });
});

describe('toOwnerKey', () => {
  it('refuses bytes that are not a compressed P-256 point', () => {
    expect(() => toOwnerKey(Buffer.alloc(33, 0))).toThrow(/33 bytes starting with 0x02 or 0x03/);
    expect(() => toOwnerKey(Buffer.alloc(65, 4))).toThrow(/33 bytes/);
    // x = 2^256 − 1 lies beyond the field prime, so no point has it.
    expect(() => toOwnerKey(Buffer.concat([Buffer.of(2), Buffer.alloc(32, 0xff)]))).toThrow();
  });
});
