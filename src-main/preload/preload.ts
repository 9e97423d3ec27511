// Sandboxed preload, built as a single CommonJS file (out/preload/preload.cjs): only `electron` may be imported.
import { contextBridge, ipcRenderer } from 'electron';
import { createHangarApi, versionFromArgv } from './api.js';

contextBridge.exposeInMainWorld('hangar', createHangarApi(ipcRenderer, versionFromArgv(process.argv)));
