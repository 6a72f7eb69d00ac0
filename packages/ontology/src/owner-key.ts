import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { OntologyDid } from './address.js';
import type { SubmissionSignature } from './signature.js';

/** A P-256 public key ready for node:crypto; build it once per key, it is the costly part of a verify. */
export interface OwnerKey {
  /** The compressed point, 33 bytes (0x02 or 0x03 ‖ x). */
  publicKey: Uint8Array;
  keyObject: KeyObject;
}

/**
 * Finds the key that should have signed a submission for `owner`. The verifier then checks the
 * signature with that key itself, so a resolver only needs to say which key the owner holds.
 * Kinds: {@link RecoveringKeyResolver} (offline, from the signature and the DID's address); later, one
 * reading the DID document on chain.
 */
export interface OwnerKeyResolver {
  /**
   * The owner's key, or null when it knows of none that could have made `signature` over `digest`
   * (sha256 of the signed bytes).
   */
  keyFor(owner: OntologyDid, digest: Uint8Array, signature: SubmissionSignature): Promise<OwnerKey | null>;
}

/** DER SubjectPublicKeyInfo header of a compressed P-256 key (id-ecPublicKey, prime256v1, 34-byte bit string). */
const COMPRESSED_P256_SPKI = Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex');

/** Wraps a compressed P-256 key for node:crypto; throws when the bytes are not a point on the curve. */
export function toOwnerKey(publicKey: Uint8Array): OwnerKey {
  if (publicKey.length !== 33 || (publicKey[0] !== 0x02 && publicKey[0] !== 0x03)) {
    throw new Error('A compressed P-256 public key is 33 bytes starting with 0x02 or 0x03.');
  }
  const keyObject = createPublicKey({ key: Buffer.concat([COMPRESSED_P256_SPKI, publicKey]), format: 'der', type: 'spki' });
  return { publicKey: Uint8Array.from(publicKey), keyObject };
}

/** Whether `signature` is SHA256withECDSA by `key` over `message` (the signed bytes, hashed here). */
export function verifyWithKey(key: OwnerKey, message: Uint8Array, signature: SubmissionSignature): boolean {
  return verify('sha256', message, { key: key.keyObject, dsaEncoding: 'ieee-p1363' }, signature.rs);
}
