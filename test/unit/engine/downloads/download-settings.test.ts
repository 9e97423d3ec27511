import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDownloadSettings, mediaDirFor, prefsPathFor, throughMirror } from '../../../../src-main/engine/downloads/download-settings.js';
import { bypassesProxy } from '../../../../src-main/engine/downloads/http-get.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hangar-dlset-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});
const media = (): string => join(dir, 'installation-media');

describe('download settings', () => {
  it('the Installation media folder is in Hangar\'s data folder unless HANGAR_MEDIA_DIR', () => {
    expect(mediaDirFor({ HOME: '/home/u' })).toBe('/home/u/.local/share/hangar/installation-media');
    expect(mediaDirFor({ HOME: '/home/u', XDG_DATA_HOME: '/data' })).toBe('/data/hangar/installation-media');
    expect(mediaDirFor({ HANGAR_MEDIA_DIR: '/m' })).toBe('/m');
  });

  it('defaults: online, direct, no mirror', async () => {
    expect(await loadDownloadSettings({}, media())).toEqual({ offline: false, proxy: null, noProxy: [], mirror: null });
  });

  it('reads the preferences file; the environment wins over it', async () => {
    await writeFile(prefsPathFor(media()), JSON.stringify({ offline: true, proxy: 'http://proxy.lan:3128', noProxy: ['.lan'], mirror: 'https://mirror.example' }));
    expect(await loadDownloadSettings({}, media())).toEqual({ offline: true, proxy: 'http://proxy.lan:3128', noProxy: ['.lan'], mirror: 'https://mirror.example' });
    expect(await loadDownloadSettings({ HANGAR_OFFLINE: '0', HTTPS_PROXY: 'http://other:8080', NO_PROXY: 'localhost, .corp' }, media())).toMatchObject({ offline: false, proxy: 'http://other:8080', noProxy: ['localhost', '.corp'] });
  });

  it('refuses a preferences file with unknown keys, naming the file', async () => {
    await writeFile(prefsPathFor(media()), JSON.stringify({ mirorr: 'https://typo.example' }));
    await expect(loadDownloadSettings({}, media())).rejects.toThrow(/download-settings\.json is not valid download settings/);
  });

  it('a mirror is an origin only: a path, query or credentials in it are refused', async () => {
    for (const bad of ['https://m.example/debian', 'https://u:p@m.example', 'ftp://m.example', 'not a url', 'https://m.example/?x=1']) {
      await expect(loadDownloadSettings({ HANGAR_DOWNLOAD_MIRROR: bad }, media()), bad).rejects.toThrow(/download mirror/);
    }
  });

  it('the mirror rewrites the origin, never the path', () => {
    expect(throughMirror('https://cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS', 'http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080/images/cloud/bookworm/latest/SHA512SUMS');
    expect(throughMirror('https://a.example/x', null)).toBe('https://a.example/x');
  });

  it('NO_PROXY: exact hosts, suffixes with or without a dot or star, and *', () => {
    expect(bypassesProxy('cloud.debian.org', ['debian.org'])).toBe(true);
    expect(bypassesProxy('cloud.debian.org', ['.debian.org'])).toBe(true);
    expect(bypassesProxy('cloud.debian.org', ['*.debian.org'])).toBe(true);
    expect(bypassesProxy('notdebian.org', ['debian.org'])).toBe(false);
    expect(bypassesProxy('x.example', ['*'])).toBe(true);
    expect(bypassesProxy('x.example', [''])).toBe(false);
  });
});
