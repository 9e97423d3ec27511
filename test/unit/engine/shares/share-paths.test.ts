import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkShareFolder, preflightShares, resolveShares } from '../../../../src-main/engine/shares/share-paths.js';

const root = mkdtempSync(join(tmpdir(), 'hangar-share-paths-'));
const libraryDir = join(root, 'library');
const bundleDir = join(libraryDir, 'vm-1.hangar');
const outsideBundle = join(root, 'elsewhere', 'far-2.hangar');
for (const d of [bundleDir, outsideBundle, join(root, 'home', 'Projects'), join(root, 'home', '.ssh')]) mkdirSync(d, { recursive: true });
writeFileSync(join(root, 'home', 'file.txt'), 'x');
symlinkSync('/etc', join(root, 'home', 'etc-link'));
symlinkSync(join(root, 'home', 'Projects'), join(root, 'home', 'projects-link'));
const ctx = { libraryDir, bundleDir };
afterAll(() => rmSync(root, { recursive: true, force: true }));

const refusal = (p: Promise<unknown>): Promise<string> => p.then(() => 'accepted', (e: Error) => e.message);

describe('checkShareFolder: the folder rules of a share', () => {
  it('accepts an ordinary folder and returns its real path (a symlink resolved)', async () => {
    expect(await checkShareFolder('p', join(root, 'home', 'Projects'), ctx)).toBe(join(root, 'home', 'Projects'));
    expect(await checkShareFolder('p', join(root, 'home', 'projects-link'), ctx)).toBe(join(root, 'home', 'Projects'));
  });

  it('refuses /, system folders (through a symlink too), hidden folders, files, missing folders and relative paths', async () => {
    expect(await refusal(checkShareFolder('all', '/', ctx))).toMatch(/^shared folder "all": the whole file system \(\/\) cannot be shared/);
    expect(await refusal(checkShareFolder('etc', '/etc', ctx))).toMatch(/\/etc is a system folder \(under \/etc\)/);
    expect(await refusal(checkShareFolder('usr', '/usr/share', ctx))).toMatch(/system folder \(under \/usr\)/);
    expect(await refusal(checkShareFolder('l', join(root, 'home', 'etc-link'), ctx))).toMatch(/etc-link \(which leads to \/etc\) is a system folder/);
    expect(await refusal(checkShareFolder('k', join(root, 'home', '.ssh'), ctx))).toMatch(/is in a hidden folder \(\.ssh\)/);
    expect(await refusal(checkShareFolder('f', join(root, 'home', 'file.txt'), ctx))).toMatch(/is not a folder/);
    expect(await refusal(checkShareFolder('m', join(root, 'home', 'gone'), ctx))).toMatch(/the folder .*gone does not exist/);
    expect(await refusal(checkShareFolder('r', 'home/Projects', ctx))).toMatch(/give an absolute path/);
  });

  it('refuses the library, a folder holding it, and the machine\'s own folder (a guest would rewrite vm.json)', async () => {
    expect(await refusal(checkShareFolder('a', libraryDir, ctx))).toMatch(/is inside the Hangar library/);
    expect(await refusal(checkShareFolder('b', root, ctx))).toMatch(/holds the Hangar library/);
    expect(await refusal(checkShareFolder('c', outsideBundle, { libraryDir, bundleDir: outsideBundle }))).toMatch(/is inside the machine's own folder/);
  });
});

describe('resolveShares and preflightShares', () => {
  it('checks only new paths at an update; the start checks all again and refuses a folder turned into a link', async () => {
    const current = [{ name: 'old', path: '/was/checked/before', readOnly: false }];
    const next = await resolveShares([...current, { name: 'new', path: join(root, 'home', 'projects-link'), readOnly: true }], current, ctx);
    expect(next).toEqual([...current, { name: 'new', path: join(root, 'home', 'Projects'), readOnly: true }]);
    await expect(preflightShares('vm', next.slice(1), ctx)).resolves.toBeUndefined();
    const swapped = [{ name: 'x', path: join(root, 'home', 'projects-link'), readOnly: false }];
    expect(await refusal(preflightShares('vm', swapped, ctx))).toMatch(/^"vm" cannot start: shared folder "x": .*projects-link is now a link to .*Projects/);
    expect(await refusal(preflightShares('vm', current, ctx))).toMatch(/^"vm" cannot start: shared folder "old": the folder \/was\/checked\/before does not exist$/);
  });
});
