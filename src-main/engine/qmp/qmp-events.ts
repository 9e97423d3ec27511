/** Payload types of the QMP events Hangar listens to (QEMU 7.2 schema). */

export interface QmpTimestamp {
  readonly seconds: number;
  readonly microseconds: number;
}

/** An event as delivered to listeners; `data` is `{}` when QEMU sent none. */
export interface QmpEvent<N extends string = string, D = unknown> {
  readonly event: N;
  readonly data: D;
  readonly timestamp: QmpTimestamp;
}

type NoData = Readonly<Record<string, never>>;

export type ShutdownCause =
  | 'none' | 'host-error' | 'host-qmp-quit' | 'host-qmp-system-reset' | 'host-signal' | 'host-ui'
  | 'guest-shutdown' | 'guest-reset' | 'guest-panic' | 'subsystem-reset' | 'snapshot-load';

export type JobStatus =
  | 'undefined' | 'created' | 'running' | 'paused' | 'ready' | 'standby' | 'waiting' | 'pending'
  | 'aborting' | 'concluded' | 'null';

export type JobType =
  | 'commit' | 'stream' | 'mirror' | 'backup' | 'create' | 'amend' | 'snapshot-load' | 'snapshot-save' | 'snapshot-delete';

export interface VncBasicInfo {
  readonly host: string;
  readonly service: string;
  readonly family: 'ipv4' | 'ipv6' | 'unix' | 'vsock';
  readonly websocket: boolean;
}

export interface VncServerInfo extends VncBasicInfo {
  readonly auth?: string;
}

export interface VncClientInfo extends VncBasicInfo {
  readonly x509_dname?: string;
  readonly sasl_username?: string;
}

interface BlockJobProgress {
  readonly type: JobType;
  readonly device: string;
  readonly len: number;
  readonly offset: number;
  readonly speed: number;
}

export interface QmpEventMap {
  SHUTDOWN: { readonly guest: boolean; readonly reason: ShutdownCause };
  POWERDOWN: NoData;
  RESET: { readonly guest: boolean; readonly reason: ShutdownCause };
  STOP: NoData;
  RESUME: NoData;
  SUSPEND: NoData;
  WAKEUP: NoData;
  GUEST_PANICKED: { readonly action: 'pause' | 'poweroff' | 'run'; readonly info?: { readonly type: string } };
  DEVICE_TRAY_MOVED: { readonly device: string; readonly id: string; readonly 'tray-open': boolean };
  DEVICE_DELETED: { readonly device?: string; readonly path: string };
  JOB_STATUS_CHANGE: { readonly id: string; readonly status: JobStatus };
  BLOCK_JOB_COMPLETED: BlockJobProgress & { readonly error?: string };
  BLOCK_JOB_CANCELLED: BlockJobProgress;
  BLOCK_JOB_READY: BlockJobProgress;
  BLOCK_JOB_PENDING: { readonly type: JobType; readonly id: string };
  BLOCK_JOB_ERROR: { readonly device: string; readonly operation: 'read' | 'write'; readonly action: 'ignore' | 'report' | 'stop' };
  BLOCK_IO_ERROR: {
    readonly device: string;
    readonly 'node-name'?: string;
    readonly operation: 'read' | 'write';
    readonly action: 'ignore' | 'report' | 'stop';
    readonly nospace?: boolean;
    readonly reason: string;
  };
  BALLOON_CHANGE: { readonly actual: number };
  RTC_CHANGE: { readonly offset: number };
  WATCHDOG: { readonly action: string };
  VNC_CONNECTED: { readonly server: VncServerInfo; readonly client: VncBasicInfo };
  VNC_INITIALIZED: { readonly server: VncServerInfo; readonly client: VncClientInfo };
  VNC_DISCONNECTED: { readonly server: VncServerInfo; readonly client: VncClientInfo };
}

export type QmpEventName = keyof QmpEventMap;
export type QmpEventOf<N extends QmpEventName> = QmpEvent<N, QmpEventMap[N]>;
/** What a wildcard (`'*'`) listener receives: any event, known or not. */
export type QmpAnyEvent = QmpEvent<string, unknown>;
