import { createHash } from 'node:crypto';
import type { SubmittedAddon } from './addon-entry.js';
import { canonicalJson, goSortedJson } from './canonical-json.js';
import { SubmissionError } from './errors.js';
import type { JsonValue } from './json-value.js';
import { SUBMISSION_LIMITS, type SubmissionLimits } from './limits.js';
import { verifyWithKey, type OwnerKeyResolver } from './owner-key.js';
import { readSubmission, type UnverifiedSubmission } from './read-submission.js';

/** How the signed bytes were written: RFC 8785 canonical JSON, or Go's sorted `json.Marshal` (legacy only). */
export type SignedEncoding = 'JCS' | 'GO_JSON';

interface VerifiedBase {
  /** The owner DID, `did:ont:<address>`. */
  owner: string;
  /** The owner's compressed P-256 key, hex. */
  publicKey: string;
  /**
   * Hex sha256 of the signed bytes: the content key of DESIGN's replay rule, (owner, contentHash).
   * It does not depend on the signature bytes, so s and n−s give the same key.
   */
  contentHash: string;
  /** The signed text itself (UTF-8 of it is what was hashed), for the submission log. */
  signedJson: string;
  signedEncoding: SignedEncoding;
  /** The signature as submitted, lower-case hex. */
  sig: string;
  /** Whether s > n/2; accepted either way. */
  highS: boolean;
  addons: SubmittedAddon[];
  /** `meta` as submitted: signed in the envelope form, NOT signed in the legacy form. */
  meta: JsonValue | undefined;
}

export interface VerifiedLegacySubmission extends VerifiedBase {
  form: 'LEGACY';
}

export interface VerifiedEnvelopeSubmission extends VerifiedBase {
  form: 'ENVELOPE';
  network: string;
  nonce: string;
  /** `expiry` as signed. */
  expiry: string;
  expiresAt: Date;
}

export type VerifiedSubmission = VerifiedLegacySubmission | VerifiedEnvelopeSubmission;

export interface VerifyOptions {
  /** Caps replacing some of {@link SUBMISSION_LIMITS}. */
  limits?: Partial<SubmissionLimits>;
}

/**
 * Verifies a signed submission, given as JSON text or a parsed value, in either form:
 * - legacy `{owner, meta?, addons, sig}`: `sig` signs sha256 of the addons array as compact JSON with
 *   keys sorted at every level (RFC 8785 JCS; Go's escaping of `<>&` is tried when it differs);
 * - envelope `{owner, meta?, addons, network, nonce, expiry, sig}`: `sig` signs sha256 of the RFC 8785
 *   canonical JSON of everything but `sig`.
 * `resolver` names the owner's key. Throws a {@link SubmissionError}: `BAD_USER_INPUT` for malformed
 * input, `SIGNATURE_INVALID` when the signature does not verify for the owner. Expiry, nonces, replays,
 * identity binding and version order are the caller's (see `checkExpiry`).
 */
export async function verifySubmission(input: unknown, resolver: OwnerKeyResolver, options: VerifyOptions = {}): Promise<VerifiedSubmission> {
  const limits = options.limits ? { ...SUBMISSION_LIMITS, ...options.limits } : SUBMISSION_LIMITS;
  const submission = readSubmission(input, limits);
  const { owner, signature } = submission;
  for (const { text, encoding } of signedTexts(submission)) {
    const bytes = Buffer.from(text, 'utf8');
    const digest = createHash('sha256').update(bytes).digest();
    const key = await resolver.keyFor(owner, digest, signature);
    if (key && verifyWithKey(key, bytes, signature)) {
      const verified: VerifiedBase = {
        owner: owner.did,
        publicKey: Buffer.from(key.publicKey).toString('hex'),
        contentHash: digest.toString('hex'),
        signedJson: text,
        signedEncoding: encoding,
        sig: signature.hex,
        highS: signature.highS,
        addons: submission.addons,
        meta: submission.meta,
      };
      if (submission.form === 'LEGACY') return { form: 'LEGACY', ...verified };
      const { network, nonce, expiry, expiresAt } = submission;
      return { form: 'ENVELOPE', ...verified, network, nonce, expiry, expiresAt };
    }
  }
  const covered = submission.form === 'LEGACY' ? 'these addons' : 'this envelope';
  throw new SubmissionError(
    'SIGNATURE_MISMATCH',
    `sig does not verify for ${owner.did} over ${covered}: the content changed after it was signed, or another key signed it. Sign exactly what is submitted with the owner's key.`,
    'sig',
  );
}

/** The texts the signature may cover, most likely first. */
function* signedTexts(submission: UnverifiedSubmission): Generator<{ text: string; encoding: SignedEncoding }> {
  const jcs = canonicalJson(submission.signedValue);
  yield { text: jcs, encoding: 'JCS' };
  if (submission.form === 'LEGACY') {
    const go = goSortedJson(submission.signedValue);
    if (go !== jcs) yield { text: go, encoding: 'GO_JSON' };
  }
}
