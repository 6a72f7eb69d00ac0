import { readId, type SqlText, type Viewer } from '@addon-platform/platform';
import type { AddonVersionStatus } from '../versions/addon-version.entity.js';
import { visibleVersions } from '../versions/version-visibility.js';

/** Addons matching every given condition. */
export interface AddonFilter {
  search?: string | null;
  repoId?: string | null;
  tag?: string | null;
  official?: boolean | null;
  owner?: string | null;
  status?: AddonVersionStatus | null;
}

export enum AddonOrder {
  NAME = 'NAME',
  UPDATED = 'UPDATED',
  RELEVANCE = 'RELEVANCE',
}

/**
 * The filter's conditions on the `addon` row aliased `a`, each served by an index (addon_search,
 * addon_tags, the repo_id unique key, addon_owner, addon_version_status). `query` is the filter's
 * search as a prefix tsquery.
 */
export function matchingAddons(viewer: Viewer, filter: AddonFilter, query: string | null): SqlText[] {
  const where: SqlText[] = [];
  if (query !== null) where.push({ sql: `a.search @@ to_tsquery('simple', ?)`, bindings: [query] });
  if (filter.repoId != null) where.push({ sql: 'a.repo_id = ?', bindings: [readId(filter.repoId, 'repoId')] });
  if (filter.tag != null) where.push({ sql: 'a.tags @> array[?]::text[]', bindings: [filter.tag] });
  if (filter.official != null) where.push({ sql: 'a.official = ?', bindings: [filter.official] });
  if (filter.owner != null) {
    // Not coalesce(owner_sub, <repo owner>) = ?, which reads every addon: the repo ids as an array
    // (`= any`, not `in`) let PostgreSQL OR two bitmap index scans, addon_owner and (repo_id, name).
    where.push({
      sql: '(a.owner_sub = ? or (a.owner_sub is null and a.repo_id = any(array(select repo_id from repos.repo_access where owner_sub = ?))))',
      bindings: [filter.owner, filter.owner],
    });
  }
  if (filter.status != null) {
    const visible = visibleVersions(viewer);
    where.push({
      sql: `exists (select 1 from addons.addon_version v where v.addon_id = a.id and v.status = ? and ${visible.sql('v')})`,
      bindings: [filter.status, ...visible.params],
    });
  }
  return where;
}
