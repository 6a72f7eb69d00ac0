export { SubmissionError, isSubmissionError, SUBMISSION_ERROR_CODES, type SubmissionErrorCode, type SubmissionRefusal } from './errors.js';
export * from './limits.js';
export { type JsonObject, type JsonValue } from './json-value.js';
export { encodeBase58, decodeBase58, encodeBase58Check, decodeBase58Check } from './base58.js';
export {
  ADDRESS_VERSION,
  DID_PREFIX,
  type OntologyDid,
  addressHashOfPublicKey,
  addressOfPublicKey,
  didOfPublicKey,
  encodeAddress,
  decodeAddress,
  readOntologyDid,
  isOntologyDid,
} from './address.js';
export { canonicalJson, goSortedJson } from './canonical-json.js';
export { P256_ORDER, SHA256_WITH_ECDSA, type SubmissionSignature, readSignature, complementSignature } from './signature.js';
export { type OwnerKey, type OwnerKeyResolver, toOwnerKey, verifyWithKey } from './owner-key.js';
export { RecoveringKeyResolver, type RecoveringKeyResolverOptions, recoverOwnerPublicKey } from './recovering-key-resolver.js';
export { ENVELOPE_FIELDS, DEFAULT_MAX_EXPIRY_AHEAD_MS, isSemver, readNetwork, readNonce, readExpiry, hasExpired, checkExpiry } from './envelope.js';
export { type SubmittedAddon } from './addon-entry.js';
export { readSubmission, type UnverifiedSubmission, type UnverifiedLegacySubmission, type UnverifiedEnvelopeSubmission } from './read-submission.js';
export {
  verifySubmission,
  type VerifyOptions,
  type SignedEncoding,
  type VerifiedSubmission,
  type VerifiedLegacySubmission,
  type VerifiedEnvelopeSubmission,
} from './verify-submission.js';
