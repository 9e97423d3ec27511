import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineClient, VmEvent } from '../../src-shared/contract/index.js';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { openEngine, serialWait, useEngineEnv, stateWait, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';

/** Resolves on the VM's next `vm.install` event with this phase (registered before `trigger`). */
function installWait(client: EngineClient, vmId: string, phase: 'installed', timeoutMs = 180_000): Promise<VmEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no vm.install ${phase} for ${vmId} within ${timeoutMs} ms`)), timeoutMs);
    const off = client.onEvent((e) => {
      if (e.type === 'vm.install' && e.vmId === vmId && e.phase === phase) {
        clearTimeout(timer);
        off();
        resolve(e);
      }
    });
  });
}

/** Serial output until `text` shows, following the console across restarts (the subscription is per client). */
function serialUntil(client: EngineClient, vmId: string, text: string, timeoutMs = 180_000): Promise<string> {
  let seen = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`"${text}" not seen within ${timeoutMs} ms; got: ${seen.slice(-800)}`)), timeoutMs);
    const off = client.onEvent((e) => {
      if (e.type === 'vm.serial' && e.vmId === vmId) {
        seen += e.data;
        if (seen.includes(text)) {
          clearTimeout(timer);
          off();
          resolve(seen);
        }
      }
    });
  });
}

const installJson = (bundleDir: string) => JSON.parse(readFileSync(join(bundleDir, 'install.json'), 'utf8')) as { phase: string; how?: string };

describe('install flow (installer.iso, real QEMU)', () => {
  let t: TestEnv;
  let e: OpenedEngine;
  useEngineEnv((env, engine) => ((t = env), (e = engine)), { orphanMessage: 'no QEMU may outlive the suite', current: () => e });

  for (const firmware of ['bios', 'uefi'] as const) {
    it(`${firmware}: the installer powers off → Hangar ejects the ISO, boots the disk first, and the installed system boots`, async () => {
      const c = e.client;
      const { id, bundleDir, doc } = await c.call('vm.create', { name: `install ${firmware}`, iso: fixturePaths.installerIso, diskSizeGiB: 1, memoryMiB: 256, cpus: 1, firmware });
      expect(doc.bootOrder).toEqual(['cd0', 'disk0']);
      expect(installJson(bundleDir).phase).toBe('installing');
      expect((await c.call('library.list', {})).find((v) => v.id === id)?.install).toBe('installing');

      const installed = installWait(c, id, 'installed');
      const stopped = stateWait(c, id, 'stopped', 180_000);
      await serialWait(c, id, markers.installDone, () => c.call('vm.start', { vm: id }), 180_000);
      const ev = await installed;
      await stopped;
      expect(ev.type === 'vm.install' && ev.message).toMatch(/removed the installation medium \(installer\.iso\) and made disk0 the first boot device/);

      const after = await c.call('vm.get', { vm: id });
      expect(after.state.kind).toBe('stopped');
      expect(after.doc.cdroms[0]!.path).toBeNull();
      expect(after.doc.bootOrder).toEqual(['disk0']);
      expect(installJson(bundleDir)).toMatchObject({ phase: 'installed', how: 'the installer powered off' });
      expect((await c.call('library.list', {})).find((v) => v.id === id)?.install).toBe('installed');
      const media = e.events.filter((x) => x.type === 'vm.media' && x.vmId === id);
      expect(media.at(-1)).toMatchObject({ drive: 'cd0', path: null });

      const log = await serialWait(c, id, markers.installedBootOk, () => c.call('vm.start', { vm: id }), 180_000);
      expect(log).not.toContain(markers.installerReady);
      await c.call('vm.forceOff', { vm: id });
    });
  }

  it('bios: the installer reboots → Hangar finishes the install and starts the VM again from its disk', async () => {
    const c = e.client;
    const { id, bundleDir } = await c.call('vm.create', { name: 'install reboot', iso: fixturePaths.installerIso, diskSizeGiB: 1, memoryMiB: 256, cpus: 1 });
    const installed = installWait(c, id, 'installed');
    const bootedFromDisk = serialUntil(c, id, markers.installedBootOk);
    await serialWait(c, id, markers.installerReady, () => c.call('vm.start', { vm: id }), 180_000);
    await c.call('vm.console.write', { vm: id, data: 'reboot\n' });
    const ev = await installed;
    expect(ev.type === 'vm.install' && ev.message).toMatch(/Starting it again from its disk/);
    await bootedFromDisk;
    const info = await c.call('vm.get', { vm: id });
    expect(info.state.kind).toBe('running');
    expect(info.doc.bootOrder).toEqual(['disk0']);
    expect(installJson(bundleDir)).toMatchObject({ phase: 'installed', how: 'the installer rebooted' });
    // The reboot went through QEMU's shutdown: one SHUTDOWN (guest-reset), then a fresh start.
    expect(e.events.some((x) => x.type === 'vm.guest' && x.vmId === id && x.what === 'shutdown' && x.detail === 'guest-reset')).toBe(true);
    await c.call('vm.forceOff', { vm: id });
  });

  it('the reset button while installing restarts QEMU (a cold boot, never mistaken for the installer rebooting)', async () => {
    const c = e.client;
    const { id, bundleDir } = await c.call('vm.create', { name: 'install reset', iso: fixturePaths.installerIso, diskSizeGiB: 1, memoryMiB: 256, cpus: 1 });
    await serialWait(c, id, markers.installerReady, () => c.call('vm.start', { vm: id }), 180_000);
    const pid = e.engine.sessions.get(id)!.pid;
    const again = serialUntil(c, id, markers.installerReady);
    expect((await c.call('vm.reset', { vm: id })).state.kind).toBe('running');
    await again;
    expect(e.engine.sessions.get(id)?.pid, 'a new QEMU').not.toBe(pid);
    const guest = e.events.filter((x) => x.type === 'vm.guest' && x.vmId === id).map((x) => x.type === 'vm.guest' && `${x.what}:${x.detail}`);
    expect(guest).toEqual(['shutdown:host-qmp-quit']);
    expect(installJson(bundleDir).phase).toBe('installing');
    await c.call('vm.forceOff', { vm: id });
    // A forced power-off never finishes an install.
    expect(installJson(bundleDir).phase).toBe('installing');
    await c.call('vm.delete', { vm: id, files: true });
  });

  it('an engine that reattaches to a running installer finishes the install when it powers off', async () => {
    const { id, bundleDir } = await e.client.call('vm.create', { name: 'install reattach', iso: fixturePaths.installerIso, diskSizeGiB: 1, memoryMiB: 256, cpus: 1 });
    await serialWait(e.client, id, markers.installerReady, () => e.client.call('vm.start', { vm: id }), 180_000);
    await e.close(); // detaches: QEMU keeps running
    e = await openEngine(t);
    expect(e.engine.sessions.has(id), 'reattached').toBe(true);
    const installed = installWait(e.client, id, 'installed');
    await stateWait(e.client, id, 'stopped', 180_000);
    await installed;
    expect(installJson(bundleDir)).toMatchObject({ phase: 'installed', how: 'the installer powered off' });
    expect((await e.client.call('vm.get', { vm: id })).doc.bootOrder).toEqual(['disk0']);
    await e.client.call('vm.delete', { vm: id, files: true });
  });

  it('"Remove installation medium" by hand while stopped; a plain power-off without disk writes leaves the install on', async () => {
    const c = e.client;
    const { id, bundleDir } = await c.call('vm.create', { name: 'install by hand', iso: fixturePaths.installerIso, diskSizeGiB: 1, memoryMiB: 256, cpus: 1 });
    // A VM with only an ISO (no new disk) is no install.
    const live = await c.call('vm.create', { name: 'live cd', iso: fixturePaths.linuxIso, memoryMiB: 256 });
    expect(existsSync(join(live.bundleDir, 'install.json'))).toBe(false);
    expect((await c.call('library.list', {})).find((v) => v.id === live.id)?.install).toBeUndefined();

    const r = await c.call('install.finish', { vm: id });
    expect(r.phase).toBe('installed');
    expect(r.doc.cdroms[0]!.path).toBeNull();
    expect(r.doc.bootOrder).toEqual(['disk0']);
    expect(installJson(bundleDir)).toMatchObject({ phase: 'installed', how: 'by hand' });
    await c.call('vm.delete', { vm: id, files: true });
    await c.call('vm.delete', { vm: live.id, files: true });
  });
});
