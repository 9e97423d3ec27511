import { describe, expect, it } from 'vitest';
import { newVmDocument, validateVmDocument, type VmDocument } from '../../../../src-shared/vm-document/index.js';
import { buildArgv, type HostInfo } from '../../../../src-main/engine/qemu/index.js';
import { hasUefiVars } from '../../../../src-main/engine/qemu/argv-arch.js';
import { FAKE_HOST, FAKE_RISCV, fakeCase } from './golden-cases.js';

const { paths } = fakeCase('riscv64-virt');
const doc = (arch: VmDocument['arch'], patch: (d: VmDocument) => void = () => {}): VmDocument => {
  const d = newVmDocument({ id: '3f2b8c1e-5d4a-4b6f-9e21-7a0c3d5e8f10', name: 'g', arch, mac: '52:54:00:12:34:56', now: '2024-03-01T09:15:00.000Z', disk: { path: 'disks/disk0.qcow2', format: 'qcow2' } });
  patch(d);
  return validateVmDocument(d);
};
const hostWith = (riscvBoot: HostInfo['emulators'][string]['riscvBoot']): HostInfo => ({ ...FAKE_HOST, emulators: { ...FAKE_HOST.emulators, riscv64: { ...FAKE_RISCV, riscvBoot } } });
const fieldOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return { field: (err as { field?: string }).field, message: (err as Error).message };
  }
  return 'no error';
};

describe('riscv64 documents and argv', () => {
  it('defaults: virt, OpenSBI + U-Boot (uefi), rv64 CPU, virtio disk, virtio display, USB input', () => {
    const d = doc('riscv64');
    expect(d).toMatchObject({ machine: 'virt', firmware: { type: 'uefi' }, cpu: { model: 'rv64' }, display: { device: 'virtio' }, input: { keyboard: 'usb-kbd' } });
    expect(d.disks[0]?.bus).toBe('virtio');
    const argv = buildArgv(d, FAKE_HOST, paths);
    expect(argv.join(' ')).toContain('-bios /usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin -kernel /usr/lib/u-boot/qemu-riscv64_smode/uboot.elf');
    // no pflash and no arm GIC on riscv64
    expect(argv.join(' ')).not.toMatch(/pflash|gic-version/);
  });

  it('aarch64 keeps its GIC and AAVMF pflash', () => {
    const argv = buildArgv(doc('aarch64'), FAKE_HOST, paths).join(' ');
    expect(argv).toContain('-machine virt,pflash0=pflash0,pflash1=pflash1,gic-version=max');
  });

  it('UEFI vars are kept for x86_64 and aarch64 UEFI machines, not for riscv64 (U-Boot has no vars flash)', () => {
    expect(hasUefiVars(doc('aarch64'))).toBe(true);
    expect(hasUefiVars(doc('x86_64', (d) => (d.firmware.type = 'uefi')))).toBe(true);
    expect(hasUefiVars(doc('x86_64'))).toBe(false);
    expect(hasUefiVars(doc('riscv64'))).toBe(false);
  });

  it.each([
    ['bios', (d: VmDocument) => (d.firmware.type = 'bios'), 'firmware.type', /OpenSBI and U-Boot/],
    ['secure boot', (d: VmDocument) => (d.firmware.secureBoot = true), 'firmware.secureBoot', /Secure Boot is not available on riscv64/],
    ['TPM', (d: VmDocument) => (d.firmware.tpm = true), 'firmware.tpm', /TPM is not available on riscv64/],
  ])('refuses %s with the field and the reason', (_n, patch, field, message) => {
    const r = fieldOf(() => buildArgv(doc('riscv64', patch), FAKE_HOST, paths)) as { field: string; message: string };
    expect(r.field).toBe(field);
    expect(r.message).toMatch(message);
  });

  it.each([
    ['OpenSBI', { opensbi: null, uboot: '/u.elf' }, /no OpenSBI firmware.*apt-get install -y opensbi/],
    ['U-Boot', { opensbi: '/o.bin', uboot: null }, /no U-Boot.*apt-get install -y u-boot-qemu/],
  ])('names the missing %s and how to install it', (_n, boot, message) => {
    const r = fieldOf(() => buildArgv(doc('riscv64'), hostWith(boot), paths)) as { field: string; message: string };
    expect(r.field).toBe('firmware.type');
    expect(r.message).toMatch(message);
  });

  it('refuses a line break in a firmware path instead of passing it to QEMU', () => {
    const r = fieldOf(() => buildArgv(doc('riscv64'), hostWith({ opensbi: '/o\n.bin', uboot: '/u.elf' }), paths)) as { field: string };
    expect(r.field).toBe('firmware.opensbi');
  });
});
