// A gate in front of the real qemu-system-x86_64, so a test can hold a VM start at a known point (QEMU launched,
// not yet running) and send other commands while it is provably under way: no sleeps, no timing luck.
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, constants, existsSync, mkdirSync, openSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface QemuGate {
  /** Give to the engine as `qemuDirs`: its qemu-system-x86_64 is the gated one. */
  readonly binDir: string;
  /** From now on a VM launch (a QEMU with -pidfile; probes pass) waits at the gate. */
  close(): void;
  /** Lets every waiting launch (and later ones) through to the real QEMU. */
  open(): void;
}

export function makeQemuGate(root: string): QemuGate {
  const real = execFileSync('sh', ['-c', 'command -v qemu-system-x86_64'], { encoding: 'utf8' }).trim();
  const binDir = join(root, 'gated-bin');
  const fifo = join(root, 'qemu-gate.fifo');
  mkdirSync(binDir, { recursive: true });
  // `read` blocks until every writer of the FIFO has closed it (EOF): the test holds the only writer.
  const script = [
    '#!/bin/sh',
    `case " $* " in *" -pidfile "*) if [ -p '${fifo}' ]; then read -r _ < '${fifo}'; fi ;; esac`,
    `exec '${real}' "$@"`,
    '',
  ].join('\n');
  writeFileSync(join(binDir, 'qemu-system-x86_64'), script);
  chmodSync(join(binDir, 'qemu-system-x86_64'), 0o755);
  let writer: number | null = null;
  return {
    binDir,
    close() {
      if (writer !== null) return;
      execFileSync('mkfifo', [fifo]);
      // O_RDWR never blocks on a FIFO (Linux), and keeps a writer open so readers wait for data or EOF.
      writer = openSync(fifo, constants.O_RDWR);
    },
    open() {
      if (writer === null) return;
      if (existsSync(fifo)) unlinkSync(fifo); // new launches pass straight through
      closeSync(writer); // EOF for the launches already waiting
      writer = null;
    },
  };
}
