import type { PoolIso } from '../../../src-shared/contract/index.js';

const UNITS: Record<string, number> = { B: 1, bytes: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4, PiB: 1024 ** 5 };

/**
 * The ISO volumes in `virsh -q vol-list POOL --details` output (columns Name, Path, Type, Capacity,
 * Allocation, padded with two or more spaces). A line that does not parse is left out, never guessed at.
 */
export function parsePoolIsos(pool: string, text: string): PoolIso[] {
  const out: PoolIso[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(.+?)\s{2,}(\/.*?)\s{2,}(\S+)\s{2,}([\d.]+) (\w+)\s{2,}/.exec(line);
    if (!m || !/\.iso$/i.test(m[2]!) || m[3] !== 'file') continue;
    const unit = UNITS[m[5]!];
    if (unit === undefined) continue;
    out.push({ pool, name: m[1]!, path: m[2]!, sizeBytes: Math.round(Number(m[4]) * unit) });
  }
  return out;
}
