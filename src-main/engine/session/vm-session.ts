import { sandboxKillNote } from './sandbox-kill.js';
import { connect, type Socket } from 'node:net';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { EngineError } from '../../../src-shared/contract/index.js';
import { isActive, transition, type VmRunState } from '../../../src-shared/vm-state.js';
import type { VmEventBody } from '../../../src-shared/contract/index.js';
import type { QmpCommands, QmpEventMessage, SnapshotJobArgs } from '../qmp/qmp-commands.js';
import { runJob } from '../qmp/qmp-jobs.js';
import { qemuText } from '../qmp/qmp-errors.js';
import { UNTOUCHED_LOAD_ERRORS, type SnapshotJobOptions, type SnapshotLoadOutcome } from './snapshot-jobs.js';
import type { QKeyCode } from '../qmp/qcodes.js';
import { readLogTail } from './log-tail.js';
import { stopSwtpm } from './swtpm.js';
import { EventLog, eventTime } from './event-log.js';
import { RUNTIME_FILES } from './qemu-launcher.js';
import { isPidAlive } from '../storage/library-lock.js';
import { hasVdagentChannel, withVdagentDetached } from './vdagent-channel.js';

export interface SessionDeps {
  vmId: string;
  runtimeDir: string;
  logsDir: string;
  pid: number;
  /** Present when this engine spawned QEMU (gives the exit code); absent after a reattach. */
  child?: ChildProcess;
  qmp: QmpCommands;
  emit: (event: VmEventBody) => void;
  /** Key helpers from the QMP layer (combo → qcodes, text → key presses). */
  keys: {
    comboToQcodes(combo: string): QKeyCode[];
    typeText(qmp: QmpCommands, text: string): Promise<number>;
  };
  onEnded: (session: VmSession) => void;
  /** A disposable run (throwaway disk overlays): every active state it announces carries `disposable: true`. */
  disposable?: boolean;
  /** Runs once QEMU is gone, before the final state is announced (a disposable run's overlays are removed here). */
  beforeFinal?: () => Promise<void>;
  /**
   * Whether QEMU has the clipboard's vdagent channel (detached around RAM snapshot jobs): known from the command
   * line at a launch, 'ask' QEMU after a reattach; absent: none.
   */
  vdagent?: boolean | 'ask';
}

const SERIAL_BUFFER = 256 * 1024;

/** One running QEMU process: its run state, QMP link, serial stream and lifecycle commands. */
export class VmSession {
  private stateValue: VmRunState;
  private shutdownSeen = false;
  private lastShutdownValue: { guest: boolean; reason: string } | null = null;
  private forceRequested = false;
  private serial: Socket | null = null;
  private serialBuffer = '';
  private ended = false;
  private readonly endedPromise: Promise<VmRunState>;
  private resolveEnded!: (s: VmRunState) => void;
  private exitInfo: { code: number | null; signal: string | null } | null = null;
  private readonly exitPromise: Promise<void>;
  /** The QMP events this session received (bounded), for `vm.logs`. */
  readonly events = new EventLog();

  private finalOverride: VmRunState | null = null;

  constructor(private readonly deps: SessionDeps, initial: VmRunState) {
    this.stateValue = this.flagged(initial);
    this.endedPromise = new Promise((r) => (this.resolveEnded = r));
    this.exitPromise = deps.child
      ? new Promise((resolve) => {
          const done = (code: number | null, signal: NodeJS.Signals | null): void => {
            this.exitInfo = { code, signal };
            resolve();
          };
          if (deps.child!.exitCode !== null || deps.child!.signalCode !== null) done(deps.child!.exitCode, deps.child!.signalCode);
          else deps.child!.once('exit', done);
        })
      : Promise.resolve();
    deps.qmp.onEvent((e) => {
      this.events.push({ at: eventTime(e.timestamp), event: e.event, data: e.data ?? {} });
      this.onQmpEvent(e);
    });
    deps.qmp.onDisconnected((reason) => void this.onDisconnected(reason));
  }

  get state(): VmRunState {
    return this.stateValue;
  }

  get pid(): number {
    return this.deps.pid;
  }

  get vmId(): string {
    return this.deps.vmId;
  }

  /** The QMP link, for engine modules that run their own commands (snapshots: jobs, screendump). */
  get qmp(): QmpCommands {
    return this.deps.qmp;
  }

  /** The runtime folder (sockets, temp files QEMU writes for us). */
  get runtimeDir(): string {
    return this.deps.runtimeDir;
  }

  /**
   * Whether this QEMU has the clipboard's vdagent channel (and so the virtio-serial controller a RAM snapshot's
   * state holds): from the command line, or asked of QEMU after a reattach. A policy turned off while it runs
   * keeps the channel until the machine shuts down.
   */
  async hasClipboardChannel(): Promise<boolean> {
    const v = this.deps.vdagent ?? false;
    return v === 'ask' ? hasVdagentChannel(this.deps.qmp) : v;
  }

  /** QEMU's last SHUTDOWN event: who asked (`guest`) and why (`guest-shutdown`, `guest-reset` under reboot=shutdown…). */
  get lastShutdown(): { guest: boolean; reason: string } | null {
    return this.lastShutdownValue;
  }

  /** Resolves with the final state (stopped or crashed) once QEMU is gone. */
  whenEnded(): Promise<VmRunState> {
    return this.endedPromise;
  }

  /**
   * The one way a running machine's state changes: checked against the legal table (an illegal move throws
   * IllegalTransitionError, `invalid-state` at the edge), then announced. Only the session's own methods call it.
   */
  transition(next: VmRunState): void {
    if (this.ended) return;
    this.stateValue = transition(this.stateValue, this.flagged(next));
    this.deps.emit({ type: 'vm.state', state: this.stateValue });
  }

  get disposable(): boolean {
    return this.deps.disposable === true;
  }

  /** The state this session ends in once QEMU is gone cleanly, instead of `stopped` (a saved machine state). */
  endAs(state: VmRunState): void {
    this.finalOverride = state;
  }

  private flagged(state: VmRunState): VmRunState {
    // Every state with a process carries the disposable flag, so clients can say so while it runs.
    return this.deps.disposable && isActive(state) ? ({ ...state, disposable: true } as VmRunState) : state;
  }


  /** Serial output seen by this session (bounded). */
  serialLog(): string {
    return this.serialBuffer;
  }

  /** `connected`: the console's connection made already (vm-lifecycle.ts makes it while QEMU starts up). */
  async attachSerial(connected?: Socket): Promise<void> {
    const socket = connected ?? (await connectSerial(this.deps.runtimeDir));
    socket.setEncoding('utf8');
    socket.on('data', (data: string) => {
      this.serialBuffer = (this.serialBuffer + data).slice(-SERIAL_BUFFER);
      this.deps.emit({ type: 'vm.serial', data });
    });
    socket.on('error', () => undefined);
    this.serial = socket;
  }

  writeSerial(data: string): void {
    if (!this.serial || this.serial.destroyed) throw new EngineError('invalid-state', 'the serial console is not connected');
    this.serial.write(data);
  }

  async pause(): Promise<void> {
    this.require(['running'], 'pause');
    const stopped = this.deps.qmp.expectEvent('STOP', { timeoutMs: 10_000 });
    await this.deps.qmp.execute('stop');
    await stopped;
  }

  async resume(): Promise<void> {
    this.require(['paused'], 'resume');
    const resumed = this.deps.qmp.expectEvent('RESUME', { timeoutMs: 10_000 });
    await this.deps.qmp.execute('cont');
    await resumed;
  }

  /** Leaves `-S` prelaunch: called once QMP and serial are attached, so no early output is missed. */
  async boot(): Promise<void> {
    const resumed = this.deps.qmp.expectEvent('RESUME', { timeoutMs: 30_000 });
    await this.deps.qmp.execute('cont');
    await resumed;
  }

  async reset(): Promise<void> {
    this.require(['running', 'paused'], 'reset');
    const reset = this.deps.qmp.expectEvent('RESET', { timeoutMs: 10_000 });
    await this.deps.qmp.execute('system_reset');
    await reset;
  }

  /**
   * ACPI power button. Returns timedOut=true (VM still running) when the guest ignored it. With `agent` (the guest
   * agent's shutdown), a guest that ignored the button is asked through the agent and given `timeoutMs` again;
   * `agentFirst` skips the button. `method: 'agent'` when the agent was the last to ask.
   */
  async shutdown(timeoutMs: number, o: { agent?: () => Promise<void>; agentFirst?: boolean } = {}): Promise<{ timedOut: boolean; method?: 'agent' }> {
    this.require(['running'], 'shut down');
    this.transition({ kind: 'stopping', how: 'acpi' });
    let method: 'acpi' | 'agent' = 'acpi';
    if (o.agent && o.agentFirst) {
      method = 'agent';
      try {
        await o.agent();
      } catch (err) {
        this.transition({ kind: 'running' });
        throw err;
      }
    } else {
      await this.deps.qmp.execute('system_powerdown');
    }
    let ended = await this.endsWithin(timeoutMs);
    if (!ended && method === 'acpi' && o.agent) {
      const asked = await o.agent().then(() => true, () => false);
      if (asked) {
        method = 'agent';
        ended = await this.endsWithin(timeoutMs);
      }
    }
    if (!ended && !this.ended) {
      this.transition({ kind: 'running' });
      const by = method === 'agent' ? (o.agentFirst ? 'the guest agent' : 'the power button or the guest agent') : 'the power button';
      this.deps.emit({ type: 'vm.shutdown-timeout', message: `the guest did not power off within ${Math.round(timeoutMs / 1000)} s of ${by}; you can force it off` });
      return { timedOut: true, ...(method === 'agent' ? { method } : {}) };
    }
    return { timedOut: false, ...(method === 'agent' ? { method } : {}) };
  }

  private async endsWithin(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
    const result = await Promise.race([this.endedPromise, timeout]);
    clearTimeout(timer);
    return result !== 'timeout' || this.ended;
  }

  /** `quit`, then SIGKILL when QEMU does not go within the grace period. */
  async forceOff(graceMs = 5_000): Promise<void> {
    if (this.ended) return;
    this.forceRequested = true;
    if (this.stateValue.kind !== 'stopping' || this.stateValue.how !== 'force') this.transition({ kind: 'stopping', how: 'force' });
    this.deps.qmp.execute('quit', undefined, { timeoutMs: graceMs }).catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), graceMs)));
    const result = await Promise.race([this.endedPromise, grace]);
    clearTimeout(timer);
    if (result === 'timeout') {
      try {
        process.kill(this.deps.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await this.endedPromise;
    }
  }

  async screenshot(format: 'png' | 'ppm' = 'png'): Promise<Buffer> {
    this.require(['running', 'paused'], 'take a screenshot of');
    const file = join(this.deps.runtimeDir, `screen-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.${format}`);
    try {
      await this.deps.qmp.execute('screendump', { filename: file, format });
      return await readFile(file);
    } finally {
      await rm(file, { force: true });
    }
  }

  private acceleratorValue: Promise<'kvm' | 'tcg'> | null = null;

  /** The accelerator QEMU actually uses (the argv lists kvm then tcg as a fallback); asked once. */
  accelerator(): Promise<'kvm' | 'tcg'> {
    // Wrapped in an async function: the QMP client throws synchronously once disconnected (e.g. mid-crash).
    this.acceleratorValue ??= (async () => {
      const r = await this.deps.qmp.execute('query-kvm', undefined, { timeoutMs: 5_000 });
      return r.enabled ? 'kvm' : 'tcg';
    })();
    this.acceleratorValue.catch(() => (this.acceleratorValue = null));
    return this.acceleratorValue;
  }

  async sendKey(combo: string): Promise<QKeyCode[]> {
    this.require(['running', 'paused'], 'send keys to');
    let keys: QKeyCode[];
    try {
      keys = this.deps.keys.comboToQcodes(combo);
    } catch (err) {
      throw new EngineError('invalid-args', (err as Error).message);
    }
    await this.deps.qmp.execute('send-key', { keys: keys.map((data) => ({ type: 'qcode', data })) });
    return keys;
  }

  async typeText(text: string): Promise<number> {
    this.require(['running'], 'type into');
    try {
      return await this.deps.keys.typeText(this.deps.qmp, text);
    } catch (err) {
      if ((err as Error).name === 'QmpKeyError' || /cannot be typed|untypable/i.test((err as Error).message)) {
        throw new EngineError('invalid-args', (err as Error).message);
      }
      throw err;
    }
  }

  /**
   * A live snapshot with RAM (`snapshot-save`): `saving` while QEMU writes it, then the state it had (QEMU restarts
   * only a VM that ran: no query-status round trip). `replace` first deletes a tag a save cut short left behind.
   * On failure the state is read back from QEMU and the error (as `onFailure` words it) is thrown.
   */
  async saveSnapshot(args: SnapshotJobArgs, opts: SnapshotJobOptions & { replace?: boolean } = {}): Promise<void> {
    this.require(['running', 'paused'], 'save a snapshot of');
    const prior = this.stateValue.kind === 'paused' ? 'paused' : 'running';
    this.transition({ kind: 'saving' });
    try {
      // The clipboard's vdagent channel blocks migration in QEMU 7.2: out for the save, back after it.
      await withVdagentDetached(this.deps.qmp, this.deps.vdagent ?? false, async () => {
        if (opts.replace) await runJob(this.deps.qmp, 'snapshot-delete', { 'job-id': `${args['job-id']}-clear`, tag: args.tag, devices: args.devices }, jobOptions(opts));
        await runJob(this.deps.qmp, 'snapshot-save', args, jobOptions(opts));
      });
    } catch (err) {
      const failure = opts.onFailure?.(err) ?? err;
      await this.syncState();
      throw failure;
    }
    this.backFromJob(prior);
  }

  /**
   * A live restore (`snapshot-load`): `restoring` while QEMU loads, then the state it had. QEMU reverts the disks,
   * resets and loads the RAM, and leaves the machine stopped when that fails: such a machine must not run on (or
   * sit paused), so it is powered off. A load QEMU refused in its own checks changed nothing: the machine goes
   * back as it was (resumed if it ran).
   */
  async loadSnapshot(args: SnapshotJobArgs, opts: SnapshotJobOptions = {}): Promise<SnapshotLoadOutcome> {
    this.require(['running', 'paused'], 'restore a snapshot of');
    const prior = this.stateValue.kind === 'paused' ? 'paused' : 'running';
    this.transition({ kind: 'restoring' });
    try {
      // Saved without the vdagent port (see saveSnapshot): loaded into a machine without it, then it comes back.
      await withVdagentDetached(this.deps.qmp, this.deps.vdagent ?? false, () => runJob(this.deps.qmp, 'snapshot-load', args, jobOptions(opts)));
    } catch (err) {
      const error = opts.onFailure?.(err) ?? (err as Error);
      let state = await this.syncState();
      if (state === 'running' || (state === 'paused' && UNTOUCHED_LOAD_ERRORS.test(qemuText(err)))) {
        // QEMU stops the VM before its own checks too; failing those, it changed nothing.
        if (state === 'paused' && prior === 'running') {
          await this.deps.qmp.execute('cont').catch(() => undefined);
          state = await this.syncState();
        }
        return { ok: false, error, after: 'unchanged', state };
      }
      if (state === null) return { ok: false, error, after: 'gone' };
      await this.forceOff().catch(() => undefined);
      return { ok: false, error, after: 'powered-off' };
    }
    this.backFromJob(prior);
    return { ok: true };
  }

  /** `snapshot-load` while QEMU still waits at -S (a restore made while stopped, a saved machine state): no state change. */
  async loadAtStart(args: SnapshotJobArgs, opts: SnapshotJobOptions = {}): Promise<void> {
    this.require(['starting'], 'load a snapshot into');
    await withVdagentDetached(this.deps.qmp, this.deps.vdagent ?? false, () => runJob(this.deps.qmp, 'snapshot-load', args, jobOptions(opts)));
  }

  /** `snapshot-delete` on the images QEMU holds; the guest runs on. */
  async deleteSnapshot(args: Omit<SnapshotJobArgs, 'vmstate'>, opts: SnapshotJobOptions = {}): Promise<void> {
    this.require(['starting', 'running', 'paused'], 'delete a snapshot of');
    await runJob(this.deps.qmp, 'snapshot-delete', args, jobOptions(opts));
  }

  /** Disks only, while QEMU runs: one atomic transaction of internal snapshots (crash-consistent; the guest runs on). */
  async snapshotDisks(devices: ReadonlyArray<string>, tag: string): Promise<void> {
    this.require(['running', 'paused'], 'take a disk snapshot of');
    await this.deps.qmp.execute('transaction', { actions: devices.map((device) => ({ type: 'blockdev-snapshot-internal-sync', data: { device, name: tag } })) });
  }

  private backFromJob(kind: 'running' | 'paused'): void {
    const now = this.stateValue.kind;
    if (now === 'saving' || now === 'restoring') this.transition({ kind });
  }

  /** Sets the state from QEMU's own (query-status): running, or paused for every stopped status; null when QEMU is gone. */
  private async syncState(): Promise<'running' | 'paused' | null> {
    let running: boolean;
    try {
      running = (await this.deps.qmp.execute('query-status')).running;
    } catch {
      return null; // QEMU went away: onDisconnected reports that
    }
    const next = running ? 'running' : 'paused';
    const kind = this.stateValue.kind;
    if (kind === 'saving' || kind === 'restoring' || ((kind === 'running' || kind === 'paused') && kind !== next)) this.transition({ kind: next });
    return next;
  }

  /** Detaches without touching the guest (engine shutdown with VMs left running). */
  async detach(): Promise<void> {
    this.ended = true;
    this.serial?.destroy();
    await this.deps.qmp.close().catch(() => undefined);
  }

  private require(kinds: ReadonlyArray<VmRunState['kind']>, action: string): void {
    if (!kinds.includes(this.stateValue.kind)) {
      throw new EngineError('invalid-state', `cannot ${action} a VM that is ${this.stateValue.kind}`);
    }
  }

  private onQmpEvent(e: QmpEventMessage): void {
    const data = e.data ?? {};
    switch (e.event) {
      case 'STOP':
        if (this.stateValue.kind === 'running') this.transition({ kind: 'paused' });
        break;
      case 'RESUME':
        if (this.stateValue.kind === 'paused' || this.stateValue.kind === 'starting') this.transition({ kind: 'running' });
        break;
      case 'SHUTDOWN':
        this.shutdownSeen = true;
        this.lastShutdownValue = { guest: data['guest'] === true, reason: String(data['reason'] ?? '') };
        this.deps.emit({ type: 'vm.guest', what: 'shutdown', detail: String(data['reason'] ?? '') });
        break;
      case 'POWERDOWN':
        this.deps.emit({ type: 'vm.guest', what: 'powerdown' });
        break;
      case 'RESET':
        this.deps.emit({ type: 'vm.guest', what: 'reset', detail: String(data['reason'] ?? '') });
        break;
      case 'GUEST_PANICKED':
        this.deps.emit({ type: 'vm.guest', what: 'panicked', detail: JSON.stringify(data) });
        break;
      default:
        break;
    }
  }

  private async onDisconnected(reason: string): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.serial?.destroy();
    const clean = this.shutdownSeen || this.forceRequested;
    // The exit status arrives just after the socket closes; wait for it only when we are QEMU's parent.
    if (this.deps.child) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.exitPromise, new Promise<void>((r) => (timer = setTimeout(r, 2_000)))]);
      clearTimeout(timer);
    } else if (isPidAlive(this.deps.pid) && !clean) {
      // QMP went away but QEMU lives on (should not happen): do not leave it orphaned.
      try {
        process.kill(this.deps.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    let final: VmRunState;
    const exitedBadly = this.exitInfo && (this.exitInfo.code !== 0 || this.exitInfo.signal !== null);
    if (clean && !(exitedBadly && !this.forceRequested && this.exitInfo?.signal)) {
      final = this.finalOverride ?? { kind: 'stopped' };
    } else {
      const logTail = await readLogTail(join(this.deps.logsDir, 'qemu.log'));
      const code = this.exitInfo?.code ?? null;
      const signal = this.exitInfo?.signal ?? null;
      const how = signal ? `killed by ${signal}` : code !== null ? `exited with code ${code}` : `went away (${reason})`;
      final = { kind: 'crashed', reason: sandboxKillNote(signal) ?? `QEMU ${how}`, exitCode: code, signal, logTail };
    }
    await this.deps.beforeFinal?.().catch(() => undefined);
    // Through the table too: every active state may end stopped or crashed, and a save ends saved.
    this.stateValue = transition(this.stateValue, final);
    this.deps.emit({ type: 'vm.state', state: final });
    await cleanRuntimeDir(this.deps.runtimeDir);
    this.resolveEnded(final);
    this.deps.onEnded(this);
  }
}

function jobOptions(opts: SnapshotJobOptions): { timeoutMs?: number } {
  return opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {};
}

export async function cleanRuntimeDir(runtimeDir: string): Promise<void> {
  await stopSwtpm(runtimeDir); // normally gone with QEMU already (--terminate); never leave one behind
  await Promise.all([...RUNTIME_FILES, 'session.json'].map((f) => rm(join(runtimeDir, f), { force: true })));
  await rm(runtimeDir, { recursive: true, force: true });
}

export interface SessionRecord {
  vmId: string;
  pid: number;
  startedAt: string;
  bundleDir: string;
  /** Started without saving changes: a reattaching engine keeps announcing it. */
  disposable?: boolean;
  /** Spawned by `hangar start` from the VM's start plan, with no engine running (src-main/cli/fast-start.ts). */
  fastStart?: boolean;
}

/** A connection to QEMU's serial console socket in `runtimeDir` (the `-chardev socket,id=serial0` server). */
export function connectSerial(runtimeDir: string): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const s = connect(join(runtimeDir, 'serial.sock'));
    s.once('connect', () => resolve(s));
    // Kept after the connect: an error before attachSerial() takes the socket must not go unhandled.
    s.on('error', reject);
  });
}

export async function writeSessionRecord(runtimeDir: string, record: SessionRecord): Promise<void> {
  await writeFile(join(runtimeDir, 'session.json'), JSON.stringify(record), { mode: 0o600 });
}
