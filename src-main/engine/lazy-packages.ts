// Packages that only some commands use (libvirt's domain XML, unattended answer files), loaded at their first use:
// imported at the top of the engine bundle they cost every engine process (each cold CLI's background engine) a
// sixth of its load time before its first start. Both ship CommonJS, so a synchronous require keeps callers sync.
import { createRequire } from 'node:module';

// Not named `require`: the build's ESM shim declares one of its own in the chunk.
const load = createRequire(import.meta.url);

export const xmldom = (): typeof import('@xmldom/xmldom') => load('@xmldom/xmldom') as typeof import('@xmldom/xmldom');

export const jsYaml = (): typeof import('js-yaml').default => load('js-yaml') as typeof import('js-yaml').default;
