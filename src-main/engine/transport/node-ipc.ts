import type { ChildProcess, Serializable } from 'node:child_process';
import type { MessageTransport } from '../../../src-shared/contract/index.js';

/** The engine side of `child_process.fork(..., { serialization: 'advanced' })`. */
export function nodeIpcTransport(proc: NodeJS.Process = process): MessageTransport {
  if (!proc.send) throw new Error('not started with an IPC channel');
  return {
    send: (message) => void proc.send!(message),
    onMessage: (l) => void proc.on('message', (m) => l(m)),
    onClose: (l) => void proc.on('disconnect', () => l('parent disconnected')),
    close: () => proc.disconnect?.(),
  };
}

/** The parent side, over a forked ChildProcess. */
export function childIpcTransport(child: ChildProcess): MessageTransport {
  return {
    send: (message) => void child.send(message as Serializable),
    onMessage: (l) => void child.on('message', (m) => l(m)),
    onClose: (l) => {
      child.on('disconnect', () => l('engine disconnected'));
      child.on('exit', (code, signal) => l(`engine exited (${signal ?? code})`));
    },
    close: () => child.disconnect(),
  };
}
