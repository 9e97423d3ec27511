import type { HangarApi } from './bridge/hangar-api.js';
import type { FileDialogHost } from './bridge/file-dialog.js';
import { FileBrowserDialog } from './bridge/file-browser-dialog.js';
import { HangarRoot } from './hangar-root.js';

/** The renderer's root: the library window, plus the in-app file browser where no native dialog exists. */
export function App({ api, dialogs }: { api: HangarApi; dialogs?: FileDialogHost }) {
  return <HangarRoot api={api}>{dialogs && <FileBrowserDialog api={api} host={dialogs} />}</HangarRoot>;
}
