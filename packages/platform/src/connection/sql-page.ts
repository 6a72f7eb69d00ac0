import type { EntityManager } from '@mikro-orm/postgresql';
import { UUID_PATTERN } from '../errors.js';
import { quoteIdentifier, selectRows, type SqlText } from '../db/sql-rows.js';
import { decodeCursor, notACursor, type Connection } from './connection.type.js';

/** A column of the matched rows that orders the page; together the keys must order rows totally (end with the id). */
export interface PageKey {
  /** Its name among the matched rows' output columns. */
  column: string;
  descending?: boolean;
  /** The PostgreSQL type a cursor's value is cast to: the column's own, so a float4 rank or a uuid compares exactly. */
  sqlType: string;
  /** What a cursor's value must be in JSON; a `date` is an ISO timestamp string. */
  jsonType: 'string' | 'number' | 'uuid' | 'date';
}

/**
 * One page of the rows a select statement matches, in `keys` order, as a Relay connection, with
 * `totalCount`: one statement and one round trip. `attach`, a lateral subquery over the page's row
 * (named `page`), adds its columns to each row: a child read in the same statement. `prelude` holds
 * further common table expressions (`name as (…)`, comma-separated) that `matched` may read, so
 * that what both plans of it need (the viewer's visible repos, say) is computed once. The page is keyset-paginated: a cursor holds the
 * last row's key values and the next page starts strictly after them, so rows are neither skipped
 * nor repeated while the matches stay as they are. The matches are a non-materialised CTE that
 * PostgreSQL plans twice, once counted and once ordered and limited, each with its own indexes.
 * A forged or foreign cursor is refused as `BAD_USER_INPUT` before any SQL runs.
 */
export async function pageRows<Row extends Record<string, unknown>>(
  em: EntityManager,
  matched: SqlText,
  keys: readonly PageKey[],
  page: { first: number; after?: string },
  attach?: SqlText,
  prelude?: SqlText,
): Promise<Connection<Row>> {
  const after = page.after === undefined ? undefined : afterCursor(keys, readPageCursor(page.after, keys), 'm');
  const orderOf = (alias: string) => keys.map((key) => `${alias}.${quoteIdentifier(key.column)} ${key.descending ? 'desc' : 'asc'}`).join(', ');
  const rows = await selectRows<Row & { __row: number | null; __total: string }>(em, {
    sql: `with ${prelude ? `${prelude.sql}, ` : ''}matched as not materialized (${matched.sql})
      select page.*, ${attach ? 'attached.*, ' : ''}total.__total
        from (select count(*) as __total from matched) total
        left join lateral (
          select 1 as __row, m.* from matched m ${after ? `where ${after.sql}` : ''}
           order by ${orderOf('m')} limit ?) page on true
        ${attach ? `left join lateral (${attach.sql}) attached on page.__row is not null` : ''}
       order by ${orderOf('page')}`,
    bindings: [...(prelude?.bindings ?? []), ...matched.bindings, ...(after?.bindings ?? []), page.first + 1, ...(attach?.bindings ?? [])],
  });
  // With no row on the page the count still comes back, on one row whose page columns are null.
  const found = rows.filter((row) => row.__row !== null).map(({ __row, __total, ...node }) => node as unknown as Row);
  return connectionOf(found, keys, page, Number(rows[0]?.__total ?? 0), (row) => row);
}

/**
 * A connection from up to `first + 1` rows in page order (the extra one only tells that a next page
 * exists), each node made from its row by `toNode`; the cursors carry the rows' key values.
 */
export function connectionOf<Row extends Record<string, unknown>, Node>(
  rows: readonly Row[],
  keys: readonly PageKey[],
  page: { first: number; after?: string },
  totalCount: number,
  toNode: (row: Row) => Node,
): Connection<Node> {
  const edges = rows.slice(0, page.first).map((row) => ({ cursor: encodeCursor(keys.map((key) => row[key.column])), node: toNode(row) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > page.first,
      hasPreviousPage: page.after !== undefined,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount,
  };
}

/** Rows of `alias` strictly after the cursor's values: one row comparison when every key runs one way (an index can serve it), else key by key. */
export function afterCursor(keys: readonly PageKey[], values: readonly unknown[], alias: string): SqlText {
  const column = (key: PageKey) => `${alias}.${quoteIdentifier(key.column)}`;
  const value = (key: PageKey) => `?::${key.sqlType}`;
  const descending = keys[0]!.descending ?? false;
  if (keys.every((key) => (key.descending ?? false) === descending)) {
    return { sql: `(${keys.map(column).join(', ')}) ${descending ? '<' : '>'} (${keys.map(value).join(', ')})`, bindings: values };
  }
  const alternatives = keys.map((key, index) => [
    ...keys.slice(0, index).map((earlier) => `${column(earlier)} = ${value(earlier)}`),
    `${column(key)} ${key.descending ? '<' : '>'} ${value(key)}`,
  ]);
  return {
    sql: `(${alternatives.map((conditions) => conditions.join(' and ')).join(' or ')})`,
    bindings: keys.flatMap((_, index) => values.slice(0, index + 1)),
  };
}

function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/** The cursor's key values, when they fit the keys; `BAD_USER_INPUT` otherwise. */
export function readPageCursor(after: string, keys: readonly PageKey[]): unknown[] {
  const values = decodeCursor(after);
  const fits = (value: unknown, key: PageKey) => {
    switch (key.jsonType) {
      case 'string':
        return typeof value === 'string';
      case 'number':
        return typeof value === 'number' && Number.isFinite(value);
      case 'uuid':
        return typeof value === 'string' && UUID_PATTERN.test(value);
      case 'date':
        return typeof value === 'string' && !Number.isNaN(Date.parse(value));
    }
  };
  if (!values || values.length !== keys.length || !keys.every((key, index) => fits(values[index], key))) throw notACursor();
  return values;
}
