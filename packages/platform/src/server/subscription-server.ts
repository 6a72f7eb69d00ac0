import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { CloseCode } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { NoSchemaIntrospectionCustomRule, parse, specifiedRules, validate, type DocumentNode, type GraphQLError, type GraphQLSchema, type Source } from 'graphql';
import { WebSocketServer } from 'ws';
import { ANONYMOUS, SUBSCRIPTION_PATH, verifyConnectionInit, type JwtVerifier, type Viewer } from '../auth/index.js';
import { DomainError, createFormatError, domainError, toGraphQLError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ServiceMetrics } from '../metrics.js';
import type { RequestScope } from './subgraph-server.js';

/**
 * Close codes of a subgraph's subscription socket. A refused `connection_init` (no or a bad gateway
 * signature, a signature outside the time window, a bad or expired token) closes with graphql-ws's
 * Forbidden; a token that expires while the socket is open closes it with Unauthorized, after which
 * the gateway reconnects with a fresh token and resubscribes from its cursors.
 */
export const SUBSCRIPTION_CLOSE = { refused: CloseCode.Forbidden, tokenExpired: CloseCode.Unauthorized } as const;

export interface SubscriptionServerOptions<TContext> {
  /** The HTTP server whose `/graphql` upgrades are taken. */
  server: Server;
  schema: GraphQLSchema;
  logger: Logger;
  metrics: ServiceMetrics;
  gatewaySecret: string;
  jwt: JwtVerifier;
  context: (scope: RequestScope) => TContext | Promise<TContext>;
  /** Largest message accepted, in bytes: the HTTP body limit. */
  maxPayloadBytes: number;
  production: boolean;
}

/**
 * Documents kept parsed and validated, by their text. The gateway sends the same few operations for
 * every subscriber: ten thousand subscriptions of one query are then parsed and validated once (about
 * 0.1 ms each, a second in all) and share one AST, instead of each keeping its own (their Tokens and
 * Locations alone were 40 MiB of the 313 MiB live heap of a runtimes process with 10,000
 * subscriptions). The least recently used is dropped beyond this.
 */
export const MAX_CACHED_DOCUMENTS = 1000;

/**
 * graphql-ws's parse and validate steps, remembering documents by text and their validation by
 * document. A document that does not parse throws as before and is not kept.
 */
export function createDocumentCache(rules: NonNullable<Parameters<typeof validate>[2]>, maxDocuments = MAX_CACHED_DOCUMENTS) {
  const documents = new Map<string, DocumentNode>();
  const validations = new WeakMap<DocumentNode, { schema: GraphQLSchema; errors: readonly GraphQLError[] }>();
  return {
    parse(source: string | Source): DocumentNode {
      const text = typeof source === 'string' ? source : source.body;
      let document = documents.get(text);
      if (document) documents.delete(text);
      else {
        document = parse(text);
        if (documents.size >= maxDocuments) documents.delete(documents.keys().next().value!);
      }
      documents.set(text, document);
      return document;
    },
    validate(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[] {
      const known = validations.get(document);
      if (known?.schema === schema) return known.errors;
      const errors = validate(schema, document, rules);
      validations.set(document, { schema, errors });
      return errors;
    },
    /** Documents kept now. */
    size: () => documents.size,
  };
}

// setTimeout fires at once beyond this; a later expiry is re-armed when it fires.
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/** A WebSocket close reason: at most 123 bytes of UTF-8 (RFC 6455), cut without splitting a character. */
export const closeReason = (text: string): string => Buffer.from(text).subarray(0, 123).toString('utf8').replace(/\uFFFD$/, '');

/**
 * Closes a subscription socket with {@link SUBSCRIPTION_CLOSE.tokenExpired} when its token expires
 * (`expiresAt` in seconds since the epoch), at once if it already has. Answers how to cancel.
 */
export function closeAtTokenExpiry(socket: { close(code: number, reason: string): void }, expiresAt: number): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const delayMs = expiresAt * 1000 - Date.now();
    if (delayMs <= 0) {
      socket.close(SUBSCRIPTION_CLOSE.tokenExpired, 'The token has expired; reconnect with a fresh one and resubscribe from your cursors.');
      return;
    }
    timer = setTimeout(arm, Math.min(delayMs, LONGEST_TIMER_MS));
  };
  arm();
  return () => clearTimeout(timer);
}

/**
 * graphql-ws on a subgraph's HTTP server, at the same path as HTTP GraphQL. Subscriptions only:
 * queries and mutations keep their one way in, over HTTP. The socket is the gateway's, proven by the
 * signed `connection_init` (see `signConnectionInit`); each subscription gets its context from the
 * subgraph's context function, for the viewer of the forwarded token.
 */
export function startSubscriptionServer<TContext>(options: SubscriptionServerOptions<TContext>): { stop(): Promise<void> } {
  const { server, schema, logger, metrics, gatewaySecret, jwt, context, maxPayloadBytes, production } = options;
  const formatError = createFormatError((error) => {
    // A socket the subscriber closed while an event was on its way: nobody to tell, nothing broken.
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'EPIPE' || code === 'ECONNRESET') logger.debug({ code }, 'a subscriber went away while an event was sent');
    else logger.error({ err: error }, 'unexpected error in subscription');
  });
  const formatErrors = (errors: readonly GraphQLError[]) => errors.map((error) => formatError(error.toJSON(), error));
  const documents = createDocumentCache(production ? [...specifiedRules, NoSchemaIntrospectionCustomRule] : specifiedRules);
  const expiryTimers = new Map<Extra['socket'], () => void>();

  const refuse = (extra: Extra, reason: string) => {
    logger.warn({ reason }, 'refused a subscription socket');
    extra.socket.close(SUBSCRIPTION_CLOSE.refused, closeReason(reason));
    return false;
  };

  const wss = new WebSocketServer({ server, path: SUBSCRIPTION_PATH, maxPayload: maxPayloadBytes });
  const graphqlWs = useServer<Record<string, unknown>, { viewer: Viewer }>(
    {
      schema,
      isProd: production,
      parse: documents.parse,
      // graphql-ws only checks the errors' length; the type asks for a mutable array.
      validate: (validatedSchema, document) => documents.validate(validatedSchema, document) as GraphQLError[],
      execute: () => ({
        errors: [toGraphQLError(domainError('BAD_USER_INPUT', 'Only subscriptions are served over WebSocket; send queries and mutations over HTTP.'))],
      }),
      async onConnect({ connectionParams, extra }) {
        const check = verifyConnectionInit(gatewaySecret, connectionParams);
        if (!check.ok) return refuse(extra, check.reason);
        try {
          extra.viewer = (await jwt.verifyHeader(check.authorization)) ?? ANONYMOUS;
        } catch (error) {
          if (error instanceof DomainError) return refuse(extra, error.message);
          throw error;
        }
        if (extra.viewer.expiresAt !== undefined) expiryTimers.set(extra.socket, closeAtTokenExpiry(extra.socket, extra.viewer.expiresAt));
        return true;
      },
      onClose({ extra }) {
        expiryTimers.get(extra.socket)?.();
        expiryTimers.delete(extra.socket);
      },
      context: ({ extra }, id) => {
        const requestId = extra.request.headers['x-request-id'] ?? randomUUID();
        return context({ viewer: extra.viewer ?? ANONYMOUS, logger: logger.child({ requestId, subscriptionId: id, sub: extra.viewer?.sub }) });
      },
      onOperation(_ctx, _id, _payload, _args, result) {
        metrics.graphqlOperations.inc({ operation: 'subscription', outcome: 'errors' in result && result.errors?.length ? 'error' : 'ok' });
      },
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: formatErrors(result.errors) } : undefined),
      onError: (_ctx, _id, _payload, errors) => formatErrors(errors),
    },
    wss,
  );

  return {
    async stop() {
      for (const cancel of expiryTimers.values()) cancel();
      expiryTimers.clear();
      await graphqlWs.dispose();
    },
  };
}
