import { createLogger, runUntilSignal } from '@addon-platform/platform';
import { readConfig } from './config.js';
import { startAddonsSubgraph } from './subgraph.js';

const logger = createLogger({ service: 'addons' });
await runUntilSignal(async () => startAddonsSubgraph(readConfig(process.env)), logger);
