export * from './viewer.js';
export * from './jwt.js';
export * from './gateway-signature.js';
