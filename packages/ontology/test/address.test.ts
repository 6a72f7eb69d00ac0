import {
  addressOfPublicKey,
  decodeAddress,
  decodeBase58,
  decodeBase58Check,
  didOfPublicKey,
  encodeBase58,
  encodeBase58Check,
  isOntologyDid,
  readOntologyDid,
} from '@addon-platform/ontology';
import { createTestOwner } from '@addon-platform/ontology/testing';
import { readFixtureSubmissions } from './helpers/fixtures.js';
import { refusalOf } from './helpers/refusal.js';
import { sdkValues } from './helpers/ontology-sdk.js';

const fixtures = readFixtureSubmissions();
const OWNER = 'did:ont:Adg3mfNAbfNwjvtbBSziZnXKKP3HbHNqM5';

/** `text` with the character at `index` replaced by another base58 character. */
function mistype(text: string, index: number): string {
  const replacement = text[index] === 'b' ? 'c' : 'b';
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

describe('base58', () => {
  it('round-trips bytes, keeping leading zero bytes as leading "1"s', () => {
    for (const hex of ['', '00', '0000ff', '17a1b2c3', 'ffffffffffffffff', '000102030405060708090a0b0c0d0e0f']) {
      const bytes = Buffer.from(hex, 'hex');
      expect(Buffer.from(decodeBase58(encodeBase58(bytes))!).toString('hex')).toBe(hex);
    }
    expect(encodeBase58(Buffer.from('0000ff', 'hex'))).toBe('115Q');
  });

  it('refuses characters outside the alphabet (0, O, I, l)', () => {
    for (const text of ['0', 'O', 'I', 'l', 'A-b']) expect(decodeBase58(text)).toBeNull();
  });

  it('checks the sha256d checksum of base58check', () => {
    const encoded = encodeBase58Check(Buffer.from('17deadbeef', 'hex'));
    expect(Buffer.from(decodeBase58Check(encoded)!).toString('hex')).toBe('17deadbeef');
    expect(decodeBase58Check(mistype(encoded, 3))).toBeNull();
  });
});

describe('Ontology addresses of keys', () => {
  it('gives each fixture owner key the address of its DID, as the SDK computes it', () => {
    const owners = new Map(fixtures.filter((fixture) => fixture.vector.publicKey).map((fixture) => [fixture.vector.publicKey!, fixture.vector.owner]));
    expect(owners.size).toBe(3);
    const keys = [...owners.keys()];
    const sdkAddresses = sdkValues<string>(keys.map((publicKey) => ({ op: 'addressOfKey', publicKey })));
    const sdkDids = sdkValues<string>(keys.map((publicKey) => ({ op: 'didOfKey', publicKey })));
    keys.forEach((publicKey, index) => {
      const key = Buffer.from(publicKey, 'hex');
      expect(addressOfPublicKey(key)).toBe(sdkAddresses[index]);
      expect(didOfPublicKey(key)).toBe(owners.get(publicKey));
      expect(sdkDids[index]).toBe(owners.get(publicKey));
    });
  });

  it('agrees with the SDK on the addresses of fresh keys', () => {
    const owners = Array.from({ length: 50 }, () => createTestOwner());
    const sdkDids = sdkValues<string>(owners.map((owner) => ({ op: 'didOfKey', publicKey: owner.publicKey })));
    expect(owners.map((owner) => owner.did)).toEqual(sdkDids);
    expect(new Set(sdkDids).size).toBe(50);
  });
});

describe('readOntologyDid', () => {
  it('reads every fixture owner, with the address the SDK reads from it', () => {
    const dids = [...new Set(fixtures.map((fixture) => fixture.vector.owner))];
    const sdkAddresses = sdkValues<string>(dids.map((did) => ({ op: 'addressOfDid', did })));
    dids.forEach((did, index) => {
      const parsed = readOntologyDid(did);
      expect(parsed.did).toBe(did);
      expect(parsed.address).toBe(sdkAddresses[index]);
      expect(Buffer.from(parsed.addressHash).toString('hex')).toBe(Buffer.from(decodeAddress(parsed.address)!).toString('hex'));
      expect(parsed.addressHash).toHaveLength(20);
      expect(isOntologyDid(did)).toBe(true);
    });
  });

  const version0x18 = `did:ont:${encodeBase58Check(Buffer.concat([Buffer.of(0x18), Buffer.alloc(20, 7)]))}`;
  const shortPayload = `did:ont:${encodeBase58Check(Buffer.concat([Buffer.of(0x17), Buffer.alloc(19, 7)]))}`;
  it.each([
    ['another DID method', 'did:web:example.com', /not an Ontology DID/],
    ['an address without did:ont:', 'Adg3mfNAbfNwjvtbBSziZnXKKP3HbHNqM5', /not an Ontology DID/],
    ['a mistyped character (checksum)', mistype(OWNER, 12), /checksum that does not match/],
    ['a character outside base58', OWNER.replace('m', '0'), /not base58/],
    ['an empty address', 'did:ont:', /not base58/],
    ['a version byte other than 0x17', version0x18, /version byte 0x18/],
    ['a 19-byte hash', shortPayload, /decodes to 24 bytes/],
    ['an address far too long', `did:ont:${'A'.repeat(200)}`, /too long/],
  ])('refuses %s with BAD_DID on the field', (_case, did, message) => {
    const refusal = refusalOf(() => readOntologyDid(did, 'owner'));
    expect(refusal).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'BAD_DID', field: 'owner' });
    expect(refusal.message).toMatch(message);
    expect(isOntologyDid(did)).toBe(false);
  });

  it('refuses a value that is not a string', () => {
    expect(refusalOf(() => readOntologyDid(42))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'BAD_DID', field: 'owner' });
  });
});
