import { createHash } from 'node:crypto';
import { decodeBase58, decodeBase58Check, encodeBase58Check } from './base58.js';
import { quote, SubmissionError } from './errors.js';

/** The version byte in front of an Ontology address's 20-byte hash; base58 addresses start with `A`. */
export const ADDRESS_VERSION = 0x17;

export const DID_PREFIX = 'did:ont:';

/** Ontology VM opcodes of a single-key verification program. */
const PUSHBYTES33 = 0x21;
const CHECKSIG = 0xac;

/** A parsed `did:ont:<address>`. */
export interface OntologyDid {
  /** The DID as given. */
  did: string;
  /** The base58check address after `did:ont:`. */
  address: string;
  /** The 20-byte hash inside the address: ripemd160(sha256(program)) for a single-key address. */
  addressHash: Uint8Array;
}

/**
 * The hash an Ontology address carries for one compressed P-256 key: ripemd160(sha256(program)),
 * where program = PUSHBYTES33 ‖ key ‖ CHECKSIG.
 */
export function addressHashOfPublicKey(compressedKey: Uint8Array): Uint8Array {
  const program = Buffer.concat([Buffer.of(PUSHBYTES33), compressedKey, Buffer.of(CHECKSIG)]);
  const sha = createHash('sha256').update(program).digest();
  return createHash('ripemd160').update(sha).digest();
}

/** The base58 single-key address of a compressed P-256 key (`A…`, 34 characters). */
export function addressOfPublicKey(compressedKey: Uint8Array): string {
  return encodeAddress(addressHashOfPublicKey(compressedKey));
}

/** `did:ont:` and the key's single-key address. */
export function didOfPublicKey(compressedKey: Uint8Array): string {
  return DID_PREFIX + addressOfPublicKey(compressedKey);
}

export function encodeAddress(addressHash: Uint8Array): string {
  return encodeBase58Check(Buffer.concat([Buffer.of(ADDRESS_VERSION), addressHash]));
}

/** Why `address` is not an Ontology address, or null when it is one. */
function findAddressProblem(address: string): string | null {
  if (!/^[1-9A-HJ-NP-Za-km-z]+$/.test(address)) return 'is not base58';
  const bytes = decodeBase58(address)!;
  if (bytes.length !== 25) return `decodes to ${bytes.length} bytes, not 25 (version, 20-byte hash, checksum)`;
  const payload = decodeBase58Check(address);
  if (!payload) return 'has a checksum that does not match: a character was mistyped';
  if (payload[0] !== ADDRESS_VERSION) return `has version byte 0x${payload[0]!.toString(16).padStart(2, '0')}, not 0x17`;
  return null;
}

/** The 20-byte hash of a base58 Ontology address, or null when it is not one. */
export function decodeAddress(address: string): Uint8Array | null {
  return findAddressProblem(address) === null ? decodeBase58Check(address)!.subarray(1) : null;
}

/**
 * Reads `did:ont:<address>`: the base58check address must decode to version 0x17, a 20-byte hash and
 * a matching checksum. Throws a `BAD_DID` refusal naming `field` otherwise.
 */
export function readOntologyDid(value: unknown, field = 'owner'): OntologyDid {
  if (typeof value !== 'string') throw new SubmissionError('BAD_DID', `${field} must be a string did:ont:<address>.`, field);
  if (!value.startsWith(DID_PREFIX)) {
    throw new SubmissionError('BAD_DID', `${field} ${quote(value)} is not an Ontology DID; it must read did:ont:<address>.`, field);
  }
  const address = value.slice(DID_PREFIX.length);
  // Longer than any address: refuse before the base58 arithmetic.
  const problem = address.length > 40 ? 'is too long' : findAddressProblem(address);
  if (problem) throw new SubmissionError('BAD_DID', `${field} ${quote(value)}: the address ${problem}.`, field);
  return { did: value, address, addressHash: decodeBase58Check(address)!.subarray(1) };
}

export function isOntologyDid(value: string): boolean {
  return value.startsWith(DID_PREFIX) && value.length <= DID_PREFIX.length + 40 && findAddressProblem(value.slice(DID_PREFIX.length)) === null;
}
