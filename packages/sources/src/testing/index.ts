export * from './http-server.js';
export * from './git-server.js';
