export * from './types.js';
export * from './catalog.js';
export * from './detect.js';
export * from './recommend.js';
export * from './detect-arch.js';
