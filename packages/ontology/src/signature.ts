import { quote, SubmissionError } from './errors.js';

/** n, the order of the P-256 group: r and s lie in [1, n−1]. */
export const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** The scheme byte in front of r ‖ s that submissions use: SHA256withECDSA. */
export const SHA256_WITH_ECDSA = 0x01;

/** Ontology's signature scheme bytes, to name the ones refused in messages. */
const SCHEME_NAMES: Record<number, string> = {
  0x00: 'SHA224withECDSA',
  0x01: 'SHA256withECDSA',
  0x02: 'SHA384withECDSA',
  0x03: 'SHA512withECDSA',
  0x04: 'SHA3-224withECDSA',
  0x05: 'SHA3-256withECDSA',
  0x06: 'SHA3-384withECDSA',
  0x07: 'SHA3-512withECDSA',
  0x08: 'RIPEMD160withECDSA',
  0x09: 'SM3withSM2',
  0x0a: 'SHA512withEdDSA',
};

const SIGNATURE_HEX_LENGTH = 2 * (1 + 32 + 32);

/** A submission's `sig`: 0x01 ‖ r ‖ s, read and range-checked. */
export interface SubmissionSignature {
  /** The hex as submitted, lower-cased. */
  hex: string;
  r: bigint;
  s: bigint;
  /** r ‖ s, 64 bytes: the IEEE P1363 encoding node:crypto verifies. */
  rs: Uint8Array;
  /** s > n/2. Such signatures are valid (8 of the 20 valid testnet submissions have one) and are accepted. */
  highS: boolean;
}

/**
 * Reads hex 0x01 ‖ r(32) ‖ s(32). Refuses non-hex or wrong-length text (`BAD_SIGNATURE`), a scheme
 * byte other than 0x01 (`UNKNOWN_SIGNATURE_SCHEME`), and r or s outside [1, n−1]
 * (`SIGNATURE_OUT_OF_RANGE`). High s is accepted: both s and n−s verify.
 */
export function readSignature(value: unknown, field = 'sig'): SubmissionSignature {
  if (typeof value !== 'string') throw new SubmissionError('BAD_SIGNATURE', `${field} must be a hex string.`, field);
  if (!/^[0-9a-fA-F]*$/.test(value)) throw new SubmissionError('BAD_SIGNATURE', `${field} ${quote(value)} is not hex.`, field);
  if (value.length !== SIGNATURE_HEX_LENGTH) {
    throw new SubmissionError(
      'BAD_SIGNATURE',
      `${field} is ${value.length} hex digits; it must be ${SIGNATURE_HEX_LENGTH}: a scheme byte, then r and s of 32 bytes each.`,
      field,
    );
  }
  const hex = value.toLowerCase();
  const scheme = Number.parseInt(hex.slice(0, 2), 16);
  if (scheme !== SHA256_WITH_ECDSA) {
    const name = SCHEME_NAMES[scheme] ? ` (${SCHEME_NAMES[scheme]})` : '';
    throw new SubmissionError('UNKNOWN_SIGNATURE_SCHEME', `${field} has scheme byte 0x${hex.slice(0, 2)}${name}; only 0x01, SHA256withECDSA over P-256, is accepted.`, field);
  }
  const r = BigInt(`0x${hex.slice(2, 66)}`);
  const s = BigInt(`0x${hex.slice(66)}`);
  for (const [name, scalar] of [['r', r], ['s', s]] as const) {
    if (scalar === 0n || scalar >= P256_ORDER) {
      throw new SubmissionError('SIGNATURE_OUT_OF_RANGE', `${field}: ${name} is ${scalar === 0n ? 'zero' : 'not below the P-256 group order'}, so no key can have made it.`, field);
    }
  }
  return { hex, r, s, rs: Buffer.from(hex.slice(2), 'hex'), highS: s > P256_ORDER / 2n };
}

/** The same signature with s replaced by n−s: it verifies exactly when the original does. */
export function complementSignature(hex: string): string {
  const { r, s } = readSignature(hex);
  return `01${toHex32(r)}${toHex32(P256_ORDER - s)}`;
}

function toHex32(scalar: bigint): string {
  return scalar.toString(16).padStart(64, '0');
}
