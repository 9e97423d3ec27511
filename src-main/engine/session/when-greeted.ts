import type { QmpState } from '../qmp/qmp-state.js';

/**
 * QEMU greets on QMP from its monitor's own thread as soon as its monitors exist (every `-chardev` socket is bound
 * before them), but answers `qmp_capabilities` only from its main loop, once the machine is built: the longest wait
 * of a start after the exec (QEMU's own start-up, which bare QEMU pays too). Work that needs only QEMU's sockets (the
 * serial console's connection, the session record) is begun at the greeting, so it is done within that wait
 * instead of after it.
 */
export interface GreetedWork<T> {
  /** The work's result; rejects with its error, or if stop() came before the greeting. */
  readonly result: Promise<T>;
  /** Stops listening: work not begun never begins. */
  stop(): void;
  /** The work's result once settled, or undefined (failed, or never begun): for clean-up, never rejects. */
  settled(): Promise<T | undefined>;
}

export function whenGreeted<T>(qmp: { onStateChange(l: (state: QmpState) => void): () => void }, work: () => Promise<T>): GreetedWork<T> {
  let begin!: () => void;
  let never!: (err: Error) => void;
  const result = new Promise<T>((resolve, reject) => {
    begin = () => void new Promise<T>((r) => r(work())).then(resolve, reject);
    never = reject;
  });
  result.catch(() => undefined); // a start that fails before the greeting never asks for it
  let started = false;
  const off = qmp.onStateChange((state) => {
    if (state !== 'negotiating' || started) return;
    started = true;
    off();
    begin();
  });
  return {
    result,
    stop: () => {
      off();
      if (!started) never(new Error('QEMU never greeted on QMP'));
    },
    settled: () => result.then(
      (v) => v,
      () => undefined,
    ),
  };
}
