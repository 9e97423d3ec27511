import type { EngineErrorCode } from '../../src-shared/contract/errors.js';

/** Stable exit codes for scripts: documented in the README and `hangar --help`. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  invalidState: 4,
  timeout: 5,
  qemu: 6,
  locked: 7,
} as const;

export function exitCodeFor(code: EngineErrorCode): number {
  switch (code) {
    case 'invalid-args':
    case 'invalid-message':
    case 'unknown-command':
      return EXIT.usage;
    case 'not-found':
    case 'ambiguous':
      return EXIT.notFound;
    case 'invalid-state':
    case 'busy':
    case 'unsupported':
      return EXIT.invalidState;
    case 'timeout':
      return EXIT.timeout;
    case 'qemu-not-found':
    case 'qemu-failed':
    case 'start-refused':
      return EXIT.qemu;
    case 'library-locked':
      return EXIT.locked;
    default:
      return EXIT.failure;
  }
}
