import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Requests from the gateway to a subgraph carry an HMAC so nothing reaches a subgraph around the
 * gateway (DESIGN, "Identity and access"). The MAC covers the method, path, timestamp, body digest and
 * the forwarded Authorization header, so none of them can be swapped on a captured request, and the
 * timestamp bounds how long a captured request can be replayed.
 */
export const SIGNATURE_HEADER = 'x-gateway-signature';
export const TIMESTAMP_HEADER = 'x-gateway-timestamp';

export interface SignedParts {
  method: string;
  /** Path and query of the request URL. */
  path: string;
  body: string | Uint8Array;
  authorization?: string;
}

function mac(secret: string, timestampMs: number, parts: SignedParts): string {
  const bodyDigest = createHash('sha256').update(parts.body).digest('hex');
  return createHmac('sha256', secret)
    .update(`${parts.method.toUpperCase()}\n${parts.path}\n${timestampMs}\n${bodyDigest}\n${parts.authorization ?? ''}`)
    .digest('hex');
}

/** Headers to add to a request from the gateway. */
export function signSubgraphRequest(secret: string, parts: SignedParts, nowMs = Date.now()): Record<string, string> {
  return { [SIGNATURE_HEADER]: `v1=${mac(secret, nowMs, parts)}`, [TIMESTAMP_HEADER]: String(nowMs) };
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** Checks a request's signature; `maxSkewMs` bounds clock difference and replay window. */
export function verifySubgraphRequest(
  secret: string,
  parts: SignedParts,
  headers: { signature?: string; timestamp?: string },
  { nowMs = Date.now(), maxSkewMs = 60_000 } = {},
): SignatureCheck {
  if (!headers.signature || !headers.timestamp) {
    return { ok: false, reason: 'This subgraph only answers requests signed by the gateway; send the request to the gateway.' };
  }
  const timestampMs = Number(headers.timestamp);
  if (!Number.isSafeInteger(timestampMs) || Math.abs(nowMs - timestampMs) > maxSkewMs) {
    return { ok: false, reason: 'The gateway signature is outside the allowed time window.' };
  }
  const expected = Buffer.from(`v1=${mac(secret, timestampMs, parts)}`);
  const given = Buffer.from(headers.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'The gateway signature does not match the request.' };
  }
  return { ok: true };
}

/**
 * The graphql-ws `connection_init` payload the gateway opens a subscription socket with. A socket has
 * no request of its own to sign after the upgrade, so the payload carries the signature of a `GET` of
 * {@link SUBSCRIPTION_PATH} with an empty body and the forwarded Authorization, checked like any request.
 */
export type SignedConnectionInit = {
  authorization?: string;
  [SIGNATURE_HEADER]: string;
  [TIMESTAMP_HEADER]: string;
};

export const SUBSCRIPTION_PATH = '/graphql';

const connectionInitParts = (authorization: string | undefined): SignedParts => ({ method: 'GET', path: SUBSCRIPTION_PATH, body: '', authorization });

/** The payload the gateway sends as `connection_init` to a subgraph, for the user's `Authorization` (absent when anonymous). */
export function signConnectionInit(secret: string, authorization?: string, nowMs = Date.now()): SignedConnectionInit {
  const headers = signSubgraphRequest(secret, connectionInitParts(authorization), nowMs);
  return {
    ...(authorization === undefined ? {} : { authorization }),
    [SIGNATURE_HEADER]: headers[SIGNATURE_HEADER]!,
    [TIMESTAMP_HEADER]: headers[TIMESTAMP_HEADER]!,
  };
}

/** Checks a `connection_init` payload as {@link verifySubgraphRequest} checks a request; answers its Authorization too. */
export function verifyConnectionInit(
  secret: string,
  payload: Readonly<Record<string, unknown>> | undefined,
  options?: { nowMs?: number; maxSkewMs?: number },
): SignatureCheck & { authorization?: string } {
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const authorization = text(payload?.authorization);
  const check = verifySubgraphRequest(
    secret,
    connectionInitParts(authorization),
    { signature: text(payload?.[SIGNATURE_HEADER]), timestamp: text(payload?.[TIMESTAMP_HEADER]) },
    options,
  );
  return check.ok ? { ok: true, authorization } : check;
}
