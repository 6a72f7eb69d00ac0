/**
 * Hive Gateway's runtime (`createGatewayRuntime`, what its CLI serves) on the same supergraph as ours, doing
 * the same per-request work our gateway does, so the comparison is of the gateways and not of their
 * settings: it verifies the user's JWT, forwards it, and signs every subgraph request with the HMAC
 * our subgraphs require.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createGatewayRuntime, type GatewayPlugin } from '@graphql-hive/gateway';
import {
  closeServer,
  createEnvReader,
  createJwtVerifier,
  listen,
  readCommonConfig,
  rethrowAsGraphQL,
  signSubgraphRequest,
  type CommonConfig,
  type Env,
  type JwtVerifier,
} from '@addon-platform/platform';

export interface HiveGatewayConfig extends CommonConfig {
  /** `SUPERGRAPH_PATH`: the composed supergraph, with the subgraphs' real URLs. */
  supergraphPath: string;
}

export function readHiveGatewayConfig(env: Env): HiveGatewayConfig {
  const read = createEnvReader('hive gateway (bench)', env);
  const config = { ...readCommonConfig(read, 4100), supergraphPath: read.requiredString('SUPERGRAPH_PATH', 'the composed supergraph file') };
  read.done();
  return config;
}

/** Refuses a bad token as our gateway does; a missing one is anonymous. */
export function useJwtVerification(jwt: JwtVerifier): GatewayPlugin {
  return {
    async onContextBuilding({ context }) {
      await jwt.verifyHeader(context.request.headers.get('authorization') ?? undefined).catch(rethrowAsGraphQL);
    },
  };
}

/**
 * Forwards the client's Authorization header and signs the exact body sent, as
 * gateway/src/signed-data-source.ts does for our gateway.
 */
export function useSignedSubgraphRequests(secret: string): GatewayPlugin {
  return {
    onFetch({ url, options, setOptions, context }) {
      const authorization = 'request' in context ? (context.request.headers.get('authorization') ?? undefined) : undefined;
      const { pathname, search } = new URL(url);
      const signature = signSubgraphRequest(secret, {
        method: options.method ?? 'POST',
        path: pathname + search,
        body: typeof options.body === 'string' ? options.body : '',
        authorization,
      });
      setOptions({ ...options, headers: { ...options.headers, ...(authorization ? { authorization } : {}), ...signature } });
    },
  };
}

export async function startHiveGateway(config: HiveGatewayConfig) {
  const jwt = createJwtVerifier(config.jwt);
  const gateway = createGatewayRuntime({
    supergraph: await readFile(config.supergraphPath, 'utf8'),
    logging: 'error',
    // Hive merges identical subgraph requests in flight, on by default. Under a load of one repeated
    // query that answers most client requests from another's fetch, which measures the cache and
    // not the gateway; our gateway has no such merging, so it is off here.
    transportEntries: { '*.http': { options: { deduplicateInflightRequests: false } } },
    plugins: () => [useJwtVerification(jwt), useSignedSubgraphRequests(config.gatewaySecret)],
  });
  const server = createServer(gateway);
  const url = await listen(server, config.host, config.port);
  return {
    url,
    graphqlUrl: new URL('/graphql', url),
    async stop() {
      await closeServer(server);
      await gateway.dispose();
    },
  };
}
