import { realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { EngineError } from '../../../src-shared/contract/index.js';
import { IsoError } from '../iso/iso9660.js';
import { readIsoFile } from '../iso/read-iso-file.js';
import { createQemuImg, type QemuImg } from './qemu-img.js';

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

/** `nbd://…`, `json:{…}`, `http:…`: a name qemu reads as a protocol, not a file on this computer. */
function isProtocolName(name: string): boolean {
  return name.startsWith('json:') || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(name);
}

/**
 * Walks an image's backing files (qemu-img info one level at a time, so a hostile name is never opened):
 * each must be a plain, existing file outside the system folders. An image qemu-img cannot read passes
 * here; the caller's own check reports that.
 */
export async function refuseUnsafeBacking(image: string, img: QemuImg = createQemuImg()): Promise<void> {
  const seen = new Set<string>();
  let current = resolve(image);
  for (let depth = 0; depth < 16; depth++) {
    if (seen.has(current)) throw new EngineError('invalid-args', `the backing chain of ${image} loops back to ${current}`, { path: image });
    seen.add(current);
    let info;
    try {
      info = await img.info(current);
    } catch {
      return;
    }
    const backing = info['backing-filename'];
    if (!backing) return;
    if (isProtocolName(backing) && !isAbsolute(backing)) {
      throw new EngineError('invalid-args', `the backing file ${backing} of ${current} is not a plain file path (a protocol or inline JSON); Hangar only uses images whose backing files are files on this computer`, { path: image });
    }
    const next = isAbsolute(backing) ? backing : resolve(dirname(current), backing);
    const real = await realpath(next).catch(() => null);
    if (real === null || !(await stat(real).then((s) => s.isFile(), () => false))) {
      throw new EngineError('not-found', `the backing file ${next} of ${current} is missing (or not a file); the image cannot be read without it`, { path: image });
    }
    const folder = inSystemFolder(real);
    if (folder) {
      throw new EngineError('invalid-args', `the backing file ${backing} of ${current} resolves to ${real}, a system file (under ${folder}); Hangar does not use images that read files there`, { path: image });
    }
    current = real;
  }
  throw new EngineError('invalid-args', `the backing chain of ${image} is more than 16 images deep`, { path: image });
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
