import type { VmDocument } from './schema.js';
import { validateVmDocument } from './validate.js';
import { VmDocumentError } from './errors.js';

/** Fields a patch may change; identity and timestamps belong to the store. */
export type VmPatch = Partial<Omit<VmDocument, 'schemaVersion' | 'id' | 'createdAt' | 'updatedAt'>>;

const FROZEN = new Set(['schemaVersion', 'id', 'createdAt', 'updatedAt']);

/** Top-level fields in the patch replace the document's whole; the result is validated, never half-applied. */
export function applyVmPatch(doc: VmDocument, patch: VmPatch, now: string): VmDocument {
  for (const key of Object.keys(patch)) {
    if (FROZEN.has(key)) {
      throw new VmDocumentError(`field "${key}" cannot be changed by a patch`, [{ path: key, message: 'cannot be changed by a patch' }]);
    }
  }
  return validateVmDocument({ ...doc, ...patch, updatedAt: now });
}

/** The top-level fields whose values differ, so settings can send only what changed. */
export function diffVmDocuments(before: VmDocument, after: VmDocument): VmPatch {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(after) as Array<keyof VmDocument>) {
    if (FROZEN.has(key)) continue;
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) out[key] = after[key];
  }
  return out as VmPatch;
}
