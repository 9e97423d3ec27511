// Where a start's time goes, from the engine receiving vm.start to QEMU's exec (issue 20: ≤ 30 ms on a warm
// engine). Real timestamps of the real path (performance.now(), a few per start); the engine logs the split as
// one `engine.log` line after each start, and what came after the exec as a second, which `scripts/bench.js` reads.

export const START_PHASES = ['lookup', 'pre-flight', 'probe', 'argv', 'spawn'] as const;
export type StartPhase = (typeof START_PHASES)[number];

/**
 * After the exec, until the guest runs. QEMU's own start-up, which bare QEMU pays too: `greeting` (its monitor
 * thread greets once the monitors exist) and `negotiate` (`qmp_capabilities` answered once its main loop runs, the
 * machine built). Then what Hangar adds while QEMU waits at -S: `attach` (what is left of the serial console's
 * connection, begun at the greeting with the session record), `hooks` (the start hooks, and a saved machine
 * state's resume), `cont` (→ RESUME).
 */
export const AFTER_EXEC_STEPS = ['greeting', 'negotiate', 'attach', 'hooks', 'cont'] as const;
export type AfterExecStep = (typeof AFTER_EXEC_STEPS)[number];

/** The second line's prefix: `start after exec "<name>": greeting 95.0 ms, negotiate 0.4 ms, …`. */
export const AFTER_EXEC_PREFIX = 'start after exec';

/** The line's prefix: `start split "<name>": lookup 0.4 ms, …; received → exec 3.2 ms, exec → running 40.1 ms`. */
export const START_SPLIT_PREFIX = 'start split';

export class StartSplit {
  private last: number;
  private exec: number | null = null;
  private readonly ms = new Map<StartPhase, number>();
  private readonly after = new Map<AfterExecStep, number>();
  private afterLast: number | null = null;

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

  /** Ends an after-exec `step` now (from the exec, or the previous step); ignored before the exec. */
  markAfter(step: AfterExecStep): void {
    const since = this.afterLast ?? this.exec;
    if (since === null) return;
    const now = performance.now();
    this.after.set(step, (this.after.get(step) ?? 0) + now - since);
    this.afterLast = now;
  }

  /** The after-exec line (null before the exec). */
  describeAfterExec(name: string): string | null {
    if (this.exec === null) return null;
    const parts = AFTER_EXEC_STEPS.map((p) => `${p} ${(this.after.get(p) ?? 0).toFixed(1)} ms`).join(', ');
    return `${AFTER_EXEC_PREFIX} ${JSON.stringify(name)}: ${parts}`;
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
