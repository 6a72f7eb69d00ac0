import { buildOperationContext } from '@apollo/gateway';
import { Supergraph, operationFromDocument, type Operation, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type FetchNode, type QueryPlan } from '@apollo/query-planner';
import {
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  getNamedType,
  getOperationAST,
  isObjectType,
  parse,
  parseType,
  print,
  specifiedRules,
  validate,
  visit,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValueNode,
} from 'graphql';
import { domainError, toGraphQLError } from '@addon-platform/platform';
import { readSubgraphEndpoints } from '../supergraph.js';

/** The gateway's own variable for the cursor to resume after, and the alias its cursor comes back under. */
export const AFTER_VARIABLE = '_gatewayAfter';
export const CURSOR_ALIAS = '_gatewayCursor';

/** What the gateway sends to the subgraph that owns the subscription field. */
export interface UpstreamOperation {
  serviceName: string;
  /** The subgraph's graphql-ws URL. */
  url: string;
  query: string;
  operationName?: string;
  /** The client's variables the operation uses. */
  variableUsages: readonly string[];
  /** The subscription field's response key in each event. */
  responseKey: string;
  /**
   * Present when the field follows the resumable convention (an `after` argument, a `cursor` in every
   * payload): the query then always selects the cursor under {@link CURSOR_ALIAS} and takes `after`
   * from {@link AFTER_VARIABLE}, and this is the client's own `after`, if it gave one.
   */
  resume?: { clientAfter?: ValueNode };
}

type OperationContext = ReturnType<typeof buildOperationContext>;

/** A validated subscription operation and how to run it: cached per supergraph and document. */
export interface SubscriptionPlan {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  operationContext: OperationContext;
  upstream: UpstreamOperation;
  /** Run once per event: the primary fetch, answered by the event itself, then the rest of the plan. */
  eventPlan: QueryPlan;
  primary: FetchNode;
  /**
   * When the primary fetch answers the whole subscription (no rest of the plan, nothing to rewrite):
   * the operation its events are shaped by, built once. `executeQueryPlan` builds it again from the
   * document for every call: about a quarter of the gateway's CPU per event in bench:subscriptions (a).
   */
  shaping?: Operation;
}

export interface SubscriptionPlanner {
  /** The API schema clients see, as for HTTP. */
  apiSchema: GraphQLSchema;
  supergraphSchema: GraphQLSchema;
  federationApiSchema: Schema;
  /** The plan of a subscription, or why it is refused (each error with `extensions.code`). */
  plan(query: string, operationName: string | undefined): SubscriptionPlan | readonly GraphQLError[];
}

export interface SubscriptionPlannerOptions {
  supergraphSdl: string;
  /** `SUBGRAPH_URL_<NAME>` overrides, as for HTTP. */
  subgraphUrls: Record<string, string>;
  production: boolean;
  /** Plans remembered; the oldest is forgotten first. Default 500. */
  maxPlans?: number;
}

/**
 * Plans subscriptions over one supergraph with the planner `@apollo/gateway` uses for queries, after
 * validating them against the same API schema. A reloaded supergraph gets a new planner, and with it
 * an empty cache.
 */
export function createSubscriptionPlanner(options: SubscriptionPlannerOptions): SubscriptionPlanner {
  const { supergraphSdl, subgraphUrls, production, maxPlans = 500 } = options;
  const supergraph = Supergraph.build(supergraphSdl);
  const federationApiSchema = supergraph.apiSchema();
  const apiSchema = federationApiSchema.toGraphQLJSSchema();
  const supergraphSchema = supergraph.schema.toGraphQLJSSchema();
  const queryPlanner = new QueryPlanner(supergraph);
  const urls = new Map(readSubgraphEndpoints(supergraphSdl, subgraphUrls).map(({ name, url }) => [name, toWebSocketUrl(url)]));
  const rules = production ? [...specifiedRules, NoSchemaIntrospectionCustomRule] : specifiedRules;
  const plans = new Map<string, SubscriptionPlan | readonly GraphQLError[]>();

  function planAfresh(query: string, operationName: string | undefined): SubscriptionPlan | readonly GraphQLError[] {
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (error) {
      return [withCode(error as GraphQLError, 'GRAPHQL_PARSE_FAILED')];
    }
    const invalid = validate(apiSchema, document, rules);
    if (invalid.length > 0) return invalid.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED'));
    const operation = getOperationAST(document, operationName);
    if (!operation) return [refusal('The document names no operation to run; send one operation or an operationName.')];
    if (operation.operation !== 'subscription') {
      return [refusal('Only subscriptions are served over WebSocket; send queries and mutations over HTTP.')];
    }
    let plan: QueryPlan;
    try {
      plan = queryPlanner.buildQueryPlan(operationFromDocument(federationApiSchema, document, { operationName }));
    } catch (error) {
      if (error instanceof GraphQLError) return [withCode(error, 'GRAPHQL_VALIDATION_FAILED')];
      throw error;
    }
    if (plan.node?.kind !== 'Subscription') return [refusal('This subscription selects nothing a subgraph serves.')];
    const { primary, rest } = plan.node;
    const url = urls.get(primary.serviceName);
    if (!url) throw new Error(`The supergraph names no URL for subgraph ${primary.serviceName}`);
    const operationContext = buildOperationContext({ schema: apiSchema, operationDocument: document, operationName });
    return {
      document,
      operation,
      operationContext,
      upstream: toUpstreamOperation(primary, url, apiSchema),
      eventPlan: { kind: 'QueryPlan', node: rest ? { kind: 'Sequence', nodes: [primary, rest] } : primary },
      primary,
      // As executeQueryPlan builds it, from the operation and its fragments.
      shaping:
        rest || primary.outputRewrites?.length
          ? undefined
          : operationFromDocument(federationApiSchema, { kind: Kind.DOCUMENT, definitions: [operationContext.operation, ...Object.values(operationContext.fragments)] }, { validate: false }),
    };
  }

  return {
    apiSchema,
    supergraphSchema,
    federationApiSchema,
    plan(query, operationName) {
      const key = `${operationName ?? ''}\n${query}`;
      let plan = plans.get(key);
      if (plan) return plan;
      plan = planAfresh(query, operationName);
      if (plans.size >= maxPlans) plans.delete(plans.keys().next().value!);
      plans.set(key, plan);
      return plan;
    },
  };
}

/**
 * The primary fetch as sent upstream. For a resumable field the gateway must know the cursor of every
 * event and choose `after` itself on a resubscription, whatever the client selected and passed.
 */
function toUpstreamOperation(primary: FetchNode, url: string, apiSchema: GraphQLSchema): UpstreamOperation {
  const document = parse(primary.operation);
  const operation = document.definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION)!;
  const root = operation.selectionSet.selections[0];
  const base = {
    serviceName: primary.serviceName,
    url,
    operationName: primary.operationName,
    variableUsages: primary.variableUsages ?? [],
    responseKey: root?.kind === Kind.FIELD ? (root.alias ?? root.name).value : '',
  };
  if (root?.kind !== Kind.FIELD || operation.selectionSet.selections.length !== 1) return { ...base, query: primary.operation };
  const definition = apiSchema.getSubscriptionType()?.getFields()[root.name.value];
  const afterArgument = definition?.args.find((argument) => argument.name === 'after');
  const payload = definition && getNamedType(definition.type);
  if (!afterArgument || !isObjectType(payload) || !payload.getFields().cursor) return { ...base, query: primary.operation };

  const field: FieldNode = {
    ...root,
    arguments: [
      ...(root.arguments ?? []).filter((argument) => argument.name.value !== 'after'),
      { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'after' }, value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: AFTER_VARIABLE } } },
    ],
    selectionSet: {
      kind: Kind.SELECTION_SET,
      selections: [
        ...(root.selectionSet?.selections ?? []),
        { kind: Kind.FIELD, alias: { kind: Kind.NAME, value: CURSOR_ALIAS }, name: { kind: Kind.NAME, value: 'cursor' } },
      ],
    },
  };
  const used = new Set<string>();
  visit(field, { Variable: (variable) => void used.add(variable.name.value) });
  const rewritten: OperationDefinitionNode = {
    ...operation,
    // A client variable that only fed `after` would be left unused, which GraphQL validation refuses.
    variableDefinitions: [
      ...(operation.variableDefinitions ?? []).filter((definition) => used.has(definition.variable.name.value)),
      { kind: Kind.VARIABLE_DEFINITION, variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: AFTER_VARIABLE } }, type: parseType(String(afterArgument.type)) },
    ],
    selectionSet: { kind: Kind.SELECTION_SET, selections: [field] },
  };
  return {
    ...base,
    query: print({ ...document, definitions: document.definitions.map((definition) => (definition === operation ? rewritten : definition)) }),
    variableUsages: base.variableUsages.filter((name) => used.has(name)),
    resume: { clientAfter: root.arguments?.find((argument) => argument.name.value === 'after')?.value },
  };
}

function toWebSocketUrl(httpUrl: string): string {
  const url = new URL(httpUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { ...error.extensions, code } });
}

const refusal = (message: string) => toGraphQLError(domainError('BAD_USER_INPUT', message));
