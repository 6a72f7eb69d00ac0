/**
 * Caps on what a submission may hold, checked before anything is hashed or verified. Real submissions
 * are far below them: the testnet index's are about 500 bytes with one addon, strings under 110
 * characters and nesting 4 deep.
 */
export interface SubmissionLimits {
  /**
   * Bytes of a submission: the UTF-8 length of the text when it arrives as text, else the length of
   * its compact JSON, counted while it is walked. Default 64 KiB.
   */
  maxSubmissionBytes: number;
  /** Entries in `addons`. Default 32. */
  maxAddons: number;
  /** UTF-16 code units of any string value (an image reference is at most ~400). Default 1,024. */
  maxStringLength: number;
  /** UTF-16 code units of any object key. Default 128. */
  maxKeyLength: number;
  /** Keys of any one object. Default 64. */
  maxKeysPerObject: number;
  /**
   * Nesting: the submission is depth 1, `addons` 2, an entry 3, a value inside an entry 4. Default 8,
   * which leaves `meta` and entry values room for a few levels of their own.
   */
  maxDepth: number;
}

export const SUBMISSION_LIMITS: Readonly<SubmissionLimits> = Object.freeze({
  maxSubmissionBytes: 64 * 1024,
  maxAddons: 32,
  maxStringLength: 1024,
  maxKeyLength: 128,
  maxKeysPerObject: 64,
  maxDepth: 8,
});

/**
 * An addon identity (`domain` or `name`): 1 to 253 characters (a DNS name's maximum), letters, digits,
 * `.`, `_` and `-`, starting with a letter or digit. The real ones: `witnessTest001.addon.ont`,
 * `triones-node`.
 */
export const ADDON_IDENTITY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

/** Envelope versions longer than this are refused (semver sets no bound). */
export const MAX_VERSION_LENGTH = 128;
