import { randomUUID } from 'node:crypto';
import { raw, type FilterQuery } from '@mikro-orm/core';
import { UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import {
  alignToIds,
  domainError,
  enqueueJob,
  isOperator,
  jobClientOf,
  paginate,
  readId,
  readPrefixSearch,
  repoCredentialContext,
  requireRole,
  syncRepoCommand,
  type Connection,
  type CredentialCipher,
  type EntityManager,
  type Viewer,
} from '@addon-platform/platform';
import type { SourceCredential, SourceLocation } from '@addon-platform/sources';
import { Repo, RepoType, RepoVisibility, type DefaultVersionStatus } from './repo.entity.js';
import {
  readCredential,
  readDefaultStatus,
  readDescription,
  readLabels,
  readName,
  readNetwork,
  readPath,
  readProviders,
  readRef,
  type CredentialInput,
  type LabelInput,
} from './repo-fields.js';
import type { RepoSourceCheck, RepoSourceReport } from './repo-source-check.js';

export interface NewRepo {
  name: string;
  description?: string | null;
  type: RepoType;
  url: string;
  path?: string | null;
  ref?: string | null;
  credential?: CredentialInput | null;
  visibility: RepoVisibility;
  labels?: LabelInput[] | null;
  providers?: string[] | null;
  defaultStatus?: DefaultVersionStatus | null;
  network?: string | null;
}

/** Absent fields stay as they are; a `null` credential, path or ref removes it. */
export interface RepoChanges {
  name?: string | null;
  description?: string | null;
  url?: string | null;
  path?: string | null;
  ref?: string | null;
  credential?: CredentialInput | null;
  visibility?: RepoVisibility | null;
  providers?: string[] | null;
  defaultStatus?: DefaultVersionStatus | null;
}

export interface RepoSourceInput {
  type: RepoType;
  url: string;
  path?: string | null;
  ref?: string | null;
  credential?: CredentialInput | null;
}

export interface RepoFilter {
  name?: string | null;
  type?: RepoType | null;
  visibility?: RepoVisibility | null;
  label?: LabelInput | null;
  owner?: string | null;
  search?: string | null;
}

/** Repos the viewer may see, decided by the published SQL function so every subgraph agrees. */
function visibleTo(viewer: Viewer): FilterQuery<Repo> {
  return {
    [raw((alias) => `${alias}.id in (select repos.visible_repo_ids(?, ?))`, [viewer.sub ?? null, isOperator(viewer)])]: [],
  };
}

function matching(filter: RepoFilter): FilterQuery<Repo>[] {
  const where: FilterQuery<Repo>[] = [];
  if (filter.name != null) where.push({ name: filter.name });
  if (filter.type != null) where.push({ type: filter.type });
  if (filter.visibility != null) where.push({ visibility: filter.visibility });
  if (filter.owner != null) where.push({ ownerSub: filter.owner });
  if (filter.label != null) {
    const label = JSON.stringify([{ key: filter.label.key, value: filter.label.value }]);
    where.push({ [raw((alias) => `${alias}.labels @> ?::jsonb`, [label])]: [] });
  }
  const query = readPrefixSearch(filter.search);
  if (query) where.push({ [raw((alias) => `${alias}.search @@ to_tsquery('simple', ?)`, [query])]: [] });
  return where;
}

export class RepoService {
  constructor(
    private readonly em: EntityManager,
    private readonly sources: RepoSourceCheck,
    private readonly cipher: CredentialCipher,
  ) {}

  async listRepos(viewer: Viewer, filter: RepoFilter, page: { first: number; after?: string }): Promise<Connection<Repo>> {
    return paginate(this.em, Repo, { $and: [visibleTo(viewer), ...matching(filter)] }, page, { createdAt: 'desc', id: 'desc' });
  }

  /** The repo, or `NOT_FOUND` when it is absent, deleted or hidden from the viewer alike. */
  async getRepo(viewer: Viewer, id: string): Promise<Repo> {
    const repo = await this.em.findOne(Repo, { $and: [{ id: readId(id) }, visibleTo(viewer)] });
    if (!repo) throw domainError('NOT_FOUND', `No repo with id ${id} is visible to you.`, { field: 'id' });
    return repo;
  }

  /** Visible repos among `ids`, in the order asked, null where hidden; for entity fetches. */
  async findVisibleRepos(viewer: Viewer, ids: readonly string[]): Promise<(Repo | null)[]> {
    const repos = await this.em.find(Repo, { $and: [{ id: { $in: [...ids] } }, visibleTo(viewer)] });
    return alignToIds(ids, repos);
  }

  async createRepo(viewer: Viewer, input: NewRepo): Promise<Repo> {
    requireRole(viewer, 'developer');
    this.checkOperatorOnly(viewer, input.type, input.visibility);
    const name = readName(input.name);
    const description = readDescription(input.description);
    const network = readNetwork(input.type, input.network);
    const labels = readLabels(input.labels ?? []);
    const providers = readProviders(input.providers);
    const defaultStatus = readDefaultStatus(viewer, input.defaultStatus);
    const source = this.readSource(input);
    await this.assertNameFree(name);
    await this.sources.probe(input.type, source);

    const id = randomUUID();
    const now = new Date();
    const repo = this.em.create(Repo, {
      id,
      name,
      description,
      type: input.type,
      url: source.url,
      path: source.path ?? null,
      ref: source.ref ?? null,
      credentialSealed: source.credential ? this.seal(id, source.credential) : null,
      visibility: input.visibility,
      labels,
      providers,
      defaultStatus,
      ownerSub: viewer.sub,
      builtIn: false,
      network,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    });
    await this.saveAndSync(repo, name);
    return repo;
  }

  async updateRepo(viewer: Viewer, id: string, changes: RepoChanges): Promise<Repo> {
    const repo = await this.getOwnRepo(viewer, id);
    const sourceChanges = changes.url !== undefined || changes.path !== undefined || changes.ref !== undefined || changes.credential !== undefined;
    if (repo.builtIn && sourceChanges) {
      throw domainError('FORBIDDEN', `${repo.name} is built in: signed submissions land there, and it has no source to change.`, { field: 'url' });
    }
    if (changes.visibility != null) this.checkOperatorOnly(viewer, repo.type, changes.visibility);
    if (changes.name != null && changes.name !== repo.name) {
      repo.name = readName(changes.name);
      await this.assertNameFree(repo.name);
    }
    if (changes.description !== undefined) repo.description = readDescription(changes.description);
    if (changes.visibility != null) repo.visibility = changes.visibility;
    if (changes.providers != null) repo.providers = readProviders(changes.providers);
    if (changes.defaultStatus != null) repo.defaultStatus = readDefaultStatus(viewer, changes.defaultStatus);

    let sync = false;
    if (sourceChanges) {
      const source = this.readSource({
        type: repo.type,
        url: changes.url ?? repo.url!,
        path: changes.path === undefined ? repo.path : changes.path,
        ref: changes.ref === undefined ? repo.ref : changes.ref,
        credential: changes.credential,
      });
      // The probe needs the stored credential when the change leaves it in place.
      const credential = changes.credential === undefined ? this.openCredential(repo) : source.credential;
      await this.sources.probe(repo.type, { ...source, credential });
      sync = source.url !== repo.url || source.path !== repo.path || source.ref !== repo.ref || changes.credential !== undefined;
      repo.url = source.url;
      repo.path = source.path ?? null;
      repo.ref = source.ref ?? null;
      if (changes.credential !== undefined) repo.credentialSealed = source.credential ? this.seal(repo.id, source.credential) : null;
    }
    repo.updatedAt = new Date();
    await this.saveAndSync(repo, repo.name, sync);
    return repo;
  }

  /** Soft delete: the row stays for history, the name is free again, and the catalog stops showing it. */
  async deleteRepo(viewer: Viewer, id: string): Promise<string> {
    const repo = await this.getOwnRepo(viewer, id);
    if (repo.builtIn) throw domainError('FORBIDDEN', `${repo.name} is built in and cannot be deleted: signed submissions land there.`, { field: 'id' });
    repo.deletedAt = new Date();
    repo.updatedAt = repo.deletedAt;
    await this.em.flush();
    return repo.id;
  }

  async setRepoLabels(viewer: Viewer, id: string, labels: LabelInput[]): Promise<Repo> {
    const repo = await this.getOwnRepo(viewer, id);
    repo.labels = readLabels(labels);
    repo.updatedAt = new Date();
    await this.em.flush();
    return repo;
  }

  /** Reads the source as a sync would, saving nothing. */
  async validateRepo(viewer: Viewer, input: RepoSourceInput): Promise<RepoSourceReport> {
    requireRole(viewer, 'developer');
    return this.sources.validate(input.type, this.readSource(input));
  }

  private readSource(input: RepoSourceInput): SourceLocation & { credential: SourceCredential | null } {
    return {
      url: this.sources.parseUrl(input.type, input.url),
      path: readPath(input.type, input.path),
      ref: readRef(input.type, input.ref),
      credential: input.credential ? readCredential(input.credential) : null,
    };
  }

  private checkOperatorOnly(viewer: Viewer, type: RepoType, visibility: RepoVisibility): void {
    if (visibility === RepoVisibility.PUBLIC && !isOperator(viewer)) {
      throw domainError('FORBIDDEN', 'Only operators make repos PUBLIC; choose PRIVATE or SELECTED.', { field: 'visibility' });
    }
    if (type === RepoType.ADDON_INDEX && !isOperator(viewer)) {
      throw domainError('FORBIDDEN', 'Only operators create ADDON_INDEX repos.', { field: 'type' });
    }
  }

  /** A repo the viewer may change: its owner's or any for operators; visible-but-not-yours is FORBIDDEN. */
  private async getOwnRepo(viewer: Viewer, id: string): Promise<Repo> {
    requireRole(viewer, 'developer');
    const repo = await this.getRepo(viewer, id);
    if (repo.ownerSub !== viewer.sub && !isOperator(viewer)) {
      throw domainError('FORBIDDEN', `Only the owner of ${repo.name} or an operator can change it.`, { field: 'id' });
    }
    return repo;
  }

  private async assertNameFree(name: string): Promise<void> {
    if ((await this.em.count(Repo, { name, deletedAt: null })) > 0) throw nameTaken(name);
  }

  /**
   * Writes the repo and, when its source is new or changed, asks the addons subgraph to sync it, in one
   * transaction: a repo is never saved without its sync, nor a sync queued for a repo that failed.
   */
  private async saveAndSync(repo: Repo, name: string, sync = true): Promise<void> {
    await this.em.begin();
    try {
      this.em.persist(repo);
      await this.em.flush();
      if (sync && repo.url !== null) {
        const sync = syncRepoCommand(repo.id, 'REPO_CHANGED');
        await enqueueJob(jobClientOf(this.em), sync.task, sync.payload, sync.options);
      }
      await this.em.commit();
    } catch (error) {
      await this.em.rollback();
      // Two creates racing past assertNameFree meet the unique index.
      if (error instanceof UniqueConstraintViolationException) throw nameTaken(name);
      throw error;
    }
  }

  private seal(repoId: string, credential: SourceCredential): string {
    return this.cipher.seal(JSON.stringify(credential), repoCredentialContext(repoId));
  }

  private openCredential(repo: Repo): SourceCredential | null {
    return repo.credentialSealed ? (JSON.parse(this.cipher.open(repo.credentialSealed, repoCredentialContext(repo.id))) as SourceCredential) : null;
  }
}

function nameTaken(name: string): Error {
  return domainError('CONFLICT', `A repo named "${name}" already exists; choose another name.`, { field: 'name' });
}

