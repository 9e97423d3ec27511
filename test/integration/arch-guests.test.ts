import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { failure, serialWait, stateWait, useEngineSuite } from '../helpers/engine-harness.js';

/** Foreign guests run under TCG emulation on this x86_64 host: minutes, not seconds, on a loaded machine. */
const BOOT_MS = 400_000;

describe('ARM and RISC-V guests end to end (real QEMU, TCG)', () => {
  const s = useEngineSuite();

  it('aarch64: AAVMF boots the ISO; serial echo, USB keyboard on the display, RAM snapshot with UEFI vars, ACPI power button', async () => {
    const { e } = s;
    // The real host probe offers both foreign arches (setup installs their emulators and firmware), as emulated.
    const host = await e.client.call('host.info', {});
    const offered = Object.fromEntries((host.architectures ?? []).map((a) => [a.arch, a]));
    expect(offered['aarch64']).toEqual({ arch: 'aarch64', usable: true, note: 'emulated on this x86_64 host: slow' });
    expect(offered['riscv64']).toEqual({ arch: 'riscv64', usable: true, note: 'emulated on this x86_64 host: slow' });
    const { id, doc } = await e.client.call('vm.create', { name: 'arm guest', arch: 'aarch64', iso: fixturePaths.aarch64Iso, diskSizeGiB: 1, memoryMiB: 768, cpus: 2 });
    expect(doc).toMatchObject({ arch: 'aarch64', machine: 'virt', firmware: { type: 'uefi' }, input: { keyboard: 'usb-kbd' } });
    const { argv } = await e.client.call('vm.argv', { vm: id });
    expect(argv[0]).toMatch(/qemu-system-aarch64$/);
    expect(argv.join(' ')).toMatch(/pflash1=pflash1/);

    await serialWait(e.client, id, markers.linuxReady, () => e.client.call('vm.start', { vm: id }), BOOT_MS);
    const write = (data: string) => e.client.call('vm.console.write', { vm: id, data });
    const echo = (line: string, partial: string) => serialWait(e.client, id, `ECHO:${line}`, () => write(partial), 120_000);
    await echo('hello arm', 'hello arm\n');
    // Key presses through the display's keyboard land on the guest's framebuffer console (tty1).
    await serialWait(e.client, id, 'KBD:typed arm', () => e.client.call('vm.typeText', { vm: id, text: 'typed arm\n' }), 120_000);
    const shot = await e.client.call('vm.screenshot', { vm: id });
    expect(Buffer.from(shot.pngBase64, 'base64').subarray(1, 4).toString()).toBe('PNG');

    // A live snapshot covers the disk and the UEFI vars; the tty's half-typed line is RAM state.
    await write('alpha');
    const a = await e.client.call('snapshot.take', { vm: id, name: 'A' });
    expect(a.snapshot).toMatchObject({ withRam: true, devices: ['disk0', 'pflash1'] });
    await echo('alpha-one', '-one\n');
    await e.client.call('snapshot.restore', { vm: id, snapshot: 'A' });
    await echo('alpha-back', '-back\n');

    const stopped = stateWait(e.client, id, 'stopped', 180_000);
    const off = serialWait(e.client, id, markers.linuxPoweroff, () => e.client.call('vm.shutdown', { vm: id, timeoutMs: 170_000 }), 180_000);
    await off;
    await stopped;
  }, 1_200_000);

  it('riscv64: OpenSBI + U-Boot boot the disk; serial echo, RAM snapshot; shutdown refused with the reason (no power button)', async () => {
    const { t, e } = s;
    const disk = join(t.root, 'riscv64.qcow2');
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', fixturePaths.riscv64Img, disk]);
    const { id, doc } = await e.client.call('vm.create', { name: 'riscv guest', arch: 'riscv64', existingDisk: disk, memoryMiB: 512, cpus: 2 });
    expect(doc).toMatchObject({ arch: 'riscv64', machine: 'virt', cpu: { model: 'rv64' } });
    const { argv } = await e.client.call('vm.argv', { vm: id });
    expect(argv[0]).toMatch(/qemu-system-riscv64$/);
    expect(argv).toContain('-bios');
    expect(argv).toContain('-kernel');

    await serialWait(e.client, id, markers.linuxReady, () => e.client.call('vm.start', { vm: id }), BOOT_MS);
    const write = (data: string) => e.client.call('vm.console.write', { vm: id, data });
    const echo = (line: string, partial: string) => serialWait(e.client, id, `ECHO:${line}`, () => write(partial), 120_000);
    await echo('hello riscv', 'hello riscv\n');

    await write('beta');
    const b = await e.client.call('snapshot.take', { vm: id, name: 'B' });
    expect(b.snapshot).toMatchObject({ withRam: true, devices: ['disk0'] });
    await echo('beta-one', '-one\n');
    await e.client.call('snapshot.restore', { vm: id, snapshot: 'B' });
    await echo('beta-back', '-back\n');

    const err = await failure(e.client.call('vm.shutdown', { vm: id }));
    expect(err.code).toBe('invalid-state');
    expect(err.message).toMatch(/riscv64 virt machine: QEMU gives it no power button.*force it off/);
    await echo('still-here', 'still-here\n');

    const stopped = stateWait(e.client, id, 'stopped', 60_000);
    await e.client.call('vm.forceOff', { vm: id });
    await stopped;
  }, 1_200_000);
});
