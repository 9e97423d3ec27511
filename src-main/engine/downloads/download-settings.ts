import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { homedir } from 'node:os';
import { z } from 'zod';
import { defaultLibraryDir } from '../storage/library-paths.js';
import type { HttpOptions } from './http-get.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The preferences file (`download-settings.json` beside the Installation media folder): written by the app's Settings. */
export const downloadPrefsSchema = z.strictObject({
  offline: z.boolean().optional(),
  /** `http://host:port`; empty: HTTPS_PROXY from the environment. */
  proxy: z.string().max(500).optional(),
  noProxy: z.array(z.string().max(255)).max(100).optional(),
  /** An origin (`https://mirror.example` or a test's `http://127.0.0.1:port`) that replaces every catalog URL's origin. */
  mirror: z.string().max(500).optional(),
});
export type DownloadPrefs = z.infer<typeof downloadPrefsSchema>;

export interface DownloadSettings {
  offline: boolean;
  proxy: string | null;
  noProxy: string[];
  mirror: string | null;
}

/** Hangar's data folder (the library's default parent), where the Installation media folder lives. */
export function hangarDataDir(env: Env): string {
  return dirname(defaultLibraryDir({ env, platform: process.platform, homedir: env['HOME'] || homedir() }));
}

/** The managed Installation media folder: `HANGAR_MEDIA_DIR`, else `<data dir>/installation-media`. */
export function mediaDirFor(env: Env): string {
  return env['HANGAR_MEDIA_DIR'] || join(hangarDataDir(env), 'installation-media');
}

export function prefsPathFor(mediaDir: string): string {
  return join(dirname(mediaDir), 'download-settings.json');
}

function origin(value: string, what: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new Error(`${what} is not a URL: ${value}`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`${what} must be an http(s) URL: ${value}`);
  if (u.username || u.password || u.search || u.hash || (u.pathname !== '/' && u.pathname !== '')) throw new Error(`${what} must be an origin only (scheme, host, port): ${value}`);
  return u.origin;
}

/** The environment beats the preferences file, as for every other Hangar setting given by the environment. */
export async function loadDownloadSettings(env: Env, mediaDir: string): Promise<DownloadSettings> {
  let prefs: DownloadPrefs = {};
  try {
    prefs = downloadPrefsSchema.parse(JSON.parse(await readFile(prefsPathFor(mediaDir), 'utf8')));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${prefsPathFor(mediaDir)} is not valid download settings: ${(err as Error).message}`);
  }
  const offlineEnv = env['HANGAR_OFFLINE'];
  const proxy = env['HTTPS_PROXY'] || env['https_proxy'] || prefs.proxy || null;
  const noProxy = (env['NO_PROXY'] ?? env['no_proxy'])?.split(',') ?? prefs.noProxy ?? [];
  const mirror = env['HANGAR_DOWNLOAD_MIRROR'] || prefs.mirror || null;
  return {
    offline: offlineEnv !== undefined && offlineEnv !== '' ? offlineEnv !== '0' : prefs.offline === true,
    proxy: proxy ? origin(proxy, 'the proxy') : null,
    noProxy: noProxy.map((s) => s.trim()).filter(Boolean),
    mirror: mirror ? origin(mirror, 'the download mirror') : null,
  };
}

/** A catalog URL with its origin replaced by the mirror's (never its path). */
export function throughMirror(url: string, mirror: string | null): string {
  if (!mirror) return url;
  const u = new URL(url);
  return `${mirror}${u.pathname}`;
}

export function httpOptionsFor(s: DownloadSettings, allowHttp: boolean): HttpOptions {
  return { proxy: s.proxy, noProxy: s.noProxy, allowHttp };
}
