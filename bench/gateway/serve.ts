/**
 * Child entry: `serve.ts <kind>` starts one server of the bench (a subgraph, our gateway or Hive
 * Gateway) configured from its environment, reports its GraphQL URL over IPC, and stops on SIGTERM
 * or when the bench goes away (IPC disconnect), so no server outlives a failed run.
 */
import type { Env } from '@addon-platform/platform';
import { SERVER_KINDS, type ServerKind, type ServerMessage } from './server-kinds.js';

interface Service {
  graphqlUrl: URL;
  stop(): Promise<void>;
}

// Imported lazily: each process loads only the code of the one server it runs.
const starters: Record<ServerKind, (env: Env) => Promise<Service>> = {
  repos: async (env) => {
    const { readConfig, startReposSubgraph } = await import('@addon-platform/repos');
    return startReposSubgraph(readConfig(env));
  },
  addons: async (env) => {
    const { readConfig, startAddonsSubgraph } = await import('@addon-platform/addons');
    return startAddonsSubgraph(readConfig(env));
  },
  runtimes: async (env) => {
    const { readConfig, startRuntimesSubgraph } = await import('@addon-platform/runtimes');
    return startRuntimesSubgraph(readConfig(env));
  },
  gateway: async (env) => {
    const { readConfig, startGateway } = await import('@addon-platform/gateway');
    return startGateway(readConfig(env));
  },
  hive: async (env) => {
    const { readHiveGatewayConfig, startHiveGateway } = await import('./hive-gateway.js');
    return startHiveGateway(readHiveGatewayConfig(env));
  },
};

const send = (message: ServerMessage) => process.send?.(message);
const kind = process.argv[2] as ServerKind;
if (!SERVER_KINDS.includes(kind)) throw new Error(`serve.ts: unknown server kind "${kind}"; expected one of ${SERVER_KINDS.join(', ')}`);

try {
  const service = await starters[kind](process.env);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await service.stop().catch((error: unknown) => console.error(`${kind}: failed to stop cleanly`, error));
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
  send({ type: 'ready', graphqlUrl: service.graphqlUrl.href });
} catch (error) {
  send({ type: 'failed', message: error instanceof Error ? error.stack ?? error.message : String(error) });
  process.exit(1);
}
