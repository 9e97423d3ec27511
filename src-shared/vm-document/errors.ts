import type { z } from 'zod';

/** A VM document that cannot be loaded; `issues` name each offending field by its path. */
export class VmDocumentError extends Error {
  constructor(
    message: string,
    readonly issues: ReadonlyArray<{ path: string; message: string }> = [],
  ) {
    super(message);
    this.name = 'VmDocumentError';
  }
}

/** `disks[0].bus` style paths, so the message names the field a person would look for. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(document)';
}

/** Whether `path` names a key absent from its (present) parent object in `input`. */
function isMissing(input: unknown, path: ReadonlyArray<PropertyKey>): boolean {
  let node = input;
  for (const part of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return false;
    node = (node as Record<PropertyKey, unknown>)[part];
  }
  const last = path.at(-1);
  return last !== undefined && typeof node === 'object' && node !== null && !Object.hasOwn(node, last);
}

/**
 * `input` (the value that was validated) lets a missing enum or literal field read "is required but
 * missing" rather than "invalid value": zod reports both as the same issue code.
 */
export function issuesFromZod(error: z.ZodError, input?: unknown): Array<{ path: string; message: string }> {
  const issues = error.issues.flatMap((issue) => {
    // One issue per unknown key, with the key in the path, so `disks[0].colour` is named like any other field.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'unknown field' }));
    }
    let message = issue.message;
    if (input !== undefined && (issue.code === 'invalid_value' || issue.code === 'invalid_union') && isMissing(input, issue.path)) {
      message = 'is required but missing';
    } else if (issue.code === 'invalid_value' && 'values' in issue) {
      message = `invalid value (expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')})`;
    } else if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) {
      message = 'is required but missing';
    }
    return [{ path: formatPath(issue.path), message }];
  });
  // Two checks of one field with one message (a negative fraction of MiB) say it once.
  return issues.filter((i, n) => issues.findIndex((j) => j.path === i.path && j.message === i.message) === n);
}
