import { EngineError, type EngineErrorCode } from '../../../src-shared/contract/index.js';
import { VmDocumentError } from '../../../src-shared/vm-document/index.js';
import { IllegalTransitionError } from '../../../src-shared/vm-state.js';

/** Maps any thrown value to a typed engine error; unknown failures become `internal` with their message. */
export function toEngineError(err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  if (err instanceof VmDocumentError) return new EngineError('invalid-document', err.message, { issues: err.issues });
  if (err instanceof IllegalTransitionError) return new EngineError('invalid-state', err.message);
  const e = err as { code?: unknown; name?: unknown; message?: unknown };
  const codeMap: Record<string, EngineErrorCode> = {
    'not-found': 'not-found',
    ambiguous: 'ambiguous',
    exists: 'exists',
    'name-taken': 'name-taken',
    invalid: 'invalid-document',
    io: 'io',
    ENOENT: 'not-found',
    EACCES: 'io',
  };
  const message = typeof e?.message === 'string' ? e.message : describe(err);
  if (e?.name === 'QemuNotFoundError') return new EngineError('qemu-not-found', message);
  if (e?.name === 'LibraryLockedError') return new EngineError('library-locked', message);
  if (e?.name === 'QmpTimeoutError') return new EngineError('timeout', message);
  if (typeof e?.name === 'string' && /^Qmp|^QemuImg|^Argv/.test(e.name)) return new EngineError('qemu-failed', message);
  if (e?.code === 'name-taken' && Array.isArray((e as { matches?: unknown }).matches)) {
    return new EngineError('name-taken', message, { existing: (e as { matches: unknown[] }).matches[0] });
  }
  if (typeof e?.code === 'string' && Object.hasOwn(codeMap, e.code)) return new EngineError(codeMap[e.code]!, message);
  return new EngineError('internal', message);
}

/** A readable text for any thrown value, even one without a prototype (String() would throw on it). */
function describe(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
