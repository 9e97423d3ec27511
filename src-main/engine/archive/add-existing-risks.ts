// vm.addExisting is as careful as vm.import: the same findings (foreign-parts.ts) and image checks
// (import-bundle.ts checkImages), but a folder on this computer is often the user's own, so instead of
// stripping or refusing, the engine lists what it found and adds the bundle only when told to.
import { realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../../../src-shared/contract/index.js';
import type { VmDocument } from '../../../src-shared/vm-document/index.js';
import { isInside } from '../disks/disk-rules.js';
import { bundleRelative, foreignParts } from './foreign-parts.js';
import { checkImages, type ImportInput } from './import-bundle.js';

type Place = 'inside' | 'outside' | 'missing';

/** Where a bundle-relative file really is: a symlink out of the bundle is outside. */
async function place(dir: string, rel: string): Promise<{ place: Place; real: string | null }> {
  const real = await realpath(join(dir, rel)).catch(() => null);
  if (real === null) return { place: 'missing', real };
  return { place: isInside(dir, real) ? 'inside' : 'outside', real };
}

/** A finding as text safe for a terminal or a dialog: control characters and bidi overrides shown as \\u escapes. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** checkImages' messages are written for archives; the finding itself follows the colon. */
function finding(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/^not an? [a-z]+ Hangar archive: /, '');
}

/**
 * Everything in the bundle at `dir` (a real path) that reaches outside it, for people: extra QEMU arguments,
 * disks and CD images that are host files, images whose backing or data files lie outside, UEFI vars too.
 */
export async function addExistingRisks(dir: string, doc: VmDocument, imageInfo: ImportInput['imageInfo']): Promise<string[]> {
  const places = new Map<string, Place>();
  const reals = new Map<string, string | null>();
  for (const p of [...doc.disks.map((d) => d.path), ...doc.cdroms.flatMap((c) => (c.path !== null ? [c.path] : []))]) {
    const rel = bundleRelative(p);
    if (rel === null || places.has(rel)) continue;
    const where = await place(dir, rel);
    places.set(rel, where.place);
    reals.set(rel, where.real);
  }
  // A missing file is not a risk (the start's pre-flight names it), only one that leads out is.
  const foreign = foreignParts(doc, (rel) => places.get(rel) !== 'outside');
  const risks: string[] = [];
  if (foreign.extraArgs.length > 0) risks.push(`extra QEMU arguments: ${foreign.extraArgs.join(' ')}`);
  for (const d of foreign.disks) risks.push(`disk ${d.id} is a file outside the bundle: ${d.path}`);
  for (const c of foreign.cdroms) risks.push(`CD drive ${c.id} holds an ISO outside the bundle: ${c.path}`);
  for (const sh of foreign.shares) risks.push(`it shares the host folder ${sh.path} with the guest (as "${sh.name}")`);
  const outsideDisks = new Set(foreign.disks.map((d) => d.id));
  // A writable disk that is one of the bundle's own files (vm.json...) would let the guest rewrite its machine.
  const disksDir = join(dir, 'disks');
  for (const d of doc.disks) {
    const real = reals.get(bundleRelative(d.path) ?? '');
    if (outsideDisks.has(d.id) || !real || isInside(disksDir, real)) continue;
    risks.push(`disk ${d.id} is ${real.slice(dir.length + 1)}, a file of the bundle outside its disks/ folder (the guest could rewrite it)`);
    outsideDisks.add(d.id);
  }
  const images = doc.disks.filter((d) => !outsideDisks.has(d.id) && places.get(bundleRelative(d.path) ?? '') === 'inside');
  // The UEFI vars are a qcow2 QEMU opens too, and the engine keeps an existing one.
  const nvram = 'nvram/efivars.qcow2';
  if (doc.firmware.type === 'uefi' && (await stat(join(dir, nvram)).catch(() => null))?.isFile()) {
    images.push({ id: 'UEFI vars', path: nvram, format: 'qcow2', bus: 'virtio', readOnly: false, discard: false });
  }
  for (const d of images) {
    // One disk at a time, so every finding is listed (checkImages stops at its first).
    await checkImages(dir, { ...doc, disks: [d] }, imageInfo).catch((err: unknown) => risks.push(finding(err)));
  }
  return risks.map(printable);
}

/** The refusal that asks: the UI shows `details.risks` in a confirm dialog, the CLI names them. */
export function needsConfirmation(name: string, risks: string[]): EngineError {
  return new EngineError(
    'needs-confirmation',
    `"${name}" reaches outside its folder: ${risks.join('; ')}. Add it only if you trust where it came from (confirm, or hangar add --accept-risks)`,
    { risks },
  );
}
