import { readFileSync } from 'node:fs';
import {
  canonicalJson,
  checkExpiry,
  complementSignature,
  hasExpired,
  isSemver,
  readExpiry,
  RecoveringKeyResolver,
  verifySubmission,
  type JsonObject,
  type VerifiedEnvelopeSubmission,
} from '@addon-platform/ontology';
import { createTestOwner, type EnvelopeFields } from '@addon-platform/ontology/testing';
import { buildEnvelopeVectors, type EnvelopeVector } from './helpers/envelope-vectors.js';
import { copyOf, readFixtureSubmissions } from './helpers/fixtures.js';
import { sdkValues, type SdkSigned } from './helpers/ontology-sdk.js';
import { refusalOf, refusalOfAsync } from './helpers/refusal.js';

const vectors = JSON.parse(readFileSync(new URL('./vectors/envelope-vectors.json', import.meta.url), 'utf8')) as EnvelopeVector[];

const fields = (overrides: Partial<EnvelopeFields> = {}): EnvelopeFields => ({
  meta: { summary: 'test addon' },
  addons: [{ name: 'witness', version: '1.0.0', configImage: 'example/config:1', runtimeImage: 'example/runtime:1' }],
  network: 'testnet',
  nonce: '0123456789abcdef0123456789abcdef',
  expiry: '2030-01-01T00:00:00Z',
  ...overrides,
});

const verify = (input: unknown) => verifySubmission(input, new RecoveringKeyResolver());

async function verifyEnvelope(input: unknown): Promise<VerifiedEnvelopeSubmission> {
  const verified = await verify(input);
  if (verified.form !== 'ENVELOPE') throw new Error(`expected an envelope, got ${verified.form}`);
  return verified;
}

describe('envelope test vectors', () => {
  it('are what the vector builder makes (RFC 6979 signatures are deterministic)', () => {
    expect(vectors).toEqual(buildEnvelopeVectors());
    expect(vectors).toHaveLength(2);
  });

  it('verify, with the signed text, content hash and key the vectors give', async () => {
    for (const vector of vectors) {
      const { sig: _sig, ...envelope } = vector.submission;
      expect(canonicalJson(envelope)).toBe(vector.signedJson);
      const verified = await verifyEnvelope(JSON.stringify(vector.submission));
      expect(verified).toMatchObject({
        form: 'ENVELOPE',
        owner: vector.did,
        publicKey: vector.publicKey,
        signedJson: vector.signedJson,
        contentHash: vector.contentHash,
        signedEncoding: 'JCS',
        network: vector.submission.network,
        nonce: vector.submission.nonce,
        expiry: vector.submission.expiry,
      });
      expect(verified.expiresAt.toISOString()).toBe(new Date(vector.submission.expiry as string).toISOString());
    }
  });

  it('verify with ontology-ts-sdk too, whose address of each key is the vector DID', () => {
    const verdicts = sdkValues<boolean>(vectors.map((vector) => ({ op: 'verify', publicKey: vector.publicKey, text: vector.signedJson, sig: vector.submission.sig as string })));
    expect(verdicts).toEqual([true, true]);
    expect(sdkValues<string>(vectors.map((vector) => ({ op: 'didOfKey', publicKey: vector.publicKey })))).toEqual(vectors.map((vector) => vector.did));
  });

  it('give each entry its version and identity', async () => {
    const verified = await verify(vectors[1]!.submission);
    expect(verified.meta).toBeUndefined();
    expect(verified.addons.map(({ identity, identityField, version, configImage }) => ({ identity, identityField, version, configImage }))).toEqual([
      { identity: 'gruesse', identityField: 'name', version: '2.0.0-rc.1+build.5', configImage: null },
      { identity: 'claim.addon.ont', identityField: 'domain', version: '0.3.0', configImage: '405563873263.dkr.ecr.ap-southeast-1.amazonaws.com/launch-image-demo:0.3' },
    ]);
  });
});

describe('envelopes signed by other signers', () => {
  it('verifies an envelope signed with node:crypto, and the SDK verifies it too', async () => {
    const owner = createTestOwner();
    const submission = owner.signEnvelope(fields());
    const verified = await verify(submission);
    expect(verified).toMatchObject({ form: 'ENVELOPE', owner: owner.did, publicKey: owner.publicKey });
    const [sdkVerdict] = sdkValues<boolean>([{ op: 'verify', publicKey: owner.publicKey, text: verified.signedJson, sig: verified.sig }]);
    expect(sdkVerdict).toBe(true);
  });

  it('verifies envelopes signed by ontology-ts-sdk keys, recovering the key the SDK reports', async () => {
    // The owner is signed too, so the SDK puts its fresh key's DID in place of the placeholder.
    const placeholder = 'did:ont:PLACEHOLDER';
    const requests = [0, 1, 2].map((i) => {
      const envelope = { owner: placeholder, ...(fields({ nonce: `${i}`.repeat(32) }) as unknown as JsonObject) };
      return { op: 'signWithNewKey' as const, texts: [canonicalJson(envelope)], didPlaceholder: placeholder };
    });
    const signed = sdkValues<SdkSigned>(requests);
    for (const { did, publicKey, texts, sigs } of signed) {
      const verified = await verify({ ...(JSON.parse(texts[0]!) as JsonObject), sig: sigs[0]! });
      expect(verified).toMatchObject({ form: 'ENVELOPE', owner: did, publicKey, signedJson: texts[0] });
    }
    expect(new Set(signed.map((key) => key.did)).size).toBe(3);
  });
});

describe('refusing tampered envelopes', () => {
  const owner = createTestOwner();
  const other = createTestOwner();
  const signed = owner.signEnvelope(fields());

  it.each<[string, (submission: JsonObject) => void]>([
    ['owner', (submission) => (submission.owner = other.did)],
    ['meta', (submission) => ((submission.meta as JsonObject).summary = 'another addon')],
    ['meta removed', (submission) => delete submission.meta],
    ['an addon version', (submission) => (((submission.addons as JsonObject[])[0]!).version = '1.0.1')],
    ['an addon image', (submission) => (((submission.addons as JsonObject[])[0]!).runtimeImage = 'example/runtime:2')],
    ['an added addon', (submission) => (submission.addons as JsonObject[]).push({ name: 'extra', version: '1.0.0' })],
    ['network', (submission) => (submission.network = 'mainnet')],
    ['nonce', (submission) => (submission.nonce = 'f'.repeat(32))],
    ['expiry', (submission) => (submission.expiry = '2031-01-01T00:00:00Z')],
  ])('refuses a changed %s with SIGNATURE_INVALID', async (_field, change) => {
    expect(await verify(signed)).toMatchObject({ form: 'ENVELOPE' });
    const copy = copyOf(signed);
    change(copy);
    expect(await refusalOfAsync(verify(copy))).toMatchObject({ code: 'SIGNATURE_INVALID', reason: 'SIGNATURE_MISMATCH', field: 'sig' });
  });

  it("refuses another owner's signature", async () => {
    const forged = { ...other.signEnvelope(fields()), owner: owner.did };
    expect(await refusalOfAsync(verify(forged))).toMatchObject({ code: 'SIGNATURE_INVALID' });
  });

  it('refuses a legacy signature dressed as an envelope: the signed texts are an array and an object', async () => {
    const legacy = readFixtureSubmissions()[0]!.submission;
    const dressed = { ...legacy, addons: legacy.addons.map((entry) => ({ ...entry, version: '1.0.0' })), network: 'testnet', nonce: 'a'.repeat(32), expiry: '2030-01-01T00:00:00Z' };
    expect(await refusalOfAsync(verify(dressed))).toMatchObject({ code: 'SIGNATURE_INVALID' });
  });

  it('verifies s replaced by n − s under the same contentHash', async () => {
    const original = await verify(signed);
    const flipped = await verify({ ...signed, sig: complementSignature(signed.sig as string) });
    expect(flipped.contentHash).toBe(original.contentHash);
    expect(flipped.highS).toBe(!original.highS);
  });
});

describe('refusing malformed envelopes', () => {
  const owner = createTestOwner();
  const signedWith = (overrides: Partial<EnvelopeFields>) => owner.signEnvelope(fields(overrides));

  it.each<[string, unknown, string, string]>([
    ['a nonce of 15 bytes', signedWith({ nonce: 'ab'.repeat(15) }), 'BAD_NONCE', 'nonce'],
    ['a nonce of 33 bytes', signedWith({ nonce: 'ab'.repeat(33) }), 'BAD_NONCE', 'nonce'],
    ['a nonce with an odd number of digits', signedWith({ nonce: 'a'.repeat(33) }), 'BAD_NONCE', 'nonce'],
    ['a nonce in upper case', signedWith({ nonce: 'AB'.repeat(16) }), 'BAD_NONCE', 'nonce'],
    ['a nonce that is not hex', signedWith({ nonce: 'g'.repeat(32) }), 'BAD_NONCE', 'nonce'],
    ['a nonce that is a number', { ...signedWith({}), nonce: 12345 }, 'BAD_NONCE', 'nonce'],
    ['a network in capitals', signedWith({ network: 'TESTNET' }), 'BAD_NETWORK', 'network'],
    ['an empty network', signedWith({ network: '' }), 'BAD_NETWORK', 'network'],
    ['an expiry with an offset', signedWith({ expiry: '2030-01-01T00:00:00+02:00' }), 'BAD_EXPIRY', 'expiry'],
    ['an expiry without a time', signedWith({ expiry: '2030-01-01' }), 'BAD_EXPIRY', 'expiry'],
    ['an expiry on 30 February', signedWith({ expiry: '2030-02-30T00:00:00Z' }), 'BAD_EXPIRY', 'expiry'],
    ['an expiry at 24:00', signedWith({ expiry: '2030-01-01T24:00:00Z' }), 'BAD_EXPIRY', 'expiry'],
    ['an expiry in seconds since 1970', { ...signedWith({}), expiry: 1_900_000_000 }, 'BAD_EXPIRY', 'expiry'],
    ['an entry without a version', signedWith({ addons: [{ name: 'witness' }] }), 'BAD_VERSION', 'addons[0].version'],
    ['a version with a v', signedWith({ addons: [{ name: 'witness', version: 'v1.2.3' }] }), 'BAD_VERSION', 'addons[0].version'],
    ['a version of two numbers', signedWith({ addons: [{ name: 'witness', version: '1.2' }] }), 'BAD_VERSION', 'addons[0].version'],
    ['a version with a leading zero', signedWith({ addons: [{ name: 'witness', version: '01.2.3' }] }), 'BAD_VERSION', 'addons[0].version'],
    ['a revision for a version', signedWith({ addons: [{ name: 'witness', version: 'r3' }] }), 'BAD_VERSION', 'addons[0].version'],
    ['a version that is a number', { ...signedWith({}), addons: [{ name: 'witness', version: 1 }] }, 'WRONG_TYPE', 'addons[0].version'],
    ['a nonce without network and expiry', { ...copyOf(readFixtureSubmissions()[0]!.submission), nonce: 'a'.repeat(32) }, 'MISSING_FIELD', 'network'],
    ['no expiry', (({ expiry: _expiry, ...rest }) => rest)(signedWith({})), 'MISSING_FIELD', 'expiry'],
    ['a field the envelope does not have', { ...signedWith({}), revision: 3 }, 'UNKNOWN_FIELD', 'revision'],
  ])('refuses %s', async (_case, input, reason, field) => {
    const refusal = await refusalOfAsync(verify(input));
    expect({ code: refusal.code, reason: refusal.reason, field: refusal.field }).toEqual({ code: 'BAD_USER_INPUT', reason, field });
  });

  it('accepts an expiry with milliseconds, and meta left out', async () => {
    const { meta: _meta, ...withoutMeta } = fields({ expiry: '2030-01-01T00:00:00.25Z' });
    const verified = await verifyEnvelope(owner.signEnvelope(withoutMeta));
    expect(verified).toMatchObject({ form: 'ENVELOPE', meta: undefined, expiry: '2030-01-01T00:00:00.25Z' });
    expect(verified.expiresAt.toISOString()).toBe('2030-01-01T00:00:00.250Z');
  });
});

describe('the expiry rule', () => {
  const now = new Date('2026-03-01T10:00:00Z');

  it('verifies an expired envelope, and checkExpiry then refuses it with SUBMISSION_EXPIRED', async () => {
    const owner = createTestOwner();
    const verified = await verifyEnvelope(owner.signEnvelope(fields({ expiry: '2026-03-01T09:59:59Z' })));
    const refusal = refusalOf(() => checkExpiry(verified.expiresAt, now));
    expect(refusal).toMatchObject({ code: 'SUBMISSION_EXPIRED', reason: 'EXPIRED', field: 'expiry' });
    expect(refusal.message).toMatch(/expired at 2026-03-01T09:59:59.000Z; sign it again/);
  });

  it('treats the expiry instant itself as expired and the millisecond before as good', () => {
    expect(hasExpired(readExpiry('2026-03-01T10:00:00Z'), now)).toBe(true);
    expect(hasExpired(readExpiry('2026-03-01T10:00:00.001Z'), now)).toBe(false);
    expect(refusalOf(() => checkExpiry(readExpiry('2026-03-01T10:00:00Z'), now))).toMatchObject({ code: 'SUBMISSION_EXPIRED' });
    expect(() => checkExpiry(readExpiry('2026-03-01T10:00:00.001Z'), now)).not.toThrow();
  });

  it('refuses an expiry more than seven days ahead, or more than the given span', () => {
    expect(() => checkExpiry(readExpiry('2026-03-08T10:00:00Z'), now)).not.toThrow();
    expect(refusalOf(() => checkExpiry(readExpiry('2026-03-08T10:00:01Z'), now))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'BAD_EXPIRY', field: 'expiry' });
    expect(refusalOf(() => checkExpiry(readExpiry('2026-03-01T11:00:01Z'), now, { maxAheadMs: 3_600_000 }))).toMatchObject({ reason: 'BAD_EXPIRY' });
  });
});

describe('isSemver', () => {
  it.each(['0.0.0', '1.2.3', '10.20.30', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-0.3.7', '1.0.0-x.7.z.92', '1.0.0+20130313144700', '1.0.0-beta+exp.sha.5114f85', '1.0.0-rc.1+build.1'])(
    'accepts %s',
    (version) => expect(isSemver(version)).toBe(true),
  );

  it.each(['', '1', '1.2', 'v1.2.3', '01.2.3', '1.02.3', '1.2.3-01', '1.2.3-', '1.2.3+', '1.2.3.4', ' 1.2.3', '1.2.3-beta_1', 'r1', `1.2.3-${'a'.repeat(130)}`])(
    'refuses %j',
    (version) => expect(isSemver(version)).toBe(false),
  );
});
