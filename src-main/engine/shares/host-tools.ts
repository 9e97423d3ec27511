import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** Where QEMU 7.2 (Debian's build: CONFIG_SMBD_COMMAND) runs samba's server from for `-netdev user,smb=`. */
export const SMBD_PATH = '/usr/sbin/smbd';

/** virtiofsd's homes: Debian 12's qemu-system-common (/usr/lib/qemu), the Rust daemon's (/usr/libexec), then PATH. */
export const VIRTIOFSD_PLACES = ['/usr/libexec/virtiofsd', '/usr/lib/qemu/virtiofsd'] as const;

export type CanRun = (path: string) => Promise<boolean>;

const canRun: CanRun = (p) => access(p, constants.X_OK).then(() => true, () => false);

/** True when QEMU can start smbd for an SMB share. */
export function hasSmbd(check: CanRun = canRun): Promise<boolean> {
  return check(SMBD_PATH);
}

/** The virtiofsd binary, or null (Debian 12's main archive has only the C one in qemu-system-common, if any). */
export async function findVirtiofsd(check: CanRun = canRun, pathEnv: string = process.env['PATH'] ?? ''): Promise<string | null> {
  const onPath = pathEnv.split(delimiter).filter(Boolean).map((d) => join(d, 'virtiofsd'));
  for (const p of [...VIRTIOFSD_PLACES, ...onPath]) if (await check(p)) return p;
  return null;
}
