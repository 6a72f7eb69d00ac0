import { canonicalJson, complementSignature, goSortedJson, RecoveringKeyResolver, verifySubmission, type JsonValue } from '@addon-platform/ontology';
import { createTestOwner } from '@addon-platform/ontology/testing';
import { copyOf, readFixtureSubmissions } from './helpers/fixtures.js';
import { sdkValues } from './helpers/ontology-sdk.js';
import { refusalOfAsync } from './helpers/refusal.js';

const fixtures = readFixtureSubmissions();
const valid = fixtures.filter((fixture) => fixture.vector.valid);
const invalid = fixtures.find((fixture) => !fixture.vector.valid)!;

describe('verifying the real testnet submissions', () => {
  it('verifies each as vectors.json says: 20 valid with the recorded key, 406f90f SIGNATURE_INVALID', async () => {
    expect(fixtures).toHaveLength(21);
    expect(valid).toHaveLength(20);
    for (const fixture of fixtures) {
      // A fresh resolver each time: every key is recovered, none remembered from another fixture.
      const resolver = new RecoveringKeyResolver();
      if (fixture.vector.valid) {
        const verified = await verifySubmission(fixture.text, resolver);
        expect(verified).toMatchObject({ form: 'LEGACY', owner: fixture.vector.owner, publicKey: fixture.vector.publicKey, highS: fixture.vector.highS, signedEncoding: 'JCS' });
      } else {
        const refusal = await refusalOfAsync(verifySubmission(fixture.text, resolver));
        expect(refusal).toMatchObject({ code: 'SIGNATURE_INVALID', reason: 'SIGNATURE_MISMATCH', field: 'sig' });
        expect(refusal.message).toContain(fixture.vector.owner);
      }
    }
  });

  it('agrees with ontology-ts-sdk: the key has the DID as address, and the SDK verifies what we verify', async () => {
    const resolver = new RecoveringKeyResolver();
    const verified = await Promise.all(valid.map((fixture) => verifySubmission(fixture.submission, resolver)));
    const didOfKeys = sdkValues<string>(verified.map((result) => ({ op: 'didOfKey', publicKey: result.publicKey })));
    expect(didOfKeys).toEqual(verified.map((result) => result.owner));
    const verdicts = sdkValues<boolean>(verified.map((result) => ({ op: 'verify', publicKey: result.publicKey, text: result.signedJson, sig: result.sig })));
    expect(verdicts).toEqual(verified.map(() => true));
    // And the SDK refuses 406f90f with the key its owner signs with everywhere else.
    const ownerKey = valid.find((fixture) => fixture.vector.owner === invalid.vector.owner)!.vector.publicKey!;
    const [refused] = sdkValues<boolean>([{ op: 'verify', publicKey: ownerKey, text: canonicalJson(invalid.submission.addons as JsonValue), sig: invalid.submission.sig }]);
    expect(refused).toBe(false);
  });

  it('verifies the testnet history in the order the index accepted it, with one resolver throughout', async () => {
    const resolver = new RecoveringKeyResolver();
    const outcomes: string[] = [];
    for (const fixture of fixtures) {
      try {
        const verified = await verifySubmission(fixture.text, resolver);
        outcomes.push(`${fixture.vector.order} ${verified.addons[0]!.identity}`);
      } catch (error) {
        outcomes.push(`${fixture.vector.order} ${(error as { code: string }).code}`);
      }
    }
    expect(outcomes).toEqual([
      '1 claim.addon.ont',
      '2 witnessTest001.addon.ont',
      '3 claim.addon.ont',
      '4 claim.addon.ont',
      '5 witnessTest001.addon.ont',
      '6 witnessTest001.addon.ont',
      '7 witnessTest001.addon.ont',
      '8 witnessTest001.addon.ont',
      '9 witnessTest001.addon.ont',
      '10 witnessTest001.addon.ont',
      '11 witnessTest001.addon.ont',
      '12 rongyi',
      '13 rongyi2',
      '14 rongyi3',
      '15 rongyi3',
      '16 SIGNATURE_INVALID',
      '17 demo7',
      '18 demov2',
      '19 demo8',
      '20 triones-node',
      '21 triones-node',
    ]);
    expect(resolver.size).toBe(3);
  });

  it('reads the entries into the platform terms, keeping every signed field', async () => {
    const resolver = new RecoveringKeyResolver();
    const older = await verifySubmission(valid.find((fixture) => fixture.file.includes('2b0c172'))!.text, resolver);
    expect(older.addons).toEqual([
      {
        identity: 'witnessTest001.addon.ont',
        identityField: 'domain',
        name: null,
        domain: 'witnessTest001.addon.ont',
        configImage: 'carltraveler/witness_server:v0',
        runtimeImage: 'carltraveler/witness_runtimev0:v7',
        version: null,
        entry: {
          domain: 'witnessTest001.addon.ont',
          image: 'carltraveler/witness_server:v0',
          runtimeImage: 'carltraveler/witness_runtimev0:v7',
          official: true,
          imageProperties: {},
          tag: 'latest',
          url: 'option',
        },
      },
    ]);
    expect(older.meta).toBe('');

    const newer = await verifySubmission(valid.find((fixture) => fixture.file.includes('1d65caf'))!.text, resolver);
    expect(newer.addons[0]).toMatchObject({ identity: 'rongyi', identityField: 'name', configImage: 'reg.qiniu.com/ry/hellohttp:withhost', runtimeImage: null });
    const web = await verifySubmission(valid.find((fixture) => fixture.file.includes('00349b3'))!.text, resolver);
    // Not pullable, but kept: the catalog says why such a version is not launchable.
    expect(web.addons[0]!.configImage).toBe('https://hub.docker.com/repository/docker/carltraveler/witnessv0:latest');
    const withoutMeta = await verifySubmission(valid.find((fixture) => fixture.file.includes('0196b4e'))!.text, resolver);
    expect(withoutMeta.meta).toBeUndefined();
  });

  it('gives the contentHash as sha256 of the signed text, equal for two byte-identical entries of one index', async () => {
    const resolver = new RecoveringKeyResolver();
    const [a, b] = await Promise.all([verifySubmission(valid[0]!.text, resolver), verifySubmission(valid[0]!.submission, resolver)]);
    expect(a.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.contentHash).toBe(b.contentHash);
    const hashes = await Promise.all(valid.map(async (fixture) => (await verifySubmission(fixture.text, resolver)).contentHash));
    expect(new Set(hashes).size).toBe(20);
  });

  it("ignores what the legacy form does not sign: meta, and the text's whitespace and key order", async () => {
    const resolver = new RecoveringKeyResolver();
    const { submission } = valid[1]!;
    const original = await verifySubmission(submission, resolver);
    const reordered = { sig: submission.sig, addons: submission.addons.map((entry) => Object.fromEntries(Object.entries(entry).reverse())), meta: { changed: true }, owner: submission.owner };
    const again = await verifySubmission(reordered, resolver);
    expect(again.contentHash).toBe(original.contentHash);
    expect(again.meta).toEqual({ changed: true });
  });
});

describe('malleability: s and n − s', () => {
  it('verifies every valid submission with s replaced by n − s, under the same contentHash', async () => {
    const resolver = new RecoveringKeyResolver();
    for (const fixture of valid) {
      const original = await verifySubmission(fixture.submission, resolver);
      const flipped = await verifySubmission({ ...fixture.submission, sig: complementSignature(fixture.submission.sig) }, new RecoveringKeyResolver());
      expect(flipped.sig).not.toBe(original.sig);
      expect(flipped.highS).toBe(!original.highS);
      expect(flipped.contentHash).toBe(original.contentHash);
      expect(flipped.publicKey).toBe(original.publicKey);
    }
  });
});

describe('refusing tampered legacy submissions', () => {
  it('refuses a change in any field of any entry, the nested imageProperties included', async () => {
    const resolver = new RecoveringKeyResolver();
    let tampered = 0;
    for (const fixture of valid) {
      for (const key of Object.keys(fixture.submission.addons[0]!)) {
        const copy = copyOf(fixture.submission);
        const entry = copy.addons[0]!;
        const value = entry[key];
        if (typeof value === 'string') entry[key] = value === '' ? 'x' : value.slice(0, -1) + (value.endsWith('x') ? 'y' : 'x');
        else if (typeof value === 'boolean') entry[key] = !value;
        else entry[key] = { ...(value as object), added: 'x' };
        const refusal = await refusalOfAsync(verifySubmission(copy, resolver));
        expect([key, refusal.code, refusal.field]).toEqual([key, 'SIGNATURE_INVALID', 'sig']);
        tampered++;
      }
    }
    expect(tampered).toBe(valid.reduce((count, fixture) => count + Object.keys(fixture.submission.addons[0]!).length, 0));
  });

  it('refuses an added field, a removed field and an added entry', async () => {
    const resolver = new RecoveringKeyResolver();
    const { submission } = valid[4]!;
    const added = copyOf(submission);
    added.addons[0]!.runtimeImage2 = 'x';
    const removed = copyOf(submission);
    delete removed.addons[0]!.tag;
    const twoEntries = copyOf(submission);
    twoEntries.addons.push({ name: 'extra' });
    for (const copy of [added, removed, twoEntries]) {
      expect(await refusalOfAsync(verifySubmission(copy, resolver))).toMatchObject({ code: 'SIGNATURE_INVALID', field: 'sig' });
    }
  });

  it("refuses a submission moved to another owner's DID, with that owner's key known or not", async () => {
    const first = valid.find((fixture) => fixture.vector.owner === 'did:ont:APe4yT5B6KnvR7LenkZD6eQGhG52Qrdjuo')!;
    const other = valid.find((fixture) => fixture.vector.owner === 'did:ont:Adg3mfNAbfNwjvtbBSziZnXKKP3HbHNqM5')!;
    const moved = { ...first.submission, owner: other.vector.owner };
    expect(await refusalOfAsync(verifySubmission(moved, new RecoveringKeyResolver()))).toMatchObject({ code: 'SIGNATURE_INVALID', field: 'sig' });
    const knowing = new RecoveringKeyResolver();
    await verifySubmission(other.submission, knowing);
    expect(await refusalOfAsync(verifySubmission(moved, knowing))).toMatchObject({ code: 'SIGNATURE_INVALID', field: 'sig' });
  });

  it("refuses another owner's signature with the real owner's DID", async () => {
    const owner = createTestOwner();
    const stranger = createTestOwner();
    const signed = stranger.signLegacy([{ name: 'mine' }]);
    expect(await refusalOfAsync(verifySubmission({ ...signed, owner: owner.did }, new RecoveringKeyResolver()))).toMatchObject({ code: 'SIGNATURE_INVALID' });
  });
});

describe('legacy submissions from a Go signer', () => {
  it('verifies addons signed in Go json.Marshal form, where <, > and & are escaped', async () => {
    const owner = createTestOwner();
    const addons = [{ name: 'go-signed', configImage: 'registry.example/a&b:<tag>', note: 'Grüße\u2028' }];
    const goText = goSortedJson(addons);
    expect(goText).not.toBe(canonicalJson(addons));
    const verified = await verifySubmission({ owner: owner.did, addons, sig: owner.signText(goText) }, new RecoveringKeyResolver());
    expect(verified).toMatchObject({ signedEncoding: 'GO_JSON', signedJson: goText });
    expect(verified.contentHash).not.toBe((await verifySubmission(owner.signLegacy(addons), new RecoveringKeyResolver())).contentHash);
  });

  it('still refuses a Go-form signature over other content', async () => {
    const owner = createTestOwner();
    const addons = [{ name: 'go-signed', configImage: 'a&b' }];
    const sig = owner.signText(goSortedJson(addons));
    const refusal = await refusalOfAsync(verifySubmission({ owner: owner.did, addons: [{ name: 'go-signed', configImage: 'a&c' }], sig }, new RecoveringKeyResolver()));
    expect(refusal).toMatchObject({ code: 'SIGNATURE_INVALID', field: 'sig' });
  });
});
