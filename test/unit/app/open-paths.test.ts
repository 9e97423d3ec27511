import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { classifyPath, fileArgs, toAbsolute } from '../../../src-main/app/open-paths.js';
import { isOpenRequest } from '../../../src-shared/contract/app-contract.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-open-'));
  writeFileSync(join(dir, 'debian.iso'), 'iso');
  writeFileSync(join(dir, 'DISK.IMG'), 'img');
  writeFileSync(join(dir, 'notes.txt'), 'text');
  writeFileSync(join(dir, 'single.hangar'), '');
  mkdirSync(join(dir, 'win11-1a2b3c4d.hangar'));
  mkdirSync(join(dir, 'renamed folder'));
  writeFileSync(join(dir, 'renamed folder', 'vm.json'), '{}');
  mkdirSync(join(dir, 'photos'));
  mkdirSync(join(dir, 'fake.iso'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('file arguments', () => {
  it('keeps paths, drops switches, the --library value and the executable (and the app path under `electron APP`)', () => {
    expect(fileArgs(['/opt/Hangar/hangar', '--library', '/lib', '--no-sandbox', '-psn_0_123', 'a.iso', '--', '/b/c.hangar'], 1)).toEqual(['a.iso', '/b/c.hangar']);
    expect(fileArgs(['electron', 'out/main/main.js', '--library=/lib', 'x.iso'], 2)).toEqual(['x.iso']);
    expect(fileArgs(['hangar'], 1)).toEqual([]);
  });

  it('makes paths absolute: relative ones against the launch folder, file:// URLs from desktop launchers', () => {
    expect(toAbsolute('isos/a.iso', '/home/ada')).toBe('/home/ada/isos/a.iso');
    expect(toAbsolute('/x/b.iso', '/home/ada')).toBe('/x/b.iso');
    expect(toAbsolute(pathToFileURL('/x/my disk.iso').href, '/home/ada')).toBe('/x/my disk.iso');
  });
});

describe('classifyPath', () => {
  it('an .iso or .img file opens the wizard', async () => {
    expect(await classifyPath(join(dir, 'debian.iso'))).toEqual({ kind: 'iso', path: join(dir, 'debian.iso') });
    expect(await classifyPath(join(dir, 'DISK.IMG'))).toEqual({ kind: 'iso', path: join(dir, 'DISK.IMG') });
  });

  it('a .hangar folder or file, or any folder holding vm.json, is added to the library', async () => {
    for (const name of ['win11-1a2b3c4d.hangar', 'single.hangar', 'renamed folder']) {
      expect(await classifyPath(join(dir, name))).toEqual({ kind: 'bundle', path: join(dir, name) });
    }
  });

  it('anything else is an error naming it, in a shape the boundary accepts', async () => {
    const cases: Array<[string, RegExp]> = [
      ['notes.txt', /^Hangar cannot open "notes.txt": only ISO images \(\.iso, \.img\) and Hangar machines \(\.hangar\) can be opened\.$/],
      ['photos', /^Hangar cannot open the folder "photos": it is not a Hangar machine \(no vm\.json in it\)\.$/],
      ['fake.iso', /folder "fake\.iso"/],
      ['missing.iso', /missing\.iso": it does not exist or cannot be read\.$/],
    ];
    for (const [name, message] of cases) {
      const r = await classifyPath(join(dir, name));
      expect(r).toEqual({ kind: 'error', message: expect.stringMatching(message) });
      expect(isOpenRequest(r)).toBe(true);
    }
    const long = await classifyPath(`/${'x'.repeat(5000)}.iso`);
    expect(long.kind).toBe('error');
    expect(isOpenRequest(long)).toBe(true);
  });
});
