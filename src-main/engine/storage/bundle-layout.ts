import path from 'node:path';

export const VM_JSON = 'vm.json';
export const LIBRARY_INDEX = 'library.json';
/** Folders every bundle has; see docs/ARCHITECTURE.md "A VM on disk". */
export const BUNDLE_SUBDIRS = ['disks', 'nvram', 'thumbs', 'logs'] as const;

export function vmJsonPath(bundleDir: string): string {
  return path.join(bundleDir, VM_JSON);
}
