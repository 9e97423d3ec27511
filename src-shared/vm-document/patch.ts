import { vmDocumentFields, type VmDocument } from './schema.js';
import { validateVmDocument } from './validate.js';
import { VmDocumentError, issuesFromZod } from './errors.js';

/** Fields a patch may change; identity and timestamps belong to the store. */
export type VmPatch = Partial<Omit<VmDocument, 'schemaVersion' | 'id' | 'createdAt' | 'updatedAt'>>;

const FROZEN = new Set(['schemaVersion', 'id', 'createdAt', 'updatedAt']);

/**
 * The document schema's fields, each optional, strict: a patch's unknown key (`colour`, `__proto__`) or bad value
 * is named before anything is merged. Rules across fields (boot order, device ids) need the whole document.
 */
export const vmPatchSchema = vmDocumentFields.omit({ schemaVersion: true, id: true, createdAt: true, updatedAt: true }).partial();

/** Checks a patch from any client against `vmPatchSchema`; errors name each field as the document's do. */
export function parseVmPatch(value: unknown): VmPatch {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new VmDocumentError('a settings patch must be an object of document fields', [{ path: '(patch)', message: 'must be an object' }]);
  }
  // zod reads a field through the prototype chain: an object whose prototype carries fields (a Map, a class
  // instance, Object.create(x) in-process) could pass `extraArgs` that no own-key check sees. JSON and structured
  // clones give plain objects, where a `__proto__` key is an own key, named below like any unknown field.
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new VmDocumentError('a settings patch must be a plain object of document fields', [{ path: '(patch)', message: 'must be a plain object' }]);
  }
  for (const key of Object.keys(value)) {
    if (FROZEN.has(key)) {
      throw new VmDocumentError(`field "${key}" cannot be changed by a patch`, [{ path: key, message: 'cannot be changed by a patch' }]);
    }
  }
  const result = vmPatchSchema.safeParse(value);
  if (!result.success) {
    const issues = issuesFromZod(result.error, value);
    throw new VmDocumentError(`invalid VM document: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  return result.data;
}

/** Top-level fields in the patch replace the document's whole; the result is validated, never half-applied. */
export function applyVmPatch(doc: VmDocument, patch: VmPatch, now: string): VmDocument {
  return validateVmDocument({ ...doc, ...parseVmPatch(patch), updatedAt: now });
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
