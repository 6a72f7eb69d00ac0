import { domainError, readId, alignToIds, paginateChildren, type Connection, type EntityManager, type Viewer } from '@addon-platform/platform';
import { inVisibleRepos } from '../repo-visibility.js';
import { Addon } from './addon.entity.js';

export class AddonService {
  constructor(private readonly em: EntityManager) {}

  async getAddon(viewer: Viewer, id: string): Promise<Addon> {
    const addon = await this.em.findOne(Addon, { $and: [{ id: readId(id) }, inVisibleRepos<Addon>(viewer)] });
    if (!addon) throw domainError('NOT_FOUND', `No addon with id ${id} is visible to you.`, { field: 'id' });
    return addon;
  }

  /** Each repo's addons by name, a page per repo, in one query; empty for a repo hidden from the viewer. */
  async listReposAddons(viewer: Viewer, repoIds: readonly string[], page: { first: number; after?: string }): Promise<Connection<Addon>[]> {
    return paginateChildren(this.em, Addon, { parent: 'repoId', parentIds: repoIds, where: inVisibleRepos<Addon>(viewer), page, orderBy: { name: 'asc', id: 'asc' } });
  }

  /** Visible addons among `ids`, in the order asked, null where hidden; for entity fetches. */
  async findVisibleAddons(viewer: Viewer, ids: readonly string[]): Promise<(Addon | null)[]> {
    const addons = await this.em.find(Addon, { $and: [{ id: { $in: [...ids] } }, inVisibleRepos<Addon>(viewer)] });
    return alignToIds(ids, addons);
  }
}
