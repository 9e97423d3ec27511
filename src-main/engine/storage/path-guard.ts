import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EngineError } from '../../../src-shared/contract/index.js';
import { IsoError } from '../iso/iso9660.js';
import { readIsoFile } from '../iso/read-iso-file.js';

/**
 * Folders whose files are never a VM's disk or CD: system configuration (/etc/shadow), kernel interfaces
 * (/proc/self/mem, /sys) and boot files. A symlink into them is judged by where it leads. (/run is not one:
 * USB sticks are mounted under /run/media, and an ISO on one is ordinary.)
 */
export const SYSTEM_FOLDERS = ['/etc', '/proc', '/sys', '/boot'] as const;

function inSystemFolder(real: string): string | null {
  return SYSTEM_FOLDERS.find((f) => real === f || real.startsWith(`${f}/`)) ?? null;
}

/** Refuses a path that is, or leads (through symlinks) to, a file in a system folder. Missing paths pass (the caller reports them). */
export async function refuseSystemFile(given: string, what: string): Promise<void> {
  const abs = resolve(given);
  const real = await realpath(abs).catch(() => abs);
  const folder = inSystemFolder(real) ?? inSystemFolder(abs);
  if (folder) {
    const shown = real === abs ? `${abs} is` : `${abs} resolves to ${real},`;
    throw new EngineError('invalid-args', `${shown} a system file (under ${folder}); Hangar does not use files there as a ${what}`, { path: abs });
  }
}

/**
 * An ISO about to go into a CD drive: not a system file, and really ISO 9660 (a text file or a disk image
 * would only make the guest's firmware fail later, with no word of why).
 */
export async function refuseNonIso(given: string): Promise<void> {
  const abs = resolve(given);
  await refuseSystemFile(abs, 'CD/DVD image');
  try {
    await readIsoFile(abs);
  } catch (err) {
    if (!(err instanceof IsoError)) throw err;
    if (err.kind === 'not-iso' || err.kind === 'truncated') {
      throw new EngineError('invalid-args', `${abs} is not an ISO 9660 image (${err.message.replace(/^not an ISO 9660 image: /, '')})`, { path: abs, reason: err.kind });
    }
    throw new EngineError(err.kind === 'not-found' ? 'not-found' : err.kind === 'io' ? 'io' : 'invalid-args', err.message, { path: abs });
  }
}
