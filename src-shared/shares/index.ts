export * from './share-guide.js';
export * from './drop-name.js';
