import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { didOfPublicKey } from '../address.js';
import { canonicalJson } from '../canonical-json.js';
import type { JsonObject, JsonValue } from '../json-value.js';

/** What an envelope signs besides the owner, which the test owner fills in. */
export interface EnvelopeFields {
  meta?: JsonValue;
  addons: JsonObject[];
  network: string;
  nonce: string;
  expiry: string;
}

export interface TestOwner {
  /** `did:ont:` and the single-key address of {@link publicKey}. */
  did: string;
  /** The compressed public key, hex. */
  publicKey: string;
  privateKey: KeyObject;
  /** SHA256withECDSA over `text`, as hex 0x01 ‖ r ‖ s. */
  signText(text: string): string;
  /** A legacy submission: `sig` signs the addons' canonical JSON; `meta` is left unsigned, as in the real index. */
  signLegacy(addons: JsonObject[], meta?: JsonValue): JsonObject;
  /** An envelope submission: `sig` signs the canonical JSON of the whole object without `sig`. */
  signEnvelope(fields: EnvelopeFields): JsonObject;
}

export function createTestOwner(): TestOwner {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const uncompressed = publicKey.export({ format: 'der', type: 'spki' }).subarray(-65);
  const compressed = compress(uncompressed);
  const did = didOfPublicKey(compressed);
  const signText = (text: string) => `01${sign('sha256', Buffer.from(text, 'utf8'), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('hex')}`;
  return {
    did,
    publicKey: compressed.toString('hex'),
    privateKey,
    signText,
    signLegacy: (addons, meta) => ({ owner: did, ...(meta === undefined ? {} : { meta }), addons, sig: signText(canonicalJson(addons)) }),
    signEnvelope: (fields) => {
      const envelope: JsonObject = { owner: did, ...(fields as unknown as JsonObject) };
      return { ...envelope, sig: signText(canonicalJson(envelope)) };
    },
  };
}

/** 0x04 ‖ x ‖ y → 0x02 or 0x03 (by the parity of y) ‖ x. */
function compress(uncompressed: Buffer): Buffer {
  const y = uncompressed.subarray(33);
  return Buffer.concat([Buffer.of(0x02 | (y[31]! & 1)), uncompressed.subarray(1, 33)]);
}
