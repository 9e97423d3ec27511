// Shell calls that are not dialogs: app:info, prefs:get, prefs:set (app-contract.ts).
import { app } from 'electron';
import { z } from 'zod';
import type { AppInfo, AppPrefs } from '../../src-shared/contract/app-contract.js';
import { handleTrusted } from './ipc-guard.js';
import type { PrefsStore } from './prefs.js';
import { appPrefsPatchSchema } from './prefs-schema.js';

/** Channels without arguments accept nothing but `undefined`. */
export const noArgs = z.undefined();

export function appInfo(): AppInfo {
  return { version: app.getVersion(), platform: process.platform, host: 'electron' };
}

export function setupAppIpc(prefs: PrefsStore): void {
  handleTrusted('app:info', noArgs, () => appInfo());
  handleTrusted('prefs:get', noArgs, (): AppPrefs => prefs.get());
  handleTrusted('prefs:set', appPrefsPatchSchema, (patch) => prefs.set(patch));
}
