import type { Knex } from '@mikro-orm/postgresql';
import { checkExpiry, SubmissionError, verifySubmission, type OwnerKeyResolver, type VerifiedSubmission } from '@addon-platform/ontology';
import type { EntityManager } from '@addon-platform/platform';
import type { SubmissionSettings } from '../config.js';
import { writeAcceptedAddons, type NetworkRepo, type Sender } from './accepted-addons.js';
import { SubmissionRefusal, toRefusal } from './refusal.js';

/** What deciding a submission needs besides the database: the process's one key resolver and the settings. */
export interface SubmissionRules {
  keys: OwnerKeyResolver;
  settings: SubmissionSettings;
  now?: () => Date;
}

export interface Received {
  /** What the verifier reads; undefined when over the size cap (never parsed). */
  value: unknown;
  /** The text kept in the log, cut at the size cap. */
  body: string;
  bodyTruncated: boolean;
  tooLarge: boolean;
}

/** What the log keeps of a refused submission: as much as was known when it was refused. */
export interface KnownFacts {
  network: string | null;
  repoId: string | null;
  form: string | null;
  ownerDid: string | null;
  contentHash: string | null;
  nonce: string | null;
}

/**
 * ACCEPTED: the content was new and is written, with its log row. KNOWN: the same content was already
 * accepted for this owner (by `submitAddons` or a sync); nothing was written. The API refuses it as a
 * replay, a sync counts it unchanged.
 */
export type Decision =
  | { status: 'ACCEPTED'; submissionId: string; verified: VerifiedSubmission; versionIds: string[] }
  | { status: 'KNOWN'; submissionId: string; verified: VerifiedSubmission; repoId: string; versionIds: string[] };

/** The submission as the log keeps it; its size is checked here, before any parsing. */
export function readReceived(submission: unknown, maxBytes: number): Received {
  const text = typeof submission === 'string' ? submission : (JSON.stringify(submission) ?? 'null');
  const bytes = Buffer.byteLength(text, 'utf8');
  const tooLarge = bytes > maxBytes;
  const body = tooLarge ? Buffer.from(text, 'utf8').subarray(0, maxBytes).toString('utf8') : text;
  return { value: tooLarge ? undefined : submission, body, bodyTruncated: tooLarge, tooLarge };
}

export const noFacts = (ownerDid: string | null): KnownFacts => ({ network: null, repoId: null, form: null, ownerDid, contentHash: null, nonce: null });

/**
 * DESIGN's rules for one submission, in the order the ontology README gives, inside the caller's
 * transaction: the size cap → `verifySubmission` → the network's repo (`repoOf`) → the legacy policy →
 * the owner's advisory lock → the replay lookup (KNOWN) → expiry → the nonce → identity binding and
 * version order, and the writes (`writeAcceptedAddons`, the ACCEPTED log row). Refusals are thrown
 * (`SubmissionError` or `SubmissionRefusal`); run it through {@link inSavepoint} so they write nothing.
 * `facts` fills in as the submission becomes known, for the caller's REJECTED row.
 */
export async function decideSubmission(
  tx: EntityManager,
  rules: SubmissionRules,
  received: Received,
  repoOf: (verified: VerifiedSubmission) => Promise<NetworkRepo>,
  sender: Sender,
  facts: KnownFacts,
): Promise<Decision> {
  const sql = tx.getTransactionContext<Knex.Transaction>()!;
  const { settings } = rules;
  if (received.tooLarge) {
    throw new SubmissionError('TOO_LARGE', `The submission is over ${settings.maxSubmissionBytes} bytes; real ones are about 500. Submit fewer addons at once.`);
  }
  const verified = await verifySubmission(received.value, rules.keys, { limits: { maxSubmissionBytes: settings.maxSubmissionBytes } });
  Object.assign(facts, { form: verified.form, ownerDid: verified.owner, contentHash: verified.contentHash, nonce: verified.form === 'ENVELOPE' ? verified.nonce : null });
  const repo = await repoOf(verified);
  Object.assign(facts, { network: repo.network, repoId: repo.repoId });
  if (verified.form === 'LEGACY' && !settings.legacyNetworks.includes(repo.network)) {
    throw new SubmissionRefusal(
      'FORBIDDEN',
      'LEGACY_REFUSED',
      `${repo.network} accepts signed envelopes only (owner, addons with versions, network, nonce, expiry); the legacy form signs no network and no nonce. Sign an envelope.`,
    );
  }
  // Replays, nonces and identities of one owner are decided one submission at a time.
  await sql.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`addons.submission-owner:${verified.owner}`]);
  const { rows: known } = await sql.raw<{ rows: Array<{ id: string; repo_id: string; version_ids: string[] }> }>(
    `select id, repo_id, version_ids from addons.submission where owner_did = ? and content_hash = ? and status = 'ACCEPTED'`,
    [verified.owner, verified.contentHash],
  );
  if (known[0]) return { status: 'KNOWN', submissionId: known[0].id, verified, repoId: known[0].repo_id, versionIds: known[0].version_ids };
  if (verified.form === 'ENVELOPE') {
    // After the replay lookup: an old envelope accepted before is known content, not merely expired.
    checkExpiry(verified.expiresAt, (rules.now ?? (() => new Date()))());
    const { rows: spent } = await sql.raw<{ rows: unknown[] }>(`select 1 from addons.submission where owner_did = ? and nonce = ? and status = 'ACCEPTED'`, [verified.owner, verified.nonce]);
    if (spent.length > 0) {
      throw new SubmissionRefusal('CONFLICT', 'NONCE_REUSED', `The nonce ${verified.nonce} was already used by an accepted envelope of ${verified.owner}; sign with a fresh random nonce.`, 'nonce');
    }
  }
  const versionIds = await writeAcceptedAddons(tx, verified, repo, sender);
  const { rows } = await sql.raw<{ rows: Array<{ id: string }> }>(
    `insert into addons.submission (network, repo_id, form, owner_did, submitter_sub, sync_run_id, status, content_hash, nonce, body, body_truncated, version_ids)
     values (?, ?, ?, ?, ?, ?, 'ACCEPTED', ?, ?, ?, false, ?::uuid[]) returning id`,
    [repo.network, repo.repoId, verified.form, verified.owner, sender.submitter?.sub ?? null, sender.syncRunId, verified.contentHash, facts.nonce, received.body, versionIds],
  );
  return { status: 'ACCEPTED', submissionId: rows[0]!.id, verified, versionIds };
}

/**
 * Runs `decide` in a savepoint: a refusal rolls back everything it wrote (addon upserts, versions,
 * jobs) and comes back as the answer; any other error propagates and fails the whole transaction.
 */
export async function inSavepoint<T>(tx: EntityManager, decide: () => Promise<T>): Promise<{ value: T; refusal?: undefined } | { refusal: SubmissionRefusal }> {
  const sql = tx.getTransactionContext<Knex.Transaction>()!;
  await sql.raw('savepoint submission');
  try {
    const value = await decide();
    await sql.raw('release savepoint submission');
    return { value };
  } catch (error) {
    const refusal = toRefusal(error);
    if (!refusal) throw error;
    await sql.raw('rollback to savepoint submission');
    tx.clear();
    return { refusal };
  }
}
