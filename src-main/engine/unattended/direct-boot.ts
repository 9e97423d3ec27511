import { join } from 'node:path';
import { readInstallState } from '../install/install-state.js';
import { INITRD_FILE, KERNEL_FILE, UNATTENDED_DIR } from './unattended-files.js';

/**
 * The kernel/initrd/append an unattended install boots with, while (and only while) its install runs:
 * once the install is finished (or dropped) the machine boots from its disk like any other. The files are
 * fixed names in the bundle that the engine wrote; install.json holds no path.
 */
export async function unattendedDirectBoot(bundleDir: string): Promise<{ kernel: string; initrd: string; append: string } | null> {
  const state = await readInstallState(bundleDir);
  if (state?.phase !== 'installing' || !state.unattended?.directBoot) return null;
  const dir = join(bundleDir, UNATTENDED_DIR);
  return { kernel: join(dir, KERNEL_FILE), initrd: join(dir, INITRD_FILE), append: state.unattended.append };
}
