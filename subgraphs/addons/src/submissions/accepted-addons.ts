import { randomUUID } from 'node:crypto';
import type { Knex } from '@mikro-orm/postgresql';
import type { SubmittedAddon, VerifiedSubmission } from '@addon-platform/ontology';
import { enqueueJob, jobClientOf, launchConfigServiceCommand, versionActivatedCommand, type EntityManager, type Viewer } from '@addon-platform/platform';
import { findReleaseClash, lockReleaseRule } from '../versions/release-rule.js';
import { compareVersions, parseVersion, versionSortKey } from '../versions/version-order.js';
import { launchabilityOf } from './image-reference.js';
import { SubmissionRefusal } from './refusal.js';

/** The ADDON_INDEX repo entries land in (the network's built-in one, or a synced git index), as `repos.repo_source` publishes it. */
export interface NetworkRepo {
  repoId: string;
  network: string;
  defaultStatus: string;
}

/**
 * Who brings the submission: a user through `submitAddons`, or a sync run reading an index (no user:
 * the versions and addons get no `owner_sub`, so their repo's owner manages them, as with other syncs).
 */
export interface Sender {
  submitter: (Viewer & { sub: string }) | null;
  syncRunId: string | null;
}

interface Binding {
  identityKey: string;
  ownerDid: string;
  /** Null when the bound addon is in another repo. */
  addonId: string | null;
}

/**
 * Applies DESIGN's catalog rules to a verified submission inside the caller's transaction (and
 * savepoint), with each identity's advisory lock held so that concurrent submissions of one addon
 * run one after the other: identity binding per network, revisions for legacy entries, increasing
 * semver for envelope entries; then writes addons, versions, bindings and the runtimes' jobs.
 * Throws a {@link SubmissionRefusal} before or after writing: the caller's savepoint undoes it all.
 * Answers the new versions' ids in entry order.
 */
export async function writeAcceptedAddons(tx: EntityManager, submission: VerifiedSubmission, repo: NetworkRepo, sender: Sender): Promise<string[]> {
  const submitterSub = sender.submitter?.sub ?? null;
  const sql = tx.getTransactionContext<Knex.Transaction>()!;
  const entries = submission.addons.map((addon, index) => ({ addon, index, key: addon.identity.toLowerCase() }));
  const firstOfKey = new Map<string, number>();
  for (const { addon, index, key } of entries) {
    const earlier = firstOfKey.get(key);
    if (earlier !== undefined) {
      throw new SubmissionRefusal('BAD_USER_INPUT', 'DUPLICATE_ADDON', `addons[${index}] and addons[${earlier}] name the same addon ${JSON.stringify(addon.identity)} (identities compare case-insensitively); submit it once.`, `addons[${index}].${addon.identityField}`);
    }
    firstOfKey.set(key, index);
  }
  // Sorted, so two submissions naming the same identities lock them in the same order: no deadlock.
  for (const key of [...new Set(entries.map((entry) => entry.key))].sort()) {
    await sql.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`addons.identity:${repo.network}:${key}`]);
  }
  // The binding is per network; the addon it names may live in another repo of the network (the
  // built-in one, or a synced index): then this repo's addon of that name takes the version.
  const { rows: bindingRows } = await sql.raw<{ rows: Binding[] }>(
    `select i.identity_key as "identityKey", i.owner_did as "ownerDid", case when a.repo_id = ? then i.addon_id end as "addonId"
       from addons.addon_identity i join addons.addon a on a.id = i.addon_id where i.network = ? and i.identity_key = any(?::text[])`,
    [repo.repoId, repo.network, entries.map((entry) => entry.key)],
  );
  const bindings = new Map(bindingRows.map((binding) => [binding.identityKey, binding]));
  for (const { addon, index, key } of entries) {
    const bound = bindings.get(key);
    if (bound && bound.ownerDid !== submission.owner) {
      throw new SubmissionRefusal(
        'FORBIDDEN',
        'IDENTITY_BOUND',
        `The addon ${JSON.stringify(addon.identity)} of ${repo.network} belongs to ${bound.ownerDid}, not ${submission.owner}: its first accepted submission bound it. Use another ${addon.identityField}, or ask an operator to transfer the identity.`,
        `addons[${index}].${addon.identityField}`,
      );
    }
  }

  const versionIds: string[] = [];
  for (const { addon, index, key } of entries) {
    const addonId = await upsertAddon(sql, repo.repoId, addon, bindings.get(key)?.addonId ?? undefined, submitterSub);
    const version = submission.form === 'LEGACY' ? await nextRevision(sql, addonId) : await checkedVersion(sql, addonId, addon, index);
    // A new version: its config service, if it gets one, has served nothing yet.
    const launch = launchabilityOf(addon.configImage, addon.runtimeImage, false);
    const versionId = randomUUID();
    await sql.raw(
      `insert into addons.addon_version (
         id, addon_id, version, revision, sort_key, status, prerelease, description, content_digest, published_at,
         config_image, runtime_image, image_properties, ports, slots, launchable, not_launchable_reason, source, owner_sub, sync_run_id)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?, ?, 'SUBMISSION', ?, ?)`,
      [
        versionId,
        addonId,
        version.version,
        version.revision,
        versionSortKey(version.version, version.revision),
        repo.defaultStatus,
        (parseVersion(version.version)?.prerelease.length ?? 0) > 0,
        textOf(addon.entry.description),
        submission.contentHash,
        addon.configImage,
        addon.runtimeImage,
        JSON.stringify(objectOf(addon.entry.imageProperties)),
        JSON.stringify(arrayOf(addon.entry.ports)),
        JSON.stringify(arrayOf(addon.entry.slots)),
        launch.launchable,
        launch.notLaunchableReason,
        submitterSub,
        sender.syncRunId,
      ],
    );
    if (repo.defaultStatus === 'ACTIVE') {
      const message = sender.syncRunId ? 'Synced from a repo whose default status is ACTIVE.' : 'Submitted to a repo whose default status is ACTIVE.';
      await checkActivation(tx, sender, { addonId, versionId, fromStatus: null, message, field: `addons[${index}]` });
    }
    if (!bindings.has(key)) {
      await sql.raw('insert into addons.addon_identity (network, identity_key, identity, owner_did, addon_id) values (?, ?, ?, ?, ?)', [
        repo.network,
        key,
        addon.identity,
        submission.owner,
        addonId,
      ]);
      bindings.set(key, { identityKey: key, ownerDid: submission.owner, addonId });
    }
    // In the transaction: the jobs commit with the versions, or neither does.
    const commands = [
      ...(launch.configServiceImage !== null ? [launchConfigServiceCommand(versionId)] : []),
      ...(repo.defaultStatus === 'ACTIVE' ? [versionActivatedCommand(addonId, versionId)] : []),
    ];
    for (const command of commands) await enqueueJob(jobClientOf(tx), command.task, command.payload, command.options);
    versionIds.push(versionId);
  }
  return versionIds;
}

/**
 * A version that has just become ACTIVE (inserted so, or listed again by an index): the release rule
 * under its lock, as a publish applies it, then the audit row naming the user or the run. A clash is
 * a RELEASE_CLASH refusal; the caller's savepoint undoes the change.
 */
export async function checkActivation(
  tx: EntityManager,
  sender: Sender,
  change: { addonId: string; versionId: string; fromStatus: string | null; message: string; field: string },
): Promise<void> {
  await lockReleaseRule(tx);
  const clash = await findReleaseClash(tx, sender.submitter ?? PLATFORM_VIEWER, change.addonId, change.versionId);
  if (clash) throw new SubmissionRefusal('CONFLICT', 'RELEASE_CLASH', clash.message, change.field);
  await tx.getTransactionContext<Knex.Transaction>()!.raw(
    `insert into addons.addon_version_audit (version_id, actor_sub, from_status, to_status, message, sync_run_id) values (?, ?, ?, 'ACTIVE', ?, ?)`,
    [change.versionId, sender.submitter?.sub ?? null, change.fromStatus, change.message, sender.syncRunId],
  );
}

/** Checks made on no user's behalf (a sync) see public repos only: hidden ones stay hidden in messages. */
const PLATFORM_VIEWER: Viewer = Object.freeze({ roles: Object.freeze([]) as Viewer['roles'] });

/**
 * The addon of an identity: the bound one, else the repo's addon of that name (new, or one a sync
 * listed), which the submitter now owns. Its `updated_at` moves: a version was added.
 */
async function upsertAddon(sql: Knex.Transaction, repoId: string, addon: SubmittedAddon, boundAddonId: string | undefined, submitterSub: string | null): Promise<string> {
  const description = textOf(addon.entry.description);
  if (boundAddonId) {
    await sql.raw(`update addons.addon set owner_sub = ?, description = coalesce(nullif(?, ''), description), updated_at = now() where id = ?`, [submitterSub, description, boundAddonId]);
    return boundAddonId;
  }
  const { rows } = await sql.raw<{ rows: Array<{ id: string }> }>(
    `insert into addons.addon (repo_id, name, description, owner_sub) values (?, ?, ?, ?)
     on conflict (repo_id, name) do update set owner_sub = excluded.owner_sub, updated_at = now()
     returning id`,
    [repoId, addon.identity, description, submitterSub],
  );
  return rows[0]!.id;
}

/** Legacy: each accepted submission is the addon's next revision, r1, r2, … */
async function nextRevision(sql: Knex.Transaction, addonId: string): Promise<{ version: string; revision: number }> {
  const { rows } = await sql.raw<{ rows: Array<{ last: number | null }> }>('select max(revision) as last from addons.addon_version where addon_id = ?', [addonId]);
  const revision = (rows[0]?.last ?? 0) + 1;
  return { version: `r${revision}`, revision };
}

/**
 * Envelope: the version must be greater than the addon's latest, whatever that version's status
 * (a REMOVED or REJECTED 1.2.0 still spends 1.2.0). Build metadata does not count (semver §10):
 * `1.2.0+b` is not greater than `1.2.0+a`. Revisions and non-semver strings are older than any semver.
 */
async function checkedVersion(sql: Knex.Transaction, addonId: string, addon: SubmittedAddon, index: number): Promise<{ version: string; revision: null }> {
  const version = addon.version!;
  const { rows } = await sql.raw<{ rows: Array<{ version: string }> }>(
    'select version from addons.addon_version where addon_id = ? order by sort_key desc, id desc limit 1',
    [addonId],
  );
  const latest = rows[0]?.version;
  if (latest !== undefined && compareVersions(withoutBuild(version), withoutBuild(latest)) <= 0) {
    throw new SubmissionRefusal(
      'CONFLICT',
      'VERSION_NOT_GREATER',
      `Version ${version} of ${JSON.stringify(addon.identity)} is not greater than its latest version ${latest}; versions must increase: sign a greater one.`,
      `addons[${index}].version`,
    );
  }
  return { version, revision: null };
}

const withoutBuild = (version: string) => version.replace(/\+.*$/, '');
const textOf = (value: unknown) => (typeof value === 'string' ? value.slice(0, 1024) : '');
const objectOf = (value: unknown) => (value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {});
const arrayOf = (value: unknown) => (Array.isArray(value) ? value : []);
