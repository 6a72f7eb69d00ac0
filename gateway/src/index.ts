export { readConfig, type GatewayConfig } from './config.js';
export { startGateway, type RunningGateway } from './gateway.js';
export { measureOperation } from './limits.js';
