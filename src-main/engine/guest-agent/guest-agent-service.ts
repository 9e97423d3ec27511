import { posix } from 'node:path';
import { EngineError, type GuestAgentInfo, type VmEventBody } from '../../../src-shared/contract/index.js';
import type { QmpEventMessage } from '../qmp/qmp-commands.js';
import { GUEST_AGENT_SOCKET } from '../qemu/argv-guest-agent.js';
import { GuestAgentClient, type GuestAgentCallOptions } from './guest-agent-client.js';
import type { QgaArguments, QgaCommand, QgaReply } from './qga-commands.js';
import { guestInfoFrom } from './guest-info.js';

/** The slice of a VmSession the agent's monitor reads: the runtime folder, the run state, QMP events. */
export interface AgentSession {
  readonly vmId: string;
  readonly runtimeDir: string;
  readonly state: { kind: string };
  readonly qmp: { onEvent(listener: (e: QmpEventMessage) => void): () => void };
  whenEnded(): Promise<unknown>;
}

export interface GuestAgentServiceOptions {
  emit(vmId: string, body: VmEventBody): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  /** Between polls of a running guest (hostname and addresses change rarely; a port opening is told at once). */
  pollMs?: number;
  /** Per agent command. */
  timeoutMs?: number;
  /** A pause at least this long sets the guest's clock on resume. */
  longPauseMs?: number;
  now?: () => number;
}

const OFF: GuestAgentInfo = { status: 'off', addresses: [] };

/**
 * One monitor per running machine with the agent channel: connects to QEMU's end of `org.qemu.guest_agent.0`,
 * resyncs when the guest opens the port (QMP VSERPORT_CHANGE) and every `pollMs` while the guest runs, and reads
 * the hostname, OS and addresses. Shutdown, fs-freeze and clock setting go through the same client.
 */
export class GuestAgentService {
  private readonly monitors = new Map<string, AgentMonitor>();

  constructor(private readonly opts: GuestAgentServiceOptions) {}

  /** Session start hook: QEMU is at -S (or reattached); returns at once, the monitor runs on its own. */
  watch(doc: { guestAgent: boolean }, session: AgentSession): void {
    this.monitors.get(session.vmId)?.stop();
    if (!doc.guestAgent) return;
    const m = new AgentMonitor(session, this.opts, () => {
      if (this.monitors.get(session.vmId) === m) this.monitors.delete(session.vmId);
    });
    this.monitors.set(session.vmId, m);
    m.start();
  }

  info(vmId: string): GuestAgentInfo | undefined {
    return this.monitors.get(vmId)?.info;
  }

  /** Asks the guest to power off through the agent; refused, naming why, when no agent answers. */
  async shutdown(vmId: string): Promise<void> {
    const m = this.monitors.get(vmId);
    if (!m) throw new EngineError('invalid-state', 'this machine has no guest agent channel (turn the guest agent on in Settings → Display)');
    await m.shutdown();
  }

  /** One agent command for another service (file drops); refused, naming why, when no agent answers. */
  async command<C extends QgaCommand>(vmId: string, command: C, args: QgaArguments[C], timeoutMs?: number): Promise<QgaReply<C>> {
    const m = this.monitors.get(vmId);
    if (!m) throw new EngineError('invalid-state', 'this machine has no guest agent channel (turn the guest agent on in Settings → Display, and install qemu-guest-agent in the guest)');
    return m.command(command, args, timeoutMs);
  }

  /** Freezes the guest's filesystems; returns the thaw, or null when no agent answers (the snapshot is then crash-consistent). */
  async freeze(vmId: string): Promise<(() => Promise<void>) | null> {
    return (await this.monitors.get(vmId)?.freeze()) ?? null;
  }

  /** The guest's clock is behind (a RAM snapshot was loaded): set it from the host's as soon as the agent answers. */
  clockJumped(vmId: string): void {
    this.monitors.get(vmId)?.setClockSoon();
  }
}

class AgentMonitor {
  info: GuestAgentInfo = OFF;
  private client: GuestAgentClient | null = null;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private busy: Promise<void> = Promise.resolve();
  private clockPending = false;
  private pausedAt: number | null = null;
  private frozen = 0;
  private unsubscribe: () => void = () => undefined;

  constructor(private readonly session: AgentSession, private readonly o: GuestAgentServiceOptions, private readonly onStop: () => void) {}

  private get timeoutMs(): number {
    return this.o.timeoutMs ?? 5_000;
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  start(): void {
    this.unsubscribe = this.session.qmp.onEvent((e) => this.onQmpEvent(e));
    void this.session.whenEnded().then(() => this.stop());
    this.publish({ status: 'waiting', addresses: [] });
    this.schedule(0);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.unsubscribe();
    this.client?.close();
    this.publish(OFF);
    this.onStop();
  }

  setClockSoon(): void {
    this.clockPending = true;
    this.schedule(0);
  }

  async command<C extends QgaCommand>(command: C, args: QgaArguments[C], timeoutMs = this.timeoutMs): Promise<QgaReply<C>> {
    const client = await this.ready();
    const call = client.command as (c: C, a: QgaArguments[C], o: GuestAgentCallOptions) => Promise<QgaReply<C>>;
    return call.call(client, command, args, { timeoutMs });
  }

  async shutdown(): Promise<void> {
    const client = await this.ready();
    await client.command('guest-shutdown', { mode: 'powerdown' }, { timeoutMs: this.timeoutMs });
  }

  async freeze(): Promise<(() => Promise<void>) | null> {
    if (this.session.state.kind !== 'running') return null; // a paused guest cannot answer; its disks are still
    let client: GuestAgentClient;
    try {
      client = await this.ready();
      // Alive right now? A freeze may take long on big filesystems, so its own timeout is long; the sync's is not.
      await client.sync({ timeoutMs: this.timeoutMs });
    } catch {
      return null;
    }
    this.frozen++;
    try {
      await client.command('guest-fsfreeze-freeze', undefined, { timeoutMs: 60_000 });
    } catch (err) {
      // A failed freeze may have frozen some filesystems: thaw is safe either way.
      await client.command('guest-fsfreeze-thaw', undefined, { timeoutMs: 60_000 }).catch(() => undefined);
      this.frozen--;
      this.o.log('warn', `the guest's filesystems were not frozen for a disk snapshot: ${(err as Error).message}`);
      return null;
    }
    return async () => {
      try {
        // qemu-ga itself thaws after its own timeout too (fsfreeze is bounded in the guest); retry once anyway.
        await client.command('guest-fsfreeze-thaw', undefined, { timeoutMs: 60_000 }).catch(() => client.command('guest-fsfreeze-thaw', undefined, { timeoutMs: 60_000 }));
      } finally {
        this.frozen--;
      }
    };
  }

  /** A connected, synced client, or an EngineError saying no agent answers. */
  private async ready(): Promise<GuestAgentClient> {
    try {
      if (!this.client || this.client.state === 'closed') this.client = await GuestAgentClient.connect(posix.join(this.session.runtimeDir, GUEST_AGENT_SOCKET), this.timeoutMs);
      if (this.client.state !== 'ready') await this.client.sync({ timeoutMs: this.timeoutMs });
      return this.client;
    } catch (err) {
      this.publish({ ...this.info, status: 'waiting' });
      throw new EngineError('invalid-state', `the guest agent does not answer (${(err as Error).message}); is qemu-ga installed and running in the guest?`);
    }
  }

  private onQmpEvent(e: QmpEventMessage): void {
    if (e.event === 'VSERPORT_CHANGE' && e.data?.['id'] === 'qga-port0') {
      if (e.data['open'] === true) this.schedule(0);
      else this.publish({ status: 'waiting', addresses: [] });
    } else if (e.event === 'STOP') {
      this.pausedAt = this.now();
    } else if (e.event === 'RESUME') {
      if (this.pausedAt !== null && this.now() - this.pausedAt >= (this.o.longPauseMs ?? 60_000)) this.clockPending = true;
      this.pausedAt = null;
      this.schedule(0);
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.busy = this.busy.then(() => this.poll()).catch(() => undefined);
    }, ms);
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    try {
      if (this.session.state.kind !== 'running' || this.frozen > 0) return;
      const client = await this.ready();
      if (this.clockPending) {
        // One attempt: qemu-ga sets the clock before it runs hwclock, whose failure (no RTC) it reports as its own.
        this.clockPending = false;
        await client.command('guest-set-time', { time: this.now() * 1_000_000 }, { timeoutMs: this.timeoutMs }).then(
          () => this.o.log('info', `set the guest clock of ${this.session.vmId} from the host's`),
          (err: Error) => this.o.log('warn', `the guest clock of ${this.session.vmId} may be behind: ${err.message}`),
        );
      }
      const version = (await client.command('guest-info', undefined, { timeoutMs: this.timeoutMs })).version;
      const host = await client.command('guest-get-host-name', undefined, { timeoutMs: this.timeoutMs }).catch(() => undefined);
      const os = await client.command('guest-get-osinfo', undefined, { timeoutMs: this.timeoutMs }).catch(() => undefined);
      const nics = await client.command('guest-network-get-interfaces', undefined, { timeoutMs: this.timeoutMs }).catch(() => undefined);
      this.publish(guestInfoFrom({ version, host, os, nics, at: this.now() }));
    } catch {
      // ready() already published `waiting`
    } finally {
      this.schedule(this.o.pollMs ?? 10_000);
    }
  }

  private publish(next: GuestAgentInfo): void {
    const { updatedAt: _a, ...was } = this.info;
    const { updatedAt: _b, ...now } = next;
    this.info = next;
    if (JSON.stringify(was) !== JSON.stringify(now)) this.o.emit(this.session.vmId, { type: 'vm.guestAgent', info: next });
  }
}
