import type { FileFilter, FsEntry } from '../../src-shared/contract/index.js';
import { matchesFilters } from './file-dialog.js';

/** The filters that name a kind of file (ISO images, disk images); an "All files" (`*`) entry is the switch's job. */
export function kindFilters(filters: ReadonlyArray<FileFilter>): FileFilter[] {
  return filters.filter((f) => !f.extensions.includes('*') && f.extensions.length > 0);
}

/** "ISO images (.iso)" for the dialog's line saying what it shows. */
export function filterLabel(filters: ReadonlyArray<FileFilter>): string {
  return kindFilters(filters).map((f) => `${f.name} (${f.extensions.map((e) => `.${e.replace(/^\./, '')}`).join(', ')})`).join(', ');
}

export interface EntryView {
  mode: 'file' | 'folder';
  filters: ReadonlyArray<FileFilter>;
  /** Dot-files and dot-folders too ("Show hidden files"). */
  showHidden: boolean;
  /** Files of any kind ("Show all files"). */
  showAll: boolean;
}

/** What the list shows: folders, and in file mode the files of the expected kind (or all with the switch). */
export function visibleEntries(entries: ReadonlyArray<FsEntry>, view: EntryView): FsEntry[] {
  const kinds = kindFilters(view.filters);
  return entries.filter((e) => {
    if (!view.showHidden && e.name.startsWith('.')) return false;
    if (e.kind === 'dir') return true;
    if (view.mode !== 'file' || e.kind !== 'file') return false;
    return view.showAll || kinds.length === 0 || matchesFilters(e.name, kinds);
  });
}

/** The folder part of a POSIX path ("/a/b/c.iso" → "/a/b"; "/a" → "/"). */
export function parentOf(path: string): string {
  const trimmed = path.replace(/\/+$/, '') || '/';
  if (trimmed === '/') return '/';
  return trimmed.slice(0, trimmed.lastIndexOf('/')) || '/';
}

/**
 * Where the dialog tries to open, in order: the given path itself (a folder), then each folder above it
 * (a typed file's folder first). Only absolute paths; the roots come after these.
 */
export function startCandidates(defaultPath: string | undefined): string[] {
  const p = defaultPath?.trim() ?? '';
  if (!p.startsWith('/')) return [];
  const out: string[] = [];
  let cur = p.replace(/\/+$/, '') || '/';
  for (;;) {
    out.push(cur);
    if (cur === '/') break;
    cur = parentOf(cur);
  }
  return out;
}

/** The last part of a path ("/a/b/c.iso" → "c.iso"). */
export function baseNameOf(path: string): string {
  return path.replace(/\/+$/, '').split('/').pop() ?? '';
}
