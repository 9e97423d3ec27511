import { EngineError, type EngineErrorCode } from '../../src-shared/contract/errors.js';

const HINTS: Partial<Record<EngineErrorCode, string>> = {
  'qemu-not-found': 'QEMU is not installed or not found. Install it (e.g. "sudo apt install qemu-system-x86") and try again.',
  'library-locked': 'Another Hangar engine owns this library. Close the other Hangar window or process and try again.',
  io: 'Check that the folder exists and that you may write to it.',
  timeout: 'The engine did not answer in time. Try again; if it keeps happening, restart Hangar.',
  'invalid-state': 'Wait for the machine to finish what it is doing, or shut it down first.',
  busy: 'Wait until that has finished, then try again.',
};

/** The first line of a message, without anything that looks like a stack frame. */
function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '' && !/^\s*at\s/.test(l)) ?? '';
  return line.trim();
}

/**
 * A sentence a person can act on: "Could not start "debian": <engine message>. <hint>".
 * Never shows a stack trace; unknown errors become a generic sentence with their first line.
 */
export function describeError(err: unknown, doing?: string): string {
  const prefix = doing ? `Could not ${doing}: ` : '';
  if (err instanceof EngineError || (typeof err === 'object' && err !== null && 'code' in err && 'message' in err)) {
    const e = err as { code: EngineErrorCode; message: string };
    const hint = HINTS[e.code];
    const msg = firstLine(String(e.message)) || 'the engine refused';
    return `${prefix}${msg}${/[.!?]$/.test(msg) ? '' : '.'}${hint ? ` ${hint}` : ''}`;
  }
  const msg = err instanceof Error ? firstLine(err.message) : typeof err === 'string' ? firstLine(err) : '';
  return `${prefix}${msg || 'something went wrong'}${/[.!?]$/.test(msg) ? '' : '.'}`;
}
