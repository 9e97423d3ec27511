import type { ChildProcess, Serializable } from 'node:child_process';
import type { MessageTransport } from '../../../src-shared/contract/index.js';

/** Calls `listener` at most once, whichever of several close signals comes first. */
function once(listener: (reason: string) => void): (reason: string) => void {
  let fired = false;
  return (reason) => {
    if (fired) return;
    fired = true;
    listener(reason);
  };
}

/** The engine side of `child_process.fork(..., { serialization: 'advanced' })`. */
export function nodeIpcTransport(proc: NodeJS.Process = process): MessageTransport {
  if (!proc.send) throw new Error('not started with an IPC channel');
  return {
    send: (message) => {
      // Throwing lets the engine drop this client; a send on a closed channel would otherwise be an
      // 'error' event on the process, which nobody handles.
      if (!proc.connected) throw new Error('IPC channel closed');
      proc.send!(message, undefined, undefined, () => undefined);
    },
    onMessage: (l) => void proc.on('message', (m) => l(m)),
    onClose: (l) => void proc.on('disconnect', () => l('parent disconnected')),
    close: () => {
      if (proc.connected) proc.disconnect?.();
    },
  };
}

/** The parent side, over a forked ChildProcess. */
export function childIpcTransport(child: ChildProcess): MessageTransport {
  return {
    send: (message) => {
      if (!child.connected) throw new Error('engine IPC channel closed');
      child.send(message as Serializable, () => undefined);
    },
    onMessage: (l) => void child.on('message', (m) => l(m)),
    onClose: (listener) => {
      // 'disconnect' and 'exit' both come when the engine ends: report the close once.
      const l = once(listener);
      child.on('disconnect', () => l('engine disconnected'));
      child.on('exit', (code, signal) => l(`engine exited (${signal ?? code})`));
    },
    close: () => {
      // disconnect() on a closed channel emits an 'error' event on the child.
      if (child.connected) child.disconnect();
    },
  };
}
