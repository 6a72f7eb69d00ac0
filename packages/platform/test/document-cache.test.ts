import { GraphQLError, buildSchema, specifiedRules } from 'graphql';
import { createDocumentCache } from '@addon-platform/platform';

const schema = buildSchema('type Query { ok: Boolean } type Subscription { ticks(from: Int): Int }');
const TICKS = 'subscription { ticks(from: 1) }';

describe("the subscription server's document cache", () => {
  it('parses and validates a text once: the same text gives the same document and the same verdict', () => {
    const cache = createDocumentCache(specifiedRules);
    const document = cache.parse(TICKS);
    expect(cache.parse(TICKS)).toBe(document);
    const verdict = cache.validate(schema, document);
    expect(verdict).toEqual([]);
    expect(cache.validate(schema, document)).toBe(verdict);

    const invalid = cache.parse('subscription { ticks(from: "one") }');
    const errors = cache.validate(schema, invalid);
    expect(errors.map((error) => error.message)).toEqual(['Int cannot represent non-integer value: "one"']);
    expect(cache.validate(schema, invalid)).toBe(errors);
  });

  it('validates again against another schema (a reloaded one)', () => {
    const cache = createDocumentCache(specifiedRules);
    const document = cache.parse(TICKS);
    expect(cache.validate(schema, document)).toEqual([]);
    const without = buildSchema('type Query { ok: Boolean } type Subscription { minutes: Int }');
    expect(cache.validate(without, document).map((error) => error.message)).toEqual(['Cannot query field "ticks" on type "Subscription".']);
  });

  it('throws on a text that does not parse, and keeps nothing of it', () => {
    const cache = createDocumentCache(specifiedRules);
    expect(() => cache.parse('subscription { ticks(')).toThrow(GraphQLError);
    expect(cache.size()).toBe(0);
  });

  it('keeps at most its limit, dropping the least recently used text', () => {
    const cache = createDocumentCache(specifiedRules, 2);
    const first = cache.parse('subscription { ticks }');
    const second = cache.parse('subscription { ticks(from: 2) }');
    expect(cache.parse('subscription { ticks }')).toBe(first);
    cache.parse('subscription { ticks(from: 3) }');
    expect(cache.size()).toBe(2);
    expect(cache.parse('subscription { ticks }')).toBe(first);
    expect(cache.parse('subscription { ticks(from: 2) }')).not.toBe(second);
  });
});
