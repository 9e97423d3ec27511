/** Every error the engine can answer with. Clients branch on `code`; `message` is for people. */
export const ENGINE_ERROR_CODES = [
  'invalid-message', // not a well-formed request at all
  'unknown-command',
  'invalid-args', // the command exists but its arguments fail validation
  'not-found', // no such VM (or file)
  'ambiguous', // a VM name matches several machines
  'exists', // a VM with that id or folder already exists
  'name-taken', // another machine already has that name (compared as src-shared/vm-name.ts does)
  'invalid-state', // e.g. pause while stopped
  'busy', // another operation on the same machine is under way (a second start, a delete during a start...)
  'invalid-document', // vm.json or a patch breaks the schema
  'qemu-not-found',
  'qemu-failed', // QEMU refused to start or a QMP command failed
  'start-refused', // a pre-flight check failed (missing disk, port in use, too much memory...)
  'needs-confirmation', // done only when asked again with consent (details say what was found)
  'timeout',
  'library-locked',
  'io',
  'internal',
  'not-allowed', // this client may not do that here (e.g. extra QEMU arguments through the browser host)
  'unsupported', // this machine's backend cannot do that (e.g. a disposable start on a libvirt connection); the message says what
] as const;

export type EngineErrorCode = (typeof ENGINE_ERROR_CODES)[number];

export interface EngineErrorPayload {
  code: EngineErrorCode;
  message: string;
  /** Extra facts for the UI (e.g. the log tail of a failed start, the field of a bad argument). */
  details?: Record<string, unknown>;
}

/** Thrown inside the engine and by clients when a response carries an error. */
export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'EngineError';
  }

  toPayload(): EngineErrorPayload {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}
