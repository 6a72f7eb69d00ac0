import { complementSignature, P256_ORDER, readSignature } from '@addon-platform/ontology';
import { readFixtureSubmissions } from './helpers/fixtures.js';
import { refusalOf } from './helpers/refusal.js';

const fixtures = readFixtureSubmissions();
const SIG = fixtures[0]!.submission.sig;
const hex32 = (scalar: bigint) => scalar.toString(16).padStart(64, '0');
const R = SIG.slice(2, 66);
const S = SIG.slice(66);

describe('readSignature', () => {
  it('reads scheme 0x01, r and s of every fixture, and marks the high-S ones as vectors.json does', () => {
    for (const { submission, vector } of fixtures) {
      const signature = readSignature(submission.sig);
      expect(signature.hex).toBe(submission.sig);
      expect(Buffer.from(signature.rs).toString('hex')).toBe(submission.sig.slice(2));
      expect(hex32(signature.r) + hex32(signature.s)).toBe(submission.sig.slice(2));
      expect(signature.highS).toBe(vector.highS);
    }
    expect(fixtures.filter((fixture) => fixture.vector.highS && fixture.vector.valid)).toHaveLength(8);
  });

  it('reads upper-case hex and reports it lower-cased', () => {
    expect(readSignature(SIG.toUpperCase()).hex).toBe(SIG);
  });

  it.each([
    ['a number', 42, 'BAD_SIGNATURE', /must be a hex string/],
    ['the empty string', '', 'BAD_SIGNATURE', /0 hex digits/],
    ['text that is not hex', `01${'zz'.repeat(64)}`, 'BAD_SIGNATURE', /not hex/],
    ['a 0x prefix', `0x${SIG}`, 'BAD_SIGNATURE', /not hex/],
    ['one byte short', SIG.slice(0, -2), 'BAD_SIGNATURE', /128 hex digits; it must be 130/],
    ['one byte long', `${SIG}00`, 'BAD_SIGNATURE', /132 hex digits/],
    ['an odd number of digits', SIG.slice(0, -1), 'BAD_SIGNATURE', /129 hex digits/],
    ['r ‖ s without the scheme byte', SIG.slice(2), 'BAD_SIGNATURE', /128 hex digits/],
    ['a DER signature', `3044022${'0'.repeat(125)}`, 'BAD_SIGNATURE', /130 hex digits; it must be 130|scheme/],
    ['scheme byte 0x02 (SHA384withECDSA)', `02${R}${S}`, 'UNKNOWN_SIGNATURE_SCHEME', /0x02 \(SHA384withECDSA\)/],
    ['scheme byte 0x00', `00${R}${S}`, 'UNKNOWN_SIGNATURE_SCHEME', /0x00 \(SHA224withECDSA\)/],
    ['scheme byte 0xff', `ff${R}${S}`, 'UNKNOWN_SIGNATURE_SCHEME', /0xff; only 0x01/],
    ['r = 0', `01${hex32(0n)}${S}`, 'SIGNATURE_OUT_OF_RANGE', /r is zero/],
    ['s = 0', `01${R}${hex32(0n)}`, 'SIGNATURE_OUT_OF_RANGE', /s is zero/],
    ['r = n', `01${hex32(P256_ORDER)}${S}`, 'SIGNATURE_OUT_OF_RANGE', /r is not below the P-256 group order/],
    ['s = n', `01${R}${hex32(P256_ORDER)}`, 'SIGNATURE_OUT_OF_RANGE', /s is not below/],
    ['s = 2^256 − 1', `01${R}${'f'.repeat(64)}`, 'SIGNATURE_OUT_OF_RANGE', /s is not below/],
  ])('refuses %s', (_case, sig, reason, message) => {
    const refusal = refusalOf(() => readSignature(sig));
    expect(refusal).toMatchObject({ code: 'BAD_USER_INPUT', reason, field: 'sig' });
    expect(refusal.message).toMatch(message);
  });

  it('accepts the edges of the range, 1 and n − 1', () => {
    expect(readSignature(`01${hex32(1n)}${hex32(P256_ORDER - 1n)}`)).toMatchObject({ r: 1n, s: P256_ORDER - 1n, highS: true });
  });
});

describe('complementSignature', () => {
  it('replaces s by n − s, flipping high-S, and is its own inverse', () => {
    for (const { submission, vector } of fixtures) {
      const complement = complementSignature(submission.sig);
      expect(readSignature(complement).s).toBe(P256_ORDER - readSignature(submission.sig).s);
      expect(readSignature(complement).highS).toBe(!vector.highS);
      expect(complementSignature(complement)).toBe(submission.sig);
    }
  });
});
