// A RAM snapshot holds the display device's state (virtio-vga's virtqueues, VGA's registers): taken with one device,
// it is refused on a machine switched to another (e.g. std → virtio for "Resize guest to window"), in plain words.
import { describe, expect, it } from 'vitest';
import { newVmDocument } from '../../../../src-shared/vm-document/index.js';
import { hardwareChanges, hardwareMismatchMessage, hardwareOf } from '../../../../src-main/engine/snapshots/snapshot-hardware.js';

const doc = (device: 'std' | 'virtio') => ({
  ...newVmDocument({ id: '11111111-2222-3333-4444-555555555555', name: 'T', now: '2025-01-01T00:00:00.000Z', mac: '52:54:00:00:00:01', firmware: 'bios', disk: { path: 'disks/disk0.qcow2', format: 'qcow2' }, iso: null }),
  display: { device },
});

describe('snapshot hardware: the display device', () => {
  it('a switch between std and virtio is a hardware change, told with both devices', () => {
    const changes = hardwareChanges(hardwareOf(doc('std')), hardwareOf(doc('virtio')));
    expect(changes).toEqual([{ key: 'display.device', was: 'std', now: 'virtio' }]);
    const message = hardwareMismatchMessage('Before resize', changes);
    expect(message).toMatch(/^This snapshot was taken with display "?std"?; the machine now has "?virtio"?\. Change it back in Settings/);
    expect(hardwareChanges(hardwareOf(doc('virtio')), hardwareOf(doc('virtio')))).toEqual([]);
  });
});
