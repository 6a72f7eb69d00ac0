export * from './connection.type.js';
export * from './paginate.js';
export * from './search.js';
