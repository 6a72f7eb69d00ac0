import { ArgsType, Directive, Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { domainError } from '../errors.js';

/** Relay page information; the same shape in every subgraph, hence shareable. */
@ObjectType({ description: 'Where a page sits in its list.' })
@Directive('@shareable')
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field()
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  totalCount: number;
}

/** Builds `<Name>Connection` and `<Name>Edge` GraphQL types for a node type. */
export function createConnectionType<T extends object>(name: string, nodeType: ClassType<T>): ClassType<Connection<T>> {
  @ObjectType(`${name}Edge`)
  class EdgeType implements Edge<T> {
    @Field({ description: 'Opaque; pass as `after` to read the next page.' })
    cursor!: string;

    @Field(() => nodeType)
    node!: T;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionType implements Connection<T> {
    @Field(() => [EdgeType])
    edges!: EdgeType[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int, { description: 'All items matching the filter that the viewer may see.' })
    totalCount!: number;
  }
  return ConnectionType;
}

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: `Items per page, 1 to ${MAX_PAGE_SIZE}; default ${DEFAULT_PAGE_SIZE}.` })
  first?: number;

  @Field(() => String, { nullable: true, description: 'The `cursor` of the last edge already read.' })
  after?: string;
}

/** Checks page arguments; a bad one is refused with `BAD_USER_INPUT` naming the field. */
export function readPageArgs(args: PageArgs): { first: number; after?: string } {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw domainError('BAD_USER_INPUT', `first must be between 1 and ${MAX_PAGE_SIZE}.`, { field: 'first' });
  }
  if (args.after !== undefined && args.after !== null && !decodeCursor(args.after)) throw notACursor();
  return { first, after: args.after ?? undefined };
}

/** The ordering-key values a cursor carries, or undefined when it is not one of ours. */
export function decodeCursor(cursor: string): unknown[] | undefined {
  // MikroORM cursors are base64url-encoded JSON arrays of the ordering keys.
  if (cursor.length > 512 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  try {
    const values: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(values) ? values : undefined;
  } catch {
    return undefined;
  }
}

export function notACursor() {
  return domainError('BAD_USER_INPUT', 'after is not a cursor from this list; pass an edge cursor unchanged.', { field: 'after' });
}

export function emptyConnection<T>(): Connection<T> {
  return { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null }, totalCount: 0 };
}
