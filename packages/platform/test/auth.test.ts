import { createJwtVerifier, mintToken, signSubgraphRequest, verifySubgraphRequest, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '@addon-platform/platform';

const secret = 'test-secret-that-is-long-enough-0123456789';
const verifier = createJwtVerifier({ keys: { kind: 'hs256', secret } });

describe('JWT verification', () => {
  it('reads the claims of a valid token as the viewer', async () => {
    const token = await mintToken(secret, { sub: 'alice', roles: ['developer'], tenant: 'acme', did: 'did:ont:AXYZ' });
    await expect(verifier.verifyHeader(`Bearer ${token}`)).resolves.toMatchObject({ sub: 'alice', roles: ['developer'], tenant: 'acme', did: 'did:ont:AXYZ' });
  });

  it('treats a missing header as anonymous', async () => {
    await expect(verifier.verifyHeader(undefined)).resolves.toBeUndefined();
  });

  it.each([
    ['a malformed header', 'Token abc'],
    ['a token that is not a JWT', 'Bearer not-a-jwt'],
  ])('refuses %s with UNAUTHENTICATED', async (_case, header) => {
    await expect(verifier.verifyHeader(header)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('refuses an expired token and says so', async () => {
    const token = await mintToken(secret, { sub: 'alice', roles: ['tenant'] }, { expiresIn: Math.floor(Date.now() / 1000) - 120 });
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('expired') });
  });

  it('refuses a token signed with another secret', async () => {
    const token = await mintToken('another-secret-that-is-long-enough-9876', { sub: 'mallory', roles: ['operator'] });
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('signature') });
  });

  it('refuses a token naming a role the platform does not know', async () => {
    const token = await mintToken(secret, { sub: 'alice', roles: ['root' as never] });
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('root') });
  });
});

describe('gateway request signatures', () => {
  const parts = { method: 'POST', path: '/graphql', body: '{"query":"{ a }"}', authorization: 'Bearer x' };
  const headersOf = (signed: Record<string, string>) => ({ signature: signed[SIGNATURE_HEADER], timestamp: signed[TIMESTAMP_HEADER] });

  it('accepts a request signed with the shared secret', () => {
    expect(verifySubgraphRequest(secret, parts, headersOf(signSubgraphRequest(secret, parts)))).toEqual({ ok: true });
  });

  it.each([
    ['the body', { body: '{"query":"{ b }"}' }],
    ['the forwarded token', { authorization: 'Bearer y' }],
    ['the path', { path: '/other' }],
  ])('refuses a signed request whose %s was changed', (_case, change) => {
    const signed = headersOf(signSubgraphRequest(secret, parts));
    expect(verifySubgraphRequest(secret, { ...parts, ...change }, signed)).toMatchObject({ ok: false });
  });

  it('refuses an unsigned request, a stale one and one signed with another secret', () => {
    expect(verifySubgraphRequest(secret, parts, {})).toMatchObject({ ok: false, reason: expect.stringContaining('gateway') });
    const stale = headersOf(signSubgraphRequest(secret, parts, Date.now() - 5 * 60_000));
    expect(verifySubgraphRequest(secret, parts, stale)).toMatchObject({ ok: false, reason: expect.stringContaining('time window') });
    expect(verifySubgraphRequest(secret, parts, headersOf(signSubgraphRequest('other', parts)))).toMatchObject({ ok: false });
  });
});
