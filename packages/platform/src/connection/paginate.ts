import { Cursor, type EntityName, type FilterQuery, type QueryOrder } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { UUID_PATTERN } from '../errors.js';
import { decodeCursor, notACursor, type Connection } from './connection.type.js';

type OrderBy<T> = { [K in keyof T]?: `${QueryOrder.ASC | QueryOrder.DESC}` | 'asc' | 'desc' };

/**
 * One page of `entity` rows in `orderBy` order as a Relay connection, keyset-paginated. The `after`
 * cursor is checked against the ordering keys first, so a forged or foreign cursor is refused as
 * `BAD_USER_INPUT` rather than failing in SQL. Timestamps used as keys are stored with millisecond
 * precision (`timestamptz(3)`), the precision a cursor carries, or rows tied within a millisecond
 * would be skipped.
 */
export async function paginate<T extends object>(
  em: EntityManager,
  entity: EntityName<T>,
  where: FilterQuery<T>,
  page: { first: number; after?: string },
  orderBy: OrderBy<T>,
): Promise<Connection<T>> {
  if (page.after !== undefined) readCursorValues(em, entity, page.after, Object.keys(orderBy));
  const cursor = await em.findByCursor(entity, where, {
    first: page.first,
    after: page.after,
    orderBy: orderBy as never,
    includeCount: true,
  });
  return toConnection(cursor);
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
  const keys = Object.keys(orderBy);
  const directions = new Set(Object.values(orderBy).map((direction) => String(direction).toLowerCase()));
  if (directions.size !== 1) throw new Error('paginateChildren needs every ordering key in one direction');
  const descending = directions.has('desc');
  const afterValues = page.after === undefined ? undefined : readCursorValues(em, entity, page.after, keys);

  const meta = em.getMetadata().get(entity);
  const properties = meta.properties as Record<string, { fieldNames: string[] }>;
  const column = (property: string) => properties[property]!.fieldNames[0]!;
  const parentColumn = column(parent);
  const orderColumns = keys.map(column);
  const knex = em.getKnex();
  const scoped = em
    .createQueryBuilder(entity, 'e')
    .select('*')
    .where({ $and: [{ [parent]: { $in: [...parentIds] } }, where] } as FilterQuery<T>)
    .getKnexQuery();
  const ranked = knex
    .select('scoped.*', knex.raw(`row_number() over (partition by ?? order by ${orderColumns.map(() => `?? ${descending ? 'desc' : 'asc'}`).join(', ')}) as __rank`, [parentColumn, ...orderColumns]))
    .from('scoped');
  if (afterValues) {
    ranked.whereRaw(`(${orderColumns.map(() => '??').join(', ')}) ${descending ? '<' : '>'} (${afterValues.map(() => '?').join(', ')})`, [...orderColumns, ...afterValues] as never);
  }
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

  const byParent = new Map(parentIds.map((parentId) => [parentId, { items: [] as T[], total: 0 }]));
  for (const { __total, __parent, __rank, ...row } of rows) {
    const group = byParent.get(String(__parent));
    if (!group) continue;
    group.total = Number(__total);
    // A parent whose rows all lie before the cursor comes back once, with no ranked row.
    if (__rank !== null) group.items.push(em.map(entity, row as never));
  }
  return parentIds.map((parentId) => {
    const { items, total } = byParent.get(parentId)!;
    return toConnection(new Cursor(items as never, total as never, { first: page.first, after: page.after, orderBy, overfetch: true } as never, meta) as never);
  });
}

/** The cursor's values, when they fit the ordering keys; `BAD_USER_INPUT` otherwise. */
function readCursorValues<T extends object>(em: EntityManager, entity: EntityName<T>, after: string, keys: string[]): unknown[] {
  const values = decodeCursor(after);
  if (!values) throw notACursor();
  const properties = em.getMetadata().get(entity).properties as Record<string, { runtimeType: string; type: string }>;
  const fits = (value: unknown, key: string) => {
    const { runtimeType, type } = properties[key]!;
    if (runtimeType === 'Date') return typeof value === 'string' && !Number.isNaN(Date.parse(value));
    if (type === 'uuid') return typeof value === 'string' && UUID_PATTERN.test(value);
    return typeof value === runtimeType;
  };
  if (values.length !== keys.length || !keys.every((key, index) => fits(values[index], key))) throw notACursor();
  return values;
}

function toConnection<T extends object>(page: Cursor<T, never, never, never, boolean>): Connection<T> {
  const edges = page.items.map((node) => ({ cursor: page.from(node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasNextPage ?? false,
      hasPreviousPage: page.hasPrevPage ?? false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: page.totalCount ?? 0,
  };
}

/** Rows matched to the ids asked for, in their order, null where none matched: the shape DataLoader needs. */
export function alignToIds<T extends { id: string }>(ids: readonly string[], rows: readonly T[]): (T | null)[] {
  const byId = new Map(rows.map((row) => [row.id, row]));
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
