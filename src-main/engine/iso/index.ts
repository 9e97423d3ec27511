export * from './iso9660.js';
export * from './read-iso-file.js';
export * from './osinfo.js';
export * from './inspect.js';
