import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InstallPhase } from '../../../src-shared/contract/index.js';
import { writeFileAtomic } from '../storage/atomic-write.js';

/**
 * The install flow's state lives beside vm.json in `install.json` (not in the document: it is engine
 * bookkeeping, not machine configuration, so the document schema stays at its version). No file: no install.
 */
export const INSTALL_FILE = 'install.json';

export interface InstallState {
  version: 1;
  phase: InstallPhase;
  /** The new, blank disk the installer writes to (a device id of the document). */
  disk: string;
  /** The CD drive holding the installer ISO. */
  cdrom: string;
  /** The installer ISO, as given at create time. */
  iso: string | null;
  /** Bytes of the disk image file when it was created; growth means the guest wrote to it. */
  baselineBytes: number;
  startedAt: string;
  finishedAt?: string;
  /** How the install was finished: "the guest powered off", "the guest rebooted", "by hand". */
  how?: string;
}

const isId = (v: unknown): v is string => typeof v === 'string' && /^[a-z][a-z0-9-]{0,30}$/.test(v);

/** Parses install.json; anything unreadable counts as "no install" (null). */
export function parseInstallState(text: string): InstallState | null {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  if (raw['phase'] !== 'installing' && raw['phase'] !== 'installed') return null;
  if (!isId(raw['disk']) || !isId(raw['cdrom'])) return null;
  const baseline = raw['baselineBytes'];
  if (typeof baseline !== 'number' || !Number.isFinite(baseline) || baseline < 0) return null;
  const state: InstallState = {
    version: 1,
    phase: raw['phase'],
    disk: raw['disk'],
    cdrom: raw['cdrom'],
    iso: typeof raw['iso'] === 'string' ? raw['iso'] : null,
    baselineBytes: baseline,
    startedAt: typeof raw['startedAt'] === 'string' ? raw['startedAt'] : new Date(0).toISOString(),
  };
  if (typeof raw['finishedAt'] === 'string') state.finishedAt = raw['finishedAt'];
  if (typeof raw['how'] === 'string') state.how = raw['how'];
  return state;
}

export function installStatePath(bundleDir: string): string {
  return join(bundleDir, INSTALL_FILE);
}

export async function readInstallState(bundleDir: string): Promise<InstallState | null> {
  const text = await readFile(installStatePath(bundleDir), 'utf8').catch(() => null);
  return text === null ? null : parseInstallState(text);
}

export async function writeInstallState(bundleDir: string, state: InstallState): Promise<void> {
  await writeFileAtomic(installStatePath(bundleDir), `${JSON.stringify(state, null, 2)}\n`);
}
