import { raw, type FilterQuery } from '@mikro-orm/core';
import {
  domainError,
  enqueueJob,
  isOperator,
  jobClientOf,
  paginateChildren,
  readId,
  requireRole,
  selectRows,
  versionActivatedCommand,
  type Connection,
  type EntityManager,
  type Viewer,
} from '@addon-platform/platform';
import { AddonVersionAuditEntry } from './addon-version-audit.entity.js';
import { AddonVersion, AddonVersionStatus } from './addon-version.entity.js';
import { findReleaseClash, lockReleaseRule } from './release-rule.js';
import { visibleVersions } from './version-visibility.js';

/** The longest message a transition keeps: a paragraph, not a document. */
export const MAX_REVIEW_MESSAGE = 2000;

export enum ReviewDecision {
  APPROVE = 'APPROVE',
  REJECT = 'REJECT',
}

/** Who may ask for a move: the version's owner (or an operator), or operators only. */
type Actor = 'OWNER' | 'OPERATOR';

interface Transition {
  /** The mutation, as the API spells it; CONFLICT messages name it. */
  mutation: string;
  from: AddonVersionStatus;
  to: AddonVersionStatus;
  actor: Actor;
  /** Whether `message` must be given. */
  needsMessage: boolean;
}

const { DRAFT, SUBMITTED, APPROVED, REJECTED, ACTIVE, SUSPENDED } = AddonVersionStatus;

/**
 * DESIGN's states: DRAFT → SUBMITTED → APPROVED | REJECTED, APPROVED → ACTIVE → SUSPENDED → ACTIVE.
 * REJECTED and REMOVED are ends: a rejected version is not resubmitted (its owner submits a new
 * version), and REMOVED belongs to the sync, which moves a version back when its source lists it again.
 */
export const TRANSITIONS = {
  submit: { mutation: 'submitAddonVersion', from: DRAFT, to: SUBMITTED, actor: 'OWNER', needsMessage: false },
  approve: { mutation: 'reviewAddonVersion(decision: APPROVE)', from: SUBMITTED, to: APPROVED, actor: 'OPERATOR', needsMessage: false },
  reject: { mutation: 'reviewAddonVersion(decision: REJECT)', from: SUBMITTED, to: REJECTED, actor: 'OPERATOR', needsMessage: true },
  publish: { mutation: 'publishAddonVersion', from: APPROVED, to: ACTIVE, actor: 'OWNER', needsMessage: false },
  suspend: { mutation: 'suspendAddonVersion', from: ACTIVE, to: SUSPENDED, actor: 'OPERATOR', needsMessage: true },
  restore: { mutation: 'restoreAddonVersion', from: SUSPENDED, to: ACTIVE, actor: 'OPERATOR', needsMessage: false },
} as const satisfies Record<string, Transition>;

export type TransitionName = keyof typeof TRANSITIONS;

interface LockedVersion {
  id: string;
  addon_id: string;
  version: string;
  status: AddonVersionStatus;
  owner_sub: string | null;
}

/**
 * Review and publication of versions (ADR 011). Each move is one transaction: the version's row
 * locked, the viewer's right and the current status checked, the release rule applied on the way to
 * ACTIVE, the status changed, one audit row written and, on the way to ACTIVE, "version V is active"
 * queued for the runtimes subgraph. A refused move writes nothing.
 */
export class VersionReviewService {
  constructor(private readonly em: EntityManager) {}

  submit(viewer: Viewer, id: string, message?: string | null): Promise<AddonVersion> {
    return this.move(viewer, id, 'submit', message);
  }

  review(viewer: Viewer, id: string, decision: ReviewDecision, message?: string | null): Promise<AddonVersion> {
    return this.move(viewer, id, decision === ReviewDecision.APPROVE ? 'approve' : 'reject', message);
  }

  publish(viewer: Viewer, id: string): Promise<AddonVersion> {
    return this.move(viewer, id, 'publish', null);
  }

  suspend(viewer: Viewer, id: string, message: string): Promise<AddonVersion> {
    return this.move(viewer, id, 'suspend', message);
  }

  restore(viewer: Viewer, id: string, message?: string | null): Promise<AddonVersion> {
    return this.move(viewer, id, 'restore', message);
  }

  /**
   * Each version's audit, newest first, a page per version in one query. Only the version's owner and
   * operators read it (rejection and suspension reasons are between them); anyone else gets an empty
   * page, so a list of versions stays readable without an error per version.
   */
  async listAuditOfVersions(viewer: Viewer, versionIds: readonly string[], page: { first: number; after?: string }): Promise<Connection<AddonVersionAuditEntry>[]> {
    const sub = viewer.sub ?? null;
    const operator = isOperator(viewer);
    const readable = raw(
      (alias: string) => `exists (
        select 1 from addons.addon_version v join addons.addon a on a.id = v.addon_id join repos.repo_access ra on ra.repo_id = a.repo_id
         where v.id = ${alias}.version_id and a.repo_id in (select repos.visible_repo_ids(?, ?))
           and (?::boolean or coalesce(v.owner_sub, ra.owner_sub) = ?))`,
      [sub, operator, operator, sub],
    );
    return paginateChildren(this.em, AddonVersionAuditEntry, {
      parent: 'versionId',
      parentIds: versionIds,
      where: { [readable]: [] } as FilterQuery<AddonVersionAuditEntry>,
      page,
      orderBy: { seq: 'desc' },
    });
  }

  private async move(viewer: Viewer, id: string, name: TransitionName, message: string | null | undefined): Promise<AddonVersion> {
    const transition: Transition = TRANSITIONS[name];
    // Roles first, before the id is looked at: the answer says nothing about the version.
    requireRole(viewer, transition.actor === 'OWNER' ? 'developer' : 'operator');
    const versionId = readId(id);
    const why = readMessage(message, transition.needsMessage);

    return this.em.transactional(async (tx) => {
      const visible = visibleVersions(viewer);
      // The row lock serialises moves of one version: the status checked is the status changed.
      const [locked] = await selectRows<LockedVersion>(tx, {
        sql: `select v.id, v.addon_id, v.version, v.status, coalesce(v.owner_sub, ra.owner_sub) as owner_sub
                from addons.addon_version v
                join addons.addon a on a.id = v.addon_id
                join repos.repo_access ra on ra.repo_id = a.repo_id
               where v.id = ? and ${visible.sql('v')}
                 for update of v`,
        bindings: [versionId, ...visible.params],
      });
      if (!locked) throw domainError('NOT_FOUND', `No addon version with id ${id} is visible to you.`, { field: 'id' });
      const isOwner = locked.owner_sub !== null && locked.owner_sub === viewer.sub;
      if (!isOperator(viewer) && !isOwner) {
        throw domainError('FORBIDDEN', `Only the owner of version ${locked.version} or an operator can ${name} it.`, { field: 'id' });
      }
      if (locked.status !== transition.from) throw illegalMove(locked, transition);

      if (transition.to === ACTIVE) {
        await lockReleaseRule(tx);
        const clash = await findReleaseClash(tx, viewer, locked.addon_id, locked.id);
        if (clash) throw clash;
      }

      await selectRows(tx, {
        sql: `with changed as (update addons.addon_version set status = ?, updated_at = now() where id = ? returning id)
              insert into addons.addon_version_audit (version_id, actor_sub, from_status, to_status, message)
              select id, ?, ?, ?, ? from changed`,
        bindings: [transition.to, locked.id, viewer.sub, transition.from, transition.to, why],
      });
      if (transition.to === ACTIVE) {
        const command = versionActivatedCommand(locked.addon_id, locked.id);
        await enqueueJob(jobClientOf(tx), command.task, command.payload, command.options);
      }
      return tx.findOneOrFail(AddonVersion, { id: locked.id }, { refresh: true });
    });
  }
}

/** A message trimmed, null when absent or blank where it may be; refused when too long or required and missing. */
function readMessage(message: string | null | undefined, required: boolean): string | null {
  const text = message?.trim() ?? '';
  if (text === '') {
    if (required) throw domainError('BAD_USER_INPUT', 'Say why in message: the owner reads it in the version’s audit.', { field: 'message' });
    return null;
  }
  if (text.length > MAX_REVIEW_MESSAGE) {
    throw domainError('BAD_USER_INPUT', `message holds at most ${MAX_REVIEW_MESSAGE} characters; it has ${text.length}.`, { field: 'message' });
  }
  return text;
}

/** CONFLICT naming the current status and what may move the version from there. */
function illegalMove(version: LockedVersion, transition: Transition) {
  const allowed = Object.values(TRANSITIONS as Record<string, Transition>).filter((candidate) => candidate.from === version.status);
  const next =
    allowed.length === 0
      ? version.status === REJECTED
        ? 'nothing moves a REJECTED version: submit a new version instead.'
        : version.status === AddonVersionStatus.REMOVED
          ? 'only a sync moves a REMOVED version, when its source lists it again.'
          : 'nothing moves it.'
      : `only ${allowed.map((candidate) => `${candidate.mutation} (to ${candidate.to})`).join(' or ')} can move it.`;
  return domainError(
    'CONFLICT',
    `Version ${version.version} is ${version.status}, and ${transition.mutation} needs it ${transition.from}; from ${version.status}, ${next}`,
    { field: 'id', status: version.status, allowed: allowed.map((candidate) => candidate.mutation) },
  );
}
