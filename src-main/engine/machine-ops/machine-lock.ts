import { EngineError } from '../../../src-shared/contract/index.js';
import { verdict, type MachineOp } from './machine-op.js';

interface Entry {
  readonly op: MachineOp;
  /** Settles (never rejects) when this entry's task has ended. */
  finished: Promise<void>;
}

/**
 * One lock per machine: at most one operation changes a machine at a time. A new operation is decided at once
 * against every operation holding or waiting for that machine (`verdict`): it queues behind them (runs in call
 * order) or is refused with a `busy` error naming what is under way, never half-run. Different machines never
 * wait for each other.
 */
export class MachineLock {
  private readonly lines = new Map<string, Entry[]>();

  /** Decides synchronously (so callers that arrive in order are decided in order), then runs `task` in turn. */
  run<T>(vmId: string, name: string, op: MachineOp, task: () => Promise<T>): Promise<T> {
    const line = this.lines.get(vmId) ?? [];
    for (const ahead of line) {
      const v = verdict(ahead.op, op, name);
      if (!v.wait) return Promise.reject(new EngineError('busy', v.message, { operation: ahead.op.kind }));
    }
    const previous = line.at(-1)?.finished ?? Promise.resolve();
    const entry: Entry = { op, finished: Promise.resolve() };
    line.push(entry);
    this.lines.set(vmId, line);
    const result = previous.then(task);
    entry.finished = result.then(
      () => this.leave(vmId, entry),
      () => this.leave(vmId, entry),
    );
    return result;
  }

  /** The operation that holds the machine now (the first in its line), if any. */
  holder(vmId: string): MachineOp | null {
    return this.lines.get(vmId)?.[0]?.op ?? null;
  }

  private leave(vmId: string, entry: Entry): void {
    const line = this.lines.get(vmId);
    if (!line) return;
    const i = line.indexOf(entry);
    if (i >= 0) line.splice(i, 1);
    if (line.length === 0) this.lines.delete(vmId);
  }
}
