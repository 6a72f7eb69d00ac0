export * from './connection.type.js';
export * from './paginate.js';
export * from './search.js';
export * from './sql-page.js';
export * from './selection.js';
