// planRefusal: which machines' next start must go through the engine (so no plan is written for them), each with
// its own reason; a plain machine gets none. Real bundle files in a temp folder, no engine and no QEMU.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newVmDocument, type VmDocument } from '../../../../src-shared/vm-document/index.js';
import { planRefusal } from '../../../../src-main/engine/session/start-plan.js';
import type { LoadedVm } from '../../../../src-main/engine/storage/bundle-store.js';
import { writeSavedState, SAVED_STATE_TAG } from '../../../../src-main/engine/saved-state/saved-state-file.js';
import { writeInstallState } from '../../../../src-main/engine/install/install-state.js';
import { writeSnapshotFile } from '../../../../src-main/engine/snapshots/snapshot-file.js';
import { emptySnapshotFile } from '../../../../src-main/engine/snapshots/snapshot-tree.js';
import { nvramPathOf } from '../../../../src-main/engine/host-service.js';

const ID = '0b7f1c9e-8a4d-4a43-9f3e-2d6f0c1a5b7e';

describe('planRefusal', () => {
  let bundleDir: string;
  beforeEach(() => {
    bundleDir = mkdtempSync(join(tmpdir(), 'hangar-refusal-'));
  });
  afterEach(() => rmSync(bundleDir, { recursive: true, force: true }));

  /** A plain BIOS machine with one disk and an empty CD drive, changed by `change`. */
  const vm = (change: (d: VmDocument) => VmDocument = (d) => d): LoadedVm => {
    const doc = change(newVmDocument({ id: ID, name: 'web', now: '2024-05-01T10:00:00.000Z', mac: '52:54:00:12:34:56', disk: { path: 'disks/disk0.qcow2', format: 'qcow2' }, memoryMiB: 64 }));
    return { id: ID, name: doc.name, bundleDir, doc };
  };

  it('gives a plain machine no reason', async () => {
    expect(await planRefusal(vm())).toBeNull();
  });

  it('gives a plain machine no reason with the installs and snapshots it may have', async () => {
    await writeInstallState(bundleDir, { version: 1, phase: 'installed', disk: 'disk0', cdrom: 'cd0', iso: null, baselineBytes: 0, startedAt: '2024-05-01T10:00:00.000Z' });
    await writeSnapshotFile(bundleDir, { ...emptySnapshotFile(), pendingRamRestore: null });
    expect(await planRefusal(vm())).toBeNull();
  });

  it('refuses a TPM', async () => {
    expect(await planRefusal(vm((d) => ({ ...d, firmware: { ...d.firmware, type: 'uefi', tpm: true } })))).toBe('a TPM (swtpm runs first)');
  });

  it('refuses shared folders', async () => {
    expect(await planRefusal(vm((d) => ({ ...d, shares: [{ name: 'data', path: '/srv/data', readOnly: true }] })))).toBe('shared folders');
  });

  it('refuses a bridged network', async () => {
    expect(await planRefusal(vm((d) => ({ ...d, network: { mode: 'bridge', model: 'virtio-net-pci', mac: '52:54:00:12:34:56', bridge: 'br0' } })))).toBe('a bridged network (checked at each start)');
  });

  it('refuses port forwards, but not a user network without them', async () => {
    const forwards = [{ protocol: 'tcp' as const, hostAddress: '127.0.0.1', hostPort: 2222, guestPort: 22 }];
    expect(await planRefusal(vm((d) => ({ ...d, network: { mode: 'user', model: 'virtio-net-pci', mac: '52:54:00:12:34:56', forwards } })))).toBe('port forwards (each host port is checked at each start)');
    expect(await planRefusal(vm((d) => ({ ...d, network: { mode: 'none' } })))).toBeNull();
  });

  it('refuses USB device rules (by id and by port), but not USB stick images', async () => {
    expect(await planRefusal(vm((d) => ({ ...d, usb: { images: [], rules: [{ vendor: '1d6b', product: '0002' }] } })))).toBe('USB device rules');
    expect(await planRefusal(vm((d) => ({ ...d, usb: { images: [], rules: [{ port: '1-2' }] } })))).toBe('USB device rules');
    expect(await planRefusal(vm((d) => ({ ...d, usb: { images: [{ id: 'usb0', path: 'stick.img', format: 'raw', readOnly: true }], rules: [] } })))).toBeNull();
  });

  it('refuses a saved machine state', async () => {
    await writeSavedState(bundleDir, { version: 1, savedAt: '2024-05-01T10:00:00.000Z', tag: SAVED_STATE_TAG, devices: ['disk0'], hardware: {} });
    expect(await planRefusal(vm())).toBe('a saved machine state');
  });

  it('refuses an install under way', async () => {
    await writeInstallState(bundleDir, { version: 1, phase: 'installing', disk: 'disk0', cdrom: 'cd0', iso: '/isos/debian.iso', baselineBytes: 0, startedAt: '2024-05-01T10:00:00.000Z' });
    expect(await planRefusal(vm())).toBe('an install under way');
  });

  it('refuses a snapshot to restore at boot', async () => {
    await writeSnapshotFile(bundleDir, { ...emptySnapshotFile(), pendingRamRestore: 'hangar-snap-1' });
    expect(await planRefusal(vm())).toBe('a snapshot to restore at boot');
  });

  it('gives a damaged snapshots.json no reason of its own (the engine start reports it)', async () => {
    writeFileSync(join(bundleDir, 'snapshots.json'), '{ not json');
    expect(await planRefusal(vm())).toBeNull();
  });

  it('refuses UEFI without its variable store yet, and not once the store exists', async () => {
    const uefi = vm((d) => ({ ...d, firmware: { ...d.firmware, type: 'uefi' } }));
    expect(await planRefusal(uefi)).toBe('no UEFI variable store yet');
    mkdirSync(join(bundleDir, 'nvram'));
    writeFileSync(nvramPathOf(bundleDir), '');
    expect(await planRefusal(uefi)).toBeNull();
  });

  it('names the first reason when there are several (TPM before shares before a saved state)', async () => {
    await writeSavedState(bundleDir, { version: 1, savedAt: '2024-05-01T10:00:00.000Z', tag: SAVED_STATE_TAG, devices: ['disk0'], hardware: {} });
    const both = vm((d) => ({ ...d, shares: [{ name: 'data', path: '/srv/data', readOnly: true }] }));
    expect(await planRefusal(both)).toBe('shared folders');
    expect(await planRefusal({ ...both, doc: { ...both.doc, firmware: { ...both.doc.firmware, type: 'uefi', tpm: true } } })).toBe('a TPM (swtpm runs first)');
  });
});
