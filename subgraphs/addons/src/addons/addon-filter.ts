import { raw, type FilterQuery } from '@mikro-orm/core';
import { readId, type Viewer } from '@addon-platform/platform';
import type { AddonVersionStatus } from '../versions/addon-version.entity.js';
import { visibleVersions } from '../versions/version-visibility.js';
import type { Addon } from './addon.entity.js';

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

/** The filter's conditions, each served by an index (addon_search, addon_tags, the repo_id unique key, addon_owner, addon_version_status). */
export function matchingAddons(viewer: Viewer, filter: AddonFilter, query: string | null): FilterQuery<Addon>[] {
  const where: FilterQuery<Addon>[] = [];
  if (query !== null) where.push({ [raw((alias) => `${alias}.search @@ to_tsquery('simple', ?)`, [query])]: [] });
  if (filter.repoId != null) where.push({ repoId: readId(filter.repoId, 'repoId') });
  if (filter.tag != null) where.push({ [raw((alias) => `${alias}.tags @> array[?]::text[]`, [filter.tag])]: [] });
  if (filter.official != null) where.push({ official: filter.official });
  if (filter.owner != null) {
    // Not coalesce(owner_sub, <repo owner>) = ?, which reads every addon: the repo ids as an array
    // (`= any`, not `in`) let PostgreSQL OR two bitmap index scans, addon_owner and (repo_id, name).
    where.push({
      [raw(
        (alias) => `(${alias}.owner_sub = ? or (${alias}.owner_sub is null and ${alias}.repo_id = any(array(select repo_id from repos.repo_access where owner_sub = ?))))`,
        [filter.owner, filter.owner],
      )]: [],
    });
  }
  if (filter.status != null) {
    const visible = visibleVersions(viewer);
    where.push({
      [raw((alias) => `exists (select 1 from addons.addon_version v where v.addon_id = ${alias}.id and v.status = ? and ${visible.sql('v')})`, [
        filter.status,
        ...visible.params,
      ])]: [],
    });
  }
  return where;
}
