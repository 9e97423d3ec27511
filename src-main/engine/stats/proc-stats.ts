import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every Linux we run on). */
export const CLOCK_TICKS = 100;

export interface ProcSample {
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  rssBytes: number;
}

/**
 * utime + stime from /proc/<pid>/stat. The command name (field 2) is in parentheses and may itself hold
 * spaces or parentheses, so the fields are counted from the last ')'.
 */
export function parseStatTicks(text: string): number {
  const end = text.lastIndexOf(')');
  if (end < 0) throw new Error('not a /proc/<pid>/stat line');
  const fields = text.slice(end + 2).trim().split(/\s+/);
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('no utime/stime in /proc/<pid>/stat');
  return utime + stime;
}

/** VmRSS from /proc/<pid>/status, in bytes (0 when absent, e.g. a zombie). */
export function parseStatusRss(text: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : 0;
}

/** Reads one process's CPU ticks and RSS; `procRoot` is a fake folder in tests. */
export async function readProcSample(pid: number, procRoot = '/proc'): Promise<ProcSample> {
  const dir = join(procRoot, String(pid));
  const [stat, status] = await Promise.all([readFile(join(dir, 'stat'), 'utf8'), readFile(join(dir, 'status'), 'utf8')]);
  return { cpuTicks: parseStatTicks(stat), rssBytes: parseStatusRss(status) };
}
