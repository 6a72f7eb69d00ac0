/**
 * Why a submission was refused. Each reason belongs to one code of the platform's error catalogue
 * (`ERROR_CODES` in @addon-platform/platform), so a subgraph turns a {@link SubmissionError} into a
 * GraphQL error with `extensions.code` = {@link SubmissionError.code} and keeps `reason` for the
 * submission log.
 */
const REASON_CODES = {
  /** The text is not JSON. */
  NOT_JSON: 'BAD_USER_INPUT',
  /** Over a cap of {@link SubmissionLimits}: bytes, addons, string length, nesting, keys. */
  TOO_LARGE: 'BAD_USER_INPUT',
  /** A field the form requires is absent. */
  MISSING_FIELD: 'BAD_USER_INPUT',
  /** A value has the wrong JSON type (an object where an array belongs, a number for a string...). */
  WRONG_TYPE: 'BAD_USER_INPUT',
  /** A string holds a lone UTF-16 surrogate, which has no UTF-8 form and so no signed bytes. */
  INVALID_TEXT: 'BAD_USER_INPUT',
  /** A top-level field that neither form has; unsigned extras are refused rather than ignored. */
  UNKNOWN_FIELD: 'BAD_USER_INPUT',
  /** `owner` is not `did:ont:<address>` with a valid base58check address. */
  BAD_DID: 'BAD_USER_INPUT',
  /** `sig` is not hex, or not 65 bytes. */
  BAD_SIGNATURE: 'BAD_USER_INPUT',
  /** `sig` starts with a scheme byte other than 0x01 (SHA256withECDSA). */
  UNKNOWN_SIGNATURE_SCHEME: 'BAD_USER_INPUT',
  /** r or s is 0 or not below the P-256 group order: no key can have made it. */
  SIGNATURE_OUT_OF_RANGE: 'BAD_USER_INPUT',
  /** An addon entry has no usable `domain` or `name`. */
  BAD_IDENTITY: 'BAD_USER_INPUT',
  /** Two entries of one submission name the same addon identity. */
  DUPLICATE_ADDON: 'BAD_USER_INPUT',
  /** An entry's `image` and `configImage` both name a config image, and differently. */
  CONFLICTING_IMAGES: 'BAD_USER_INPUT',
  /** An envelope entry's `version` is missing or not semver 2.0.0, or a legacy entry carries one. */
  BAD_VERSION: 'BAD_USER_INPUT',
  /** The envelope's `network` is not a network name. */
  BAD_NETWORK: 'BAD_USER_INPUT',
  /** The envelope's `nonce` is not 16 to 32 bytes of lower-case hex. */
  BAD_NONCE: 'BAD_USER_INPUT',
  /** The envelope's `expiry` is not an RFC 3339 UTC time, or lies too far ahead. */
  BAD_EXPIRY: 'BAD_USER_INPUT',
  /** Well-formed, but the signature does not verify for the owner DID over these bytes. */
  SIGNATURE_MISMATCH: 'SIGNATURE_INVALID',
  /** The envelope's `expiry` has passed. */
  EXPIRED: 'SUBMISSION_EXPIRED',
} as const;

export type SubmissionRefusal = keyof typeof REASON_CODES;

/** The `extensions.code` of a refusal; each is a key of the platform's `ERROR_CODES`. */
export type SubmissionErrorCode = (typeof REASON_CODES)[SubmissionRefusal];

/** Every code a {@link SubmissionError} can carry, for checks against the platform catalogue. */
export const SUBMISSION_ERROR_CODES: readonly SubmissionErrorCode[] = [...new Set(Object.values(REASON_CODES))];

/**
 * A refused submission: `code` for `extensions.code`, `reason` for the submission log, and `field`,
 * a path inside the submission (`sig`, `owner`, `addons[0].version`), when one field is at fault.
 * Errors about the submission as a whole have no field; the caller may name its own argument then.
 */
export class SubmissionError extends Error {
  readonly code: SubmissionErrorCode;

  constructor(
    readonly reason: SubmissionRefusal,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'SubmissionError';
    this.code = REASON_CODES[reason];
  }
}

export function isSubmissionError(error: unknown): error is SubmissionError {
  return error instanceof SubmissionError;
}

/** Shortens a user's value for a message, so a huge or multi-line input cannot flood a log line. */
export function quote(value: unknown, maxLength = 80): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  const cut = text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
  return JSON.stringify(cut);
}
