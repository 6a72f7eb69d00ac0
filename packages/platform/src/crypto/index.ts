export * from './credential-cipher.js';
export * from './credential-rotation.js';
