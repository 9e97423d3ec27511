// Native file dialogs as app-contract calls (dialog:openFile, dialog:chooseFolder).
import { BrowserWindow, dialog } from 'electron';
import type { IpcMainInvokeEvent, OpenDialogOptions } from 'electron';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { handleTrusted } from './ipc-guard.js';

/** Suggested filters for the renderer (the renderer passes them in dialog:openFile). */
export const ISO_FILTERS = [{ name: 'Disk images (ISO)', extensions: ['iso', 'img'] }];
export const DISK_FILTERS = [{ name: 'Virtual disks', extensions: ['qcow2', 'raw', 'img', 'vmdk', 'vdi', 'vhd', 'vhdx'] }];

const title = z.string().trim().min(1).max(200);
const defaultPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes('\0') && isAbsolute(p), 'must be an absolute path')
  .optional();

export const openFileArgs = z.strictObject({
  title,
  filters: z
    .array(
      z.strictObject({
        name: z.string().trim().min(1).max(100),
        // Bare extensions ("iso") or "*"; no dots, separators or globs.
        extensions: z.array(z.string().regex(/^(\*|[A-Za-z0-9_-]{1,16})$/)).min(1).max(20),
      }),
    )
    .max(10),
  defaultPath,
});

export const chooseFolderArgs = z.strictObject({ title, defaultPath });

function parentWindow(event: IpcMainInvokeEvent): BrowserWindow | null {
  return BrowserWindow.fromWebContents(event.sender);
}

async function show(event: IpcMainInvokeEvent, options: OpenDialogOptions): Promise<string | null> {
  const win = parentWindow(event);
  const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
  if (result.canceled) return null;
  return result.filePaths[0] ?? null;
}

export function setupDialogs(): void {
  handleTrusted('dialog:openFile', openFileArgs, (args, event) =>
    show(event, {
      title: args.title,
      filters: args.filters,
      ...(args.defaultPath ? { defaultPath: args.defaultPath } : {}),
      properties: ['openFile', 'dontAddToRecent'],
    }),
  );
  handleTrusted('dialog:chooseFolder', chooseFolderArgs, (args, event) =>
    show(event, {
      title: args.title,
      ...(args.defaultPath ? { defaultPath: args.defaultPath } : {}),
      properties: ['openDirectory', 'createDirectory', 'dontAddToRecent'],
    }),
  );
}
