import type { VmRunState } from '../../../src-shared/vm-state.js';
import { assertNever } from '../../../src-shared/util/assert-never.js';
import { findCatalogEntry, type OsFamily } from '../../../src-shared/os-catalog/index.js';

/** The state text the list shows (a stable contract: automation and screen readers read it). */
export function stateLabel(state: VmRunState): string {
  switch (state.kind) {
    case 'stopped': return 'Powered off';
    case 'starting': return 'Starting…';
    case 'running': return 'Running';
    case 'paused': return 'Paused';
    case 'stopping': return state.how === 'acpi' ? 'Shutting down…' : 'Powering off…';
    case 'saving': return 'Saving…';
    case 'restoring': return 'Restoring…';
    case 'saved': return 'Saved';
    case 'crashed': return 'Crashed';
    default: return assertNever(state, 'run state');
  }
}

/** When a saved machine was saved, in the viewer's local time ("Saved" chip's companion): "6 Dec 2026, 21:30". */
export function savedAtLabel(state: VmRunState, locale?: string): string | null {
  if (state.kind !== 'saved') return null;
  const at = new Date(state.savedAt);
  if (Number.isNaN(at.getTime())) return null;
  return at.toLocaleString(locale, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export type StateTone = 'success' | 'warning' | 'error' | 'info' | 'default';

export function stateTone(state: VmRunState): StateTone {
  switch (state.kind) {
    case 'running': return 'success';
    case 'paused': return 'warning';
    case 'crashed': return 'error';
    case 'starting':
    case 'stopping':
    case 'saving':
    case 'restoring': return 'info';
    case 'saved': return 'info';
    case 'stopped': return 'default';
    default: return assertNever(state, 'run state');
  }
}

/** Sort rank for "by state": the machines that are doing something come first. */
export function stateRank(state: VmRunState): number {
  switch (state.kind) {
    case 'running': return 0;
    case 'starting':
    case 'stopping':
    case 'saving':
    case 'restoring': return 1;
    case 'paused': return 2;
    case 'crashed': return 3;
    case 'saved': return 4;
    case 'stopped': return 5;
    default: return assertNever(state, 'run state');
  }
}

const OS_NAMES: Record<string, string> = {
  generic: 'Other',
  debian: 'Debian', ubuntu: 'Ubuntu', fedora: 'Fedora', arch: 'Arch Linux', alpine: 'Alpine Linux',
  opensuse: 'openSUSE', freebsd: 'FreeBSD', win10: 'Windows 10', win11: 'Windows 11', windows: 'Windows',
};

/** A readable OS name from a catalog id such as "debian12" or "ubuntu-24.04". */
export function osLabel(osId: string): string {
  if (OS_NAMES[osId]) return OS_NAMES[osId];
  const entry = findCatalogEntry(osId);
  if (entry) return entry.name;
  const m = /^([a-z]+?)[-_.]?(\d[\w.]*)?$/i.exec(osId);
  const family = m?.[1]?.toLowerCase() ?? osId;
  const base = OS_NAMES[family];
  if (base) return m?.[2] ? `${base} ${m[2]}` : base;
  return osId;
}

const LINUX_ID = /^(debian|ubuntu|fedora|rhel|centos|rocky|alma|arch|alpine|opensuse|sles|sled|linuxmint|mint|gentoo|manjaro|void|nixos|kali|pop|elementary|mageia|slackware|endeavouros|silverblue|kubuntu|xubuntu|lubuntu|generic-linux)|linux/i;

/**
 * The OS family of a document's `osId`: the catalog's, or for ids the catalog lacks (osinfo-db short-ids
 * such as "ubuntu23.10" or "win2k19") a guess from the id's shape; "other" when nothing fits.
 */
export function osFamily(osId: string): OsFamily {
  const entry = findCatalogEntry(osId);
  if (entry) return entry.family;
  if (/^win/i.test(osId)) return 'windows';
  if (/bsd/i.test(osId) || /^dragonfly/i.test(osId)) return 'bsd';
  if (LINUX_ID.test(osId)) return 'linux';
  return 'other';
}

/** The family's name as the list's OS icon announces it. */
export function osFamilyLabel(family: OsFamily): string {
  switch (family) {
    case 'linux': return 'Linux';
    case 'windows': return 'Windows';
    case 'bsd': return 'BSD';
    case 'other': return 'Other OS';
    default: return assertNever(family, 'OS family');
  }
}

/** "No machines", "1 machine", "3 machines" (the list's count line, notices). */
export function machineCount(n: number): string {
  return n === 0 ? 'No machines' : `${n} ${n === 1 ? 'machine' : 'machines'}`;
}

/** The list's count line: every machine, or "2 of 5 machines" while a search or filter hides some. */
export function listCountText(shown: number, total: number): string {
  return shown === total ? machineCount(total) : `${shown} of ${total} ${total === 1 ? 'machine' : 'machines'}`;
}
