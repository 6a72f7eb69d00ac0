export * from './orm.js';
export * from './embedded-postgres.js';
export * from './job-client.js';
export * from './sql-rows.js';
