export { GATEWAY_CLOSE } from './close-codes.js';
export { startGatewaySubscriptions, type GatewaySubscriptions, type GatewaySubscriptionsOptions } from './subscription-server.js';
