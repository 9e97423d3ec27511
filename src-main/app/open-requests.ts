// Delivery of opened files to the library window. A file given at launch (or macOS open-file, which may
// come before `ready`) waits until the window exists and its page has loaded; then each request is sent
// on `open:request` in order and the window is brought to the front.
import type { BrowserWindow } from 'electron';
import type { OpenRequest } from '../../src-shared/contract/app-contract.js';
import { classifyPath, toAbsolute } from './open-paths.js';
import { sendToRenderer } from './renderer-sends.js';
import { focusWindow } from './single-instance.js';

export class OpenRequestQueue {
  private pending: OpenRequest[] = [];
  private classifying: Promise<void> = Promise.resolve();
  private win: BrowserWindow | null = null;
  private loaded = false;

  /** `onNoWindow`: requests are waiting and no window exists (macOS keeps running without one): open it. */
  constructor(private readonly onNoWindow: () => void = () => undefined) {}

  /** Paths from a command line or open-file, relative ones against `cwd`. Resolves once they are queued. */
  open(args: readonly string[], cwd: string): Promise<void> {
    if (args.length === 0) return this.classifying;
    // Chained, so requests keep the order they were given in.
    this.classifying = this.classifying.then(async () => {
      for (const arg of args) this.pending.push(await classifyPath(toAbsolute(arg, cwd)));
      this.flush();
    });
    return this.classifying;
  }

  /** The library window: requests go to its page once loaded (and not while it reloads). */
  attach(win: BrowserWindow): void {
    this.win = win;
    this.loaded = false;
    win.webContents.on('did-start-navigation', (details) => {
      if (this.win === win && details.isMainFrame && !details.isSameDocument) this.loaded = false;
    });
    win.webContents.on('did-finish-load', () => {
      if (this.win !== win) return;
      this.loaded = true;
      this.flush();
    });
    win.on('closed', () => {
      if (this.win === win) this.win = null;
    });
  }

  /** Requests not delivered yet (tests, diagnostics). */
  get waiting(): number {
    return this.pending.length;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const win = this.win;
    if (!win || win.isDestroyed()) {
      this.onNoWindow();
      return;
    }
    if (!this.loaded) return;
    // Each request is checked on its way out (sendToRenderer): a malformed one is dropped.
    for (const request of this.pending.splice(0)) sendToRenderer(win.webContents, 'open:request', request);
    focusWindow(win);
  }
}
