import { alignToIds, domainError, paginateChildren, readId, type Connection, type EntityManager, type Viewer } from '@addon-platform/platform';
import { AddonVersion, type AddonVersionStatus } from './addon-version.entity.js';
import { inVisibleVersions, visibleVersions } from './version-visibility.js';

/** Versions selected for an image list; absent conditions select every visible version. */
export interface ImageListFilter {
  repoId?: string | null;
  addonIds?: readonly string[] | null;
  status?: AddonVersionStatus | null;
}

const MAX_IMAGE_LIST_ADDONS = 100;

/** Versions of the catalog, each query filtered by {@link visibleVersions}, so counts and pages hold only what the viewer may see. */
export class AddonVersionService {
  constructor(private readonly em: EntityManager) {}

  async getVersion(viewer: Viewer, id: string): Promise<AddonVersion> {
    const version = await this.em.findOne(AddonVersion, { $and: [{ id: readId(id) }, inVisibleVersions(viewer)] });
    if (!version) throw domainError('NOT_FOUND', `No addon version with id ${id} is visible to you.`, { field: 'id' });
    return version;
  }

  /** Visible versions among `ids`, in the order asked, null where hidden; for entity fetches. */
  async findVisibleVersions(viewer: Viewer, ids: readonly string[]): Promise<(AddonVersion | null)[]> {
    const versions = await this.em.find(AddonVersion, { $and: [{ id: { $in: [...ids] } }, inVisibleVersions(viewer)] });
    return alignToIds(ids, versions);
  }

  /** Each addon's versions, newest first, a page per addon in one query. */
  async listVersionsOfAddons(viewer: Viewer, addonIds: readonly string[], page: { first: number; after?: string }): Promise<Connection<AddonVersion>[]> {
    return paginateChildren(this.em, AddonVersion, {
      parent: 'addonId',
      parentIds: addonIds,
      where: inVisibleVersions(viewer),
      page,
      orderBy: { sortKey: 'desc', id: 'desc' },
    });
  }

  /** Each addon's newest ACTIVE release (prereleases skipped), null where none, in the order asked. */
  async latestVersionsOfAddons(viewer: Viewer, addonIds: readonly string[]): Promise<(AddonVersion | null)[]> {
    const visible = visibleVersions(viewer);
    // A lateral lookup per addon reads one entry of addon_version_active each, however many versions an addon has.
    const rows = await this.em.getConnection().execute<Array<Record<string, unknown>>>(
      `select v.* from unnest(array[?]::uuid[]) as wanted (addon_id)
         cross join lateral (
           select * from addons.addon_version v
            where v.addon_id = wanted.addon_id and v.status = 'ACTIVE' and not v.prerelease and ${visible.sql('v')}
            order by v.sort_key desc, v.id desc limit 1) v`,
      // knex spreads an array parameter into a list.
      [[...addonIds], ...visible.params],
    );
    const byAddon = new Map(rows.map((row) => this.em.map(AddonVersion, row)).map((version) => [version.addonId, version]));
    return addonIds.map((addonId) => byAddon.get(addonId) ?? null);
  }

  /** Each addon's ACTIVE version strings, newest first (what KubeVela's addon list shows), in the order asked. */
  async availableVersionsOfAddons(viewer: Viewer, addonIds: readonly string[]): Promise<string[][]> {
    const visible = visibleVersions(viewer);
    const rows = await this.em.getConnection().execute<Array<{ addon_id: string; versions: string[] }>>(
      `select v.addon_id, array_agg(v.version order by v.sort_key desc, v.id desc) as versions
         from addons.addon_version v
        where v.addon_id in (?) and v.status = 'ACTIVE' and ${visible.sql('v')}
        group by v.addon_id`,
      [[...addonIds], ...visible.params],
    );
    const byAddon = new Map(rows.map((row) => [row.addon_id, row.versions]));
    return addonIds.map((addonId) => byAddon.get(addonId) ?? []);
  }

  /**
   * Every container image the selected visible versions name (config, runtime and other images),
   * each once, in byte order: the list to mirror for an offline installation.
   */
  async listImages(viewer: Viewer, filter: ImageListFilter): Promise<string[]> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    if (filter.repoId != null) {
      conditions.push('a.repo_id = ?');
      params.push(readId(filter.repoId, 'repoId'));
    }
    if (filter.addonIds != null) {
      if (filter.addonIds.length > MAX_IMAGE_LIST_ADDONS) {
        throw domainError('BAD_USER_INPUT', `addonIds holds at most ${MAX_IMAGE_LIST_ADDONS} ids; ask in several parts.`, { field: 'addonIds' });
      }
      if (filter.addonIds.length === 0) return [];
      conditions.push('v.addon_id in (?)');
      params.push(filter.addonIds.map((id) => readId(id, 'addonIds')));
    }
    if (filter.status != null) {
      conditions.push('v.status = ?');
      params.push(filter.status);
    }
    const visible = visibleVersions(viewer);
    conditions.push(visible.sql('v'));
    params.push(...visible.params);
    const rows = await this.em.getConnection().execute<Array<{ image: string }>>(
      `select distinct image collate "C" as image
         from addons.addon_version v
         join addons.addon a on a.id = v.addon_id
         cross join lateral unnest(array[v.config_image, v.runtime_image] || v.images) as named (image)
        where image is not null and ${conditions.join(' and ')}
        order by 1`,
      params,
    );
    return rows.map((row) => row.image);
  }
}
