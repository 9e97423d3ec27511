export { FirstRunGate } from './first-run-gate.js';
export { FirstRunScreen } from './first-run-screen.js';
export { firstRunNeed, kvmLine, type FirstRunNeed } from './first-run-model.js';
export { HostProvider, useHostSummary } from './host-context.js';
export { CopyCommand } from './copy-command.js';
