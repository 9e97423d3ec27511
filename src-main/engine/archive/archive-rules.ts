import { EngineError } from '../../../src-shared/contract/index.js';
import { scaleBytes } from '../disks/disk-rules.js';

/** What an import accepts of one tar entry (the fields node-tar's ReadEntry has). */
export interface ArchiveEntryInfo {
  path: string;
  type: string;
  size: number;
  linkpath?: string;
}

/** Entry types that are plain data; anything else (links, devices, FIFOs) is refused. */
const ALLOWED_TYPES: ReadonlySet<string> = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory']);

/** More entries than any bundle has: a sign of a zip-bomb-like archive. */
export const MAX_ENTRIES = 10_000;
/** vm.json is a few KiB; anything near this is not a VM document. */
export const MAX_VM_JSON_BYTES = 1024 * 1024;
/** Kept free on the library's disk after an import (the engine still writes logs and vm.json). */
export const SPACE_MARGIN_BYTES = 64 * 1024 * 1024;

function refuse(message: string, details?: Record<string, unknown>): never {
  throw new EngineError('invalid-args', `not a safe Hangar archive: ${message}`, details);
}

/**
 * The path of an entry inside its bundle folder, checked: relative, no `..`, no NUL or backslash, and
 * under the archive's single top folder (`top`, fixed by the first entry). Returns [top, rest].
 */
export function entryParts(rawPath: string): [string, string] {
  if (rawPath.includes('\0')) refuse(`entry ${JSON.stringify(rawPath)} has a NUL character in its name`);
  if (rawPath.startsWith('/') || /^[A-Za-z]:/.test(rawPath) || rawPath.startsWith('\\')) refuse(`entry ${JSON.stringify(rawPath)} has an absolute path`, { entry: rawPath });
  if (rawPath.includes('\\')) refuse(`entry ${JSON.stringify(rawPath)} has a backslash in its name`, { entry: rawPath });
  const parts = rawPath.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) refuse(`entry ${JSON.stringify(rawPath)} climbs out of its folder with ".."`, { entry: rawPath });
  if (parts.length === 0) refuse(`an entry has an empty name`);
  return [parts[0]!, parts.slice(1).join('/')];
}

/** Checks one entry's type and path; returns its path relative to the bundle folder ('' for the folder itself). */
export function checkEntry(e: ArchiveEntryInfo, top: string | null): { top: string; rel: string } {
  const [first, rel] = entryParts(e.path);
  if (!ALLOWED_TYPES.has(e.type)) {
    const kind = e.type === 'SymbolicLink' ? 'a symbolic link' : e.type === 'Link' ? 'a hard link' : `a ${e.type} entry`;
    const target = e.linkpath ? ` to ${JSON.stringify(e.linkpath)}` : '';
    refuse(`entry ${JSON.stringify(e.path)} is ${kind}${target}; bundles hold only files and folders`, { entry: e.path, type: e.type });
  }
  if (top !== null && first !== top) refuse(`entries lie in more than one folder ("${top}" and "${first}"); a bundle archive holds one`, { entry: e.path });
  if (rel === '' && e.type !== 'Directory') refuse(`"${first}" is a file; a bundle archive holds one folder`, { entry: e.path });
  if (!Number.isFinite(e.size) || e.size < 0) refuse(`entry ${JSON.stringify(e.path)} has an invalid size`);
  return { top: first, rel };
}

/** Bytes in a human unit for messages. */
export function formatSize(n: number): string {
  const { value, unit, scaled } = scaleBytes(n);
  return scaled ? `${value.toFixed(1)} ${unit}` : `${n} bytes`;
}

/** Refuses an archive whose contents would not fit on the library's disk (with a margin). */
export function checkSpace(totalBytes: number, entries: number, freeBytes: number): void {
  if (entries > MAX_ENTRIES) refuse(`it has more than ${MAX_ENTRIES} entries`);
  if (totalBytes + SPACE_MARGIN_BYTES > freeBytes) {
    throw new EngineError('io', `the archive unpacks to ${formatSize(totalBytes)} but the library's disk has only ${formatSize(freeBytes)} free`, { totalBytes, freeBytes });
  }
}

/** `.tar` is written plain; everything else (`.tar.gz`, `.tgz`, …) gzip-compressed. */
export function wantsGzip(path: string): boolean {
  return !path.toLowerCase().endsWith('.tar');
}
