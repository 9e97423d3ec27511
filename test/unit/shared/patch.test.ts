import { describe, expect, it } from 'vitest';
import { applyVmPatch, diffVmDocuments, VmDocumentError, type VmDocument, type VmPatch } from '../../../src-shared/vm-document/index.js';
import { sampleDocument } from './sample-document.js';

const LATER = '2024-05-02T11:00:00.000Z';

describe('applyVmPatch', () => {
  it('replaces top-level fields, bumps updatedAt and keeps everything else', () => {
    const doc = sampleDocument();
    const next = applyVmPatch(doc, { memoryMiB: 4096, cpu: { count: 4, model: 'host' } }, LATER);
    expect(next).toEqual({ ...doc, memoryMiB: 4096, cpu: { count: 4, model: 'host' }, updatedAt: LATER });
  });

  it('does not modify the original document', () => {
    const doc = sampleDocument();
    const before = structuredClone(doc);
    applyVmPatch(doc, { name: 'Renamed', disks: [] , bootOrder: ['cd0'] }, LATER);
    expect(doc).toEqual(before);
  });

  it.each(['schemaVersion', 'id', 'createdAt', 'updatedAt'])('refuses to change the frozen field %s', (field) => {
    const doc = sampleDocument();
    const patch = { [field]: field === 'schemaVersion' ? 2 : 'x' } as unknown as VmPatch;
    expect(() => applyVmPatch(doc, patch, LATER)).toThrow(VmDocumentError);
    expect(() => applyVmPatch(doc, patch, LATER)).toThrow(`field "${field}" cannot be changed by a patch`);
  });

  it('refuses a frozen field even next to valid changes, and applies none of them', () => {
    const doc = sampleDocument();
    const before = structuredClone(doc);
    expect(() => applyVmPatch(doc, { memoryMiB: 8192, id: 'x' } as unknown as VmPatch, LATER)).toThrow(/"id"/);
    expect(doc).toEqual(before);
  });

  it('validates the result and never half-applies: an invalid patch throws and leaves the document alone', () => {
    const doc = sampleDocument();
    const before = structuredClone(doc);
    // Removing the disks leaves bootOrder naming disk0: a cross-field error.
    let err: unknown;
    try {
      applyVmPatch(doc, { memoryMiB: 8192, disks: [] }, LATER);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VmDocumentError);
    expect((err as VmDocumentError).issues).toEqual([expect.objectContaining({ path: 'bootOrder[1]' })]);
    expect(doc).toEqual(before);
  });

  it('rejects unknown top-level fields and enum typos in a patch', () => {
    const doc = sampleDocument();
    expect(() => applyVmPatch(doc, { colour: 'red' } as unknown as VmPatch, LATER)).toThrow(/colour: unknown field/);
    expect(() => applyVmPatch(doc, { clipboard: 'all' } as unknown as VmPatch, LATER)).toThrow(/clipboard: invalid value/);
  });

  it('treats an explicit undefined as removing a required field (an error, not a no-op)', () => {
    expect(() => applyVmPatch(sampleDocument(), { name: undefined }, LATER)).toThrow(/name: is required but missing/);
  });

  it('refuses a bad updatedAt from the caller', () => {
    expect(() => applyVmPatch(sampleDocument(), { memoryMiB: 512 }, 'now')).toThrow(/updatedAt/);
  });
});

describe('diffVmDocuments', () => {
  it('is empty for equal documents', () => {
    expect(diffVmDocuments(sampleDocument(), sampleDocument())).toEqual({});
  });

  it('lists changed top-level fields with their new values, ignoring frozen ones', () => {
    const before = sampleDocument();
    const after: VmDocument = { ...before, name: 'B', audio: { device: 'intel-hda' }, updatedAt: LATER };
    expect(diffVmDocuments(before, after)).toEqual({ name: 'B', audio: { device: 'intel-hda' } });
  });

  it('detects nested changes (one forward port) as the whole section', () => {
    const before = sampleDocument();
    if (before.network.mode !== 'user') throw new Error('sample must use user networking');
    const network = { ...before.network, forwards: [{ ...before.network.forwards[0]!, guestPort: 2200 }] };
    expect(diffVmDocuments(before, { ...before, network })).toEqual({ network });
  });

  it('applying the diff of a valid change reproduces the target', () => {
    const before = sampleDocument();
    const after: VmDocument = { ...before, memoryMiB: 1024, bootOrder: ['disk0', 'cd0'], description: 'x', updatedAt: LATER };
    expect(applyVmPatch(before, diffVmDocuments(before, after), LATER)).toEqual(after);
  });
});
