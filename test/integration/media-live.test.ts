import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineError, VmEvent } from '../../src-shared/contract/index.js';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { makeTestEnv, openEngine, qemuPidsUnder, serialWait, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';

interface BlockInfo {
  qdev?: string;
  tray_open?: boolean;
  inserted?: { file?: string; ro?: boolean };
}

describe('removable media (real QEMU): insert, swap and eject an ISO while the VM runs', () => {
  let t: TestEnv;
  let e: OpenedEngine;
  let id: string;
  let bundleDir: string;

  const cd0 = async (): Promise<BlockInfo | undefined> =>
    (await e.engine.sessions.get(id)!.qmp.execute('query-block')).find((b) => b.qdev === 'cd0');
  const mediaEvents = (): Array<Extract<VmEvent, { type: 'vm.media' }>> =>
    e.events.filter((x): x is Extract<VmEvent, { type: 'vm.media' }> => x.type === 'vm.media' && x.vmId === id);
  const savedPath = (): string | null => (JSON.parse(readFileSync(join(bundleDir, 'vm.json'), 'utf8')) as { cdroms: Array<{ path: string | null }> }).cdroms[0]!.path;

  beforeAll(async () => {
    t = makeTestEnv();
    e = await openEngine(t);
    const disk = join(t.root, 'boot.img');
    copyFileSync(fixturePaths.bootImg, disk);
    ({ id, bundleDir } = await e.client.call('vm.create', { name: 'media', existingDisk: disk, memoryMiB: 64, cpus: 1 }));
    await serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id }));
  });

  afterAll(async () => {
    await e?.close();
    const orphans = qemuPidsUnder(t.runtimeBase);
    t.cleanup();
    expect(orphans, 'no QEMU may outlive the suite').toEqual([]);
  });

  it('starts with an empty drive', async () => {
    expect((await cd0())?.inserted).toBeUndefined();
    expect(savedPath()).toBeNull();
  });

  it('insert: QEMU has the file (read-only), the tray moved open and shut, the document keeps it', async () => {
    const before = mediaEvents().length;
    const r = await e.client.call('media.insert', { vm: id, path: fixturePaths.linuxIso });
    expect(r).toEqual({ drive: 'cd0', path: fixturePaths.linuxIso, live: true, trayOpen: false });
    const info = await cd0();
    expect(info?.inserted?.file).toBe(fixturePaths.linuxIso);
    expect(info?.inserted?.ro).toBe(true);
    expect(info?.tray_open).toBe(false);
    const events = mediaEvents().slice(before);
    // DEVICE_TRAY_MOVED open (nothing in it yet) and shut (the new medium), then the command's own event.
    expect(events.map((x) => x.trayOpen)).toEqual([true, false, false]);
    expect(events[1]).toMatchObject({ drive: 'cd0', path: fixturePaths.linuxIso, trayOpen: false });
    expect(events.at(-1)).toMatchObject({ drive: 'cd0', path: fixturePaths.linuxIso, trayOpen: false });
    expect(savedPath()).toBe(fixturePaths.linuxIso);
    expect((await e.client.call('vm.get', { vm: id })).doc.cdroms[0]!.path).toBe(fixturePaths.linuxIso);
  });

  it('swap: a second ISO replaces the first (force:false works on an unlocked tray)', async () => {
    const before = mediaEvents().length;
    const r = await e.client.call('media.insert', { vm: id, drive: 'cd0', path: fixturePaths.installerIso, force: false });
    expect(r.live).toBe(true);
    expect((await cd0())?.inserted?.file).toBe(fixturePaths.installerIso);
    const events = mediaEvents().slice(before);
    expect(events[0]).toMatchObject({ trayOpen: true, path: fixturePaths.linuxIso });
    expect(events.at(-1)).toMatchObject({ trayOpen: false, path: fixturePaths.installerIso });
    expect(savedPath()).toBe(fixturePaths.installerIso);
  });

  it('eject: the drive is empty with its tray open, the document says empty; the guest kept running', async () => {
    const before = mediaEvents().length;
    const r = await e.client.call('media.eject', { vm: id });
    expect(r).toEqual({ drive: 'cd0', path: null, live: true, trayOpen: true });
    const info = await cd0();
    expect(info?.inserted).toBeUndefined();
    expect(info?.tray_open).toBe(true);
    expect(mediaEvents().slice(before).map((x) => [x.path, x.trayOpen])).toEqual([
      [fixturePaths.installerIso, true],
      [null, true],
    ]);
    expect(savedPath()).toBeNull();
    // The guest is undisturbed: keys still reach it.
    await serialWait(e.client, id, 'KEY:m', () => e.client.call('vm.typeText', { vm: id, text: 'm' }));
    // Inserting again closes the tray.
    await e.client.call('media.insert', { vm: id, path: fixturePaths.linuxIso });
    expect((await cd0())?.tray_open).toBe(false);
  });

  it('refuses clearly: missing ISO, a folder, an unknown drive, a VM without a CD drive', async () => {
    const err = (p: Promise<unknown>) => p.then(() => null, (x: unknown) => x as EngineError);
    const missing = await err(e.client.call('media.insert', { vm: id, path: join(t.root, 'missing.iso') }));
    expect(missing).toMatchObject({ code: 'not-found' });
    expect(missing!.message).toMatch(/^ISO not found: .*missing\.iso$/);
    const dir = await err(e.client.call('media.insert', { vm: id, path: t.root }));
    expect(dir).toMatchObject({ code: 'invalid-args' });
    expect(dir!.message).toMatch(/is not a file/);
    const drive = await err(e.client.call('media.eject', { vm: id, drive: 'cd7' }));
    expect(drive).toMatchObject({ code: 'not-found', message: '"media" has no CD drive "cd7" (it has cd0)' });
    const other = await e.client.call('vm.create', { name: 'no cd', memoryMiB: 64 });
    await e.client.call('vm.update', { vm: other.id, patch: { cdroms: [], bootOrder: [] } });
    const none = await err(e.client.call('media.insert', { vm: other.id, path: fixturePaths.linuxIso }));
    expect(none).toMatchObject({ code: 'invalid-state', message: '"no cd" has no CD drive; add one in its settings first' });
    await e.client.call('vm.delete', { vm: other.id, files: true });
  });

  it('while stopped: a document patch, and the next start has the medium', async () => {
    await e.client.call('vm.forceOff', { vm: id });
    const r = await e.client.call('media.insert', { vm: id, path: fixturePaths.installerIso });
    expect(r).toEqual({ drive: 'cd0', path: fixturePaths.installerIso, live: false, trayOpen: false });
    expect(savedPath()).toBe(fixturePaths.installerIso);
    await serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id }));
    expect((await cd0())?.inserted?.file).toBe(fixturePaths.installerIso);
    await e.client.call('vm.forceOff', { vm: id });
    expect((await e.client.call('media.eject', { vm: id })).live).toBe(false);
    expect(savedPath()).toBeNull();
  });

  it('recent ISOs: most recent first, no duplicates, files that are gone are left out', async () => {
    const dir = join(t.root, 'isos');
    mkdirSync(dir);
    const temp = join(dir, 'gone.iso');
    copyFileSync(fixturePaths.linuxIso, temp);
    await e.client.call('media.insert', { vm: id, path: temp });
    let { isos } = await e.client.call('media.recent', {});
    expect(isos.map((i) => i.path)).toEqual([temp, fixturePaths.installerIso, fixturePaths.linuxIso]);
    expect(isos[0]).toMatchObject({ name: 'gone.iso', sizeBytes: readFileSync(fixturePaths.linuxIso).length });
    rmSync(temp);
    ({ isos } = await e.client.call('media.recent', {}));
    expect(isos.map((i) => i.path)).toEqual([fixturePaths.installerIso, fixturePaths.linuxIso]);
    const stored = JSON.parse(readFileSync(join(t.libraryDir, 'recent-isos.json'), 'utf8')) as { isos: unknown[] };
    expect(stored.isos).toHaveLength(3);
  });
});
