// Where a start's time goes, from the engine receiving vm.start to QEMU's exec (issue 20: ≤ 30 ms on a warm
// engine). Real timestamps of the real path (performance.now(), a few per start); the engine logs the split as
// one `engine.log` line after each start, which `scripts/bench.js` reads.

export const START_PHASES = ['lookup', 'pre-flight', 'probe', 'argv', 'spawn'] as const;
export type StartPhase = (typeof START_PHASES)[number];

/** The line's prefix: `start split "<name>": lookup 0.4 ms, …; received → exec 3.2 ms, exec → running 40.1 ms`. */
export const START_SPLIT_PREFIX = 'start split';

export class StartSplit {
  private last: number;
  private exec: number | null = null;
  private readonly ms = new Map<StartPhase, number>();

  /** `from`: when the request arrived (the engine server's stamp), else now. */
  constructor(private readonly from: number = performance.now()) {
    this.last = from;
  }

  /** Ends `phase` now: the time since the previous mark counts to it. */
  mark(phase: StartPhase): void {
    const now = performance.now();
    this.ms.set(phase, (this.ms.get(phase) ?? 0) + now - this.last);
    this.last = now;
    if (phase === 'spawn') this.exec = now;
  }

  phases(): Record<StartPhase, number> {
    return Object.fromEntries(START_PHASES.map((p) => [p, this.ms.get(p) ?? 0])) as Record<StartPhase, number>;
  }

  /** Received → QEMU's exec (null before the spawn mark). */
  toExec(): number | null {
    return this.exec === null ? null : this.exec - this.from;
  }

  /** The log line; `running`: when the machine ran (QMP, serial, start hooks and `cont` after the exec). */
  describe(name: string, running: number = performance.now()): string {
    const parts = START_PHASES.map((p) => `${p} ${(this.ms.get(p) ?? 0).toFixed(1)} ms`).join(', ');
    const exec = this.exec === null ? '' : `; received → exec ${(this.exec - this.from).toFixed(1)} ms, exec → running ${(running - this.exec).toFixed(1)} ms`;
    return `${START_SPLIT_PREFIX} ${JSON.stringify(name)}: ${parts}${exec}`;
  }
}
