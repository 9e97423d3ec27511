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
    throw new VmDocumentError(`vm.json is not valid JSON (${jsonSyntaxProblem(err)})`);
  }
  return validateVmDocument(migrateDocument(raw));
}

/**
 * Where JSON.parse gave up, without the parser's own words: those quote the file, and a hostile bundle's
 * vm.json or snapshots.json may be a symlink to a secret (/etc/shadow).
 */
export function jsonSyntaxProblem(err: unknown): string {
  const message = err instanceof Error ? err.message : '';
  const at = /at position (\d+)/.exec(message);
  if (at) return `at position ${at[1]}`;
  return /end of JSON/i.test(message) ? 'it ends too early' : 'unexpected content';
}

export function serializeVmDocument(doc: VmDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
