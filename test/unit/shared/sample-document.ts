import { newVmDocument, type VmDocument } from '../../../src-shared/vm-document/index.js';

export const SAMPLE_ID = '0b7f1c9e-8a4d-4a43-9f3e-2d6f0c1a5b7e';
export const SAMPLE_NOW = '2024-05-01T10:00:00.000Z';

/** A valid x86_64 document with one disk, one CD-ROM and one port forward: every section is populated. */
export function sampleDocument(overrides: Partial<VmDocument> = {}): VmDocument {
  const doc = newVmDocument({
    id: SAMPLE_ID,
    name: 'Sample',
    now: SAMPLE_NOW,
    mac: '52:54:00:12:34:56',
    disk: { path: 'disks/disk0.qcow2', format: 'qcow2' },
    iso: '/isos/debian.iso',
  });
  const withForward: VmDocument = {
    ...doc,
    network: { mode: 'user', model: 'virtio-net-pci', mac: '52:54:00:12:34:56', forwards: [{ protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 2222, guestPort: 22 }] },
  };
  return { ...withForward, ...overrides };
}

/** A deep copy as plain JSON, for tests that poke at fields the type would not allow. */
export function raw(doc: VmDocument): Record<string, unknown> {
  return JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
}
