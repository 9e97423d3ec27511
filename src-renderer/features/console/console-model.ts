// The serial console without a terminal: attach, backlog, live output, input, detach. The xterm view
// (serial-terminal.tsx) plugs a terminal in as the sink; unit tests plug in a string.
import type { HangarApi } from '../../bridge/hangar-api.js';
import { describeError } from '../../state/errors.js';

/** How much of logs/serial.log pre-fills the terminal. */
export const CONSOLE_BACKLOG_BYTES = 256 * 1024;

/** `read-only`: output only (a libvirt domain's pty console): what is typed is not sent, and `reason` says why. */
export type ConsoleStatus = { kind: 'attaching' } | { kind: 'live' } | { kind: 'read-only'; reason: string } | { kind: 'error'; message: string };

export interface ConsoleSink {
  write(data: string): void;
}

/**
 * One open console of one VM. The engine sends `vm.serial` only to clients that attached, and its backlog
 * is read after the follow starts, so output that arrives while attaching is held and written after it
 * (unless the backlog already ends with it).
 */
export class SerialConsoleSession {
  private pending: string[] | null = [];
  private offEvents: (() => void) | null = null;
  private offConnection: (() => void) | null = null;
  private disposed = false;
  private statusValue: ConsoleStatus = { kind: 'attaching' };
  private readOnly = false;

  constructor(
    private readonly api: HangarApi,
    private readonly vmId: string,
    private readonly sink: ConsoleSink,
    private readonly onStatus: (s: ConsoleStatus) => void = () => undefined,
    private readonly backlogBytes = CONSOLE_BACKLOG_BYTES,
  ) {}

  get status(): ConsoleStatus {
    return this.statusValue;
  }

  async start(): Promise<void> {
    this.offEvents = this.api.onEvent((e) => {
      if (e.type !== 'vm.serial' || e.vmId !== this.vmId) return;
      if (this.pending) this.pending.push(e.data);
      else this.sink.write(e.data);
    });
    // A new engine connection has forgotten who followed what: follow again (no backlog; the screen has it).
    this.offConnection = this.api.onConnectionChange((c) => {
      if (c === 'open' && !this.disposed) void this.attach(0);
    });
    await this.attach(this.backlogBytes);
  }

  /** Keys typed in the terminal, as xterm reports them (Enter is "\r", which the guest's tty reads as a newline). */
  input(data: string): void {
    if (this.disposed || data === '' || this.readOnly) return;
    this.api.call('vm.console.write', { vm: this.vmId, data }).then(
      () => this.statusValue.kind === 'error' && this.setStatus({ kind: 'live' }),
      (err: unknown) => this.setStatus({ kind: 'error', message: describeError(err, 'send to the serial console') }),
    );
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.offEvents?.();
    this.offConnection?.();
    this.api.call('vm.console.detach', { vm: this.vmId }).catch(() => undefined);
  }

  private async attach(tailBytes: number): Promise<void> {
    try {
      const { log, readOnly } = await this.api.call('vm.console.attach', { vm: this.vmId, tailBytes });
      if (this.disposed) return;
      if (log) this.sink.write(log);
      // QEMU writes serial.log as it sends, so output held while attaching is usually at the log's end already.
      const held = (this.pending ?? []).join('');
      if (held && !log.endsWith(held)) this.sink.write(held);
      this.pending = null;
      this.readOnly = readOnly !== undefined;
      this.setStatus(readOnly !== undefined ? { kind: 'read-only', reason: readOnly } : { kind: 'live' });
    } catch (err) {
      if (!this.disposed) this.setStatus({ kind: 'error', message: describeError(err, 'open the serial console') });
    }
  }

  private setStatus(s: ConsoleStatus): void {
    this.statusValue = s;
    this.onStatus(s);
  }
}
