// Packages that only some commands use (libvirt's domain XML, unattended answer files), loaded at their first use:
// imported at the top of the engine bundle they cost every engine process (each cold CLI's background engine) a
// sixth of its load time before its first start. Both ship CommonJS, so a synchronous require keeps callers sync.
import { createRequire } from 'node:module';
import type * as XmlDom from '@xmldom/xmldom';
import type JsYaml from 'js-yaml';

// Not named `require`: the build's ESM shim declares one of its own in the chunk.
const load = createRequire(import.meta.url);

export const xmldom = (): typeof XmlDom => load('@xmldom/xmldom') as typeof XmlDom;

export const jsYaml = (): typeof JsYaml => load('js-yaml') as typeof JsYaml;
