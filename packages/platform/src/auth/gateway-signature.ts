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
