import { RecoveringKeyResolver, SUBMISSION_LIMITS, verifySubmission, type JsonObject, type OwnerKeyResolver } from '@addon-platform/ontology';
import { createTestOwner } from '@addon-platform/ontology/testing';
import { copyOf, readFixtureSubmissions } from './helpers/fixtures.js';
import { refusalOfAsync } from './helpers/refusal.js';

const fixture = readFixtureSubmissions().find((candidate) => candidate.file.includes('2b0c172'))!;
const base = fixture.submission as Record<string, unknown> & { addons: Array<Record<string, unknown>> };

/** Malformed input is refused before any key is looked up. */
const untouchable: OwnerKeyResolver = {
  keyFor: () => {
    throw new Error('the resolver was asked about a malformed submission');
  },
};

function withEntry(change: (entry: Record<string, unknown>) => void): unknown {
  const copy = copyOf(base);
  change(copy.addons[0]!);
  return copy;
}

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { inner: value };
  return value;
}

const long = (length: number) => 'a'.repeat(length);

describe('refusing input that is not a submission', () => {
  it.each<[string, unknown, string, string | undefined]>([
    ['text that is not JSON', '{"owner": ', 'NOT_JSON', undefined],
    ['text over 64 KiB', JSON.stringify({ ...base, meta: long(70_000) }), 'TOO_LARGE', undefined],
    ['a JSON array', JSON.stringify([base]), 'WRONG_TYPE', undefined],
    ['a JSON string', '"did:ont:x"', 'WRONG_TYPE', undefined],
    ['null', null, 'WRONG_TYPE', undefined],
    ['no addons', { owner: base.owner, sig: base.sig }, 'MISSING_FIELD', 'addons'],
    ['no owner', { addons: base.addons, sig: base.sig }, 'MISSING_FIELD', 'owner'],
    ['no sig', { owner: base.owner, addons: base.addons }, 'MISSING_FIELD', 'sig'],
    ['addons as an object', { ...base, addons: base.addons[0] }, 'WRONG_TYPE', 'addons'],
    ['addons as a string', { ...base, addons: JSON.stringify(base.addons) }, 'WRONG_TYPE', 'addons'],
    ['an empty addons array', { ...base, addons: [] }, 'MISSING_FIELD', 'addons'],
    ['33 addons', { ...base, addons: Array.from({ length: 33 }, (_, i) => ({ name: `a${i}` })) }, 'TOO_LARGE', 'addons'],
    ['an entry that is a string', { ...base, addons: ['witness'] }, 'WRONG_TYPE', 'addons[0]'],
    ['an entry that is null', { ...base, addons: [null] }, 'WRONG_TYPE', 'addons[0]'],
    ['a name that is a number', withEntry((entry) => (entry.name = 7)), 'WRONG_TYPE', 'addons[0].name'],
    ['a domain that is an array', withEntry((entry) => (entry.domain = ['a'])), 'WRONG_TYPE', 'addons[0].domain'],
    ['a configImage that is null', withEntry((entry) => (entry.configImage = null)), 'WRONG_TYPE', 'addons[0].configImage'],
    ['a runtimeImage that is an object', withEntry((entry) => (entry.runtimeImage = {})), 'WRONG_TYPE', 'addons[0].runtimeImage'],
    ['an entry with neither domain nor name', withEntry((entry) => delete entry.domain), 'BAD_IDENTITY', 'addons[0].name'],
    ['an empty domain and no name', withEntry((entry) => (entry.domain = '')), 'BAD_IDENTITY', 'addons[0].name'],
    ['a domain with a path in it', withEntry((entry) => (entry.domain = '../etc/passwd')), 'BAD_IDENTITY', 'addons[0].domain'],
    ['a name with a space', { ...base, addons: [{ name: 'my addon' }] }, 'BAD_IDENTITY', 'addons[0].name'],
    ['a name of 254 characters', { ...base, addons: [{ name: long(254) }] }, 'BAD_IDENTITY', 'addons[0].name'],
    ['the same domain twice', { ...base, addons: [base.addons[0], base.addons[0]] }, 'DUPLICATE_ADDON', 'addons[1].domain'],
    ['image and configImage that differ', withEntry((entry) => (entry.configImage = 'other:1')), 'CONFLICTING_IMAGES', 'addons[0].configImage'],
    ['a version in a legacy entry', withEntry((entry) => (entry.version = '1.0.0')), 'BAD_VERSION', 'addons[0].version'],
    ['a string of 1,025 characters', withEntry((entry) => (entry.runtimeImage = long(1025))), 'TOO_LARGE', 'addons[0].runtimeImage'],
    ['a key of 129 characters', withEntry((entry) => (entry[long(129)] = 1)), 'TOO_LARGE', `addons[0].${long(129)}`],
    ['an entry with 65 keys', withEntry((entry) => Array.from({ length: 58 }, (_, i) => (entry[`k${i}`] = i))), 'TOO_LARGE', 'addons[0]'],
    ['nesting 9 deep', withEntry((entry) => (entry.imageProperties = nested(5))), 'TOO_LARGE', 'addons[0].imageProperties.inner.inner.inner.inner.inner'],
    ['a lone surrogate', withEntry((entry) => (entry.tag = 'x\ud800')), 'INVALID_TEXT', 'addons[0].tag'],
    ['a number that is not finite', withEntry((entry) => (entry.replicas = Number.NaN)), 'WRONG_TYPE', 'addons[0].replicas'],
    ['a Date', withEntry((entry) => (entry.created = new Date(0))), 'WRONG_TYPE', 'addons[0].created'],
    ['undefined', withEntry((entry) => (entry.tag = undefined)), 'WRONG_TYPE', 'addons[0].tag'],
    ['a field neither form has', { ...base, signature: base.sig }, 'UNKNOWN_FIELD', 'signature'],
    ['an owner that is not a DID', { ...base, owner: 'carltraveler' }, 'BAD_DID', 'owner'],
    ['an owner with a bad checksum', { ...base, owner: 'did:ont:Adg3mfNAbfNwjvtbBSziZnXKKP3HbHNqM6' }, 'BAD_DID', 'owner'],
    ['a sig that is not hex', { ...base, sig: `01${'g'.repeat(128)}` }, 'BAD_SIGNATURE', 'sig'],
    ['a short sig', { ...base, sig: (base.sig as string).slice(0, 100) }, 'BAD_SIGNATURE', 'sig'],
    ['a sig with scheme byte 0x02', { ...base, sig: `02${(base.sig as string).slice(2)}` }, 'UNKNOWN_SIGNATURE_SCHEME', 'sig'],
    ['a sig with s = 0', { ...base, sig: `${(base.sig as string).slice(0, 66)}${'0'.repeat(64)}` }, 'SIGNATURE_OUT_OF_RANGE', 'sig'],
  ])('refuses %s', async (_case, input, reason, field) => {
    const refusal = await refusalOfAsync(verifySubmission(input, untouchable));
    expect({ code: refusal.code, reason: refusal.reason, field: refusal.field }).toEqual({ code: 'BAD_USER_INPUT', reason, field });
    expect(refusal.message.length).toBeLessThan(400);
  });

  it('refuses a parsed value over the byte cap without any text to measure', async () => {
    const bulky = { ...base, meta: Array.from({ length: 100 }, () => long(1000)) };
    expect(await refusalOfAsync(verifySubmission(bulky, untouchable))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_LARGE', field: undefined });
  });

  it('takes other caps from the options', async () => {
    const two = { ...base, addons: [{ name: 'a' }, { name: 'b' }] };
    const refusal = await refusalOfAsync(verifySubmission(two, untouchable, { limits: { maxAddons: 1 } }));
    expect(refusal).toMatchObject({ reason: 'TOO_LARGE', field: 'addons' });
    expect(refusal.message).toMatch(/at most 1 are accepted/);
  });

  it('accepts a submission at every cap', async () => {
    expect(SUBMISSION_LIMITS).toEqual({ maxSubmissionBytes: 65536, maxAddons: 32, maxStringLength: 1024, maxKeyLength: 128, maxKeysPerObject: 64, maxDepth: 8 });
    const owner = createTestOwner();
    const addons: JsonObject[] = Array.from({ length: 32 }, (_, i) => ({ name: `addon-${i}`, configImage: long(1000) }));
    // Depth 8: the submission, addons, an entry, then five levels down to the leaf.
    addons[0] = { ...addons[0]!, deep: nested(4) as JsonObject, ...Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, i])), [long(128)]: long(1024) };
    const submission = owner.signLegacy(addons);
    expect(Buffer.byteLength(JSON.stringify(submission))).toBeGreaterThan(35_000);
    const verified = await verifySubmission(JSON.stringify(submission), new RecoveringKeyResolver());
    expect(verified.addons).toHaveLength(32);
  });
});
