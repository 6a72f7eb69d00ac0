/**
 * The runtimes subgraph in a process of its own, so a test can SIGKILL it mid-launch. Its settings come
 * from the environment, exactly as `main.ts` reads them.
 */
import { readConfig, startRuntimesSubgraph } from '@addon-platform/runtimes';

await startRuntimesSubgraph(readConfig(process.env));
process.stdout.write('started\n');
