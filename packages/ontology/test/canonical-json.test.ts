import { canonicalJson, goSortedJson, type JsonValue } from '@addon-platform/ontology';
import { readFixtureSubmissions } from './helpers/fixtures.js';
import { sdkValues } from './helpers/ontology-sdk.js';

const validFixtures = readFixtureSubmissions().filter((fixture) => fixture.vector.valid);

/** Keys sorted at every level, then `JSON.stringify` with the given indentation. */
function sortedJson(value: unknown, indent?: number): string {
  const sort = (node: unknown): unknown =>
    Array.isArray(node) ? node.map(sort) : node && typeof node === 'object' ? Object.fromEntries(Object.keys(node).sort().map((key) => [key, sort((node as Record<string, unknown>)[key])])) : node;
  return JSON.stringify(sort(value), null, indent);
}

describe('the legacy signed bytes', () => {
  it('are the compact JSON of the addons with keys sorted at every level, for all 20 valid testnet submissions', () => {
    expect(validFixtures).toHaveLength(20);
    const texts = validFixtures.map(({ submission }) => canonicalJson(submission.addons as JsonValue));
    validFixtures.forEach(({ submission }, index) => expect(texts[index]).toBe(sortedJson(submission.addons)));
    const verdicts = sdkValues<boolean>(validFixtures.map(({ submission, vector }, index) => ({ op: 'verify', publicKey: vector.publicKey!, text: texts[index]!, sig: submission.sig })));
    expect(verdicts).toEqual(validFixtures.map(() => true));
  });

  it('are not the addons as written, pretty-printed, or with a trailing newline (what json.Encoder would add)', () => {
    const requests = validFixtures.flatMap(({ submission, vector }) => {
      const signed = canonicalJson(submission.addons as JsonValue);
      // Older entries were written with their keys in sorted order already: only real variants count.
      const variants = [JSON.stringify(submission.addons), sortedJson(submission.addons, 2), `${signed}\n`].filter((variant) => variant !== signed);
      return variants.map((text) => ({ op: 'verify' as const, publicKey: vector.publicKey!, text, sig: submission.sig }));
    });
    expect(requests.length).toBeGreaterThanOrEqual(2 * 20 + 8);
    expect(sdkValues<boolean>(requests)).toEqual(requests.map(() => false));
  });
});

describe('canonicalJson (RFC 8785)', () => {
  it('writes the RFC 8785 §3.2.2 example as the RFC does', () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],' +
        '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    );
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts keys by UTF-16 code units, as RFC 8785 §3.2.3 does', () => {
    const input = { '\u20ac': 1, '\r': 2, '\ufb33': 3, '1': 4, '\ud83d\ude00': 5, '\u0080': 6, '\u00f6': 7 };
    expect(canonicalJson(input)).toBe('{"\\r":2,"1":4,"\u0080":6,"\u00f6":7,"\u20ac":1,"\ud83d\ude00":5,"\ufb33":3}');
  });

  it('writes no whitespace and sorts nested objects inside arrays', () => {
    expect(canonicalJson([{ b: { d: 1, c: [{ f: true, e: null }] }, a: '' }])).toBe('[{"a":"","b":{"c":[{"e":null,"f":true}],"d":1}}]');
  });

  it('leaves <, >, & and non-ASCII characters unescaped', () => {
    expect(canonicalJson({ s: '<a&b> Grüße \u2028 😀' })).toBe('{"s":"<a&b> Grüße \u2028 😀"}');
  });
});

describe('goSortedJson (what a Go signer wrote)', () => {
  it('escapes <, >, &, U+2028 and U+2029, and writes \\b and \\f as \\u0008 and \\u000c', () => {
    expect(goSortedJson({ s: '<a&b>\u2028\u2029\b\f\n' })).toBe('{"s":"\\u003ca\\u0026b\\u003e\\u2028\\u2029\\u0008\\u000c\\n"}');
  });

  it('does not mistake an escaped backslash followed by "b" for a backspace', () => {
    expect(goSortedJson({ s: '\\b' })).toBe('{"s":"\\\\b"}');
  });

  it('sorts keys by UTF-8 bytes, so a key above U+FFFF follows one at U+FB33', () => {
    expect(goSortedJson({ '\ufb33': 1, '\ud83d\ude00': 2 })).toBe('{"\ufb33":1,"\ud83d\ude00":2}');
    expect(canonicalJson({ '\ufb33': 1, '\ud83d\ude00': 2 })).toBe('{"\ud83d\ude00":2,"\ufb33":1}');
  });

  it('equals canonicalJson for every real submission', () => {
    for (const { submission } of validFixtures) expect(goSortedJson(submission.addons as JsonValue)).toBe(canonicalJson(submission.addons as JsonValue));
  });
});
