export * from './errors.js';
export * from './url-guard/policy.js';
export * from './url-guard/guarded-fetch.js';
export * from './readers/source-reader.js';
export * from './readers/helm.js';
export * from './readers/git.js';
export * from './readers/addon-index.js';
