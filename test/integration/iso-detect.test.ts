// iso.inspect on real images: the built fixture (test/fixtures/cache/linux.iso) and ISOs xorriso makes
// here with chosen volume ids and boot records; then through a real engine, and vm.create with OS defaults.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePaths } from '../helpers/fixtures.js';
import { useEngineEnv, type OpenedEngine } from '../helpers/engine-harness.js';
import { inspectIso, hostOsinfoDb, readIsoFile } from '../../src-main/engine/iso/index.js';

const noOsinfo = { osinfo: async () => [] };

interface MakeIso {
  volumeId: string;
  bios?: boolean;
  uefi?: boolean;
  systemId?: string;
  publisher?: string;
  application?: string;
}

describe('ISO inspection on real images', () => {
  let dir: string;

  /** An ISO built by xorriso with the given label and El Torito entries (boot images are dummies). */
  function makeIso(name: string, o: MakeIso): string {
    const tree = join(dir, `${name}.tree`);
    mkdirSync(join(tree, 'boot'), { recursive: true });
    writeFileSync(join(tree, 'README'), `${o.volumeId}\n`);
    writeFileSync(join(tree, 'boot', 'bios.img'), Buffer.alloc(2048, 0x90));
    writeFileSync(join(tree, 'boot', 'efi.img'), Buffer.alloc(64 * 1024));
    const args = ['-as', 'mkisofs', '-quiet', '-o', join(dir, `${name}.iso`), '-V', o.volumeId, '-J', '-R'];
    if (o.systemId) args.push('-sysid', o.systemId);
    if (o.publisher) args.push('-publisher', o.publisher);
    if (o.application) args.push('-A', o.application);
    if (o.bios || o.uefi) args.push('-c', 'boot/boot.cat');
    if (o.bios) args.push('-b', 'boot/bios.img', '-no-emul-boot', '-boot-load-size', '4');
    if (o.bios && o.uefi) args.push('-eltorito-alt-boot');
    if (o.uefi) args.push('-e', 'boot/efi.img', '-no-emul-boot');
    execFileSync('xorriso', [...args, tree], { stdio: 'pipe' });
    return join(dir, `${name}.iso`);
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hangar-isodetect-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the fixture linux.iso: HANGAR_LINUX, boots with BIOS and UEFI, no OS recognised', async () => {
    const r = await inspectIso(fixturePaths.linuxIso, noOsinfo);
    expect(r).toMatchObject({ volumeId: 'HANGAR_LINUX', bootable: { bios: true, uefi: true }, detected: null, warnings: [] });
    expect(r.recommended).toMatchObject({ firmware: 'bios', diskBus: 'sata' });
  });

  it('a Debian netinst label with BIOS + EFI entries', async () => {
    const path = makeIso('debian', { volumeId: 'Debian 12.5.0 amd64 n', bios: true, uefi: true, systemId: 'LINUX' });
    const r = await inspectIso(path, noOsinfo);
    expect(r).toMatchObject({
      path,
      volumeId: 'Debian 12.5.0 amd64 n',
      systemId: 'LINUX',
      bootable: { bios: true, uefi: true },
      detected: { osId: 'debian12', name: 'Debian 12', confidence: 0.95, source: 'catalog' },
      recommended: { diskBus: 'virtio', nicModel: 'virtio-net-pci', firmware: 'bios' },
    });
  });

  it('a Windows consumer label: "Windows 10 or 11", Windows 11 settings', async () => {
    const r = await inspectIso(
      makeIso('win', { volumeId: 'CCCOMA_X64FRE_EN-US_DV9', bios: true, uefi: true, publisher: 'MICROSOFT CORPORATION', application: 'CDIMAGE 2.56' }),
      noOsinfo,
    );
    expect(r.publisherId).toBe('MICROSOFT CORPORATION');
    expect(r.applicationId).toBe('CDIMAGE 2.56');
    expect(r.detected).toMatchObject({ osId: 'win11', name: 'Windows 10 or 11', alternatives: ['win10'] });
    expect(r.recommended).toMatchObject({ firmware: 'uefi', secureBoot: true, tpm: true, diskBus: 'sata', nicModel: 'e1000e', memoryMiB: 4096, diskGiB: 64 });
  });

  it('an Arch label with a UEFI-only boot record gets UEFI', async () => {
    const r = await inspectIso(makeIso('arch', { volumeId: 'ARCH_202411', uefi: true }), noOsinfo);
    expect(r.bootable).toEqual({ bios: false, uefi: true });
    expect(r.detected?.osId).toBe('archlinux');
    expect(r.recommended.firmware).toBe('uefi');
  });

  it('a BIOS-only image', async () => {
    const info = await readIsoFile(makeIso('bios', { volumeId: 'alpine-virt 3.20.3 x86_64', bios: true }));
    expect(info.bootable).toEqual({ bios: true, uefi: false });
    expect(info.bootEntries).toHaveLength(1);
  });

  it('a data-only image: not bootable, with a warning', async () => {
    const r = await inspectIso(makeIso('data', { volumeId: 'MY_FILES' }), noOsinfo);
    expect(r.bootable).toEqual({ bios: false, uefi: false });
    expect(r.warnings).toEqual(['this image has no El Torito boot record: it can be attached as a CD, but it will not boot']);
  });

  it('a truncated download is refused with a clear message', async () => {
    const path = makeIso('cut', { volumeId: 'Debian 12.5.0 amd64 n', bios: true });
    truncateSync(path, 40 * 2048);
    await expect(inspectIso(path, noOsinfo)).rejects.toMatchObject({ code: 'invalid-args', message: expect.stringMatching(/^truncated ISO image: the volume is \d+ bytes but the file has only 81920/) });
  });

  it('the host osinfo-db (installed by setup) recognises an OS the catalog lacks', async () => {
    expect((await hostOsinfoDb()).length).toBeGreaterThan(100);
    const r = await inspectIso(makeIso('centos', { volumeId: 'CentOS-Stream-9-BaseOS-x86_64', bios: true, uefi: true }));
    expect(r.detected).toMatchObject({ osId: 'centos-stream9', source: 'osinfo', family: 'linux' });
    expect(r.recommended).toMatchObject({ diskBus: 'virtio' });
    // The catalog still wins for what it knows.
    expect((await inspectIso(makeIso('deb11', { volumeId: 'Debian 11.5.0 amd64 n', bios: true }))).detected?.source).toBe('catalog');
  });

  describe('through a real engine', () => {
    let e: OpenedEngine;
    useEngineEnv((_t, engine) => (e = engine), { checkOrphans: false });

    it('iso.inspect answers, and refuses a folder or a non-ISO with invalid-args', async () => {
      const r = await e.client.call('iso.inspect', { path: fixturePaths.linuxIso });
      expect(r).toMatchObject({ volumeId: 'HANGAR_LINUX', bootable: { bios: true, uefi: true } });
      await expect(e.client.call('iso.inspect', { path: dir })).rejects.toMatchObject({ code: 'invalid-args', message: `${dir} is a folder, not an ISO image` });
      const text = join(dir, 'notes.txt');
      writeFileSync(text, 'x'.repeat(100_000));
      await expect(e.client.call('iso.inspect', { path: text })).rejects.toMatchObject({
        code: 'invalid-args',
        message: 'not an ISO 9660 image: no CD001 signature at sector 16',
      });
      await expect(e.client.call('iso.inspect', { path: join(dir, 'missing.iso') })).rejects.toMatchObject({ code: 'not-found' });
    });

    it('vm.create takes device defaults from the catalog for osId, explicit arguments first', async () => {
      const win = await e.client.call('vm.create', { name: 'win', osId: 'win11', iso: fixturePaths.linuxIso, diskSizeGiB: 1 });
      expect(win.doc).toMatchObject({
        osId: 'win11', memoryMiB: 4096, cpu: { count: 2 }, firmware: { type: 'uefi', secureBoot: true, tpm: true },
        disks: [{ bus: 'sata' }], network: { model: 'e1000e' }, display: { device: 'std' }, input: { pointer: 'usb-tablet' },
      });
      const deb = await e.client.call('vm.create', { name: 'deb', osId: 'debian12', diskSizeGiB: 1, memoryMiB: 512, nicModel: 'e1000' });
      expect(deb.doc).toMatchObject({ memoryMiB: 512, firmware: { type: 'bios' }, disks: [{ bus: 'virtio' }], network: { model: 'e1000' } });
      const plain = await e.client.call('vm.create', { name: 'plain', diskSizeGiB: 1 });
      expect(plain.doc).toMatchObject({ osId: 'generic', memoryMiB: 2048, disks: [{ bus: 'sata' }], network: { model: 'virtio-net-pci' } });
      await expect(e.client.call('vm.create', { name: 'bad', firmware: 'bios', secureBoot: true })).rejects.toMatchObject({ code: 'invalid-document' });
    });
  });
});
