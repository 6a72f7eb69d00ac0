import type { Knex } from '@mikro-orm/postgresql';
import type { VerifiedSubmission } from '@addon-platform/ontology';
import { enqueueJob, jobClientOf, versionActivatedCommand, type EntityManager } from '@addon-platform/platform';
import type { AddonIndexEntry } from '@addon-platform/sources';
import { checkActivation, decideSubmission, inSavepoint, noFacts, readReceived, type NetworkRepo, type Sender, type SubmissionRules } from '../submissions/index.js';
import { SubmissionRefusal } from '../submissions/refusal.js';
import type { SyncCounts } from './catalog-writer.js';
import type { SyncProblem } from './sync-run.entity.js';

export interface IndexRun {
  repo: NetworkRepo;
  runId: string;
  /** Records a rejected entry (the caller counts them all and keeps the first ones). */
  reject(problem: SyncProblem): void;
}

/**
 * A sync of a git ADDON_INDEX repo (ADR 012, "Index syncs"): each `drivers[i]` is a signed submission
 * decided by the same rules as `submitAddons` (`decideSubmission`), in its own savepoint inside the
 * run's one transaction, with the repo (and its network) fixed by the repo, and the run as the sender.
 * Content already accepted for its owner (by an earlier sync, or through the API) is `unchanged`,
 * and so is the second of two identical entries; a refused entry is rejected with its reason and the
 * rest is imported. Versions this repo's index accepted earlier and no longer lists become REMOVED;
 * listed again, they go back to the repo's default status (`updated`).
 *
 * Counts: `added` and `updated` are versions, `unchanged` the versions a known entry stands for (one
 * per addon in it), `rejected` entries (a submission is accepted or refused whole), `removed` versions.
 */
export async function importAddonIndex(tx: EntityManager, rules: SubmissionRules, run: IndexRun, entries: AsyncIterable<AddonIndexEntry>): Promise<SyncCounts> {
  const counts: SyncCounts = { added: 0, updated: 0, unchanged: 0, removed: 0 };
  const sender: Sender = { submitter: null, syncRunId: run.runId };
  const listed = new Set<string>();
  for await (const entry of entries) {
    const name = `drivers[${entry.index}]${ownerSuffix(entry.driver)}`;
    if (!isSignedEntry(entry.driver)) {
      run.reject({
        entry: name,
        reason: 'UNSIGNED: not a signed submission (no owner, addons and sig): an index lists its DID driver first, and such entries are not imported.',
      });
      continue;
    }
    const received = readReceived(entry.text, rules.settings.maxSubmissionBytes);
    const decided = await inSavepoint(tx, async () => {
      const decision = await decideSubmission(tx, rules, received, async (verified) => repoOfIndex(run.repo, verified), sender, noFacts(null));
      if (decision.status === 'ACCEPTED') return { submissionId: decision.submissionId, added: decision.versionIds.length, restored: 0, known: 0 };
      // Known content: its versions in this repo, if an earlier run removed them, come back.
      const restored = decision.repoId === run.repo.repoId ? await restoreRemoved(tx, run, sender, decision.versionIds) : 0;
      return { submissionId: decision.submissionId, added: 0, restored, known: decision.verified.addons.length - restored };
    });
    if (decided.refusal) {
      const { code, reason, message } = decided.refusal;
      run.reject({ entry: name, reason: `${code} ${reason}: ${message}` });
      continue;
    }
    listed.add(decided.value.submissionId);
    counts.added += decided.value.added;
    counts.updated += decided.value.restored;
    counts.unchanged += decided.value.known;
  }
  counts.removed = await removeUnlisted(tx, run, [...listed]);
  return counts;
}

/** The repo's network, which an envelope signs and must match; a legacy entry takes it from the repo. */
function repoOfIndex(repo: NetworkRepo, verified: VerifiedSubmission): NetworkRepo {
  if (verified.form === 'ENVELOPE' && verified.network !== repo.network) {
    throw new SubmissionRefusal('BAD_USER_INPUT', 'NETWORK_MISMATCH', `The envelope is signed for ${verified.network}, and this index serves ${repo.network}; it belongs in an index of ${verified.network}.`, 'network');
  }
  return repo;
}

/** Sets the versions REMOVED in this repo back to the repo's default status, audited; answers how many. */
async function restoreRemoved(tx: EntityManager, run: IndexRun, sender: Sender, versionIds: string[]): Promise<number> {
  const sql = tx.getTransactionContext<Knex.Transaction>()!;
  const { rows } = await sql.raw<{ rows: Array<{ id: string; addon_id: string }> }>(
    `update addons.addon_version v set status = ?, sync_run_id = ?::uuid, updated_at = now()
       from addons.addon a
      where a.id = v.addon_id and a.repo_id = ?::uuid and v.id = any(?::uuid[]) and v.status = 'REMOVED'
      returning v.id, v.addon_id`,
    [run.repo.defaultStatus, run.runId, run.repo.repoId, versionIds],
  );
  for (const { id, addon_id: addonId } of rows) {
    const message = 'Listed again by its source.';
    if (run.repo.defaultStatus === 'ACTIVE') {
      await checkActivation(tx, sender, { addonId, versionId: id, fromStatus: 'REMOVED', message, field: 'addons' });
      const command = versionActivatedCommand(addonId, id);
      await enqueueJob(jobClientOf(tx), command.task, command.payload, command.options);
    } else {
      await sql.raw(`insert into addons.addon_version_audit (version_id, from_status, to_status, message, sync_run_id) values (?, 'REMOVED', ?, ?, ?)`, [
        id,
        run.repo.defaultStatus,
        message,
        run.runId,
      ]);
    }
  }
  if (rows.length > 0) await sql.raw('update addons.addon set updated_at = now() where id = any(?::uuid[])', [[...new Set(rows.map((row) => row.addon_id))]]);
  return rows.length;
}

/**
 * Versions that syncs of this repo accepted, whose content the index no longer lists, become REMOVED
 * (whatever their status), audited with the run. Content accepted elsewhere (the built-in repo) is
 * never touched.
 */
async function removeUnlisted(tx: EntityManager, run: IndexRun, listed: string[]): Promise<number> {
  const sql = tx.getTransactionContext<Knex.Transaction>()!;
  const { rows } = await sql.raw<{ rows: Array<{ removed: number }> }>(
    `with synced as (
       select distinct unnest(s.version_ids) as id from addons.submission s
        where s.repo_id = ?::uuid and s.sync_run_id is not null and s.status = 'ACCEPTED' and s.id <> all(?::uuid[])
     ),
     gone as (
       update addons.addon_version v set status = 'REMOVED', sync_run_id = ?::uuid, updated_at = now()
         from synced, addons.addon_version was
        where v.id = synced.id and was.id = v.id and v.status <> 'REMOVED'
        returning v.id, v.addon_id, was.status as from_status
     ),
     touched as (
       update addons.addon a set updated_at = now() where a.id in (select addon_id from gone)
     ),
     audited as (
       insert into addons.addon_version_audit (version_id, from_status, to_status, message, sync_run_id)
       select id, from_status, 'REMOVED', 'No longer listed by its source.', ?::uuid from gone
     )
     select count(*)::int as removed from gone`,
    [run.repo.repoId, listed, run.runId, run.runId],
  );
  return rows[0]!.removed;
}

/** An entry that claims to be a signed submission; anything else (the index's DID driver) is not one. */
function isSignedEntry(driver: unknown): boolean {
  return driver !== null && typeof driver === 'object' && !Array.isArray(driver) && 'sig' in driver;
}

function ownerSuffix(driver: unknown): string {
  const owner = driver !== null && typeof driver === 'object' ? (driver as { owner?: unknown }).owner : undefined;
  return typeof owner === 'string' ? ` (${owner.slice(0, 60)})` : '';
}
