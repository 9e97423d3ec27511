import { isActive, type VmRunState } from '../../../src-shared/vm-state.js';

/** Why disk changes are refused while the machine runs (the engine refuses them too; this says so up front). */
export const DISKS_LOCKED = 'Shut the machine down to change its disks';

/** The reason an operation that needs a stopped machine is disabled, or null when it may run. */
export function stoppedReason(state: VmRunState): string | null {
  return isActive(state) ? DISKS_LOCKED : null;
}

const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1073741824 → "1 GiB", 196608 → "192 KiB"; null → "unknown". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return 'unknown';
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const text = u === 0 ? String(v) : v >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1).replace(/\.0$/, '');
  return `${text} ${UNITS[u]}`;
}

export const GIB = 2 ** 30;

/** A GiB size typed by a person: a positive number up to 64 TiB, or the reason it is not one. */
export function parseGiB(text: string): { value: number } | { error: string } {
  const t = text.trim();
  if (t === '') return { error: 'Enter a size in GiB' };
  const v = Number(t);
  if (!Number.isFinite(v) || v <= 0) return { error: 'Enter a size above 0 GiB' };
  if (v > 64 * 1024) return { error: 'At most 65536 GiB (64 TiB)' };
  return { value: v };
}

let counter = 0;
/** A job id chosen here, so progress events of a job can be matched (and cancelled) before its reply comes. */
export function newJobId(prefix: string): string {
  counter++;
  return `${prefix}-${Date.now().toString(36)}-${counter.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The last path segment (either separator). */
export const baseName = (p: string): string => p.split(/[\\/]/).pop() ?? p;
