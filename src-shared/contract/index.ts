export * from './commands.js';
export * from './errors.js';
export * from './events.js';
export * from './messages.js';
export * from './transport.js';
export * from './client.js';
export * from './app-contract.js';
export * from './connections.js';
