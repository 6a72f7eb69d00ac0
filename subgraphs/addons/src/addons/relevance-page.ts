import { Cursor, type ObjectQuery } from '@mikro-orm/core';
import { UUID_PATTERN, decodeCursor, notACursor, type Connection, type EntityManager } from '@addon-platform/platform';
import { Addon } from './addon.entity.js';

/**
 * A page of the addons matching `where` and the prefix query `query`, best match first: ts_rank
 * descending, then name and id, so the order is total. MikroORM's cursors only order by mapped
 * properties, so this is the same keyset pagination written by hand on the computed rank: a cursor
 * carries (rank, name, id) and the next page starts strictly after it, with no offset, no gap and no
 * repeat while the matches stay as they are. The rank is a float4 that survives the round trip:
 * PostgreSQL prints the shortest text that reads back to the same float4, and JSON keeps that text.
 */
export async function pageByRelevance(
  em: EntityManager,
  where: ObjectQuery<Addon>,
  query: string,
  page: { first: number; after?: string },
): Promise<Connection<Addon>> {
  const after = page.after === undefined ? undefined : readRelevanceCursor(page.after);
  const knex = em.getKnex();
  const matched = em.createQueryBuilder(Addon, 'a').select('*').where(where).getKnexQuery();
  const rows: Array<Record<string, unknown> & { __rank: number }> = await knex
    .with('matched', matched)
    .with('ranked', knex.select('matched.*', knex.raw(`ts_rank(search, to_tsquery('simple', ?)) as __rank`, [query])).from('matched'))
    .select('*')
    .from('ranked')
    // Ascending on the negated rank is descending on the rank, so one row comparison applies the cursor.
    .modify((builder) => (after ? builder.whereRaw('(-__rank, name, id) > (-(?::real), ?, ?::uuid)', after) : builder))
    .orderByRaw('__rank desc, name, id')
    .limit(page.first + 1);
  // The compiled `matched` again rather than em.count(where): MikroORM consumes a raw filter key when it compiles it.
  const [total] = await knex.with('matched', matched).from('matched').count({ count: '*' });
  const totalCount = Number(total!.count);

  const edges = rows.slice(0, page.first).map(({ __rank, ...row }) => {
    const node = em.map(Addon, row as never);
    return { cursor: Cursor.encode([__rank, node.name, node.id]), node };
  });
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > page.first,
      hasPreviousPage: after !== undefined,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount,
  };
}

/** (rank, name, id) from a RELEVANCE cursor; `BAD_USER_INPUT` for anything else, cursors of other orders included. */
function readRelevanceCursor(after: string): [number, string, string] {
  const values = decodeCursor(after);
  if (!values || values.length !== 3) throw notACursor();
  const [rank, name, id] = values;
  if (typeof rank !== 'number' || !Number.isFinite(rank) || typeof name !== 'string' || typeof id !== 'string' || !UUID_PATTERN.test(id)) throw notACursor();
  return [rank, name, id];
}
