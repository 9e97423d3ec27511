export * from './snapshot-tree.js';
export * from './snapshot-targets.js';
export * from './snapshot-service.js';
export * from './offline-images.js';
export * from './format-tree.js';
