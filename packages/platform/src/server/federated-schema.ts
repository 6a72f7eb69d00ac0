import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { parse, type GraphQLSchema } from 'graphql';
import { buildSchema, createResolversMap, type NonEmptyArray, type PubSub } from 'type-graphql';

export const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides"])';

/** Resolves an entity from its key fields, for the gateway's `_entities` fetches. */
export type ReferenceResolver<TContext> = (reference: { __typename: string; id: string }, context: TContext) => unknown;

export interface FederatedSchemaOptions<TContext> {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  resolvers: NonEmptyArray<Function>;
  /** `__resolveReference` per entity type this subgraph owns or extends. */
  referenceResolvers: Record<string, ReferenceResolver<TContext>>;
  orphanedTypes?: Function[];
}

/**
 * type-graphql asks for a PubSub as soon as a schema has a subscription, even when each brings its own
 * `subscribe` (ours do: their events come from PostgreSQL, so every replica sees them); this one
 * refuses to be used.
 */
const noPubSub = (): never => {
  throw new Error('Subscriptions here bring their own `subscribe`; there is no in-process PubSub.');
};
const NO_PUB_SUB: PubSub = { publish: noPubSub, subscribe: noPubSub };

/**
 * Builds a Federation 2 subgraph schema from type-graphql classes. type-graphql prints `@key` and
 * other directives only through `printSchemaWithDirectives`, and `buildSubgraphSchema` needs the
 * federation `@link` prepended (plain `printSchema` would drop the keys). The resolver map carries each
 * subscription's `subscribe` with its `resolve` into the subgraph schema.
 */
export async function buildFederatedSchema<TContext>(options: FederatedSchemaOptions<TContext>): Promise<GraphQLSchema> {
  const { resolvers, referenceResolvers, orphanedTypes } = options;
  const schema = await buildSchema({ resolvers, orphanedTypes, validate: false, skipCheck: true, pubSub: NO_PUB_SUB });
  const resolverMap = createResolversMap(schema) as GraphQLResolverMap<unknown>;
  for (const [typeName, resolveReference] of Object.entries(referenceResolvers)) {
    resolverMap[typeName] = { ...(resolverMap[typeName] as object), __resolveReference: resolveReference } as never;
  }
  return buildSubgraphSchema({
    typeDefs: parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(schema)}`),
    resolvers: resolverMap,
  });
}
