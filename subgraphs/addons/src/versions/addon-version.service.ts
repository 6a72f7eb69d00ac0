import { alignToIds, domainError, entityColumns, paginateChildren, readId, selectRows, type Connection, type EntityManager, type SqlText, type Viewer } from '@addon-platform/platform';
import { AddonVersion, type AddonVersionStatus } from './addon-version.entity.js';
import { inVisibleVersions, visibleVersions } from './version-visibility.js';

/** Versions selected for an image list; absent conditions select every visible version. */
export interface ImageListFilter {
  repoId?: string | null;
  addonIds?: readonly string[] | null;
  status?: AddonVersionStatus | null;
}

const MAX_IMAGE_LIST_ADDONS = 100;

/**
 * The select of an addon's `latestVersion`: its newest ACTIVE version that is not a prerelease, as
 * a plain version (ADR 010), for the addon whose id is the SQL expression `addonId`, with the
 * visibility condition given (none where the addon's own visibility already decides: an ACTIVE
 * version is visible exactly when its addon is). Its columns may carry a prefix, to sit beside the
 * addon's in one row, and be limited to `only` those properties. It reads one entry of the
 * addon_version_active index.
 */
export function latestVersionOf(
  em: EntityManager,
  addonId: string,
  alias: string,
  visible: SqlText = { sql: '', bindings: [] },
  prefix = '',
  only?: ReadonlySet<string>,
): SqlText {
  return {
    sql: `select ${entityColumns(em, AddonVersion, alias, prefix, only)} from addons.addon_version ${alias}
           where ${alias}.addon_id = ${addonId} and ${alias}.status = 'ACTIVE' and not ${alias}.prerelease${visible.sql}
           order by ${alias}.sort_key desc, ${alias}.id desc limit 1`,
    bindings: visible.bindings,
  };
}

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

  /** Each addon's {@link latestVersionOf}, null where none, in the order asked. */
  async latestVersionsOfAddons(viewer: Viewer, addonIds: readonly string[]): Promise<(AddonVersion | null)[]> {
    const visible = visibleVersions(viewer);
    const latest = latestVersionOf(this.em, 'wanted.addon_id', 'v', { sql: ` and ${visible.sql('v')}`, bindings: visible.params });
    const rows = await selectRows<AddonVersion>(this.em, {
      sql: `select v.* from unnest(?::uuid[]) as wanted (addon_id) cross join lateral (${latest.sql}) v`,
      // pg sends an array binding as one PostgreSQL array.
      bindings: [[...addonIds], ...latest.bindings],
    });
    const byAddon = new Map(rows.map((version) => [version.addonId, version]));
    return addonIds.map((addonId) => byAddon.get(addonId) ?? null);
  }

  /** Each addon's ACTIVE version strings, newest first (what KubeVela's addon list shows), in the order asked. */
  async availableVersionsOfAddons(viewer: Viewer, addonIds: readonly string[]): Promise<string[][]> {
    const visible = visibleVersions(viewer);
    const rows = await selectRows<{ addon_id: string; versions: string[] }>(this.em, {
      sql: `select v.addon_id, array_agg(v.version order by v.sort_key desc, v.id desc) as versions
         from addons.addon_version v
        where v.addon_id = any(?::uuid[]) and v.status = 'ACTIVE' and ${visible.sql('v')}
        group by v.addon_id`,
      bindings: [[...addonIds], ...visible.params],
    });
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
      conditions.push('v.addon_id = any(?::uuid[])');
      params.push(filter.addonIds.map((id) => readId(id, 'addonIds')));
    }
    if (filter.status != null) {
      conditions.push('v.status = ?');
      params.push(filter.status);
    }
    const visible = visibleVersions(viewer);
    conditions.push(visible.sql('v'));
    params.push(...visible.params);
    const rows = await selectRows<{ image: string }>(this.em, {
      sql: `select distinct image collate "C" as image
         from addons.addon_version v
         join addons.addon a on a.id = v.addon_id
         cross join lateral unnest(array[v.config_image, v.runtime_image] || v.images) as named (image)
        where image is not null and ${conditions.join(' and ')}
        order by 1`,
      bindings: params,
    });
    return rows.map((row) => row.image);
  }
}
