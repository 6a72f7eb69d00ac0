import { createLogger, runUntilSignal } from '@addon-platform/platform';
import { readConfig } from './config.js';
import { startGateway } from './gateway.js';

const logger = createLogger({ service: 'gateway' });
await runUntilSignal(async () => startGateway(readConfig(process.env)), logger);
