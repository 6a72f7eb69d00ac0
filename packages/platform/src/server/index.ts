export * from './http-service.js';
export * from './apollo-defaults.js';
export * from './subgraph-server.js';
export * from './federated-schema.js';
export * from './subgraph.js';
export * from './process.js';
export * from './resolver-root.js';
export * from './subscription-server.js';
