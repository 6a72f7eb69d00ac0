import { raw, type FilterQuery } from '@mikro-orm/core';
import { UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import {
  domainError,
  isOperator,
  readId,
  requireRole,
  alignToIds,
  paginate,
  type Connection,
  type EntityManager,
  type Viewer,
} from '@addon-platform/platform';
import { Repo, RepoType, RepoVisibility } from './repo.entity.js';

export interface NewRepo {
  name: string;
  description?: string;
  type: RepoType;
  url: string;
  visibility: RepoVisibility;
  network?: string;
}

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const URL_SCHEMES = ['https:', 'http:', 'git:'];
const NETWORKS = ['testnet', 'mainnet'];

/** Repos the viewer may see, decided by the published SQL function so every subgraph agrees. */
function visibleTo(viewer: Viewer): FilterQuery<Repo> {
  return {
    [raw((alias) => `${alias}.id in (select repos.visible_repo_ids(?, ?))`, [viewer.sub ?? null, isOperator(viewer)])]: [],
  };
}

export class RepoService {
  constructor(private readonly em: EntityManager) {}

  async listRepos(viewer: Viewer, page: { first: number; after?: string }): Promise<Connection<Repo>> {
    return paginate(this.em, Repo, visibleTo(viewer), page, { createdAt: 'desc', id: 'desc' });
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
    if (input.visibility === RepoVisibility.PUBLIC && !isOperator(viewer)) {
      throw domainError('FORBIDDEN', 'Only operators create PUBLIC repos; choose PRIVATE or SELECTED.', { field: 'visibility' });
    }
    if (input.type === RepoType.ADDON_INDEX && !isOperator(viewer)) {
      throw domainError('FORBIDDEN', 'Only operators create ADDON_INDEX repos.', { field: 'type' });
    }
    const name = readName(input.name);
    const url = readSourceUrl(input.url);
    const network = readNetwork(input.type, input.network);
    const description = input.description ?? '';
    if (description.length > 2000) throw domainError('BAD_USER_INPUT', 'description is longer than 2000 characters.', { field: 'description' });

    const now = new Date();
    const repo = this.em.create(Repo, {
      name,
      description,
      type: input.type,
      url,
      visibility: input.visibility,
      ownerSub: viewer.sub,
      builtIn: false,
      network,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    });
    try {
      await this.em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        throw domainError('CONFLICT', `A repo named "${name}" already exists; choose another name.`, { field: 'name' });
      }
      throw error;
    }
    return repo;
  }
}

function readName(name: string): string {
  if (!NAME.test(name)) {
    throw domainError('BAD_USER_INPUT', 'name must be 1 to 63 lowercase letters, digits or dashes, starting and ending with a letter or digit.', {
      field: 'name',
    });
  }
  return name;
}

function readSourceUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw domainError('BAD_USER_INPUT', 'url must be an absolute URL such as https://charts.example.com.', { field: 'url' });
  }
  if (value.length > 2048) throw domainError('BAD_USER_INPUT', 'url is longer than 2048 characters.', { field: 'url' });
  if (!URL_SCHEMES.includes(url.protocol)) {
    throw domainError('BAD_USER_INPUT', `url must use one of ${URL_SCHEMES.join(' ')}; got ${url.protocol}`, { field: 'url' });
  }
  if (url.username || url.password) {
    throw domainError('BAD_USER_INPUT', 'url must not embed credentials; they are stored separately and encrypted.', { field: 'url' });
  }
  return url.href;
}

function readNetwork(type: RepoType, network: string | undefined): string | null {
  if (type !== RepoType.ADDON_INDEX) {
    if (network !== undefined) throw domainError('BAD_USER_INPUT', 'network applies to ADDON_INDEX repos only.', { field: 'network' });
    return null;
  }
  if (!network || !NETWORKS.includes(network)) {
    throw domainError('BAD_USER_INPUT', `An ADDON_INDEX repo names its network: ${NETWORKS.join(' or ')}.`, { field: 'network' });
  }
  return network;
}
