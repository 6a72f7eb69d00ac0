import { createJwtVerifier, mintToken, signSubgraphRequest, verifySubgraphRequest, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '@addon-platform/platform';
import { waitFor } from '@addon-platform/platform/testing';

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

describe('JWT verification against a JWKS URL (production keys)', () => {
  let server: import('node:http').Server;
  let jwksUrl: string;
  let privateKey: CryptoKey;

  beforeAll(async () => {
    const { createServer } = await import('node:http');
    const { generateKeyPair, exportJWK } = await import('jose');
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
    jwksUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/.well-known/jwks.json`;
  });
  afterAll(async () => {
    await new Promise((resolveClose) => server.close(resolveClose));
  });

  it('accepts a token signed by a published key and checks issuer and audience', async () => {
    const { SignJWT } = await import('jose');
    const sign = (issuer: string) =>
      new SignJWT({ roles: ['tenant'], tenant: 'acme' })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setSubject('alice')
        .setIssuer(issuer)
        .setAudience('addon-platform')
        .setExpirationTime('5m')
        .sign(privateKey);
    const jwks = createJwtVerifier({ keys: { kind: 'jwks', url: jwksUrl }, issuer: 'https://id.example.com', audience: 'addon-platform' });
    await expect(jwks.verify(await sign('https://id.example.com'))).resolves.toMatchObject({ sub: 'alice', tenant: 'acme', roles: ['tenant'] });
    await expect(jwks.verify(await sign('https://evil.example.com'))).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('iss') });
  });

  it('refuses an HS256 token, whatever secret signed it', async () => {
    const jwks = createJwtVerifier({ keys: { kind: 'jwks', url: jwksUrl } });
    const token = await mintToken(secret, { sub: 'mallory', roles: ['operator'] });
    await expect(jwks.verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

describe('remembered verifications', () => {
  it('never serves a remembered token past its expiry', async () => {
    const strict = createJwtVerifier({ keys: { kind: 'hs256', secret }, clockToleranceSec: 0, cacheTtlMs: 60_000 });
    const expiresAt = Math.floor(Date.now() / 1000) + 1;
    const token = await mintToken(secret, { sub: 'alice', roles: ['tenant'] }, { expiresIn: expiresAt });
    await expect(strict.verify(token)).resolves.toMatchObject({ sub: 'alice' });
    await waitFor(() => Date.now() > expiresAt * 1000 + 50, { timeoutMs: 3000, description: 'the token to expire' });
    await expect(strict.verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('expired') });
  });
});
