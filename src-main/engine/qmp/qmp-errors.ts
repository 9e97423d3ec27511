import type { QmpState } from './qmp-state.js';

/** Base class so callers can tell QMP failures from everything else with one `instanceof`. */
export class QmpError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A method was called in a connection state that does not allow it. */
export class QmpStateError extends QmpError {
  constructor(
    readonly operation: string,
    readonly required: ReadonlyArray<QmpState>,
    readonly actual: QmpState,
  ) {
    super(`${operation} needs the QMP connection to be ${required.join(' or ')}, but it is ${actual}`);
  }
}

/** Connecting failed: socket refused, no greeting, or qmp_capabilities rejected. */
export class QmpConnectError extends QmpError {}

/** A command, event wait or job did not finish in time. */
export class QmpTimeoutError extends QmpError {
  constructor(
    readonly operation: string,
    readonly timeoutMs: number,
  ) {
    super(`${operation} timed out after ${timeoutMs} ms`);
  }
}

/** QEMU answered `{"error": {"class", "desc"}}`. */
export class QmpCommandError extends QmpError {
  constructor(
    readonly command: string,
    readonly errorClass: string,
    readonly desc: string,
  ) {
    super(`${command} failed: ${errorClass}: ${desc}`);
  }
}

/** The connection went away (or was closed) while something was still waiting on it. */
export class QmpDisconnectedError extends QmpError {
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`QMP connection lost: ${reason}`, options);
  }
}

/** A block job concluded with an error; QEMU 7.2 reports it only in query-jobs. */
export class QmpJobError extends QmpError {
  constructor(
    readonly jobId: string,
    readonly jobType: string | undefined,
    readonly qemuError: string,
  ) {
    super(`job ${jobId}${jobType ? ` (${jobType})` : ''} failed: ${qemuError}`);
  }
}

/** An HMP command "succeeded" at the QMP level but its output reports a failure. */
export class QmpHmpError extends QmpError {
  constructor(
    readonly commandLine: string,
    readonly output: string,
  ) {
    super(`HMP "${commandLine}" failed: ${output.trim()}`);
  }
}

/** A key name, combo or character cannot be expressed as QEMU qcodes. */
export class QmpKeyError extends QmpError {}

/** QEMU's own words in a QMP failure: a job's error, a command's `desc`, or the message. */
export function qemuText(err: unknown): string {
  const e = err as { qemuError?: unknown; desc?: unknown; message?: unknown } | null | undefined;
  if (typeof e?.qemuError === 'string') return e.qemuError;
  if (typeof e?.desc === 'string') return e.desc;
  return typeof e?.message === 'string' ? e.message : String(err);
}
