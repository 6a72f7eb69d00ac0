import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  getNamedType,
  isInterfaceType,
  isObjectType,
  valueFromASTUntyped,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { DEFAULT_PAGE_SIZE } from '@addon-platform/platform';

export interface OperationLimits {
  maxDepth: number;
  maxCost: number;
}

export interface OperationMeasure {
  depth: number;
  cost: number;
}

/**
 * Measures an operation before it is planned. Depth is the deepest field nesting, fragments inlined.
 * Cost estimates the fields resolved: each field costs the product of the page sizes (`first`, or the
 * default page size when omitted) of the paginated fields above it, so a nested list of lists is
 * priced as the fan-out it causes. Variables are read with their request values.
 */
export function measureOperation(
  selectionSet: SelectionSetNode,
  rootType: GraphQLNamedType,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): OperationMeasure {
  const measure = { depth: 0, cost: 0 };
  const walk = (set: SelectionSetNode, parent: GraphQLNamedType, depth: number, multiplier: number, seen: ReadonlySet<string>) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments[selection.name.value];
        // A fragment cycle is reported by GraphQL's own validation; here it only must not loop.
        if (!fragment || seen.has(fragment.name.value)) continue;
        walk(fragment.selectionSet, parent, depth, multiplier, new Set([...seen, fragment.name.value]));
        continue;
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet, parent, depth, multiplier, seen);
        continue;
      }
      if (selection.name.value.startsWith('__')) continue;
      measure.depth = Math.max(measure.depth, depth);
      measure.cost += multiplier;
      const field = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[selection.name.value] : undefined;
      if (!field || !selection.selectionSet) continue;
      const firstArgument = selection.arguments?.find((argument) => argument.name.value === 'first');
      const isPaginated = field.args.some((argument) => argument.name === 'first');
      const pageSize = isPaginated ? readPageSize(firstArgument ? valueFromASTUntyped(firstArgument.value, variables) : undefined) : 1;
      walk(selection.selectionSet, getNamedType(field.type), depth + 1, multiplier * pageSize, seen);
    }
  };
  walk(selectionSet, rootType, 1, 1, new Set());
  return measure;
}

function readPageSize(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : DEFAULT_PAGE_SIZE;
}

/**
 * Throws `QUERY_TOO_COMPLEX` when the operation is deeper or costlier than the limits allow; HTTP
 * requests and subscriptions are held to the same rules.
 */
export function checkOperationLimits(
  limits: OperationLimits,
  operation: OperationDefinitionNode,
  document: DocumentNode,
  schema: GraphQLSchema,
  variables: Record<string, unknown>,
): void {
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return;
  const fragments = Object.fromEntries(
    document.definitions.filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION).map((fragment) => [fragment.name.value, fragment]),
  );
  const { depth, cost } = measureOperation(operation.selectionSet, rootType, fragments, variables);
  if (depth > limits.maxDepth) {
    throw tooComplex(`The operation nests fields ${depth} deep; the limit is ${limits.maxDepth}. Split it into smaller queries.`, {
      depth,
      maxDepth: limits.maxDepth,
    });
  }
  if (cost > limits.maxCost) {
    throw tooComplex(
      `The operation's estimated cost is ${cost}; the limit is ${limits.maxCost}. Ask for smaller pages (first) or fewer nested lists.`,
      { cost, maxCost: limits.maxCost },
    );
  }
}

/** Refuses operations beyond the limits with `QUERY_TOO_COMPLEX` before anything reaches a subgraph. */
export function createOperationLimitsPlugin(limits: OperationLimits): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, schema, request }) {
          if (operation) checkOperationLimits(limits, operation, document, schema, request.variables ?? {});
        },
      };
    },
  };
}

function tooComplex(message: string, details: Record<string, number>): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX', ...details, http: { status: 400 } } });
}
