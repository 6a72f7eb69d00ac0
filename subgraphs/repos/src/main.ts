import { createLogger, runUntilSignal } from '@addon-platform/platform';
import { readConfig } from './config.js';
import { startReposSubgraph } from './subgraph.js';

const logger = createLogger({ service: 'repos' });
await runUntilSignal(async () => startReposSubgraph(readConfig(process.env)), logger);
