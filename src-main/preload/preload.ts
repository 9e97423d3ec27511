// Sandboxed preload, built as a single CommonJS file (out/preload/preload.cjs): only `electron` may be imported.
import { contextBridge, ipcRenderer } from 'electron';
import { createHangarApi, forwardPorts, versionFromArgv, type PostTarget, type PreloadIpc } from './api.js';

const ipc = ipcRenderer as unknown as PreloadIpc;
contextBridge.exposeInMainWorld('hangar', createHangarApi(ipc, versionFromArgv(process.argv)));
// In a sandboxed preload, globalThis is the isolated world's window; postMessage reaches the page's listeners.
forwardPorts(ipc, globalThis as unknown as PostTarget);
