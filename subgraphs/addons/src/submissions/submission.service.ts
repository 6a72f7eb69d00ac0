import type { Knex } from '@mikro-orm/postgresql';
import { isOntologyDid, readOntologyDid, type OwnerKeyResolver, type VerifiedSubmission } from '@addon-platform/ontology';
import { domainError, entityColumns, isOperator, pageRows, requireRole, type Connection, type EntityManager, type PageKey, type Viewer } from '@addon-platform/platform';
import type { SubmissionSettings } from '../config.js';
import { visibleRepoIds } from '../repo-visibility.js';
import type { NetworkRepo } from './accepted-addons.js';
import { AddonIdentityTransfer } from './addon-identity-transfer.entity.js';
import { SubmissionRefusal } from './refusal.js';
import { decideSubmission, inSavepoint, noFacts, readReceived, type KnownFacts, type Received, type SubmissionRules } from './submission-rules.js';
import { Submission, SubmissionStatus } from './submission.entity.js';

export interface SubmitAddonsInput {
  /** The signed submission: its JSON text, or the parsed JSON value. */
  submission: unknown;
  /** The network of a legacy submission (unsigned); for an envelope, absent or equal to its own. */
  network?: string | null;
}

export interface SubmissionFilter {
  ownerDid?: string | null;
  network?: string | null;
  status?: SubmissionStatus | null;
}

export interface TransferAddonIdentityInput {
  network: string;
  identity: string;
  newOwnerDid: string;
  reason: string;
}

const PAGE_KEYS: PageKey[] = [
  { column: 'createdAt', descending: true, sqlType: 'timestamptz(3)', jsonType: 'date' },
  { column: 'id', descending: true, sqlType: 'uuid', jsonType: 'uuid' },
];

const NETWORK = /^[a-z][a-z0-9-]{0,31}$/;
const MAX_TRANSFER_REASON = 1000;

/**
 * Signed submissions (DESIGN, "Signed submissions (Ontology)"; ADR 012). `submitAddons` verifies a
 * submission with the ontology package and applies the platform's rules in one transaction: the
 * per-user rate limit, the network and its policy, replays by content, expiry, nonces, identity
 * binding, version order; then writes the catalog and the runtimes' jobs. The rules run inside a
 * savepoint: a refusal rolls it back and records its REJECTED row in the same transaction, so a
 * refusal writes that row and nothing else.
 */
export class SubmissionService {
  private readonly rules: SubmissionRules;

  constructor(
    private readonly em: EntityManager,
    keys: OwnerKeyResolver,
    private readonly settings: SubmissionSettings,
    now: () => Date = () => new Date(),
  ) {
    this.rules = { keys, settings, now };
  }

  async submitAddons(viewer: Viewer, input: SubmitAddonsInput): Promise<Submission> {
    requireRole(viewer, 'developer');
    const submitter = viewer.sub;
    const received = readReceived(input.submission, this.settings.maxSubmissionBytes);
    const outcome = await this.em.fork().transactional(async (tx) => {
      const sql = tx.getTransactionContext<Knex.Transaction>()!;
      // One user's submissions are counted and decided one at a time, on every replica.
      await sql.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`addons.submission-user:${submitter}`]);
      const facts = noFacts(ownerOf(received.value));
      if (await this.isRateLimited(sql, submitter)) {
        const refusal = new SubmissionRefusal(
          'RATE_LIMITED',
          'RATE_LIMITED',
          `You sent ${this.settings.rateLimitPerMinute} submissions in the last minute, the most allowed; send this one again in a minute.`,
        );
        return { refusal, id: await this.recordRejected(sql, submitter, facts, refusal, null) };
      }
      const decided = await inSavepoint(tx, () => this.accept(tx, { ...viewer, sub: submitter }, received, input.network ?? null, facts));
      if (decided.refusal) return { refusal: decided.refusal, id: await this.recordRejected(sql, submitter, facts, decided.refusal, received) };
      return { id: decided.value };
    });
    if ('refusal' in outcome && outcome.refusal) {
      const { code, reason, message, field } = outcome.refusal;
      throw domainError(code, message, { submissionId: outcome.id, reason, ...(field ? { field: `submission.${field}` } : {}) });
    }
    return this.em.fork().findOneOrFail(Submission, { id: outcome.id });
  }

  /** DESIGN's rules (`decideSubmission`), into the network's built-in repo; known content is a replay. Answers the ACCEPTED row's id. */
  private async accept(tx: EntityManager, viewer: Viewer & { sub: string }, received: Received, networkArgument: string | null, facts: KnownFacts): Promise<string> {
    const sql = tx.getTransactionContext<Knex.Transaction>()!;
    const decision = await decideSubmission(tx, this.rules, received, (verified) => builtInRepo(sql, networkOf(verified, networkArgument)), { submitter: viewer, syncRunId: null }, facts);
    if (decision.status === 'KNOWN') {
      const { owner, contentHash } = decision.verified;
      throw new SubmissionRefusal(
        'CONFLICT',
        'REPLAY',
        `This content was already accepted for ${owner} (sha256 ${contentHash}); a signature is not accepted twice, whatever its bytes. Sign the new content.`,
        'sig',
      );
    }
    return decision.submissionId;
  }

  private async isRateLimited(sql: Knex.Transaction, submitter: string): Promise<boolean> {
    // Rate-limited refusals do not count: the limit is on submissions processed, and it lifts a
    // minute after them however often the client retries meanwhile.
    const { rows } = await sql.raw<{ rows: Array<{ count: number }> }>(
      `select count(*)::int as count from addons.submission
        where submitter_sub = ? and created_at > now() - interval '1 minute' and reason is distinct from 'RATE_LIMITED'`,
      [submitter],
    );
    return rows[0]!.count >= this.settings.rateLimitPerMinute;
  }

  private async recordRejected(sql: Knex.Transaction, submitter: string, facts: KnownFacts, refusal: SubmissionRefusal, received: Received | null): Promise<string> {
    const { rows } = await sql.raw<{ rows: Array<{ id: string }> }>(
      `insert into addons.submission (network, repo_id, form, owner_did, submitter_sub, status, code, reason, message, field, content_hash, nonce, body, body_truncated)
       values (?, ?, ?, ?, ?, 'REJECTED', ?, ?, ?, ?, ?, ?, ?, ?) returning id`,
      [
        facts.network,
        facts.repoId,
        facts.form,
        facts.ownerDid,
        submitter,
        refusal.code,
        refusal.reason,
        refusal.message,
        refusal.field ?? null,
        facts.contentHash,
        facts.nonce,
        received?.body ?? null,
        received?.bodyTruncated ?? false,
      ],
    );
    return rows[0]!.id;
  }

  /**
   * Submissions matching the filter, newest first: ACCEPTED ones to whoever may see their network's
   * repo (they are public facts, as the git index was), REJECTED ones to their submitter and operators.
   */
  async listSubmissions(viewer: Viewer, filter: SubmissionFilter, page: { first: number; after?: string }): Promise<Connection<Submission>> {
    const repos = visibleRepoIds(viewer);
    const conditions = [
      {
        sql: `((s.status = 'ACCEPTED' and s.repo_id in (${repos.sql})) or (s.status = 'REJECTED' and (?::boolean or s.submitter_sub = ?)))`,
        bindings: [...repos.bindings, isOperator(viewer), viewer.sub ?? null],
      },
    ];
    if (filter.ownerDid != null) conditions.push({ sql: 's.owner_did = ?', bindings: [filter.ownerDid] });
    if (filter.network != null) conditions.push({ sql: 's.network = ?', bindings: [filter.network] });
    if (filter.status != null) conditions.push({ sql: 's.status = ?', bindings: [filter.status] });
    return pageRows<Record<string, unknown>>(
      this.em,
      {
        sql: `select ${entityColumns(this.em, Submission, 's')} from addons.submission s where ${conditions.map((condition) => condition.sql).join(' and ')}`,
        bindings: conditions.flatMap((condition) => condition.bindings),
      },
      PAGE_KEYS,
      page,
    ) as unknown as Promise<Connection<Submission>>;
  }

  /** Operators: moves an identity's binding to another owner DID, with its audit row. */
  async transferAddonIdentity(viewer: Viewer, input: TransferAddonIdentityInput): Promise<AddonIdentityTransfer> {
    requireRole(viewer, 'operator');
    if (!NETWORK.test(input.network)) throw domainError('BAD_USER_INPUT', `network ${JSON.stringify(input.network.slice(0, 40))} is not a network name such as testnet.`, { field: 'network' });
    try {
      readOntologyDid(input.newOwnerDid, 'newOwnerDid');
    } catch (error) {
      throw domainError('BAD_USER_INPUT', (error as Error).message, { field: 'newOwnerDid' });
    }
    const reason = input.reason.trim();
    if (reason.length === 0 || reason.length > MAX_TRANSFER_REASON) {
      throw domainError('BAD_USER_INPUT', `Say why the identity moves, in 1 to ${MAX_TRANSFER_REASON} characters; the audit keeps it.`, { field: 'reason' });
    }
    const key = input.identity.toLowerCase();
    const transferId = await this.em.fork().transactional(async (tx) => {
      const sql = tx.getTransactionContext<Knex.Transaction>()!;
      // The same lock submissions of this identity take: no submission is decided against the old owner meanwhile.
      await sql.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`addons.identity:${input.network}:${key}`]);
      const { rows } = await sql.raw<{ rows: Array<{ identity: string; owner_did: string; addon_id: string }> }>(
        'select identity, owner_did, addon_id from addons.addon_identity where network = ? and identity_key = ? for update',
        [input.network, key],
      );
      const binding = rows[0];
      if (!binding) throw domainError('NOT_FOUND', `No addon identity ${JSON.stringify(input.identity.slice(0, 253))} is bound on ${input.network}.`, { field: 'identity' });
      if (binding.owner_did === input.newOwnerDid) {
        throw domainError('BAD_USER_INPUT', `${binding.identity} on ${input.network} is already bound to ${input.newOwnerDid}.`, { field: 'newOwnerDid' });
      }
      await sql.raw('update addons.addon_identity set owner_did = ?, bound_at = now() where network = ? and identity_key = ?', [input.newOwnerDid, input.network, key]);
      const inserted = await sql.raw<{ rows: Array<{ id: string }> }>(
        `insert into addons.addon_identity_transfer (network, identity_key, identity, addon_id, from_owner_did, to_owner_did, transferred_by, reason)
         values (?, ?, ?, ?, ?, ?, ?, ?) returning id`,
        [input.network, key, binding.identity, binding.addon_id, binding.owner_did, input.newOwnerDid, viewer.sub, reason],
      );
      return inserted.rows[0]!.id;
    });
    return this.em.fork().findOneOrFail(AddonIdentityTransfer, { id: transferId });
  }
}

/** The envelope's signed network, or a legacy submission's unsigned argument. */
function networkOf(verified: VerifiedSubmission, argument: string | null): string {
  if (verified.form === 'ENVELOPE') {
    if (argument !== null && argument !== verified.network) {
      throw new SubmissionRefusal('BAD_USER_INPUT', 'NETWORK_MISMATCH', `The envelope is signed for ${verified.network}, not ${JSON.stringify(argument.slice(0, 40))}; leave out the network argument.`);
    }
    return verified.network;
  }
  if (argument === null) {
    throw new SubmissionRefusal('BAD_USER_INPUT', 'MISSING_NETWORK', 'A legacy submission does not sign its network: name it in the network argument (testnet or mainnet).');
  }
  return argument;
}

async function builtInRepo(sql: Knex.Transaction, network: string): Promise<NetworkRepo> {
  const { rows } = await sql.raw<{ rows: Array<{ repo_id: string; default_status: string }> }>(
    `select repo_id, default_status from repos.repo_source where name = ? and type = 'ADDON_INDEX' and network = ?`,
    [`ontology-${network}`, network],
  );
  if (!rows[0]) throw new SubmissionRefusal('BAD_USER_INPUT', 'UNKNOWN_NETWORK', `No network ${JSON.stringify(network.slice(0, 40))} takes submissions here; use testnet or mainnet.`);
  return { repoId: rows[0].repo_id, network, defaultStatus: rows[0].default_status };
}

/** The owner DID of a submission that may not verify, for the log; null when none is readable. */
function ownerOf(value: unknown): string | null {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return null;
    }
  }
  const owner = parsed !== null && typeof parsed === 'object' ? (parsed as { owner?: unknown }).owner : undefined;
  return typeof owner === 'string' && isOntologyDid(owner) ? owner : null;
}
