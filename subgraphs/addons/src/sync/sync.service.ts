import { LockMode } from '@mikro-orm/core';
import { UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import {
  domainError,
  paginateChildren,
  type Connection,
  enqueueJob,
  isOperator,
  jobClientOf,
  readId,
  requireRole,
  syncRepoCommand,
  type CredentialCipher,
  type EntityManager,
  type JobContext,
  type SyncRepoPayload,
  type Viewer,
} from '@addon-platform/platform';
import { SourceError, addonIndexReader, gitReader, helmReader, type SourceSnapshot, type UrlGuard } from '@addon-platform/sources';
import { inVisibleRepos } from '../repo-visibility.js';
import type { SubmissionRules } from '../submissions/index.js';
import { importAddonIndex } from './addon-index-import.js';
import { CatalogStage, type SyncCounts } from './catalog-writer.js';
import { readRepoSource, type RepoSource } from './repo-source.js';
import { helmChartVersions, kubeVelaVersions, type SourceVersions } from './source-versions.js';
import { SyncRun, SyncRunStatus, SyncTrigger, type SyncProblem } from './sync-run.entity.js';

/** The first problems of a run are kept on it; the count says how many there were. */
const MAX_RECORDED_PROBLEMS = 100;
const ACTIVE = [SyncRunStatus.PENDING, SyncRunStatus.RUNNING];

/**
 * Repo sync (DESIGN, "Repo sync"): a run is asked for (`syncRepo`, the repos subgraph, the schedule),
 * recorded PENDING with its job in one transaction, and then run by a worker: RUNNING, the source read
 * with the shared readers, the catalog written in one transaction, SUCCEEDED or FAILED with counts.
 * Syncs of one repo never overlap (their jobs share a serial queue, and at most one run is active).
 */
export class SyncService {
  constructor(
    private readonly em: EntityManager,
    private readonly cipher: CredentialCipher,
    private readonly guard: UrlGuard,
    /** For ADDON_INDEX repos: the process's key resolver and the submission settings. */
    private readonly indexRules: SubmissionRules,
  ) {}

  /** Queues a sync of a repo the viewer owns (operators: any); answers the active run if one is queued. */
  async requestSync(viewer: Viewer, repoId: string): Promise<SyncRun> {
    requireRole(viewer, 'developer');
    const id = readId(repoId, 'repoId');
    const [access] = await this.em
      .getConnection()
      .execute<Array<{ owner_sub: string }>>('select owner_sub from repos.repo_access where repo_id = ? and repo_id in (select repos.visible_repo_ids(?, ?))', [
        id,
        viewer.sub,
        isOperator(viewer),
      ]);
    if (!access) throw domainError('NOT_FOUND', `No repo with id ${repoId} is visible to you.`, { field: 'repoId' });
    if (access.owner_sub !== viewer.sub && !isOperator(viewer)) {
      throw domainError('FORBIDDEN', "Only the repo's owner or an operator can sync it.", { field: 'repoId' });
    }
    const active = await this.em.findOne(SyncRun, { repoId: id, status: { $in: ACTIVE } });
    if (active) return active;
    return this.queueRun(id, SyncTrigger.REQUESTED, viewer.sub).catch(async (error: unknown) => {
      // Another request queued one between our look and our insert: that one is the answer.
      if (error instanceof UniqueConstraintViolationException) return (await this.em.fork().findOneOrFail(SyncRun, { repoId: id, status: { $in: ACTIVE } }));
      throw error;
    });
  }

  /** Each repo's runs, newest first, a page per repo in one query; empty for a repo hidden from the viewer. */
  async listRunsOfRepos(viewer: Viewer, repoIds: readonly string[], page: { first: number; after?: string }): Promise<Connection<SyncRun>[]> {
    return paginateChildren(this.em, SyncRun, { parent: 'repoId', parentIds: repoIds, where: inVisibleRepos<SyncRun>(viewer), page, orderBy: { createdAt: 'desc', id: 'desc' } });
  }

  /** Each repo's newest run, null where none or hidden, in the order asked. */
  async lastRunsOfRepos(viewer: Viewer, repoIds: readonly string[]): Promise<(SyncRun | null)[]> {
    const rows = await this.em.getConnection().execute<Array<{ id: string }>>(
      `select distinct on (repo_id) id from addons.sync_run
        where repo_id in (?) and repo_id in (select repos.visible_repo_ids(?, ?))
        order by repo_id, created_at desc, id desc`,
      // knex spreads an array parameter into a list.
      [[...repoIds], viewer.sub ?? null, isOperator(viewer)],
    );
    const runs = await this.em.find(SyncRun, { id: { $in: rows.map((row) => row.id) } });
    const byRepo = new Map(runs.map((run) => [run.repoId, run]));
    return repoIds.map((repoId) => byRepo.get(repoId) ?? null);
  }

  private async queueRun(repoId: string, trigger: SyncTrigger, requestedBy: string | null): Promise<SyncRun> {
    return this.em.transactional(async (em) => {
      const run = em.create(SyncRun, newRun(repoId, trigger, requestedBy));
      await em.flush();
      const command = syncRepoCommand(repoId, trigger);
      await enqueueJob(jobClientOf(em), command.task, command.payload, command.options);
      return run;
    });
  }

  /**
   * Queues a SCHEDULED run for every live repo with a source whose newest run started more than
   * `intervalMs` ago (or that never ran), unless one is already queued. Every replica runs this; the
   * one-active-run index lets exactly one insert win per repo. Returns how many were queued.
   */
  async queueDueSyncs(intervalMs: number): Promise<number> {
    return this.em.fork().transactional(async (tx) => {
      const queued = await tx.getConnection().execute<Array<{ repo_id: string }>>(
        `insert into addons.sync_run (repo_id, status, trigger)
         select s.repo_id, 'PENDING', 'SCHEDULED' from repos.repo_source s
          where s.url is not null
            and not exists (select 1 from addons.sync_run r
                             where r.repo_id = s.repo_id and r.created_at > now() - make_interval(secs => ? / 1000.0))
         on conflict (repo_id) where status in ('PENDING', 'RUNNING') do nothing
         returning repo_id`,
        [intervalMs],
        'all',
        tx.getTransactionContext(),
      );
      for (const { repo_id: repoId } of queued) {
        const command = syncRepoCommand(repoId, 'SCHEDULED');
        await enqueueJob(jobClientOf(tx), command.task, command.payload, command.options);
      }
      return queued.length;
    });
  }

  /** The job: runs the repo's active run (a retried job finds its own), or a new one it records. */
  async runSync(payload: SyncRepoPayload, job: JobContext): Promise<void> {
    const run = await this.startRun(payload);
    try {
      const source = await readRepoSource(this.em.fork(), this.cipher, run.repoId);
      if (!source) return await this.fail(run, 'The repo was deleted, or has no source to read, before the sync ran.');
      const etag = await this.lastEtag(source);
      const read = await this.open(source, run.id, etag, job.signal);
      // The catalog and the run's result commit together: a crash leaves neither, and the retry redoes
      // both. The source is read inside the transaction, straight into the staging table, so a worker
      // holds one batch of rows at a time, whatever the size of the source.
      await this.em.fork().transactional(async (tx) => {
        if (read.status === 'not-modified') {
          await succeed(tx, run.id, { added: 0, updated: 0, unchanged: await countListed(tx, source.repoId), removed: 0, rejected: 0, problems: [], revision: null });
          await rememberSource(tx, source.repoId, etag, null);
          return;
        }
        const problems: SyncProblem[] = [];
        let rejected = 0;
        const reject = (problem: SyncProblem) => {
          rejected += 1;
          if (problems.length < MAX_RECORDED_PROBLEMS) problems.push(problem);
        };
        const counts = await read.write(tx, reject);
        await succeed(tx, run.id, { ...counts, rejected, problems, revision: read.revision });
        await rememberSource(tx, source.repoId, read.etag, read.revision);
      });
    } catch (error) {
      if (error instanceof SourceError) return await this.fail(run, error.message);
      if (job.attempt >= job.maxAttempts) {
        job.logger.error({ err: error, runId: run.id }, 'sync failed on its last attempt');
        return await this.fail(run, 'The sync failed on our side; operators have the details in the logs.');
      }
      throw error;
    }
  }

  private async startRun({ repoId, trigger }: SyncRepoPayload): Promise<SyncRun> {
    return this.em.fork().transactional(async (tx) => {
      // The serial queue makes this the only sync of the repo in progress; the lock guards the rows anyway.
      const active = await tx.findOne(SyncRun, { repoId, status: { $in: ACTIVE } }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const run = active ?? tx.create(SyncRun, newRun(repoId, trigger as SyncTrigger, null));
      run.status = SyncRunStatus.RUNNING;
      run.attempts += 1;
      run.startedAt = new Date();
      return run;
    });
  }

  /** The ETag of the last successful read, if the repo still points where it was read from. */
  private async lastEtag(source: RepoSource): Promise<string | null> {
    const [state] = await this.em
      .fork()
      .getConnection()
      .execute<Array<{ etag: string | null }>>('select etag from addons.repo_sync_state where repo_id = ? and source_url = ?', [source.repoId, source.location.url]);
    return state?.etag ?? null;
  }

  /**
   * Opens the source with its reader, and says how its entries are written: a chart or an addon
   * directory becomes catalog rows as it is read; an addon-index entry is a signed submission, decided
   * by the submission rules (ADR 012, "Index syncs").
   */
  private async open(source: RepoSource, runId: string, etag: string | null, signal: AbortSignal): Promise<OpenedSource> {
    const options = { guard: this.guard, etag, signal };
    switch (source.type) {
      case 'HELM':
        return writingCatalog(mapEntries(await helmReader.read(source.location, options), helmChartVersions), source, runId);
      case 'GIT':
        return writingCatalog(mapEntries(await gitReader.read(source.location, options), kubeVelaVersions), source, runId);
      case 'ADDON_INDEX': {
        const network = source.network;
        if (network === null) throw new SourceError('MALFORMED', 'This ADDON_INDEX repo names no network; an operator sets one (testnet or mainnet).');
        return writing(await addonIndexReader.read(source.location, options), (tx, entries, reject) =>
          importAddonIndex(tx, this.indexRules, { repo: { repoId: source.repoId, network, defaultStatus: source.defaultStatus }, runId, reject }, entries),
        );
      }
    }
  }

  private async fail(run: SyncRun, failure: string): Promise<void> {
    await this.em.fork().nativeUpdate(SyncRun, { id: run.id }, { status: SyncRunStatus.FAILED, failure, finishedAt: new Date() });
  }
}

async function countListed(em: EntityManager, repoId: string): Promise<number> {
  const [listed] = await em.getConnection().execute<Array<{ count: number }>>(
    `select count(*)::int as count from addons.addon_version v join addons.addon a on a.id = v.addon_id
      where a.repo_id = ? and v.source = 'SYNC' and v.status <> 'REMOVED'`,
    [repoId],
    'all',
    em.getTransactionContext(),
  );
  return listed!.count;
}

async function succeed(em: EntityManager, runId: string, done: SyncCounts & { rejected: number; problems: SyncProblem[]; revision: string | null }): Promise<void> {
  await em.nativeUpdate(
    SyncRun,
    { id: runId },
    {
      status: SyncRunStatus.SUCCEEDED,
      added: done.added,
      updated: done.updated,
      unchanged: done.unchanged,
      removed: done.removed,
      rejected: done.rejected,
      errors: done.problems,
      revision: done.revision,
      finishedAt: new Date(),
    },
  );
}

/** What the next sync compares against: where the source was read from, and its ETag. */
async function rememberSource(em: EntityManager, repoId: string, etag: string | null, revision: string | null): Promise<void> {
  await em.getConnection().execute(
    `insert into addons.repo_sync_state (repo_id, source_url, etag, revision, synced_at)
     select repo_id, url, ?, ?, now() from repos.repo_source where repo_id = ?
     on conflict (repo_id) do update set source_url = excluded.source_url, etag = excluded.etag, revision = excluded.revision, synced_at = now()`,
    [etag, revision, repoId],
    'run',
    em.getTransactionContext(),
  );
}

/** A source read, and how its entries are written in the run's transaction. */
type OpenedSource =
  | { status: 'not-modified'; etag: string }
  | { status: 'read'; etag: string | null; revision: string | null; write(tx: EntityManager, reject: (problem: SyncProblem) => void): Promise<SyncCounts> };

function writing<Entry>(
  snapshot: SourceSnapshot<Entry>,
  write: (tx: EntityManager, entries: AsyncIterable<Entry>, reject: (problem: SyncProblem) => void) => Promise<SyncCounts>,
): OpenedSource {
  if (snapshot.status === 'not-modified') return snapshot;
  const { entries, ...read } = snapshot;
  return { ...read, write: (tx, reject) => write(tx, entries, reject) };
}

/** Catalog sources: staged as read, batch by batch, then written set-based (`CatalogStage`). */
function writingCatalog(snapshot: SourceSnapshot<SourceVersions>, source: RepoSource, runId: string): OpenedSource {
  return writing(snapshot, async (tx, entries, reject) => {
    const stage = await CatalogStage.open(tx);
    for await (const entry of entries) {
      await stage.add(entry.versions);
      entry.problems.forEach(reject);
    }
    return stage.write({ repoId: source.repoId, runId, defaultStatus: source.defaultStatus });
  });
}

function mapEntries<Entry>(snapshot: SourceSnapshot<Entry>, toVersions: (entry: Entry) => SourceVersions): SourceSnapshot<SourceVersions> {
  if (snapshot.status === 'not-modified') return snapshot;
  async function* versionsOf(entries: AsyncIterable<Entry>) {
    for await (const entry of entries) yield toVersions(entry);
  }
  return { ...snapshot, entries: versionsOf(snapshot.entries) };
}

function newRun(repoId: string, trigger: SyncTrigger, requestedBy: string | null) {
  return {
    repoId,
    status: SyncRunStatus.PENDING,
    trigger,
    requestedBy,
    attempts: 0,
    added: null,
    updated: null,
    unchanged: null,
    removed: null,
    rejected: null,
    errors: [],
    failure: null,
    revision: null,
    createdAt: new Date(),
    startedAt: null,
    finishedAt: null,
  };
}
