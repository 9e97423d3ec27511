/** No usable `qemu-system-*` binary; the message says how to install one on this platform. */
export class QemuNotFoundError extends Error {
  constructor(
    message: string,
    readonly installCommand: string,
    readonly arch: string | null = null,
  ) {
    super(message);
    this.name = 'QemuNotFoundError';
  }
}

/** A VM document this host (or this QEMU) cannot run; `field` names the document field to change. */
export class ArgvError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'ArgvError';
  }
}
