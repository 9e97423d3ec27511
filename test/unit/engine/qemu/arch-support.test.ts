import { describe, expect, it } from 'vitest';
import { archSupport, refuseArchTheHostLacks, refuseUnusableArch } from '../../../../src-main/engine/qemu/arch-support.js';
import { QemuNotFoundError } from '../../../../src-main/engine/qemu/errors.js';
import type { HostInfo } from '../../../../src-main/engine/qemu/index.js';
import { FAKE_HOST, FAKE_KVM_HOST, FAKE_RISCV } from './golden-cases.js';

const byArch = (host: HostInfo) => Object.fromEntries(archSupport(host).map((a) => [a.arch, a]));

describe('archSupport: the architectures a host offers', () => {
  it('lists every known arch; foreign ones are usable but emulated and slow', () => {
    const a = byArch(FAKE_HOST);
    expect(Object.keys(a)).toEqual(['x86_64', 'aarch64', 'riscv64']);
    expect(a['aarch64']).toEqual({ arch: 'aarch64', usable: true, note: 'emulated on this x86_64 host: slow' });
    expect(a['riscv64']).toEqual({ arch: 'riscv64', usable: true, note: 'emulated on this x86_64 host: slow' });
    expect(a['x86_64']).toMatchObject({ usable: true, note: expect.stringMatching(/^emulated \(TCG, slow\): \/dev\/kvm/) });
    expect(byArch(FAKE_KVM_HOST)['x86_64']).toMatchObject({ usable: true, note: 'hardware-accelerated (KVM)' });
  });

  it('a missing emulator or firmware makes the arch unusable, with the install command', () => {
    const { riscv64: _r, ...rest } = FAKE_HOST.emulators;
    const noRiscv = byArch({ ...FAKE_HOST, emulators: rest });
    expect(noRiscv['riscv64']).toEqual({ arch: 'riscv64', usable: false, note: 'qemu-system-riscv64 is not installed', installHint: 'sudo apt-get install -y qemu-system-misc opensbi u-boot-qemu' });
    const noUboot = byArch({ ...FAKE_HOST, emulators: { ...FAKE_HOST.emulators, riscv64: { ...FAKE_RISCV, riscvBoot: { opensbi: '/o.bin', uboot: null } } } });
    expect(noUboot['riscv64']).toMatchObject({ usable: false, note: 'no U-Boot for riscv64 virt machines' });
    const arm = FAKE_HOST.emulators['aarch64']!;
    const noAavmf = byArch({ ...FAKE_HOST, emulators: { ...FAKE_HOST.emulators, aarch64: { ...arm, firmware: [] } } });
    expect(noAavmf['aarch64']).toEqual({ arch: 'aarch64', usable: false, note: 'no UEFI firmware (AAVMF) for aarch64 virt machines', installHint: 'sudo apt-get install -y qemu-efi-aarch64' });
  });

  it('vm.create refuses an arch the host lacks, naming the install command and the arches it does run', async () => {
    const { aarch64: _a, ...rest } = FAKE_HOST.emulators;
    const noArm = { ...FAKE_HOST, emulators: rest };
    expect(() => refuseUnusableArch(noArm, 'aarch64')).toThrow(
      'aarch64 machines cannot run on this host: qemu-system-aarch64 is not installed; install it with: sudo apt-get install -y qemu-system-arm qemu-efi-aarch64 (this host runs x86_64, riscv64)',
    );
    expect(() => refuseUnusableArch(noArm, 'x86_64')).not.toThrow();
    expect(() => refuseUnusableArch(FAKE_HOST, 'aarch64')).not.toThrow();
    await expect(refuseArchTheHostLacks(async () => noArm, 'aarch64')).rejects.toMatchObject({ code: 'invalid-args', details: { field: 'arch' } });
    // No arch given: the document's default, as before. No QEMU at all: the start names the install instead.
    await expect(refuseArchTheHostLacks(async () => noArm, undefined)).resolves.toBeUndefined();
    await expect(refuseArchTheHostLacks(() => Promise.reject(new QemuNotFoundError('no qemu', 'apt-get install qemu')), 'aarch64')).resolves.toBeUndefined();
    await expect(refuseArchTheHostLacks(() => Promise.reject(new Error('probe broke')), 'aarch64')).rejects.toThrow('probe broke');
  });
});
