// SNAPSHOT_HARDWARE is keyed on every field of the VM document: a field added to the schema fails to compile (npm
// run typecheck) until it says whether a RAM snapshot depends on it. The `@ts-expect-error` lines are the proof.
import { describe, expect, it } from 'vitest';
import { vmDocumentSchema, type VmDocument } from '../../../../src-shared/vm-document/index.js';
import { hardwareOf, SNAPSHOT_HARDWARE, type SnapshotHardware } from '../../../../src-main/engine/snapshots/snapshot-hardware.js';
import { sampleDocument } from '../../shared/sample-document.js';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Table = { readonly [K in keyof VmDocument]: ((value: VmDocument[K]) => SnapshotHardware) | null };

describe('SNAPSHOT_HARDWARE', () => {
  it('has exactly the document\'s fields, each required', () => {
    const keyed: Equals<keyof typeof SNAPSHOT_HARDWARE, keyof VmDocument> = true;
    const required: Equals<typeof SNAPSHOT_HARDWARE, Required<typeof SNAPSHOT_HARDWARE>> = true;
    expect([keyed, required]).toEqual([true, true]);
    expect(Object.keys(SNAPSHOT_HARDWARE).sort()).toEqual(Object.keys(vmDocumentSchema.shape).sort());
  });

  it('a table that leaves a field out does not compile', () => {
    const { audio: _left, ...withoutOne } = SNAPSHOT_HARDWARE;
    // @ts-expect-error audio is not placed
    const missing: Table = withoutOne;
    expect(Object.keys(missing)).not.toContain('audio');
  });

  it('records the same keys, in the same order, as before the table', () => {
    expect(Object.keys(hardwareOf(sampleDocument()))).toEqual([
      'memoryMiB', 'cpu.count', 'cpu.model', 'machine', 'arch', 'firmware.type', 'firmware.secureBoot', 'firmware.tpm',
      'disks', 'cdroms', 'nic', 'display.device', 'input.pointer', 'input.keyboard', 'audio.device', 'clipboard', 'guestAgent', 'shares', 'extraArgs', 'usbSticks',
    ]);
  });
});
