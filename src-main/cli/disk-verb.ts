import { resolve } from 'node:path';
import { EngineError, type EngineClient, type DiskInfo } from '../../src-shared/contract/index.js';
import { DISK_BUSES, DISK_FORMATS, type DiskBus, type DiskFormat } from '../../src-shared/vm-document/index.js';
import { formatBytes } from '../engine/disks/disk-rules.js';
import { withJobProgress } from './job-progress.js';

const ACTIONS = ['add', 'remove', 'resize', 'convert', 'compact', 'info'] as const;

function sizeArg(text: string | undefined, what: string): number {
  const n = Number(text);
  if (text === undefined || !Number.isFinite(n) || n <= 0) throw new EngineError('invalid-args', `${what} must be a size in GiB greater than 0 (got "${text ?? ''}")`);
  return n;
}

export function formatDiskInfo(i: DiskInfo): string {
  const lines = [`${i.disk}: ${i.filename}`, `  format:       ${i.format}`, `  virtual size: ${formatBytes(i.virtualSize)}`, `  actual size:  ${i.actualSize === null ? 'unknown' : formatBytes(i.actualSize)}`];
  if (i.backingChain.length > 1) {
    lines.push('  backing chain:');
    i.backingChain.slice(1).forEach((b, n) => lines.push(`  ${'  '.repeat(n + 1)}└ ${b.filename} (${b.format}, ${formatBytes(b.virtualSize)})`));
  }
  return `${lines.join('\n')}\n`;
}

/** `hangar disk add|remove|resize|convert|compact|info VM ...`; returns the exit code. */
export async function diskVerb(
  c: EngineClient,
  positionals: string[],
  v: Record<string, string | boolean | undefined>,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const [action, vm, disk, size] = positionals as [string, string | undefined, string | undefined, string | undefined];
  if (!(ACTIONS as readonly string[]).includes(action)) throw new EngineError('invalid-args', `unknown disk action "${action}" (${ACTIONS.join(', ')})`);
  if (!vm) throw new EngineError('invalid-args', `hangar disk ${action} needs a VM`);
  const needDisk = (): string => {
    if (!disk) throw new EngineError('invalid-args', `hangar disk ${action} needs a DISK id (e.g. disk1; see hangar info ${vm})`);
    return disk;
  };
  const json = v['json'] === true;
  switch (action) {
    case 'add': {
      const file = v['file'] as string | undefined;
      const sizeText = v['size'] as string | undefined;
      const format = v['format'] as string | undefined;
      const bus = v['bus'] as string | undefined;
      if (format !== undefined && !(DISK_FORMATS as readonly string[]).includes(format)) throw new EngineError('invalid-args', `--format must be one of ${DISK_FORMATS.join(', ')}`);
      if (bus !== undefined && !(DISK_BUSES as readonly string[]).includes(bus)) throw new EngineError('invalid-args', `--bus must be one of ${DISK_BUSES.join(', ')}`);
      if ((file === undefined) === (sizeText === undefined)) throw new EngineError('invalid-args', 'hangar disk add needs either --size GIB (a new disk) or --file PATH (an existing image)');
      const r = await c.call('disk.add', {
        vm,
        ...(file !== undefined ? { path: resolve(file) } : { sizeGiB: sizeArg(sizeText, '--size') }),
        ...(format !== undefined ? { format: format as DiskFormat } : {}),
        ...(bus !== undefined ? { bus: bus as DiskBus } : {}),
      });
      out(json ? `${JSON.stringify(r.disk, null, 2)}\n` : `${r.disk.id}\n`);
      return 0;
    }
    case 'remove': {
      const r = await c.call('disk.remove', { vm, disk: needDisk(), ...(v['delete-file'] ? { deleteFile: true } : {}) });
      if (r.deletedFile) out(`deleted ${r.deletedFile}\n`);
      return 0;
    }
    case 'resize': {
      const r = await c.call('disk.resize', { vm, disk: needDisk(), sizeGiB: sizeArg(size, 'SIZE') });
      out(`${r.disk}: ${formatBytes(r.virtualSize)}\n`);
      return 0;
    }
    case 'convert': {
      const d = needDisk();
      const r = await withJobProgress(c, err, { endLineOnError: false }, (jobId) => c.call('disk.convert', { vm, disk: d, jobId, ...(v['delete-old'] ? { deleteOld: true } : {}) }));
      out(`${r.disk.id}: ${r.disk.path} (qcow2)${r.oldDeleted ? `; deleted ${r.oldPath}` : `; the old image stays at ${r.oldPath}`}\n`);
      return 0;
    }
    case 'compact': {
      const d = needDisk();
      const r = await withJobProgress(c, err, { endLineOnError: false }, (jobId) => c.call('disk.compact', { vm, disk: d, jobId }));
      out(`${r.disk}: ${formatBytes(r.actualSizeBefore)} → ${formatBytes(r.actualSizeAfter)}\n`);
      return 0;
    }
    case 'info': {
      const r = await c.call('disk.info', { vm, disk: needDisk() });
      out(json ? `${JSON.stringify(r, null, 2)}\n` : formatDiskInfo(r));
      return 0;
    }
  }
  return 0;
}
