/**
 * Envelope test vectors for other implementations (a signing CLI, a wallet): fixed keys, RFC 6979
 * deterministic ECDSA (so the same inputs always give the same `sig`), and cases chosen to exercise
 * RFC 8785: key order at every level, non-ASCII text, characters JSON escapes, numbers, absent meta.
 * Regenerate the JSON with: node --conditions=source --import @swc-node/register/esm-register \
 *   packages/ontology/test/vectors/write-envelope-vectors.ts
 */
import { createHash } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { canonicalJson, didOfPublicKey, type JsonObject } from '@addon-platform/ontology';

export interface EnvelopeVector {
  description: string;
  /** The test key's private scalar, hex. Never use it for anything real. */
  privateKey: string;
  publicKey: string;
  did: string;
  /** The submission as sent: the envelope fields and `sig`. */
  submission: JsonObject;
  /** RFC 8785 canonical JSON of the submission without `sig`: the signed text. */
  signedJson: string;
  /** Hex sha256 of the UTF-8 of `signedJson`. */
  contentHash: string;
}

const CASES: Array<{ description: string; seed: string; fields: Omit<JsonObject, 'owner'> }> = [
  {
    description: 'one addon with both images and an object meta',
    seed: 'addon-platform envelope vector 1',
    fields: {
      meta: { summary: 'Witness service', homepage: 'https://example.org/witness' },
      addons: [{ name: 'witness', version: '1.2.0', configImage: 'docker.io/example/witness-config:1.2.0', runtimeImage: 'docker.io/example/witness:1.2.0', official: true }],
      network: 'testnet',
      nonce: '8f14e45fceea167a5a36dedd4bea2543',
      expiry: '2026-05-01T12:00:00Z',
    },
  },
  {
    description: 'no meta; two addons, one identified by domain; unsorted nested keys, non-ASCII text, escaped characters and numbers',
    seed: 'addon-platform envelope vector 2',
    fields: {
      addons: [
        {
          name: 'gruesse',
          title: 'Grüße, 世界',
          version: '2.0.0-rc.1+build.5',
          runtimeImage: 'ghcr.io/example/gruesse@sha256:0000000000000000000000000000000000000000000000000000000000000000',
          settings: { zeta: [3, 0.5, 1e21, 1e-7, 333333333.33333329], alpha: 'tab\there "quoted" <b>&amp;</b> \u2028 😀', 'é': null },
        },
        { domain: 'claim.addon.ont', version: '0.3.0', image: '405563873263.dkr.ecr.ap-southeast-1.amazonaws.com/launch-image-demo:0.3' },
      ],
      network: 'mainnet',
      nonce: 'c4ca4238a0b923820dcc509a6f75849bc81e728d9d4c2f636f067f89cc14862c',
      expiry: '2030-01-01T00:00:00.500Z',
    },
  },
];

export function buildEnvelopeVectors(): EnvelopeVector[] {
  return CASES.map(({ description, seed, fields }) => {
    const privateKey = createHash('sha256').update(seed).digest();
    const publicKey = p256.getPublicKey(privateKey, true);
    const did = didOfPublicKey(publicKey);
    const envelope: JsonObject = { owner: did, ...fields };
    const signedJson = canonicalJson(envelope);
    const rs = p256.sign(Buffer.from(signedJson, 'utf8'), privateKey, { prehash: true, lowS: false });
    return {
      description,
      privateKey: privateKey.toString('hex'),
      publicKey: Buffer.from(publicKey).toString('hex'),
      did,
      submission: { ...envelope, sig: `01${Buffer.from(rs).toString('hex')}` },
      signedJson,
      contentHash: createHash('sha256').update(signedJson, 'utf8').digest('hex'),
    };
  });
}
