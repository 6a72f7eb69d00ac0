import type { EntityName } from '@mikro-orm/core';
import type { EntityManager, Knex } from '@mikro-orm/postgresql';

/** A piece of SQL with knex placeholders (`?` for a value, `??` for an identifier) and its bindings in order. */
export interface SqlText {
  sql: string;
  bindings: readonly unknown[];
}

/**
 * Runs a select with bind parameters on the EntityManager's transaction, or the pool outside one, and
 * returns its rows as PostgreSQL sends them. For read paths that run on every request: MikroORM's
 * `execute` pastes the parameters into the SQL text, so PostgreSQL parses a new statement each time,
 * and its entity hydration costs more than these reads do in the database (ADR 010).
 */
export async function selectRows<Row>(em: EntityManager, query: SqlText): Promise<Row[]> {
  const sql = em.getTransactionContext<Knex.Transaction>() ?? em.getKnex();
  const result: { rows: Row[] } = await sql.raw(query.sql, query.bindings as Knex.RawBinding[]);
  return result.rows;
}

/** Select lists by entity metadata, then by alias and prefix. */
const selectLists = new WeakMap<object, Map<string, string>>();

/**
 * The select list reading an entity's columns from the table aliased `alias`, each under its
 * property's name (`a.repo_id as "repoId"`), so a row is the entity's plain shape: PostgreSQL's
 * uuid, text, arrays, json, integers, booleans and timestamps arrive as the JavaScript values the
 * entity declares. For entities whose properties are plain columns; the rows are not managed.
 * With a `prefix`, each name carries it (`"latestVersion.id"`), to read a second entity in the same row;
 * with `only`, just the properties it names (a row that is then only part of an entity).
 */
export function entityColumns<T extends object>(em: EntityManager, entity: EntityName<T>, alias: string, prefix = '', only?: ReadonlySet<string>): string {
  const meta = em.getMetadata().get(entity);
  const select = (properties: typeof meta.props) =>
    properties
      .filter((property) => property.persist !== false && property.fieldNames?.length === 1)
      .map((property) => `${alias}.${quoteIdentifier(property.fieldNames[0]!)} as ${quoteIdentifier(prefix + property.name)}`)
      .join(', ');
  // Not kept: the sets come from operations, as many as clients care to write.
  if (only) return select(meta.props.filter((property) => only.has(property.name)));
  let byAlias = selectLists.get(meta);
  if (!byAlias) selectLists.set(meta, (byAlias = new Map()));
  let list = byAlias.get(`${alias}:${prefix}`);
  if (!list) {
    list = select(meta.props);
    byAlias.set(`${alias}:${prefix}`, list);
  }
  return list;
}

/** A PostgreSQL identifier, quoted. */
export function quoteIdentifier(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
