import { describe, expect, it } from 'vitest';
import { newVmDocument } from '../../../../src-shared/vm-document/index.js';
import { hardwareChanges, hardwareMismatchMessage, hardwareOf } from '../../../../src-main/engine/snapshots/snapshot-hardware.js';
import { plainLoadError } from '../../../../src-main/engine/snapshots/snapshot-service.js';

const base = () =>
  newVmDocument({ id: '11111111-2222-3333-4444-555555555555', name: 'T', now: '2025-01-01T00:00:00.000Z', mac: '52:54:00:00:00:01', firmware: 'bios', disk: { path: 'disks/disk0.qcow2', format: 'qcow2' }, iso: null });

describe('snapshot hardware record', () => {
  it('ignores what is not part of the memory state: names, paths, MACs, forwards, boot order, clipboard direction', () => {
    const a = base();
    const b = { ...base(), name: 'Renamed', description: 'x', bootOrder: [], disks: a.disks.map((d) => ({ ...d, path: '/elsewhere/d.qcow2', discard: !d.discard })) };
    if (b.network.mode === 'user') b.network = { ...b.network, mac: '52:54:00:aa:bb:cc', forwards: [{ protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 2222, guestPort: 22 }] };
    expect(hardwareChanges(hardwareOf(a), hardwareOf(b))).toEqual([]);
    expect(hardwareChanges(hardwareOf({ ...a, clipboard: 'both' }), hardwareOf({ ...a, clipboard: 'host-to-guest' }))).toEqual([]);
  });

  it('finds memory, CPUs, machine type and device changes', () => {
    const a = base();
    const b = { ...base(), memoryMiB: a.memoryMiB * 2, cpu: { ...a.cpu, count: a.cpu.count + 1 }, machine: 'pc', audio: { device: 'intel-hda' as const } };
    expect(hardwareChanges(hardwareOf(a), hardwareOf(b)).map((c) => c.key)).toEqual(['memoryMiB', 'cpu.count', 'machine', 'audio.device']);
    expect(hardwareChanges(hardwareOf(a), hardwareOf({ ...a, network: { mode: 'none' } }))).toMatchObject([{ key: 'nic', now: null }]);
  });

  it('compares only what was recorded: no record (older snapshots) or a key added later is not held against a snapshot', () => {
    const now = hardwareOf(base());
    expect(hardwareChanges(undefined, now)).toEqual([]);
    const { memoryMiB: _m, ...withoutMemory } = now;
    expect(hardwareChanges(withoutMemory, { ...now, memoryMiB: 99 })).toEqual([]);
    expect(hardwareChanges({ ...now, 'future.key': 1 }, now)).toEqual([]);
  });

  it('says what changed in the words of the settings', () => {
    expect(hardwareMismatchMessage('Clean', [{ key: 'memoryMiB', was: 512, now: 1024 }])).toBe(
      'This snapshot was taken with 512 MiB of memory; the machine now has 1024 MiB. Change it back in Settings to restore it: "Clean" holds the machine\'s memory state, which only fits the hardware it was saved with.',
    );
    expect(hardwareMismatchMessage('X', [{ key: 'firmware.tpm', was: false, now: true }])).toMatch(/taken with the TPM off; the machine now has it on\./);
    expect(
      hardwareMismatchMessage('X', [
        { key: 'memoryMiB', was: 512, now: 1024 },
        { key: 'cpu.count', was: 1, now: 2 },
      ]),
    ).toMatch(/^This snapshot was taken with 512 MiB of memory \(now 1024 MiB\), 1 CPU \(now 2\)\. Change them back in Settings/);
  });

  it('the guest agent channel is hardware (a virtio-serial device in the saved state): a change is refused in plain words', () => {
    const a = base();
    const changes = hardwareChanges(hardwareOf({ ...a, guestAgent: true }), hardwareOf(a));
    expect(changes).toEqual([{ key: 'guestAgent', was: true, now: false }]);
    expect(hardwareMismatchMessage('Agent', changes)).toMatch(/^This snapshot was taken with the guest agent channel on; the machine now has it off\. Change it back in Settings/);
  });

  it('turns QEMU\'s load errors into plain words, keeping its own', () => {
    expect(plainLoadError('Error -22 while loading VM state')).toBe('the saved memory state does not fit this machine (its hardware is not the one the snapshot was taken with) [QEMU: Error -22 while loading VM state]');
    expect(plainLoadError('Error -5 while loading VM state')).toMatch(/^the saved memory state could not be read back/);
    expect(plainLoadError('something else')).toBe('something else');
  });
});
