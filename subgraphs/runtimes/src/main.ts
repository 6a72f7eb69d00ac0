import { createLogger, runUntilSignal } from '@addon-platform/platform';
import { readConfig } from './config.js';
import { startRuntimesSubgraph } from './subgraph.js';

const logger = createLogger({ service: 'runtimes' });
await runUntilSignal(async () => startRuntimesSubgraph(readConfig(process.env)), logger);
