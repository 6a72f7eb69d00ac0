import { domainError, readId, readPrefixSearch, alignToIds, paginate, paginateChildren, type Connection, type EntityManager, type Viewer } from '@addon-platform/platform';
import { inVisibleRepos } from '../repo-visibility.js';
import { Addon } from './addon.entity.js';
import { AddonOrder, matchingAddons, type AddonFilter } from './addon-filter.js';
import { pageByRelevance } from './relevance-page.js';

/**
 * The catalog's addons. An addon is listed to whoever may see its repo, whatever its versions' status:
 * a tenant may find an addon none of whose versions it can see yet (its `latestVersion` is then null),
 * and `status: ACTIVE` lists only addons it can use. This keeps `addons`, `addon`, `addonByName` and
 * `Repo.addons` on one rule (ADR 006).
 */
export class AddonService {
  constructor(private readonly em: EntityManager) {}

  async listAddons(viewer: Viewer, filter: AddonFilter, order: AddonOrder, page: { first: number; after?: string }): Promise<Connection<Addon>> {
    const query = readPrefixSearch(filter.search);
    const where = { $and: [inVisibleRepos<Addon>(viewer), ...matchingAddons(viewer, filter, query)] };
    switch (order) {
      case AddonOrder.NAME:
        return paginate(this.em, Addon, where, page, { name: 'asc', id: 'asc' });
      case AddonOrder.UPDATED:
        return paginate(this.em, Addon, where, page, { updatedAt: 'desc', id: 'desc' });
      case AddonOrder.RELEVANCE:
        if (query === null) throw domainError('BAD_USER_INPUT', 'RELEVANCE orders the matches of a search; give filter.search a word, or order by NAME.', { field: 'orderBy' });
        return pageByRelevance(this.em, where, query, page);
    }
  }

  async getAddon(viewer: Viewer, id: string): Promise<Addon> {
    const addon = await this.em.findOne(Addon, { $and: [{ id: readId(id) }, inVisibleRepos<Addon>(viewer)] });
    if (!addon) throw domainError('NOT_FOUND', `No addon with id ${id} is visible to you.`, { field: 'id' });
    return addon;
  }

  async getAddonByName(viewer: Viewer, repoId: string, name: string): Promise<Addon> {
    const addon = await this.em.findOne(Addon, { $and: [{ repoId: readId(repoId, 'repoId'), name }, inVisibleRepos<Addon>(viewer)] });
    if (!addon) throw domainError('NOT_FOUND', `No addon named "${name}" in repo ${repoId} is visible to you.`, { field: 'name' });
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
