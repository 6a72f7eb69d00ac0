import { readAddonEntries, type SubmittedAddon } from './addon-entry.js';
import { readOntologyDid, type OntologyDid } from './address.js';
import { ENVELOPE_FIELDS, readExpiry, readNetwork, readNonce } from './envelope.js';
import { quote, SubmissionError } from './errors.js';
import { isPlainObject, parseSubmissionText, readJsonValue, type JsonObject, type JsonValue } from './json-value.js';
import type { SubmissionLimits } from './limits.js';
import { readSignature, type SubmissionSignature } from './signature.js';

/** A submission that is well formed and not yet verified. */
export type UnverifiedSubmission = UnverifiedLegacySubmission | UnverifiedEnvelopeSubmission;

interface UnverifiedBase {
  owner: OntologyDid;
  signature: SubmissionSignature;
  addons: SubmittedAddon[];
  meta: JsonValue | undefined;
}

export interface UnverifiedLegacySubmission extends UnverifiedBase {
  form: 'LEGACY';
  /** The `addons` array: what a legacy signature covers. */
  signedValue: JsonValue[];
}

export interface UnverifiedEnvelopeSubmission extends UnverifiedBase {
  form: 'ENVELOPE';
  /** The submission without `sig`: what an envelope signature covers. */
  signedValue: JsonObject;
  network: string;
  nonce: string;
  expiry: string;
  expiresAt: Date;
}

const LEGACY_FIELDS = new Set(['owner', 'meta', 'addons', 'sig']);
const ENVELOPE_ONLY = ['network', 'nonce', 'expiry'] as const;
const ALL_FIELDS = new Set<string>([...ENVELOPE_FIELDS, 'sig']);

/**
 * Reads a submission, given as JSON text or as a parsed value, and checks its shape and caps. The
 * form is the envelope when any of `network`, `nonce`, `expiry` is present (then all three must be),
 * the legacy one otherwise. Throws `BAD_USER_INPUT` refusals naming the field.
 */
export function readSubmission(input: unknown, limits: SubmissionLimits): UnverifiedSubmission {
  const value = readJsonValue(typeof input === 'string' ? parseSubmissionText(input, limits) : input, limits);
  if (!isPlainObject(value)) throw new SubmissionError('WRONG_TYPE', 'A submission must be a JSON object with "owner", "addons" and "sig".');
  const isEnvelope = ENVELOPE_ONLY.some((key) => key in value);
  const allowed = isEnvelope ? ALL_FIELDS : LEGACY_FIELDS;
  const unknown = Object.keys(value).find((key) => !allowed.has(key));
  if (unknown !== undefined) {
    const known = [...allowed].map((key) => `"${key}"`).join(', ');
    throw new SubmissionError('UNKNOWN_FIELD', `The submission has a field ${quote(unknown, 40)}; ${isEnvelope ? 'an envelope' : 'a legacy submission'} has only ${known}.`, unknown);
  }
  for (const key of isEnvelope ? ['owner', 'addons', ...ENVELOPE_ONLY, 'sig'] : ['owner', 'addons', 'sig']) {
    if (!(key in value)) throw new SubmissionError('MISSING_FIELD', `The submission has no ${quote(key)}.`, key);
  }
  const owner = readOntologyDid(value.owner, 'owner');
  const signature = readSignature(value.sig, 'sig');
  const addons = readAddonEntries(value.addons as JsonValue, isEnvelope ? 'ENVELOPE' : 'LEGACY', limits);
  const meta = value.meta as JsonValue | undefined;
  if (!isEnvelope) return { form: 'LEGACY', owner, signature, addons, meta, signedValue: value.addons as JsonValue[] };

  const { sig: _sig, ...signedValue } = value as JsonObject;
  const expiresAt = readExpiry(value.expiry);
  return {
    form: 'ENVELOPE',
    owner,
    signature,
    addons,
    meta,
    signedValue,
    network: readNetwork(value.network),
    nonce: readNonce(value.nonce),
    expiry: value.expiry as string,
    expiresAt,
  };
}
