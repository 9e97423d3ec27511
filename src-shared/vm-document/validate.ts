import { vmDocumentSchema, type VmDocument } from './schema.js';
import { migrateDocument } from './migrations.js';
import { VmDocumentError, issuesFromZod } from './errors.js';

/** Validates an already-current document (e.g. one built by the wizard or patched by settings). */
export function validateVmDocument(value: unknown): VmDocument {
  const result = vmDocumentSchema.safeParse(value);
  if (!result.success) {
    const issues = issuesFromZod(result.error, value);
    const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    throw new VmDocumentError(`invalid VM document: ${summary}`, issues);
  }
  return result.data;
}

/** Parses `vm.json` text of any supported version: JSON → migrations → strict validation. */
export function parseVmDocument(text: string): VmDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new VmDocumentError(`vm.json is not valid JSON: ${(err as Error).message}`);
  }
  return validateVmDocument(migrateDocument(raw));
}

export function serializeVmDocument(doc: VmDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
