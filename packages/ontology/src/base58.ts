import { createHash } from 'node:crypto';

/** Bitcoin's base58 alphabet, which Ontology addresses use. */
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const DIGIT_OF = new Map([...ALPHABET].map((char, digit) => [char, digit]));
const CHECKSUM_BYTES = 4;

export function encodeBase58(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  let digits = '';
  while (value > 0n) {
    digits = ALPHABET[Number(value % 58n)] + digits;
    value /= 58n;
  }
  return '1'.repeat(zeros) + digits;
}

/** The bytes of a base58 string, or null when it holds a character outside the alphabet. */
export function decodeBase58(text: string): Uint8Array | null {
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  let value = 0n;
  for (const char of text) {
    const digit = DIGIT_OF.get(char);
    if (digit === undefined) return null;
    value = value * 58n + BigInt(digit);
  }
  const body: number[] = [];
  while (value > 0n) {
    body.unshift(Number(value & 0xffn));
    value >>= 8n;
  }
  return Uint8Array.from([...new Array<number>(zeros).fill(0), ...body]);
}

/** The first four bytes of sha256(sha256(payload)). */
export function checksumOf(payload: Uint8Array): Uint8Array {
  const once = createHash('sha256').update(payload).digest();
  return createHash('sha256').update(once).digest().subarray(0, CHECKSUM_BYTES);
}

/** base58(payload ‖ checksum). */
export function encodeBase58Check(payload: Uint8Array): string {
  return encodeBase58(Buffer.concat([payload, checksumOf(payload)]));
}

/**
 * The payload of a base58check string: null when it is not base58, is too short to hold a checksum,
 * or the checksum does not match.
 */
export function decodeBase58Check(text: string): Uint8Array | null {
  const bytes = decodeBase58(text);
  if (!bytes || bytes.length <= CHECKSUM_BYTES) return null;
  const payload = bytes.subarray(0, bytes.length - CHECKSUM_BYTES);
  const checksum = bytes.subarray(bytes.length - CHECKSUM_BYTES);
  return Buffer.from(checksum).equals(checksumOf(payload)) ? payload : null;
}
