import { raw, type FilterQuery } from '@mikro-orm/core';
import { isOperator, type Viewer } from '@addon-platform/platform';
import type { AddonVersion } from './addon-version.entity.js';

/** A SQL condition on the `addon_version` row named by `alias`, and its parameters in order. */
export interface VersionCondition {
  sql(alias: string): string;
  params: unknown[];
}

/**
 * DESIGN, "Identity and access": a version is visible when its repo is (ADR 006), and then to
 * everyone when ACTIVE, to its owner whatever its status, and to operators always. Its owner is the
 * user who submitted it (`owner_sub`), else its repo's owner. One statement decides it for every
 * viewer, so pages, counts, batched loads and the `status` filter of addons agree.
 */
export function visibleVersions(viewer: Viewer): VersionCondition {
  const sub = viewer.sub ?? null;
  const operator = isOperator(viewer);
  return {
    // An anonymous viewer's null sub equals no owner, so it falls to the ACTIVE rule alone.
    sql: (alias) => `exists (
      select 1 from addons.addon va join repos.repo_access ra on ra.repo_id = va.repo_id
       where va.id = ${alias}.addon_id
         and va.repo_id in (select repos.visible_repo_ids(?, ?))
         and (?::boolean or ${alias}.status = 'ACTIVE' or coalesce(${alias}.owner_sub, ra.owner_sub) = ?))`,
    params: [sub, operator, operator, sub],
  };
}

/** {@link visibleVersions} as a MikroORM filter. */
export function inVisibleVersions(viewer: Viewer): FilterQuery<AddonVersion> {
  const { sql, params } = visibleVersions(viewer);
  return { [raw(sql, params)]: [] } as FilterQuery<AddonVersion>;
}
