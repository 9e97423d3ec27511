import { statSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { InstallPhase } from '../../../src-shared/contract/index.js';
import { UNATTENDED_METHODS, type UnattendedMethod } from '../../../src-shared/os-downloads/types.js';
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
  /** An unattended install (#18): how it is answered, and what Hangar added for it. */
  unattended?: UnattendedInstall;
}

export interface UnattendedInstall {
  method: UnattendedMethod;
  /** The installer boots `<bundle>/unattended/vmlinuz` + `initrd` with `append` while the phase is `installing`. */
  directBoot: boolean;
  append: string;
  /** CD drives holding Hangar's answer media (emptied with the installer's when the install ends). */
  seedCdroms: string[];
}

function parseUnattended(v: unknown): UnattendedInstall | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const u = v as Record<string, unknown>;
  if (!(UNATTENDED_METHODS as readonly unknown[]).includes(u['method'])) return undefined;
  // The kernel command line goes to QEMU verbatim: no control characters, bounded.
  if (typeof u['append'] !== 'string' || u['append'].length > 2048 || /[\0-\x1f\x7f]/.test(u['append'])) return undefined;
  const seeds = Array.isArray(u['seedCdroms']) ? u['seedCdroms'] : [];
  if (!seeds.every(isId)) return undefined;
  return { method: u['method'] as UnattendedMethod, directBoot: u['directBoot'] === true, append: u['append'], seedCdroms: seeds as string[] };
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
  const unattended = parseUnattended(raw['unattended']);
  if (unattended) state.unattended = unattended;
  return state;
}

export function installStatePath(bundleDir: string): string {
  return join(bundleDir, INSTALL_FILE);
}

/**
 * Parsed install.json per path, keyed by (mtimeMs, size) like BundleStore's vm.json cache: `library.list`
 * asks for every bundle on each call, so an unchanged file costs one stat and an absent one a failed stat.
 */
const cache = new Map<string, { mtimeMs: number; size: number; state: InstallState | null }>();

const copy = (s: InstallState | null): InstallState | null => (s === null ? null : { ...s });

export async function readInstallState(bundleDir: string): Promise<InstallState | null> {
  const file = installStatePath(bundleDir);
  // Synchronous, without an exception when missing (the usual case): library.list asks this for every
  // bundle, and 1,000 failing thread-pool stats cost ~30 ms of the library's first paint.
  let st: { mtimeMs: number; size: number } | null;
  try {
    st = statSync(file, { throwIfNoEntry: false }) ?? null;
  } catch {
    st = null;
  }
  if (st === null) {
    cache.delete(file);
    return null;
  }
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return copy(hit.state);
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) {
    cache.delete(file);
    return null;
  }
  const state = parseInstallState(text);
  cache.set(file, { mtimeMs: st.mtimeMs, size: st.size, state });
  return copy(state);
}

export async function writeInstallState(bundleDir: string, state: InstallState): Promise<void> {
  const file = installStatePath(bundleDir);
  cache.delete(file);
  try {
    await writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`);
  } finally {
    cache.delete(file);
  }
}

/** Ends the install flow without finishing it: no install.json, no install (a missing file is fine). */
export async function removeInstallState(bundleDir: string): Promise<void> {
  const file = installStatePath(bundleDir);
  cache.delete(file);
  try {
    await rm(file, { force: true });
  } finally {
    cache.delete(file);
  }
}
