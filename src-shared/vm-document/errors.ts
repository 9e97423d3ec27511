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

export function issuesFromZod(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((issue) => {
    let message = issue.message;
    if (issue.code === 'invalid_value' && 'values' in issue) {
      message = `invalid value (expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')})`;
    } else if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) {
      message = 'is required but missing';
    } else if (issue.code === 'unrecognized_keys') {
      message = `unknown field(s): ${issue.keys.join(', ')}`;
    }
    return { path: formatPath(issue.path), message };
  });
}
