import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../../../src-shared/contract/errors.js';
import { withAnswerDefaults, type UnattendedAnswersInput } from '../../../src-shared/unattended/answers.js';
import type { VmCdrom } from '../../../src-shared/vm-document/index.js';
import type { UnattendedInstall } from '../install/install-state.js';
import { inspectIso } from '../iso/inspect.js';
import type { BundleStore, LoadedVm } from '../storage/bundle-store.js';
import { planUnattended, writeUnattended, type UnattendedPlan } from './prepare-unattended.js';
import { UNATTENDED_DIR } from './unattended-files.js';

/**
 * vm.create's unattended part, before anything is created: it needs an installer ISO and a new blank disk,
 * an answerable installer (method given or detected), and a kernel it can boot with the answers.
 */
export async function planCreateUnattended(
  a: { iso?: string; diskSizeGiB?: number; osId?: string; firmware?: 'bios' | 'uefi'; tpm?: boolean; unattended?: UnattendedAnswersInput },
  iso: string | null,
): Promise<UnattendedPlan | null> {
  if (!a.unattended) return null;
  if (iso === null || a.diskSizeGiB === undefined) {
    throw new EngineError('invalid-args', 'an unattended install needs an installer ISO and a new disk (give iso and diskSizeGiB)', { field: 'unattended' });
  }
  const inspection = await inspectIso(iso);
  // Windows 11 Setup stops at "This PC can't run Windows 11" without UEFI and a TPM: an unattended install would just hang there.
  const win11 = (a.osId ?? inspection.detected?.osId) === 'win11';
  if (win11 && a.osId !== 'win11' && !(a.firmware === 'uefi' && a.tpm === true)) {
    throw new EngineError('invalid-args', 'Windows 11 needs UEFI firmware and a TPM: choose the Windows 11 preset (--os win11), which sets both', { field: 'osId' });
  }
  return planUnattended({ iso, volumeId: inspection.volumeId, answers: withAnswerDefaults(a.unattended), detectedOsId: a.osId ?? inspection.detected?.osId });
}

/**
 * After the machine exists: writes the kernel, initrd and answer media into its bundle and adds a CD drive
 * per seed (and the virtio-win drivers for Windows). Returns what install.json records. On failure the
 * files are removed and the error rethrown (vm.create then deletes the machine).
 */
export async function applyUnattended(store: Pick<BundleStore, 'update'>, vm: LoadedVm, plan: UnattendedPlan): Promise<{ vm: LoadedVm; record: UnattendedInstall }> {
  try {
    const { seedPaths } = await writeUnattended(vm.bundleDir, plan);
    const bus = vm.doc.cdroms[0]?.bus ?? 'sata';
    const used = new Set(vm.doc.cdroms.map((c) => c.id));
    const added: VmCdrom[] = [];
    for (const path of [...seedPaths, ...plan.extraIsos]) {
      let n = 1;
      while (used.has(`cd${n}`)) n++;
      used.add(`cd${n}`);
      added.push({ id: `cd${n}`, path, bus });
    }
    const doc = added.length > 0 ? await store.update(vm.id, (d) => ({ cdroms: [...d.cdroms, ...added] })) : vm.doc;
    return {
      vm: { ...vm, doc },
      record: { method: plan.method, directBoot: plan.boot !== null, append: plan.append, seedCdroms: added.filter((c) => c.path?.startsWith(`${UNATTENDED_DIR}/`)).map((c) => c.id) },
    };
  } catch (err) {
    await rm(join(vm.bundleDir, UNATTENDED_DIR), { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}
