import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseInstallState, readInstallState, writeInstallState, type InstallState } from '../../../../src-main/engine/install/install-state.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-install-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const state: InstallState = { version: 1, phase: 'installing', disk: 'disk0', cdrom: 'cd0', iso: '/i.iso', baselineBytes: 196624, startedAt: '2025-01-01T00:00:00.000Z' };

describe('install.json', () => {
  it('round-trips through the bundle folder; no file means no install', async () => {
    expect(await readInstallState(dir)).toBeNull();
    await writeInstallState(dir, state);
    expect(await readInstallState(dir)).toEqual(state);
    const done = { ...state, phase: 'installed' as const, finishedAt: '2025-01-01T00:01:00.000Z', how: 'by hand' };
    await writeInstallState(dir, done);
    expect(await readInstallState(dir)).toEqual(done);
  });

  it('anything unreadable counts as no install', async () => {
    expect(parseInstallState('{')).toBeNull();
    expect(parseInstallState('null')).toBeNull();
    expect(parseInstallState(JSON.stringify({ ...state, phase: 'done' }))).toBeNull();
    expect(parseInstallState(JSON.stringify({ ...state, disk: 'Disk 0' }))).toBeNull();
    expect(parseInstallState(JSON.stringify({ ...state, baselineBytes: -1 }))).toBeNull();
    writeFileSync(join(dir, 'install.json'), 'garbage');
    expect(await readInstallState(dir)).toBeNull();
  });

  it('caches the parsed file by mtime and size; outside edits and deletion are seen', async () => {
    await writeInstallState(dir, state);
    const a = await readInstallState(dir);
    a!.phase = 'installed';
    expect(await readInstallState(dir)).toEqual(state);
    const file = join(dir, 'install.json');
    writeFileSync(file, JSON.stringify({ ...state, disk: 'disk1' }));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect((await readInstallState(dir))?.disk).toBe('disk1');
    rmSync(file);
    expect(await readInstallState(dir)).toBeNull();
  });
});
