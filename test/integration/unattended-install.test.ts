import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineClient, VmEvent } from '../../src-shared/contract/index.js';
import { sha512Crypt } from '../../src-main/engine/crypt/sha512-crypt.js';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { serialWait, useEngineEnv, stateWait, type OpenedEngine } from '../helpers/engine-harness.js';

/** Resolves on the VM's next `vm.install` event with this phase (registered before the start). */
function installWait(client: EngineClient, vmId: string, timeoutMs = 240_000): Promise<VmEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no vm.install installed for ${vmId} within ${timeoutMs} ms`)), timeoutMs);
    const off = client.onEvent((e) => {
      if (e.type === 'vm.install' && e.vmId === vmId && e.phase === 'installed') {
        clearTimeout(timer);
        off();
        resolve(e);
      }
    });
  });
}

const installJson = (bundleDir: string) => JSON.parse(readFileSync(join(bundleDir, 'install.json'), 'utf8')) as { phase: string; unattended?: { method: string; directBoot: boolean; seedCdroms: string[] } };
/** A password a shell, preseed or kickstart would each misread if it were pasted in raw. */
const PASSWORD = `p'a"s$s\\w#rd d-i`;

describe('unattended install (installer.iso reads its answers, real QEMU)', () => {
  let e: OpenedEngine;
  useEngineEnv((_env, engine) => (e = engine), { orphanMessage: 'no QEMU may outlive the suite', current: () => e });

  for (const method of ['preseed', 'kickstart'] as const) {
    it(`${method}: the installer reads its answers from its ${method === 'preseed' ? 'initrd' : 'OEMDRV volume'}, installs, powers off; Hangar ejects everything and the disk boots`, async () => {
      const c = e.client;
      const { id, bundleDir, doc } = await c.call('vm.create', {
        name: `unattended ${method}`,
        iso: fixturePaths.installerIso,
        diskSizeGiB: 1,
        memoryMiB: 256,
        cpus: 1,
        firmware: 'bios',
        unattended: { method, user: 'ada', fullName: 'Ada Lovelace', password: PASSWORD, hostname: 'analytical', language: 'en_GB', keyboard: 'gb', timezone: 'Europe/London' },
      });
      const state = installJson(bundleDir);
      expect(state.phase).toBe('installing');
      expect(state.unattended).toMatchObject({ method, directBoot: true });
      expect(existsSync(join(bundleDir, 'unattended', 'vmlinuz'))).toBe(true);
      const answerFile = readFileSync(join(bundleDir, 'unattended', method === 'preseed' ? 'preseed.cfg' : 'ks.cfg'), 'utf8');
      expect(answerFile).not.toContain(PASSWORD);
      if (method === 'kickstart') expect(doc.cdroms.map((x) => x.path)).toEqual([fixturePaths.installerIso, 'unattended/oemdrv.iso']);
      else expect(doc.cdroms).toHaveLength(1);

      const argv = (await c.call('vm.argv', { vm: id })).argv;
      expect(argv).toContain('-kernel');
      expect(argv[argv.indexOf('-append') + 1]).toContain(method === 'preseed' ? 'auto=true priority=critical' : 'inst.ks=hd:LABEL=OEMDRV:/ks.cfg');

      const installed = installWait(c, id);
      const stopped = stateWait(c, id, 'stopped', 240_000);
      const log = await serialWait(c, id, markers.installDone, () => c.call('vm.start', { vm: id }), 240_000);
      expect(log).toContain('ANSWER-USER:ada\r\n');
      expect(log).toContain('ANSWER-HOST:analytical\r\n');
      expect(log).toContain('ANSWER-LANG:en_GB.UTF-8\r\n');
      expect(log).toContain('ANSWER-TZ:Europe/London\r\n');
      if (method === 'preseed') {
        expect(log).toContain('ANSWER-KEYBOARD:gb\r\n');
        expect(log).toContain('ANSWER-FULLNAME:Ada Lovelace\r\n');
        const hash = /ANSWER-HASH:(\S+)/.exec(log)![1]!;
        const salt = hash.split('$')[2]!;
        expect(hash).toBe(sha512Crypt(PASSWORD, { salt }));
        expect(log).toContain('ANSWER-FILE:/preseed.cfg');
      } else {
        expect(log).toContain('ANSWER-FILE:/ks.cfg');
      }
      await installed;
      await stopped;

      const after = await c.call('vm.get', { vm: id });
      expect(after.doc.cdroms.every((x) => x.path === null)).toBe(true);
      expect(after.doc.bootOrder).toEqual(['disk0']);
      expect(installJson(bundleDir).phase).toBe('installed');
      const next = (await c.call('vm.argv', { vm: id })).argv;
      expect(next).not.toContain('-kernel');
      expect(next).not.toContain('-append');

      const boot = await serialWait(c, id, markers.installedBootOk, () => c.call('vm.start', { vm: id }), 240_000);
      expect(boot).not.toContain(markers.installerReady);
      await c.call('vm.forceOff', { vm: id });
    });
  }

  it('bad answers and an ISO with no installer kernel are refused before anything is created', async () => {
    const c = e.client;
    const base = { iso: fixturePaths.installerIso, diskSizeGiB: 1, memoryMiB: 256 };
    const answers = { method: 'preseed' as const, user: 'ada', password: 'x', hostname: 'h' };
    await expect(c.call('vm.create', { ...base, name: 'u1', unattended: { ...answers, user: `ada'; reboot` } })).rejects.toMatchObject({ code: 'invalid-args', message: expect.stringMatching(/user name/) });
    await expect(c.call('vm.create', { ...base, name: 'u2', unattended: { ...answers, hostname: 'h'.repeat(64) } })).rejects.toMatchObject({ code: 'invalid-args', message: expect.stringMatching(/host name/) });
    await expect(c.call('vm.create', { ...base, name: 'u3', unattended: { ...answers, method: 'autounattend', hostname: 'sixteen-chars-xy' } })).rejects.toMatchObject({ code: 'invalid-args', message: expect.stringMatching(/at most 15/) });
    await expect(c.call('vm.create', { ...base, name: 'u4', unattended: { ...answers, method: undefined } })).rejects.toMatchObject({ code: 'invalid-args', message: expect.stringMatching(/cannot tell which installer/) });
    await expect(c.call('vm.create', { name: 'u5', iso: fixturePaths.aarch64Iso, diskSizeGiB: 1, unattended: answers })).rejects.toMatchObject({ code: 'invalid-args', message: expect.stringMatching(/no installer kernel and initrd/) });
    await expect(c.call('vm.create', { name: 'u6', iso: fixturePaths.installerIso, unattended: answers })).rejects.toMatchObject({ code: 'invalid-args', message: expect.stringMatching(/new disk/) });
    expect((await c.call('library.list', {})).map((v) => v.name).filter((n) => /^u\d$/.test(n))).toEqual([]);
  });
});
