import { raw, type FilterQuery } from '@mikro-orm/core';
import { isOperator, type SqlText, type Viewer } from '@addon-platform/platform';

/**
 * The ids of the repos the viewer may see, as a select of one column, through the repos subgraph's
 * published SQL function, so pages and counts include nothing hidden (ADR 006).
 */
export function visibleRepoIds(viewer: Viewer): SqlText {
  return { sql: 'select repos.visible_repo_ids(?, ?)', bindings: [viewer.sub ?? null, isOperator(viewer)] };
}

/** Rows (with a `repo_id` column) of repos the viewer may see, as a MikroORM filter. */
export function inVisibleRepos<T extends { repoId: string }>(viewer: Viewer): FilterQuery<T> {
  const ids = visibleRepoIds(viewer);
  return { [raw((alias) => `${alias}.repo_id in (${ids.sql})`, ids.bindings as unknown[])]: [] } as FilterQuery<T>;
}
