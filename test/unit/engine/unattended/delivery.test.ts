import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseInstallState } from '../../../../src-main/engine/install/install-state.js';
import { readIsoFileBytes } from '../../../../src-main/engine/iso/iso-files.js';
import { buildIso } from '../../../../src-main/engine/iso/iso-writer.js';
import { ArgvError, buildArgv } from '../../../../src-main/engine/qemu/index.js';
import { parseVmDocument } from '../../../../src-shared/vm-document/index.js';
import { findInstallerBoot, methodForOs, parseIsolinuxDefault } from '../../../../src-main/engine/unattended/boot-files.js';
import { buildNewcCpio } from '../../../../src-main/engine/unattended/newc-cpio.js';
import { FAKE_HOST, FIXED_PATHS, GOLDEN_DIR } from '../qemu/golden-cases.js';

const dir = mkdtempSync(join(tmpdir(), 'hangar-unattended-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A Rock Ridge ISO with nested folders, as distributions master them (xorriso). */
function xorrisoIso(name: string, files: Record<string, string | Buffer>): string {
  const root = join(dir, `${name}.d`);
  for (const [p, data] of Object.entries(files)) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), data);
  }
  const iso = join(dir, `${name}.iso`);
  execFileSync('xorriso', ['-as', 'mkisofs', '-o', iso, '-V', 'TEST_INSTALL', '-R', '-J', root], { stdio: 'pipe' });
  return iso;
}

describe('newc cpio', () => {
  it('is what cpio(1) lists and extracts, byte for byte, 512-byte padded', () => {
    const data = Buffer.from('d-i passwd/username string ada\n');
    const archive = buildNewcCpio([{ name: 'preseed.cfg', data, mode: 0o600 }]);
    expect(archive.length % 512).toBe(0);
    const a = join(dir, 'a.cpio');
    writeFileSync(a, archive);
    expect(execFileSync('cpio', ['-t', '--quiet', '-F', a]).toString()).toBe('preseed.cfg\n');
    const out = join(dir, 'cpio-out');
    mkdirSync(out);
    execFileSync('cpio', ['-i', '--quiet', '-F', a], { cwd: out });
    expect(readFileSync(join(out, 'preseed.cfg'))).toEqual(data);
  });
  it('refuses names with folders or traversal', () => {
    for (const name of ['../x', 'a/b', '', '.', 'x\ny']) expect(() => buildNewcCpio([{ name, data: Buffer.alloc(0) }])).toThrow(/plain file name/);
  });
});

describe('reading files out of an ISO', () => {
  it('finds nested Rock Ridge names case-insensitively and refuses what is not there', async () => {
    const iso = xorrisoIso('nested', { 'install.amd/vmlinuz': 'KERNEL', 'install.amd/initrd.gz': 'INITRD', 'README.txt': 'r' });
    expect((await readIsoFileBytes(iso, 'install.amd/vmlinuz')).toString()).toBe('KERNEL');
    expect((await readIsoFileBytes(iso, '/INSTALL.AMD/initrd.gz')).toString()).toBe('INITRD');
    await expect(readIsoFileBytes(iso, 'install.amd/missing')).rejects.toMatchObject({ kind: 'not-found' });
    await expect(readIsoFileBytes(iso, 'install.amd')).rejects.toMatchObject({ kind: 'not-found' });
    await expect(readIsoFileBytes(iso, '../etc/passwd')).rejects.toMatchObject({ kind: 'not-found' });
    expect(await findInstallerBoot(iso, 'preseed')).toEqual({ kernel: Buffer.from('KERNEL'), initrd: Buffer.from('INITRD'), append: '' });
  });

  it("reads Hangar's own seed ISOs (Joliet, flat root)", async () => {
    const p = join(dir, 'seed.iso');
    writeFileSync(p, buildIso({ volumeId: 'OEMDRV', files: [{ name: 'ks.cfg', data: 'text\n' }] }));
    expect((await readIsoFileBytes(p, 'ks.cfg')).toString()).toBe('text\n');
  });

  it('falls back to the isolinux default entry when the layout is unknown', async () => {
    const cfg = 'SERIAL 0\nDEFAULT install\nLABEL rescue\n  KERNEL /boot/other\nLABEL install\n  KERNEL /boot/vmlinuz\n  APPEND initrd=/boot/initrd.img console=ttyS0\n';
    expect(parseIsolinuxDefault(cfg)).toEqual({ kernel: '/boot/vmlinuz', initrd: '/boot/initrd.img', append: 'console=ttyS0' });
    const iso = xorrisoIso('isolinux', { 'isolinux/isolinux.cfg': cfg, 'boot/vmlinuz': 'K', 'boot/initrd.img': 'I' });
    expect(await findInstallerBoot(iso, 'kickstart')).toEqual({ kernel: Buffer.from('K'), initrd: Buffer.from('I'), append: 'console=ttyS0' });
    expect(await findInstallerBoot(xorrisoIso('none', { 'a.txt': 'x' }), 'preseed')).toBeNull();
  });

  it('maps detected OS ids to their answer format', () => {
    expect([methodForOs('debian12'), methodForOs('ubuntu24.04'), methodForOs('fedora'), methodForOs('win11'), methodForOs('archlinux'), methodForOs(undefined)]).toEqual(['preseed', 'autoinstall', 'kickstart', 'autounattend', null, null]);
  });
});

describe('direct boot while installing', () => {
  const base = parseVmDocument(readFileSync(join(GOLDEN_DIR, 'bios-empty-cd.vm.json'), 'utf8'));
  it('adds -kernel/-initrd/-append verbatim (commas single) and refuses a line break', () => {
    const argv = buildArgv(base, FAKE_HOST, { ...FIXED_PATHS, directBoot: { kernel: '/b/unattended/vmlinuz', initrd: '/b/unattended/initrd', append: 'a=1,2 inst.ks=hd:LABEL=OEMDRV:/ks.cfg' } });
    expect(argv.slice(argv.indexOf('-kernel'), argv.indexOf('-kernel') + 6)).toEqual(['-kernel', '/b/unattended/vmlinuz', '-initrd', '/b/unattended/initrd', '-append', 'a=1,2 inst.ks=hd:LABEL=OEMDRV:/ks.cfg']);
    expect(buildArgv(base, FAKE_HOST, FIXED_PATHS)).not.toContain('-kernel');
    expect(() => buildArgv(base, FAKE_HOST, { ...FIXED_PATHS, directBoot: { kernel: '/k', initrd: '/i', append: 'x\n-device y' } })).toThrow(ArgvError);
  });

  it("install.json's unattended record is kept only when sound (no control characters in the kernel command line)", () => {
    const s = { version: 1, phase: 'installing', disk: 'disk0', cdrom: 'cd0', iso: '/i.iso', baselineBytes: 1, startedAt: 'x' };
    const u = { method: 'kickstart', directBoot: true, append: 'inst.ks=hd:LABEL=OEMDRV:/ks.cfg', seedCdroms: ['cd1'] };
    expect(parseInstallState(JSON.stringify({ ...s, unattended: u }))?.unattended).toEqual(u);
    for (const bad of [{ ...u, append: 'a\nb' }, { ...u, method: 'nsis' }, { ...u, seedCdroms: ['../x'] }, { ...u, append: 'x'.repeat(3000) }]) {
      expect(parseInstallState(JSON.stringify({ ...s, unattended: bad }))?.unattended).toBeUndefined();
    }
  });
});

describe('planCreateUnattended', () => {
  const answers = { user: 'ada', password: 'pw', hostname: 'win' };
  it('refuses Windows 11 without UEFI and a TPM (Setup would stop at "This PC can\'t run Windows 11"), and plans it with them', async () => {
    const { planCreateUnattended } = await import('../../../../src-main/engine/unattended/create-unattended.js');
    const iso = join(dir, 'win.iso');
    writeFileSync(iso, buildIso({ volumeId: 'CCCOMA_X64FRE_EN-US_DV9', files: [{ name: 'setup.exe', data: 'MZ' }] }));
    await expect(planCreateUnattended({ diskSizeGiB: 64, unattended: answers }, iso)).rejects.toMatchObject({ code: 'invalid-args', message: expect.stringMatching(/Windows 11 needs UEFI firmware and a TPM/) });
    const plan = await planCreateUnattended({ diskSizeGiB: 64, osId: 'win11', unattended: answers }, iso);
    expect(plan).toMatchObject({ method: 'autounattend', boot: null, seeds: [{ file: 'autounattend.iso', volumeId: 'UNATTEND' }] });
  });
});
