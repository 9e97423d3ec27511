// PAGE_OF is keyed on every field of the VM document: a field added to the schema fails to compile (npm run
// typecheck) until it has a settings page, or null. The `@ts-expect-error` lines are the proof: were the table
// typed loosely, they would compile, and the unused directive fails the typecheck.
import { describe, expect, it } from 'vitest';
import { vmDocumentSchema, type VmDocument } from '../../../../src-shared/vm-document/index.js';
import type { PerVmField } from '../../../../src-shared/vm-document/field-table.js';
import { PAGE_OF, pageOfPath } from '../../../../src-renderer/features/settings/settings-model.js';
import type { SettingsPageId } from '../../../../src-renderer/features/settings/settings-pages.js';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

describe('PAGE_OF', () => {
  it('has exactly the document\'s fields, each required', () => {
    const keyed: Equals<keyof typeof PAGE_OF, keyof VmDocument> = true;
    const required: Equals<typeof PAGE_OF, Required<typeof PAGE_OF>> = true;
    expect([keyed, required]).toEqual([true, true]);
    expect(Object.keys(PAGE_OF).sort()).toEqual(Object.keys(vmDocumentSchema.shape).sort());
  });

  it('a table that leaves a field out, or names one the document lacks, does not compile', () => {
    const { extraArgs: _left, ...withoutOne } = PAGE_OF;
    // @ts-expect-error extraArgs has no page
    const missing: PerVmField<SettingsPageId | null> = withoutOne;
    // @ts-expect-error sharedFolders is no field of the document
    const extra: PerVmField<SettingsPageId | null> = { ...PAGE_OF, sharedFolders: 'storage' };
    expect(Object.keys(missing)).not.toContain('extraArgs');
    expect(Object.keys(extra)).toContain('sharedFolders');
  });

  it('sends a path to its field\'s page; bookkeeping fields and other names go to General', () => {
    expect(pageOfPath('disks[1].bus')).toBe('storage');
    expect(pageOfPath('clipboard')).toBe('display');
    for (const path of ['id', 'updatedAt', 'nonsense', 'toString', 'constructor', '__proto__']) expect(pageOfPath(path)).toBe('general');
  });
});
