import type { UnattendedMethod } from '../../../src-shared/os-downloads/types.js';
import { readIsoFileBytes } from '../iso/iso-files.js';
import { IsoError } from '../iso/iso9660.js';

/** Which answer format an installer takes, from the OS the ISO was detected as (os-catalog ids). */
export function methodForOs(osId: string | undefined): UnattendedMethod | null {
  if (!osId) return null;
  if (/^debian/.test(osId)) return 'preseed';
  if (/^ubuntu/.test(osId)) return 'autoinstall';
  if (/^(fedora|rhel|centos|almalinux|rocky)/.test(osId)) return 'kickstart';
  if (/^win(10|11)/.test(osId)) return 'autounattend';
  return null;
}

/** Where each family's installer ISO keeps the kernel and initrd it boots (amd64). */
const KNOWN_PATHS: Record<UnattendedMethod, ReadonlyArray<readonly [string, string]>> = {
  preseed: [['install.amd/vmlinuz', 'install.amd/initrd.gz'], ['install/vmlinuz', 'install/initrd.gz']],
  autoinstall: [['casper/vmlinuz', 'casper/initrd'], ['casper/hwe-vmlinuz', 'casper/hwe-initrd']],
  kickstart: [['images/pxeboot/vmlinuz', 'images/pxeboot/initrd.img'], ['isolinux/vmlinuz', 'isolinux/initrd.img']],
  autounattend: [],
};

export interface IsolinuxBoot {
  kernel: string;
  initrd: string;
  append: string;
}

/**
 * The default entry of an isolinux/syslinux config: its KERNEL (or LINUX), INITRD (or `initrd=` in APPEND)
 * and the rest of APPEND. For installers whose layout is not one of the known ones (and the test installer).
 */
export function parseIsolinuxDefault(cfg: string): IsolinuxBoot | null {
  const lines = cfg.split(/\r?\n/).map((l) => l.trim());
  const def = lines.find((l) => /^default\s+/i.test(l))?.split(/\s+/)[1];
  const labels: Array<{ name: string; kv: Map<string, string> }> = [];
  for (const l of lines) {
    const m = /^(\S+)\s*(.*)$/.exec(l);
    if (!m || l.startsWith('#')) continue;
    const key = m[1]!.toLowerCase();
    if (key === 'label') labels.push({ name: m[2]!, kv: new Map() });
    else if (labels.length > 0 && ['kernel', 'linux', 'initrd', 'append'].includes(key)) labels.at(-1)!.kv.set(key === 'linux' ? 'kernel' : key, m[2]!);
  }
  const pick = labels.find((l) => l.name === def) ?? labels[0];
  const kernel = pick?.kv.get('kernel');
  if (!pick || !kernel) return null;
  const words = (pick.kv.get('append') ?? '').split(/\s+/).filter((w) => w !== '');
  const fromAppend = words.find((w) => w.startsWith('initrd='))?.slice('initrd='.length).split(',')[0];
  const initrd = pick.kv.get('initrd') ?? fromAppend;
  if (!initrd) return null;
  return { kernel, initrd, append: words.filter((w) => !w.startsWith('initrd=')).join(' ') };
}

export interface InstallerBoot {
  kernel: Buffer;
  initrd: Buffer;
  /** The installer's own kernel arguments (from its boot config), kept in front of Hangar's. */
  append: string;
}

const notFound = (err: unknown) => err instanceof IsoError && err.kind === 'not-found';

/** The installer's kernel and initrd, read out of the ISO; null when the ISO has neither a known layout nor an isolinux entry. */
export async function findInstallerBoot(iso: string, method: UnattendedMethod): Promise<InstallerBoot | null> {
  for (const [k, i] of KNOWN_PATHS[method]) {
    try {
      return { kernel: await readIsoFileBytes(iso, k), initrd: await readIsoFileBytes(iso, i), append: '' };
    } catch (err) {
      if (!notFound(err)) throw err;
    }
  }
  for (const cfg of ['isolinux/isolinux.cfg', 'isolinux/txt.cfg', 'syslinux/syslinux.cfg', 'boot/isolinux/isolinux.cfg']) {
    let text: string;
    try {
      text = (await readIsoFileBytes(iso, cfg)).toString('utf8');
    } catch (err) {
      if (notFound(err)) continue;
      throw err;
    }
    const entry = parseIsolinuxDefault(text);
    if (!entry) continue;
    // Paths in the config are absolute on the CD, or relative to the config's folder.
    const resolve = (p: string) => (p.startsWith('/') ? p : `${cfg.slice(0, cfg.lastIndexOf('/') + 1)}${p}`);
    try {
      return { kernel: await readIsoFileBytes(iso, resolve(entry.kernel)), initrd: await readIsoFileBytes(iso, resolve(entry.initrd)), append: entry.append };
    } catch (err) {
      if (!notFound(err)) throw err;
    }
  }
  return null;
}
