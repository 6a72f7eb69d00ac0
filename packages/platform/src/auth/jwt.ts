import { SignJWT, createRemoteJWKSet, jwtVerify, errors, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { createSecretKey, type KeyObject } from 'node:crypto';
import { domainError } from '../errors.js';
import { ROLES, type Role, type Viewer } from './viewer.js';

/** Where keys come from: an HS256 secret for local use, or a JWKS URL in production. */
export type JwtKeySource = { kind: 'hs256'; secret: string } | { kind: 'jwks'; url: string };

export interface JwtOptions {
  keys: JwtKeySource;
  /** Expected `iss`; unchecked when absent. */
  issuer?: string;
  /** Expected `aud`; unchecked when absent. */
  audience?: string;
  /** Allowed clock difference between issuer and verifier, in seconds. Default 30. */
  clockToleranceSec?: number;
  /**
   * How long a verified token is remembered, in ms (never past its `exp`). Default 30 s. A federated
   * request makes every subgraph verify the same token again; remembering saves that work, and keeps
   * a key withdrawn from the JWKS usable for at most this long.
   */
  cacheTtlMs?: number;
  /** Most tokens remembered at once; the oldest are forgotten first. Default 10,000. */
  cacheMaxEntries?: number;
}

export interface JwtVerifier {
  /** Verifies a compact JWT and returns its viewer; throws `UNAUTHENTICATED` with the reason otherwise. */
  verify(token: string): Promise<Viewer>;
  /** Reads `Authorization: Bearer …`; no header means anonymous, a malformed one is refused. */
  verifyHeader(header: string | undefined): Promise<Viewer | undefined>;
}

const ALGORITHMS: Record<JwtKeySource['kind'], string[]> = {
  hs256: ['HS256'],
  jwks: ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'],
};

export function createJwtVerifier(options: JwtOptions): JwtVerifier {
  const { keys, issuer, audience, clockToleranceSec = 30, cacheTtlMs = 30_000, cacheMaxEntries = 10_000 } = options;
  // A KeyObject made once: handing jose the raw secret makes it import the key on every verification.
  const key: KeyObject | JWTVerifyGetKey = keys.kind === 'hs256' ? createSecretKey(Buffer.from(keys.secret)) : createRemoteJWKSet(new URL(keys.url));
  const verified = new Map<string, { viewer: Viewer; untilMs: number }>();

  async function verify(token: string): Promise<Viewer> {
    const remembered = verified.get(token);
    if (remembered && remembered.untilMs > Date.now()) return remembered.viewer;
    verified.delete(token);
    const viewer = await verifyAfresh(token);
    if (verified.size >= cacheMaxEntries) verified.delete(verified.keys().next().value!);
    verified.set(token, { viewer, untilMs: Math.min(Date.now() + cacheTtlMs, (viewer.expiresAt ?? 0) * 1000) });
    return viewer;
  }

  async function verifyAfresh(token: string): Promise<Viewer> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key as KeyObject, {
        algorithms: ALGORITHMS[keys.kind],
        issuer,
        audience,
        clockTolerance: clockToleranceSec,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      throw domainError('UNAUTHENTICATED', describeJwtFailure(error));
    }
    return toViewer(payload);
  }

  return {
    verify,
    async verifyHeader(header) {
      if (header === undefined || header === '') return undefined;
      const match = /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(header.trim());
      if (!match) throw domainError('UNAUTHENTICATED', 'The Authorization header must be "Bearer <jwt>".');
      return verify(match[1]!);
    },
  };
}

function describeJwtFailure(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The token has expired; mint a new one.';
  if (error instanceof errors.JWTClaimValidationFailed) return `The token's "${error.claim}" claim is not acceptable: ${error.reason}.`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'The token signature does not verify.';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'The token is signed with an algorithm this platform does not accept.';
  if (error instanceof errors.JWKSNoMatchingKey) return 'No published key matches the token.';
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JOSEError && error.code === 'ERR_JWKS_TIMEOUT') {
    return 'The key set could not be fetched in time; retry.';
  }
  return 'The token is malformed.';
}

function toViewer(payload: JWTPayload): Viewer {
  const claimed = Array.isArray(payload.roles) ? payload.roles : typeof payload.roles === 'string' ? [payload.roles] : [];
  const unknown = claimed.filter((role) => !(ROLES as readonly unknown[]).includes(role));
  if (unknown.length > 0) {
    throw domainError('UNAUTHENTICATED', `The token names unknown roles: ${unknown.map(String).join(', ')}.`);
  }
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  return {
    sub: payload.sub,
    tenant: text(payload.tenant),
    roles: claimed as Role[],
    did: text(payload.did),
    expiresAt: payload.exp,
  };
}

export interface TokenClaims {
  sub: string;
  roles: Role[];
  tenant?: string;
  did?: string;
}

/** Mints an HS256 token: for local use (`npm run token`) and tests, never for production keys. */
export async function mintToken(
  secret: string,
  claims: TokenClaims,
  options: { expiresIn?: string | number; issuer?: string; audience?: string } = {},
): Promise<string> {
  const { sub, ...rest } = claims;
  let jwt = new SignJWT({ ...rest })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h');
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
