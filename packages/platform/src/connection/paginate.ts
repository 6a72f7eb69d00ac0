import type { EntityName, FilterQuery, QueryOrder } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import type { Connection } from './connection.type.js';
import { afterCursor, connectionOf, pageRows, readPageCursor, type PageKey } from './sql-page.js';

type OrderBy<T> = { [K in keyof T]?: `${QueryOrder.ASC | QueryOrder.DESC}` | 'asc' | 'desc' };

/**
 * One page of `entity` rows matching a MikroORM filter, in `orderBy` order, as a Relay connection
 * with `totalCount`, in one statement ({@link pageRows}). Timestamps used as keys are stored with
 * millisecond precision (`timestamptz(3)`), the precision a cursor carries, or rows tied within a
 * millisecond would be skipped.
 */
export async function paginate<T extends object>(
  em: EntityManager,
  entity: EntityName<T>,
  where: FilterQuery<T>,
  page: { first: number; after?: string },
  orderBy: OrderBy<T>,
): Promise<Connection<T>> {
  const keys = entityPageKeys(em, entity, orderBy);
  const { sql, bindings } = em.createQueryBuilder(entity, 'e').select('*').where(where).getKnexQuery().toSQL();
  const rows = await pageRows(em, { sql, bindings }, keys, page);
  return { ...rows, edges: rows.edges.map(({ cursor, node }) => ({ cursor, node: em.map(entity, node as never) })) };
}

/**
 * One page of children for each of many parents, in one statement: the connection a field such as
 * `Addon.runtimes` returns for every addon of an entity fetch. Rows are ranked per parent with a
 * window function, so each parent gets its own `first` rows and its own `totalCount`, and the
 * pages and cursors are those `paginate` would give parent by parent. Every key of `orderBy` must
 * run in the same direction (a row comparison applies the `after` cursor).
 */
export async function paginateChildren<T extends object>(
  em: EntityManager,
  entity: EntityName<T>,
  options: { parent: keyof T & string; parentIds: readonly string[]; where: FilterQuery<T>; page: { first: number; after?: string }; orderBy: OrderBy<T> },
): Promise<Connection<T>[]> {
  const { parent, parentIds, where, page, orderBy } = options;
  const keys = entityPageKeys(em, entity, orderBy);
  const descending = keys[0]!.descending ?? false;
  if (keys.some((key) => (key.descending ?? false) !== descending)) throw new Error('paginateChildren needs every ordering key in one direction');
  const after = page.after === undefined ? undefined : afterCursor(keys, readPageCursor(page.after, keys), 'scoped');

  const parentColumn = entityPageKeys(em, entity, { [parent]: 'asc' } as OrderBy<T>)[0]!.column;
  const orderColumns = keys.map((key) => key.column);
  const knex = em.getKnex();
  const scoped = em
    .createQueryBuilder(entity, 'e')
    .select('*')
    .where({ $and: [{ [parent]: { $in: [...parentIds] } }, where] } as FilterQuery<T>)
    .getKnexQuery();
  const ranked = knex
    .select('scoped.*', knex.raw(`row_number() over (partition by ?? order by ${orderColumns.map(() => `?? ${descending ? 'desc' : 'asc'}`).join(', ')}) as __rank`, [parentColumn, ...orderColumns]))
    .from('scoped');
  if (after) ranked.whereRaw(after.sql, after.bindings as never);
  const rows: Record<string, unknown>[] = await knex
    .with('scoped', scoped)
    .with('ranked', ranked)
    .with('totals', knex.select(parentColumn).count({ __total: '*' }).from('scoped').groupBy(parentColumn))
    .select('totals.__total', knex.raw('totals.?? as __parent', [parentColumn]), 'ranked.*')
    .from('totals')
    .leftJoin('ranked', function () {
      this.on(`ranked.${parentColumn}`, `totals.${parentColumn}`).andOn('ranked.__rank', '<=', knex.raw('?', [page.first + 1]));
    })
    .orderBy([`totals.${parentColumn}`, 'ranked.__rank']);

  const byParent = new Map(parentIds.map((parentId) => [parentId, { rows: [] as Record<string, unknown>[], total: 0 }]));
  for (const { __total, __parent, __rank, ...row } of rows) {
    const group = byParent.get(String(__parent));
    if (!group) continue;
    group.total = Number(__total);
    // A parent whose rows all lie before the cursor comes back once, with no ranked row.
    if (__rank !== null) group.rows.push(row);
  }
  return parentIds.map((parentId) => {
    const { rows: parentRows, total } = byParent.get(parentId)!;
    return connectionOf(parentRows, keys, page, total, (row) => em.map(entity, row as never));
  });
}

/** `orderBy`'s properties as page keys: their columns, their column types, and what a cursor holds for each. */
function entityPageKeys<T extends object>(em: EntityManager, entity: EntityName<T>, orderBy: OrderBy<T>): PageKey[] {
  const properties = em.getMetadata().get(entity).properties as Record<string, { fieldNames: string[]; columnTypes: string[]; runtimeType: string; type: string }>;
  return Object.entries(orderBy).map(([name, direction]) => {
    const property = properties[name]!;
    return {
      column: property.fieldNames[0]!,
      descending: String(direction).toLowerCase() === 'desc',
      sqlType: property.columnTypes[0]!,
      jsonType: property.runtimeType === 'Date' ? 'date' : property.type === 'uuid' ? 'uuid' : property.runtimeType === 'number' ? 'number' : 'string',
    };
  });
}

/** Rows matched to the ids asked for (by `id`, or by `keyOf`), in their order, null where none matched: the shape DataLoader needs. */
export function alignToIds<T extends { id: string }>(ids: readonly string[], rows: readonly T[]): (T | null)[];
export function alignToIds<T>(ids: readonly string[], rows: readonly T[], keyOf: (row: T) => string): (T | null)[];
export function alignToIds<T>(ids: readonly string[], rows: readonly T[], keyOf = (row: T) => (row as { id: string }).id): (T | null)[] {
  const byId = new Map(rows.map((row) => [keyOf(row), row]));
  return ids.map((id) => byId.get(id) ?? null);
}

/**
 * Batches a per-parent connection field over the parents resolved in one request: `Addon.runtimes`
 * for twenty addons becomes one `paginateChildren` call. Parents asking for different pages are
 * batched separately.
 */
export function createChildConnectionLoader<T>(
  loadPages: (parentIds: readonly string[], page: { first: number; after?: string }) => Promise<Connection<T>[]>,
): (parentId: string, page: { first: number; after?: string }) => Promise<Connection<T>> {
  const loaders = new Map<string, DataLoader<string, Connection<T>>>();
  return (parentId, page) => {
    const key = `${page.first}:${page.after ?? ''}`;
    let loader = loaders.get(key);
    if (!loader) {
      loader = new DataLoader((parentIds) => loadPages(parentIds, page));
      loaders.set(key, loader);
    }
    return loader.load(parentId);
  };
}
