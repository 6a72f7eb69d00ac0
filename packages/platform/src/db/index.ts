export * from './orm.js';
export * from './embedded-postgres.js';
