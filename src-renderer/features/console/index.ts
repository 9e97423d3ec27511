export { ConsoleButton, ConsoleDialog, type ConsoleVm } from './console-dialog.js';
export { SerialConsoleSession, CONSOLE_BACKLOG_BYTES, type ConsoleSink, type ConsoleStatus } from './console-model.js';
