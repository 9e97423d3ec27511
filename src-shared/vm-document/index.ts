export * from './schema.js';
export * from './errors.js';
export * from './migrations.js';
export * from './validate.js';
export * from './defaults.js';
export * from './patch.js';
export * from './host-paths.js';
