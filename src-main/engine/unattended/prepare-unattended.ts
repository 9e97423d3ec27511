import { access, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../../../src-shared/contract/errors.js';
import type { UnattendedMethod } from '../../../src-shared/os-downloads/types.js';
import type { UnattendedAnswers } from '../../../src-shared/unattended/answers.js';
import { buildIso, type IsoFileInput } from '../iso/iso-writer.js';
import { IsoError } from '../iso/iso9660.js';
import { writeFileAtomic } from '../storage/atomic-write.js';
import { checkAutounattend, parseKickstart, parsePreseed } from './answer-structure.js';
import { findInstallerBoot, methodForOs, type InstallerBoot } from './boot-files.js';
import { buildNewcCpio } from './newc-cpio.js';
import { INITRD_FILE, KERNEL_FILE, UNATTENDED_DIR } from './unattended-files.js';
import { AnswerFileError, renderAnswerFile, type AnswerFile } from './render-answers.js';


/** Where distributions put the virtio-win drivers ISO (Fedora's virtio-win package); attached for Windows when present. */
export const VIRTIO_WIN_ISOS = ['/usr/share/virtio-win/virtio-win.iso'];

export interface UnattendedPlan {
  method: UnattendedMethod;
  answerFile: AnswerFile;
  /** The installer's kernel + initrd, booted directly with `append` (null: the installer boots from its CD as usual). */
  boot: InstallerBoot | null;
  append: string;
  /** Small CDs Hangar builds: the answer file where the installer looks for it. */
  seeds: Array<{ file: string; volumeId: string; files: IsoFileInput[] }>;
  /** Other media to attach (the virtio-win drivers for Windows). */
  extraIsos: string[];
}

/** `hd:LABEL=` takes a volume label with spaces and odd characters as \xNN (dracut's rule). */
const labelArg = (label: string) => label.replace(/[^A-Za-z0-9_.-]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** The engine checks its own output before writing it: a file its structural check refuses is a bug, never sent to an installer. */
function selfCheck(file: AnswerFile): void {
  if (file.method === 'preseed') parsePreseed(file.text);
  else if (file.method === 'kickstart') parseKickstart(file.text);
  else if (file.method === 'autounattend') checkAutounattend(file.text);
}

/**
 * Everything `vm.create --unattended` decides before it writes a byte: the method (given, or from the
 * detected OS), the rendered answer file, the installer's kernel/initrd where it needs boot parameters.
 * Bad answers or an ISO without a bootable installer are refused here, so a refused create leaves nothing.
 */
export async function planUnattended(input: { iso: string; volumeId: string; answers: UnattendedAnswers; detectedOsId?: string }): Promise<UnattendedPlan> {
  const method = input.answers.method ?? methodForOs(input.detectedOsId);
  if (!method) {
    throw new EngineError('invalid-args', `cannot tell which installer ${input.iso} holds${input.detectedOsId ? ` (detected: ${input.detectedOsId})` : ''}, so Hangar does not know how to answer it; give the method (preseed, autoinstall, kickstart or autounattend)`, { field: 'unattended.method' });
  }
  let answerFile: AnswerFile;
  try {
    answerFile = renderAnswerFile(method, input.answers);
  } catch (err) {
    if (err instanceof AnswerFileError) throw new EngineError('invalid-args', err.message, { field: `unattended.${err.field}` });
    throw err;
  }
  selfCheck(answerFile);
  const a = input.answers;
  const seeds: UnattendedPlan['seeds'] = [];
  let append = '';
  let needsBoot = true;
  switch (method) {
    case 'preseed':
      // d-i reads /preseed.cfg from the initrd by itself; these answer the questions asked before it is read.
      append = `auto=true priority=critical locale=${a.language}.UTF-8 keymap=${a.keyboard} hostname=${a.hostname} domain=`;
      break;
    case 'kickstart':
      append = `inst.stage2=hd:LABEL=${labelArg(input.volumeId)} inst.ks=hd:LABEL=OEMDRV:/ks.cfg`;
      seeds.push({ file: 'oemdrv.iso', volumeId: 'OEMDRV', files: [{ name: 'ks.cfg', data: answerFile.text }] });
      break;
    case 'autoinstall':
      append = 'autoinstall';
      seeds.push({ file: 'cidata.iso', volumeId: 'cidata', files: [{ name: 'user-data', data: answerFile.text }, { name: 'meta-data', data: `instance-id: hangar-${a.hostname}\nlocal-hostname: ${a.hostname}\n` }] });
      break;
    case 'autounattend':
      needsBoot = false;
      seeds.push({ file: 'autounattend.iso', volumeId: 'UNATTEND', files: [{ name: 'autounattend.xml', data: answerFile.text }] });
      break;
  }
  let boot: InstallerBoot | null = null;
  if (needsBoot) {
    try {
      boot = await findInstallerBoot(input.iso, method);
    } catch (err) {
      if (err instanceof IsoError) throw new EngineError('invalid-args', `cannot read the installer's kernel from ${input.iso}: ${err.message}`, { field: 'iso' });
      throw err;
    }
    if (!boot) throw new EngineError('invalid-args', `${input.iso} holds no installer kernel and initrd Hangar knows how to boot for ${method} (looked for the ${method} layout and an isolinux entry)`, { field: 'iso' });
  }
  const extraIsos: string[] = [];
  if (method === 'autounattend') {
    for (const p of VIRTIO_WIN_ISOS) if (await access(p).then(() => true, () => false)) extraIsos.push(p);
  }
  const fullAppend = [boot?.append ?? '', append].filter((s) => s !== '').join(' ');
  if (/[\0\n\r]/.test(fullAppend) || fullAppend.length > 2048) throw new EngineError('invalid-args', 'the installer kernel command line is not usable (line break or longer than 2048 bytes)', { field: 'iso' });
  return { method, answerFile, boot, append: fullAppend, seeds: seeds.map((s) => ({ ...s, files: s.files })), extraIsos };
}

/**
 * Writes the plan into `<bundle>/unattended/`: the kernel, the initrd (for preseed with the answer file
 * appended as a cpio archive), the answer file itself (0600: it holds the password hash) and the seed CDs.
 * Returns the seed CDs' paths relative to the bundle, for the document's CD drives.
 */
export async function writeUnattended(bundleDir: string, plan: UnattendedPlan): Promise<{ seedPaths: string[] }> {
  const dir = join(bundleDir, UNATTENDED_DIR);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  try {
    await writeFileAtomic(join(dir, plan.answerFile.fileName), plan.answerFile.text, { mode: 0o600 });
    if (plan.boot) {
      await writeFileAtomic(join(dir, KERNEL_FILE), plan.boot.kernel);
      // The kernel reads a following archive only at a 4-byte aligned offset (zeros between archives are skipped).
      const pad = Buffer.alloc((4 - (plan.boot.initrd.length % 4)) % 4);
      const extra = plan.method === 'preseed' ? [pad, buildNewcCpio([{ name: 'preseed.cfg', data: Buffer.from(plan.answerFile.text, 'utf8'), mode: 0o600 }])] : [];
      await writeFileAtomic(join(dir, INITRD_FILE), Buffer.concat([plan.boot.initrd, ...extra]), { mode: 0o600 });
    }
    const seedPaths: string[] = [];
    for (const s of plan.seeds) {
      await writeFileAtomic(join(dir, s.file), buildIso({ volumeId: s.volumeId, files: s.files }), { mode: 0o600 });
      seedPaths.push(`${UNATTENDED_DIR}/${s.file}`);
    }
    return { seedPaths };
  } catch (err) {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}
