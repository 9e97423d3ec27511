import type { FileFilter } from '../../src-shared/contract/index.js';

export interface FileDialogRequest {
  mode: 'file' | 'folder';
  title: string;
  /** For 'file': which files to offer (an extension list; '*' means any). */
  filters: FileFilter[];
  defaultPath?: string;
  /** Settles the dialog: a path, or null when cancelled. Later calls are ignored. */
  resolve(path: string | null): void;
}

/**
 * The in-app stand-in for native file dialogs (browser host only). `dialog:openFile` and
 * `dialog:chooseFolder` become requests here; the UI's `FileBrowserDialog` shows them one at a time,
 * backed by the engine's `fs.roots`/`fs.list`. With no dialog mounted, requests resolve to null.
 */
export class FileDialogHost {
  private readonly queue: FileDialogRequest[] = [];
  private readonly listeners = new Set<(current: FileDialogRequest | null) => void>();
  private shows = 0;

  request(req: Omit<FileDialogRequest, 'resolve'>): Promise<string | null> {
    if (this.shows === 0) return Promise.resolve(null);
    return new Promise((resolvePromise) => {
      let done = false;
      const entry: FileDialogRequest = {
        ...req,
        resolve: (path) => {
          if (done) return;
          done = true;
          const i = this.queue.indexOf(entry);
          if (i >= 0) this.queue.splice(i, 1);
          resolvePromise(path);
          this.notify();
        },
      };
      this.queue.push(entry);
      if (this.queue.length === 1) this.notify();
    });
  }

  /** The request to show now (oldest first), or null. */
  current(): FileDialogRequest | null {
    return this.queue[0] ?? null;
  }

  /** Called by the dialog component while it is mounted. */
  subscribe(listener: (current: FileDialogRequest | null) => void): () => void {
    this.listeners.add(listener);
    this.shows++;
    return () => {
      this.listeners.delete(listener);
      this.shows--;
      if (this.shows === 0) for (const r of [...this.queue]) r.resolve(null);
    };
  }

  private notify(): void {
    const c = this.current();
    for (const l of this.listeners) l(c);
  }
}

/** Does a file name pass the dialog's filters? */
export function matchesFilters(name: string, filters: FileFilter[]): boolean {
  if (filters.length === 0) return true;
  const lower = name.toLowerCase();
  return filters.some((f) => f.extensions.some((ext) => ext === '*' || lower.endsWith(`.${ext.toLowerCase().replace(/^\./, '')}`)));
}
