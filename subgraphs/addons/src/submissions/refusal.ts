import { isSubmissionError } from '@addon-platform/ontology';
import type { ErrorCode } from '@addon-platform/platform';

/**
 * Why the platform refused a submission: the `extensions.code` answered, a precise `reason` for the
 * submission log (the verifier's reasons, and the platform's own below), a sentence, and the field
 * inside the submission when one is at fault. Thrown inside the submission's savepoint; the service
 * rolls the savepoint back and records only the REJECTED row.
 */
export class SubmissionRefusal extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly reason: PlatformRefusal | string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'SubmissionRefusal';
  }
}

/** The platform's reasons, beside the verifier's (`NOT_JSON`, `SIGNATURE_MISMATCH`, `EXPIRED`, …). */
export type PlatformRefusal =
  /** Over `SUBMISSION_RATE_LIMIT` submissions in the last minute. */
  | 'RATE_LIMITED'
  /** A legacy submission without the `network` argument. */
  | 'MISSING_NETWORK'
  /** The `network` argument differs from the envelope's signed network. */
  | 'NETWORK_MISMATCH'
  /** No built-in repo serves the network. */
  | 'UNKNOWN_NETWORK'
  /** The network's policy (`LEGACY_SUBMISSION_NETWORKS`) refuses the legacy form. */
  | 'LEGACY_REFUSED'
  /** Landing ACTIVE (the repo's default status), a version's ports or slots clash with another ACTIVE addon's. */
  | 'RELEASE_CLASH'
  /** The same content was already accepted for this owner (s and n−s are the same content). */
  | 'REPLAY'
  /** The envelope's nonce was already spent by an accepted envelope of this owner. */
  | 'NONCE_REUSED'
  /** An addon identity of the network is bound to another owner DID. */
  | 'IDENTITY_BOUND'
  /** An envelope version is not greater than the addon's latest. */
  | 'VERSION_NOT_GREATER'
  /** Two entries name one identity in different cases (the verifier catches exact duplicates). */
  | 'DUPLICATE_ADDON';

/** The refusal an error stands for, or null for an error that is not one (it then propagates as internal). */
export function toRefusal(error: unknown): SubmissionRefusal | null {
  if (error instanceof SubmissionRefusal) return error;
  if (isSubmissionError(error)) return new SubmissionRefusal(error.code, error.reason, error.message, error.field);
  return null;
}
