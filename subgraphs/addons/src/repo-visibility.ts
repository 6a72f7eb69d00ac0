import { raw, type FilterQuery } from '@mikro-orm/core';
import { isOperator, type SqlText, type Viewer } from '@addon-platform/platform';

/**
 * Rows (with a `repo_id` column) of repos the viewer may see, through the repos subgraph's published
 * SQL function, so pages and counts include nothing hidden (ADR 006).
 */
export function visibleRepoRows(viewer: Viewer, alias: string): SqlText {
  return { sql: `${alias}.repo_id in (select repos.visible_repo_ids(?, ?))`, bindings: [viewer.sub ?? null, isOperator(viewer)] };
}

/** {@link visibleRepoRows} as a MikroORM filter. */
export function inVisibleRepos<T extends { repoId: string }>(viewer: Viewer): FilterQuery<T> {
  return { [raw((alias) => visibleRepoRows(viewer, alias).sql, visibleRepoRows(viewer, '').bindings as unknown[])]: [] } as FilterQuery<T>;
}
