import { describe, expect, it } from 'vitest';
import { newVmDocument } from '../../../../src-shared/vm-document/index.js';
import { hardwareChanges, hardwareOf, liveHardwareOf } from '../../../../src-main/engine/snapshots/snapshot-hardware.js';

const doc = (clipboard: 'off' | 'both') => ({
  ...newVmDocument({ id: '11111111-2222-3333-4444-555555555555', name: 'T', now: '2025-01-01T00:00:00.000Z', mac: '52:54:00:00:00:01', firmware: 'bios', disk: { path: 'disks/disk0.qcow2', format: 'qcow2' }, iso: null }),
  clipboard,
});

describe('liveHardwareOf', () => {
  it('records clipboard sharing as the running QEMU has it, not as the policy says now', async () => {
    // Started with sharing on, turned off while it runs: the snapshot holds the virtio-serial controller.
    const taken = await liveHardwareOf(doc('off'), { hasClipboardChannel: async () => true });
    expect(taken['clipboard']).toBe(true);
    // Restored into a machine started with sharing off: refused, naming the change.
    expect(hardwareChanges(taken, hardwareOf(doc('off')))).toEqual([{ key: 'clipboard', was: true, now: false }]);
    expect(hardwareChanges(taken, hardwareOf(doc('both')))).toEqual([]);
    // A session that cannot tell: the document decides, as before.
    expect(await liveHardwareOf(doc('both'), {})).toEqual(hardwareOf(doc('both')));
  });
});
