import {
  alignToIds,
  domainError,
  entityColumns,
  pageRows,
  paginateChildren,
  readId,
  readPrefixSearch,
  type Connection,
  type EntityManager,
  type PageKey,
  type Viewer,
} from '@addon-platform/platform';
import { inVisibleRepos, visibleRepoIds } from '../repo-visibility.js';
import { latestVersionOf } from '../versions/addon-version.service.js';
import type { AddonVersion } from '../versions/addon-version.entity.js';
import { Addon } from './addon.entity.js';
import { AddonOrder, matchingAddons, type AddonFilter } from './addon-filter.js';

/**
 * A page of addons; with each one's latest version when it was asked for, read in the same statement
 * and only as far as asked (`Partial`: no other reader may take it for a whole version).
 */
export interface AddonPage extends Connection<Addon> {
  latestVersions?: Map<Addon, Partial<AddonVersion> | null>;
}

/** What the version's own field resolvers read, whatever the operation asks for. */
const LATEST_VERSION_KEYS = ['id', 'addonId'];

const LATEST = 'latestVersion.';

const BY_ID: PageKey = { column: 'id', sqlType: 'uuid', jsonType: 'uuid' };
const BY_NAME: PageKey = { column: 'name', sqlType: 'text', jsonType: 'string' };
/**
 * RELEVANCE is ts_rank descending, then name and id, so the order is total. The rank is a float4
 * that survives a cursor's round trip: PostgreSQL prints the shortest text that reads back to the
 * same float4, and JSON keeps that text.
 */
const PAGE_KEYS: Record<AddonOrder, PageKey[]> = {
  [AddonOrder.NAME]: [BY_NAME, BY_ID],
  [AddonOrder.UPDATED]: [
    { column: 'updatedAt', descending: true, sqlType: 'timestamptz(3)', jsonType: 'date' },
    { ...BY_ID, descending: true },
  ],
  [AddonOrder.RELEVANCE]: [{ column: 'searchRank', descending: true, sqlType: 'real', jsonType: 'number' }, BY_NAME, BY_ID],
};

/**
 * The catalog's addons. An addon is listed to whoever may see its repo, whatever its versions' status:
 * a tenant may find an addon none of whose versions it can see yet (its `latestVersion` is then null),
 * and `status: ACTIVE` lists only addons it can use. This keeps `addons`, `addon`, `addonByName` and
 * `Repo.addons` on one rule (ADR 006).
 */
export class AddonService {
  constructor(private readonly em: EntityManager) {}

  /**
   * A page of the catalog: one statement with bind parameters, page, count and (when asked) each
   * addon's latest version together, the rows read as plain addons rather than managed entities
   * (ADR 010); this is the catalog's busiest read.
   */
  async listAddons(
    viewer: Viewer,
    filter: AddonFilter,
    order: AddonOrder,
    page: { first: number; after?: string },
    include: { latestVersionFields?: ReadonlySet<string> } = {},
  ): Promise<AddonPage> {
    const query = readPrefixSearch(filter.search);
    if (order === AddonOrder.RELEVANCE && query === null) {
      throw domainError('BAD_USER_INPUT', 'RELEVANCE orders the matches of a search; give filter.search a word, or order by NAME.', { field: 'orderBy' });
    }
    // The visible repos once for the statement, though PostgreSQL plans the matches twice (count and page).
    const visibleRepos = visibleRepoIds(viewer);
    const conditions = [{ sql: 'a.repo_id in (select repo_id from visible_repos)', bindings: [] }, ...matchingAddons(viewer, filter, query)];
    const rank = order === AddonOrder.RELEVANCE ? { sql: `, ts_rank(a.search, to_tsquery('simple', ?)) as "searchRank"`, bindings: [query] } : { sql: '', bindings: [] };
    const rows = await pageRows<Record<string, unknown>>(
      this.em,
      {
        sql: `select ${entityColumns(this.em, Addon, 'a')}${rank.sql} from addons.addon a where ${conditions.map((condition) => condition.sql).join(' and ')}`,
        bindings: [...rank.bindings, ...conditions.flatMap((condition) => condition.bindings)],
      },
      PAGE_KEYS[order],
      page,
      // The page's addons are visible to the viewer, and so are their ACTIVE versions.
      include.latestVersionFields
        ? latestVersionOf(this.em, 'page.id', 'v', undefined, LATEST, new Set([...LATEST_VERSION_KEYS, ...include.latestVersionFields]))
        : undefined,
      { sql: `visible_repos (repo_id) as materialized (${visibleRepos.sql})`, bindings: visibleRepos.bindings },
    );
    if (!include.latestVersionFields) return rows as unknown as Connection<Addon>;
    const latestVersions = new Map<Addon, Partial<AddonVersion> | null>();
    // Every row has the same columns: split them once, then copy by name (objects of one shape).
    const columns = Object.keys(rows.edges[0]?.node ?? {});
    const addonColumns = columns.filter((column) => !column.startsWith(LATEST));
    const latestColumns = columns.filter((column) => column.startsWith(LATEST)).map((column) => [column, column.slice(LATEST.length)] as const);
    const edges = rows.edges.map(({ cursor, node: row }) => {
      const addon: Record<string, unknown> = {};
      for (const column of addonColumns) addon[column] = row[column];
      const latest: Record<string, unknown> = {};
      for (const [column, property] of latestColumns) latest[property] = row[column];
      latestVersions.set(addon as unknown as Addon, latest.id === null ? null : latest);
      return { cursor, node: addon as unknown as Addon };
    });
    return { ...rows, edges, latestVersions };
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
