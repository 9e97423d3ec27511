import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkBrowserPath, type PathCheckContext } from '../../../../src-main/engine/browser-paths.js';

// The browser host refuses hidden folders, and the Installation media folder lives in one (~/.local/share/hangar):
// a finished download there may be read as a CD, nothing else.
let home: string;
let media: string;
let ctx: PathCheckContext;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'hangar-mp-'));
  media = join(home, '.local', 'share', 'hangar', 'installation-media');
  await mkdir(media, { recursive: true });
  await writeFile(join(media, 'debian.iso'), 'iso');
  await writeFile(join(media, 'next.iso.part'), 'part');
  await writeFile(join(home, '.local', 'share', 'hangar', 'secret.iso'), 'x');
  ctx = { roots: [{ path: home, label: 'Home' }] as PathCheckContext['roots'], libraryDir: join(home, 'library'), mediaDir: media };
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('the Installation media folder through the browser host', () => {
  it('a finished download is a medium and may be inspected', async () => {
    await expect(checkBrowserPath(join(media, 'debian.iso'), 'medium', ctx)).resolves.toBe(join(media, 'debian.iso'));
    await expect(checkBrowserPath(join(media, 'debian.iso'), 'read', ctx)).resolves.toBe(join(media, 'debian.iso'));
  });
  it('but never a writable disk, a target or a share, nor a partial file, nor a neighbour in the hidden folder', async () => {
    await expect(checkBrowserPath(join(media, 'debian.iso'), 'disk', ctx)).rejects.toThrow(/hidden file or folder \(\.local\)/);
    await expect(checkBrowserPath(join(media, 'debian.iso'), 'target', ctx)).rejects.toThrow(/hidden/);
    await expect(checkBrowserPath(join(media, 'next.iso.part'), 'medium', ctx)).rejects.toThrow(/hidden/);
    await expect(checkBrowserPath(join(home, '.local', 'share', 'hangar', 'secret.iso'), 'medium', ctx)).rejects.toThrow(/hidden/);
    await expect(checkBrowserPath(join(media, '..', 'secret.iso'), 'medium', ctx)).rejects.toThrow(/hidden/);
  });
  it('a link placed in the folder leading to ~/.ssh is judged where it leads', async () => {
    await mkdir(join(home, '.ssh'));
    await writeFile(join(home, '.ssh', 'id_ed25519'), 'key');
    await symlink(join(home, '.ssh', 'id_ed25519'), join(media, 'key.iso'));
    await expect(checkBrowserPath(join(media, 'key.iso'), 'medium', ctx)).rejects.toThrow(/hidden file or folder \(\.ssh\)/);
  });
  it('without a media folder in the context, the rule is as before', async () => {
    const { mediaDir: _, ...plain } = ctx;
    await expect(checkBrowserPath(join(media, 'debian.iso'), 'medium', plain)).rejects.toThrow(/hidden/);
  });
});
