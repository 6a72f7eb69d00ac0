/**
 * Rules of the envelope form's own fields. The shape (README "Envelope form"):
 *
 * ```json
 * {
 *   "owner": "did:ont:Adg3mfNAbfNwjvtbBSziZnXKKP3HbHNqM5",
 *   "meta": { "any": "JSON, optional" },
 *   "addons": [{ "name": "witness", "version": "1.2.0", "configImage": "…", "runtimeImage": "…" }],
 *   "network": "testnet",
 *   "nonce": "9f2c4e…32 to 64 lower-case hex digits",
 *   "expiry": "2026-05-01T12:00:00Z",
 *   "sig": "01…"
 * }
 * ```
 * `sig` signs sha256 of the RFC 8785 canonical JSON of the object without `sig`.
 */
import { quote, SubmissionError } from './errors.js';
import { MAX_VERSION_LENGTH } from './limits.js';

/** The fields an envelope signs; `meta` may be absent. */
export const ENVELOPE_FIELDS = ['owner', 'meta', 'addons', 'network', 'nonce', 'expiry'] as const;

/** How long ahead an expiry may lie by default: a nonce store keeps each nonce until its expiry. */
export const DEFAULT_MAX_EXPIRY_AHEAD_MS = 7 * 24 * 60 * 60 * 1000;

const NETWORK = /^[a-z][a-z0-9-]{0,31}$/;
const NONCE = /^(?:[0-9a-f]{2}){16,32}$/;
const EXPIRY = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?Z$/;
// semver.org's regular expression for semver 2.0.0 (no `v`, no leading zeros in numbers).
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** Whether `version` is a semver 2.0.0 version (strict: `1.2.3`, `1.0.0-rc.1+build.5`; not `v1.2.3`). */
export function isSemver(version: string): boolean {
  return version.length <= MAX_VERSION_LENGTH && SEMVER.test(version);
}

/** A network name: lower-case letters, digits and `-`, starting with a letter, at most 32 (`testnet`). */
export function readNetwork(value: unknown, field = 'network'): string {
  if (typeof value !== 'string' || !NETWORK.test(value)) {
    throw new SubmissionError('BAD_NETWORK', `${field} ${quote(value)} is not a network name such as "testnet" or "mainnet".`, field);
  }
  return value;
}

/** A nonce: 16 to 32 random bytes as lower-case hex (one spelling per nonce, so a store compares exactly). */
export function readNonce(value: unknown, field = 'nonce'): string {
  if (typeof value !== 'string' || !NONCE.test(value)) {
    throw new SubmissionError('BAD_NONCE', `${field} ${quote(value)} must be 16 to 32 random bytes written as 32 to 64 lower-case hex digits.`, field);
  }
  return value;
}

/**
 * An expiry: an RFC 3339 UTC time to the second or millisecond, `2026-05-01T12:00:00Z`. A time that
 * does not exist (`02-30`, `24:00:00`) is refused rather than rolled over.
 */
export function readExpiry(value: unknown, field = 'expiry'): Date {
  const match = typeof value === 'string' ? EXPIRY.exec(value) : null;
  if (match) {
    const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
    const millisecond = Number((match[7] ?? '0').padEnd(3, '0'));
    const time = new Date(Date.UTC(year, month - 1, day, hour, minute, second, millisecond));
    const exists =
      time.getUTCFullYear() === year && time.getUTCMonth() === month - 1 && time.getUTCDate() === day && time.getUTCHours() === hour && time.getUTCMinutes() === minute && time.getUTCSeconds() === second;
    if (exists && year >= 1970) return time;
  }
  throw new SubmissionError('BAD_EXPIRY', `${field} ${quote(value)} must be a UTC time such as "2026-05-01T12:00:00Z".`, field);
}

/** Whether `expiresAt` has passed at `now`: an envelope is good up to and excluding its expiry instant. */
export function hasExpired(expiresAt: Date, now: Date): boolean {
  return now.getTime() >= expiresAt.getTime();
}

/**
 * The envelope's time rule, for the caller to apply to content it has not accepted before (a replay
 * of accepted content is recognised by its content hash first, and a sync re-reading old envelopes
 * must not see them as expired): refuses a passed expiry (`SUBMISSION_EXPIRED`), and one further than
 * `maxAheadMs` ahead of `now` (`BAD_USER_INPUT`), which would oblige the nonce store to keep the
 * nonce that long.
 */
export function checkExpiry(expiresAt: Date, now: Date, { maxAheadMs = DEFAULT_MAX_EXPIRY_AHEAD_MS }: { maxAheadMs?: number } = {}): void {
  if (hasExpired(expiresAt, now)) {
    throw new SubmissionError('EXPIRED', `The submission expired at ${expiresAt.toISOString()}; sign it again with a later expiry.`, 'expiry');
  }
  if (expiresAt.getTime() - now.getTime() > maxAheadMs) {
    const hours = Math.round(maxAheadMs / 3_600_000);
    throw new SubmissionError('BAD_EXPIRY', `The expiry ${expiresAt.toISOString()} is more than ${hours} hours ahead; choose an earlier one.`, 'expiry');
  }
}
