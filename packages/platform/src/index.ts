import 'reflect-metadata';

export * from './errors.js';
export * from './config.js';
export * from './service-config.js';
export * from './logger.js';
export * from './metrics.js';
export * from './auth/index.js';
export * from './db/index.js';
export * from './server/index.js';
export * from './connection/index.js';
export * from './jobs/index.js';
export * from './crypto/index.js';
