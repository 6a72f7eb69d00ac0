/**
 * Signing for tests and benchmarks: owners with fresh P-256 keys whose DIDs are their single-key
 * addresses, signing either form exactly as the verifier expects. Not for production keys.
 */
export { createTestOwner, type TestOwner, type EnvelopeFields } from './test-owner.js';
