export * from './share-guide.js';
