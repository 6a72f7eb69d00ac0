import { p256 } from '@noble/curves/nist.js';
import { addressHashOfPublicKey, type OntologyDid } from './address.js';
import { toOwnerKey, type OwnerKey, type OwnerKeyResolver } from './owner-key.js';
import type { SubmissionSignature } from './signature.js';

export interface RecoveringKeyResolverOptions {
  /**
   * Keys remembered, least recently used dropped first. Default 10,000: some 3 MB, and far more owners
   * than an index has (the testnet index has three). A forgotten key is only recovered again.
   */
  maxKeys?: number;
}

/**
 * Finds an owner's key offline: recovers the candidate P-256 keys from (digest, r, s), one per
 * recovery id, and takes the one whose single-key Ontology address is the DID's. Once found, a DID's
 * key is remembered, so later submissions cost one node:crypto verify and no recovery.
 *
 * A remembered key cannot be wrong: it is only stored when it hashes to the DID's own address. A DID
 * whose address is not the hash of one key (ONT ID v1 derived it from a random nonce) finds no key
 * here; it needs a resolver that reads the DID document.
 */
export class RecoveringKeyResolver implements OwnerKeyResolver {
  readonly #maxKeys: number;
  readonly #keys = new Map<string, OwnerKey>();

  constructor({ maxKeys = 10_000 }: RecoveringKeyResolverOptions = {}) {
    this.#maxKeys = maxKeys;
  }

  async keyFor(owner: OntologyDid, digest: Uint8Array, signature: SubmissionSignature): Promise<OwnerKey | null> {
    const known = this.#keys.get(owner.address);
    if (known) {
      // Map order is insertion order: moving the key to the end keeps the least recently used first.
      this.#keys.delete(owner.address);
      this.#keys.set(owner.address, known);
      return known;
    }
    const publicKey = recoverOwnerPublicKey(owner, digest, signature);
    if (!publicKey) return null;
    const key = toOwnerKey(publicKey);
    this.remember(owner, key);
    return key;
  }

  /** Stores a key found elsewhere (a DID document, a previous run); the caller vouches that it is the DID's. */
  remember(owner: OntologyDid, key: OwnerKey): void {
    if (this.#maxKeys <= 0) return;
    this.#keys.delete(owner.address);
    this.#keys.set(owner.address, key);
    while (this.#keys.size > this.#maxKeys) this.#keys.delete(this.#keys.keys().next().value!);
  }

  /** Keys remembered now. */
  get size(): number {
    return this.#keys.size;
  }
}

/**
 * The compressed key among those recoverable from the signature whose address is the owner's, or
 * null. Recovery ids 2 and 3 (x = r + n) are tried too; for P-256 they almost never apply.
 */
export function recoverOwnerPublicKey(owner: OntologyDid, digest: Uint8Array, signature: SubmissionSignature): Uint8Array | null {
  const parsed = p256.Signature.fromBytes(signature.rs, 'compact');
  for (let recovery = 0; recovery < 4; recovery++) {
    let candidate: Uint8Array;
    try {
      candidate = parsed.addRecoveryBit(recovery).recoverPublicKey(digest).toBytes(true);
    } catch {
      continue; // no point has this x, or the recovered point is the identity
    }
    if (Buffer.from(addressHashOfPublicKey(candidate)).equals(owner.addressHash)) return candidate;
  }
  return null;
}
