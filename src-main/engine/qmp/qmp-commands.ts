import type { QKeyCode } from './qcodes.js';
import { QmpClient, type QmpCallOptions, type QmpVersionInfo } from './qmp-client.js';
import type { JobStatus, JobType, QmpAnyEvent, QmpEventName, QmpTimestamp, VncClientInfo } from './qmp-events.js';

/** Argument and result types of the QMP commands Hangar uses, from the QEMU 7.2 schema. */

type NoArgs = Readonly<Record<string, never>>;
type Empty = Readonly<Record<string, never>>;

export type RunState =
  | 'debug' | 'inmigrate' | 'internal-error' | 'io-error' | 'paused' | 'postmigrate' | 'prelaunch' | 'finish-migrate'
  | 'restore-vm' | 'running' | 'save-vm' | 'shutdown' | 'suspended' | 'watchdog' | 'guest-panicked' | 'colo';

export interface StatusInfo {
  readonly running: boolean;
  readonly singlestep: boolean;
  readonly status: RunState;
}

export type KeyValue = { readonly type: 'qcode'; readonly data: QKeyCode } | { readonly type: 'number'; readonly data: number };

export type InputButton = 'left' | 'middle' | 'right' | 'wheel-up' | 'wheel-down' | 'side' | 'extra' | 'wheel-left' | 'wheel-right';

export type InputEvent =
  | { readonly type: 'key'; readonly data: { readonly down: boolean; readonly key: KeyValue } }
  | { readonly type: 'btn'; readonly data: { readonly down: boolean; readonly button: InputButton } }
  | { readonly type: 'rel' | 'abs'; readonly data: { readonly axis: 'x' | 'y'; readonly value: number } };

export interface SnapshotInfo {
  readonly id: string;
  readonly name: string;
  readonly 'vm-state-size': number;
  readonly 'date-sec': number;
  readonly 'date-nsec': number;
  readonly 'vm-clock-sec': number;
  readonly 'vm-clock-nsec': number;
  readonly icount?: number;
}

export interface ImageInfo {
  readonly filename: string;
  readonly format: string;
  readonly 'virtual-size': number;
  readonly 'actual-size'?: number;
  readonly 'dirty-flag'?: boolean;
  readonly 'backing-filename'?: string;
  readonly snapshots?: ReadonlyArray<SnapshotInfo>;
  readonly 'backing-image'?: ImageInfo;
}

export interface BlockDeviceInfo {
  readonly file: string;
  readonly 'node-name'?: string;
  readonly ro: boolean;
  readonly drv: string;
  readonly backing_file?: string;
  readonly encrypted: boolean;
  readonly image: ImageInfo;
}

export interface BlockInfo {
  readonly device: string;
  readonly qdev?: string;
  readonly type: string;
  readonly removable: boolean;
  readonly locked: boolean;
  readonly inserted?: BlockDeviceInfo;
  readonly tray_open?: boolean;
  readonly 'io-status'?: 'ok' | 'failed' | 'nospace';
}

export interface JobInfo {
  readonly id: string;
  readonly type: JobType;
  readonly status: JobStatus;
  readonly 'current-progress': number;
  readonly 'total-progress': number;
  /** Present when the job failed; in 7.2 this is the only place snapshot job errors appear. */
  readonly error?: string;
}

export interface CpuInfoFast {
  readonly 'cpu-index': number;
  readonly 'qom-path': string;
  readonly 'thread-id': number;
  readonly props?: { readonly 'node-id'?: number; readonly 'socket-id'?: number; readonly 'core-id'?: number; readonly 'thread-id'?: number };
  readonly target: string;
}

export interface VncInfo {
  readonly enabled: boolean;
  readonly host?: string;
  readonly family?: 'ipv4' | 'ipv6' | 'unix' | 'vsock';
  readonly service?: string;
  readonly auth?: string;
  readonly clients?: ReadonlyArray<VncClientInfo>;
}

/** qapi/tpm.json (7.2): TPMInfo; the backend's options are wrapped in `data`. */
export interface TpmInfo {
  readonly id: string;
  readonly model: 'tpm-tis' | 'tpm-crb' | 'tpm-spapr';
  readonly options: { readonly type: 'passthrough' | 'emulator'; readonly data: Readonly<Record<string, unknown>> };
}

export interface SnapshotJobArgs {
  readonly 'job-id': string;
  readonly tag: string;
  /** Format (qcow2) node name that stores the VM state. */
  readonly vmstate: string;
  /** Format node names to snapshot. */
  readonly devices: ReadonlyArray<string>;
}

/** The transaction actions Hangar uses (7.2: TransactionAction, `blockdev-snapshot-internal-sync`: BlockdevSnapshotInternal). */
export type TransactionAction = {
  readonly type: 'blockdev-snapshot-internal-sync';
  readonly data: { readonly device: string; readonly name: string };
};

interface Command<A, R> {
  readonly args: A;
  readonly result: R;
}

export interface QmpCommandMap {
  qmp_capabilities: Command<{ readonly enable?: ReadonlyArray<'oob'> }, Empty>;
  'query-version': Command<NoArgs, QmpVersionInfo>;
  'query-status': Command<NoArgs, StatusInfo>;
  stop: Command<NoArgs, Empty>;
  cont: Command<NoArgs, Empty>;
  system_reset: Command<NoArgs, Empty>;
  system_powerdown: Command<NoArgs, Empty>;
  quit: Command<NoArgs, Empty>;
  'set-action': Command<
    {
      readonly reboot?: 'reset' | 'shutdown';
      readonly shutdown?: 'poweroff' | 'pause';
      readonly panic?: 'pause' | 'shutdown' | 'exit-failure' | 'none';
      readonly watchdog?: 'reset' | 'shutdown' | 'poweroff' | 'pause' | 'debug' | 'none' | 'inject-nmi';
    },
    Empty
  >;
  screendump: Command<
    { readonly filename: string; readonly format?: 'png' | 'ppm'; readonly device?: string; readonly head?: number },
    Empty
  >;
  'send-key': Command<{ readonly keys: ReadonlyArray<KeyValue>; readonly 'hold-time'?: number }, Empty>;
  'input-send-event': Command<
    { readonly device?: string; readonly head?: number; readonly events: ReadonlyArray<InputEvent> },
    Empty
  >;
  'query-block': Command<NoArgs, ReadonlyArray<BlockInfo>>;
  'query-named-block-nodes': Command<{ readonly flat?: boolean }, ReadonlyArray<BlockDeviceInfo>>;
  /** With -blockdev + -device ide-cd,id=cd0 the BlockBackend name is "", so address the qdev `id`. */
  'blockdev-change-medium': Command<
    {
      readonly id: string;
      readonly filename: string;
      readonly format?: string;
      readonly force?: boolean;
      readonly 'read-only-mode'?: 'retain' | 'read-only' | 'read-write';
    },
    Empty
  >;
  eject: Command<{ readonly id: string; readonly force?: boolean }, Empty>;
  'blockdev-open-tray': Command<{ readonly id: string; readonly force?: boolean }, Empty>;
  'blockdev-close-tray': Command<{ readonly id: string }, Empty>;
  'blockdev-remove-medium': Command<{ readonly id: string }, Empty>;
  'blockdev-insert-medium': Command<{ readonly id: string; readonly 'node-name': string }, Empty>;
  'snapshot-save': Command<SnapshotJobArgs, Empty>;
  'snapshot-load': Command<SnapshotJobArgs, Empty>;
  'snapshot-delete': Command<Omit<SnapshotJobArgs, 'vmstate'>, Empty>;
  /** All actions or none (qapi/transaction.json); Hangar's disk-only snapshot of a running VM. */
  transaction: Command<{ readonly actions: ReadonlyArray<TransactionAction> }, Empty>;
  'query-jobs': Command<NoArgs, ReadonlyArray<JobInfo>>;
  'job-dismiss': Command<{ readonly id: string }, Empty>;
  'job-cancel': Command<{ readonly id: string }, Empty>;
  'query-cpus-fast': Command<NoArgs, ReadonlyArray<CpuInfoFast>>;
  'query-memory-size-summary': Command<NoArgs, { readonly 'base-memory': number; readonly 'plugged-memory'?: number }>;
  'query-vnc': Command<NoArgs, VncInfo>;
  'query-tpm': Command<NoArgs, ReadonlyArray<TpmInfo>>;
  'query-kvm': Command<NoArgs, { readonly enabled: boolean; readonly present: boolean }>;
  /** HMP passthrough. Failures come back as a *successful* string; use hmp() from qmp-hmp.ts to detect them. */
  'human-monitor-command': Command<{ readonly 'command-line': string; readonly 'cpu-index'?: number }, string>;
  /** Extra driver properties pass through (e.g. usb-host vendorid/productid). */
  device_add: Command<
    { readonly driver: string; readonly id?: string; readonly bus?: string; readonly [property: string]: unknown },
    Empty
  >;
  device_del: Command<{ readonly id: string }, Empty>;
  // The clipboard's vdagent channel, detached around RAM snapshots (session/vdagent-channel.ts).
  'query-chardev': Command<NoArgs, ReadonlyArray<ChardevInfo>>;
  'chardev-add': Command<{ readonly id: string; readonly backend: ChardevBackend }, { readonly pty?: string }>;
  'chardev-remove': Command<{ readonly id: string }, Empty>;
  /** One block node (BlockdevOptions: driver, node-name and the driver's own options, e.g. file's filename). */
  'blockdev-add': Command<{ readonly driver: string; readonly 'node-name': string; readonly [option: string]: unknown }, Empty>;
  'blockdev-del': Command<{ readonly 'node-name': string }, Empty>;
}

export interface ChardevInfo {
  readonly label: string;
  readonly filename: string;
  readonly 'frontend-open': boolean;
}

/** The chardev backends Hangar adds at run time (7.2 ChardevBackend, `qemu-vdagent`: ChardevQemuVDAgent). */
export type ChardevBackend = { readonly type: 'qemu-vdagent'; readonly data: { readonly mouse?: boolean; readonly clipboard?: boolean } };

export type QmpCommandName = keyof QmpCommandMap;
export type QmpCommandArgs<K extends QmpCommandName> = QmpCommandMap[K]['args'];
export type QmpCommandResult<K extends QmpCommandName> = QmpCommandMap[K]['result'];

/** Arguments may be left out when every argument of the command is optional. */
export type QmpExecuteRest<K extends QmpCommandName> =
  Record<string, never> extends QmpCommandArgs<K>
    ? [args?: QmpCommandArgs<K>, options?: QmpCallOptions]
    : [args: QmpCommandArgs<K>, options?: QmpCallOptions];

/** An event as the typed face hands it on: its name, its data (`{}` when QEMU sent none), and QEMU's time of it. */
export interface QmpEventMessage {
  readonly event: string;
  readonly data?: Record<string, unknown>;
  /** QEMU's time of the event (absent from scripted peers). */
  readonly timestamp?: QmpTimestamp;
}

export interface QmpEventWait {
  readonly timeoutMs?: number;
  readonly predicate?: (data: Record<string, unknown>) => boolean;
  /** Aborting it rejects the wait and drops its listener (a wait whose command failed). */
  readonly signal?: AbortSignal;
}

/**
 * The one typed face of QMP the engine uses: only the commands listed above, with their argument and result
 * types. A VM session holds one (over its QmpClient); services and unit tests' scripted peers use the same.
 */
export interface QmpCommands {
  execute<K extends QmpCommandName>(name: K, ...rest: QmpExecuteRest<K>): Promise<QmpCommandResult<K>>;
  /** Registers now (before the triggering command is sent); resolves on the first matching event. */
  expectEvent(name: QmpEventName, options?: QmpEventWait): Promise<QmpEventMessage>;
  /** Every event QEMU sends. */
  onEvent(listener: (event: QmpEventMessage) => void): () => void;
  onDisconnected(listener: (reason: string) => void): () => void;
  close(): Promise<void>;
}

type Data = Record<string, unknown>;

/** The typed face of a connected QmpClient. */
export function qmpCommandsOf(client: QmpClient): QmpCommands {
  return {
    execute: <K extends QmpCommandName>(name: K, ...rest: QmpExecuteRest<K>) => {
      const [args, options] = rest;
      return client.execute<QmpCommandResult<K>>(name, args, options);
    },
    expectEvent(name, options = {}) {
      const { predicate, timeoutMs, signal } = options;
      const p = client
        .expectEvent(name, {
          ...(timeoutMs !== undefined ? { timeoutMs } : {}),
          ...(signal ? { signal } : {}),
          ...(predicate ? { predicate: (e: QmpAnyEvent) => predicate((e.data ?? {}) as Data) } : {}),
        })
        .then((e) => ({ event: e.event, data: (e.data ?? {}) as Data, timestamp: e.timestamp }));
      // A wait whose command failed is never awaited: keep its later rejection from being "unhandled".
      p.catch(() => undefined);
      return p;
    },
    onEvent: (listener) => client.on('*', (e) => listener({ event: e.event, data: (e.data ?? {}) as Data, timestamp: e.timestamp })),
    onDisconnected: (listener) => client.onDisconnected((info) => listener(info.reason)),
    close: () => client.close(),
  };
}

/** Helpers (jobs, HMP, keys) accept the raw client too, so callers holding only a client need no wrapper. */
export function asCommands(target: QmpClient | QmpCommands): QmpCommands {
  return target instanceof QmpClient ? qmpCommandsOf(target) : target;
}
