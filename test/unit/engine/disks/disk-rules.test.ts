import { describe, expect, it } from 'vitest';
import type { EngineError } from '../../../../src-shared/contract/index.js';
import type { VmDisk } from '../../../../src-shared/vm-document/index.js';
import { checkGrow, findDisk, giBToBytes, isInside, nextDiskId, refuseReadOnly, refuseWhileActive, SHRINK_REFUSAL } from '../../../../src-main/engine/disks/disk-rules.js';
import { JobRegistry } from '../../../../src-main/engine/jobs/job-registry.js';
import { progressThrottle } from '../../../../src-main/engine/jobs/job-events.js';
import { DiskService, type DiskHost } from '../../../../src-main/engine/disks/disk-service.js';

const disk = (id: string, extra: Partial<VmDisk> = {}): VmDisk => ({ id, path: `disks/${id}.qcow2`, format: 'qcow2', bus: 'virtio', readOnly: false, discard: true, ...extra });

function thrown(fn: () => unknown): EngineError {
  try {
    fn();
  } catch (err) {
    return err as EngineError;
  }
  throw new Error('expected a throw');
}

describe('disk rules', () => {
  it('nextDiskId: the first free diskN across disks, CD drives and leftover files', () => {
    expect(nextDiskId({ disks: [], cdroms: [] })).toBe('disk0');
    expect(nextDiskId({ disks: [disk('disk0'), disk('disk2')], cdroms: [] })).toBe('disk1');
    expect(nextDiskId({ disks: [disk('disk0')], cdroms: [{ id: 'disk1', path: null, bus: 'sata' }] })).toBe('disk2');
    expect(nextDiskId({ disks: [disk('disk0')], cdroms: [] }, (id) => id === 'disk1')).toBe('disk2');
  });

  it('findDisk names the missing id and the ones there are', () => {
    const err = thrown(() => findDisk({ name: 'vm', disks: [disk('disk0'), disk('disk1')] }, 'disk7'));
    expect(err.code).toBe('not-found');
    expect(err.message).toBe('"vm" has no disk "disk7" (it has disk0, disk1)');
  });

  it('refuses shrinking with the reason; equal or larger is fine', () => {
    const err = thrown(() => checkGrow('disk0', giBToBytes(2), giBToBytes(1)));
    expect(err.code).toBe('invalid-args');
    expect(err.message).toContain(SHRINK_REFUSAL);
    expect(err.message).toContain('2 GiB to 1 GiB');
    expect(() => checkGrow('disk0', giBToBytes(1), giBToBytes(1))).not.toThrow();
    expect(() => checkGrow('disk0', giBToBytes(1), giBToBytes(3))).not.toThrow();
  });

  it('sizes round up to whole MiB', () => {
    expect(giBToBytes(1)).toBe(1024 ** 3);
    expect(giBToBytes(0.0001)).toBe(1024 ** 2);
  });

  it('refuses read-only disks and active VMs with clear words', () => {
    expect(thrown(() => refuseReadOnly({ name: 'vm' }, disk('disk1', { readOnly: true }), 'resize')).message).toMatch(/disk1 of "vm" is read-only/);
    expect(thrown(() => refuseWhileActive('vm', { kind: 'running' })).message).toMatch(/^Shut the machine down to change its disks/);
    expect(thrown(() => refuseWhileActive('vm', { kind: 'paused' })).code).toBe('invalid-state');
    expect(() => refuseWhileActive('vm', { kind: 'stopped' })).not.toThrow();
  });

  it('isInside: only paths strictly below the folder', () => {
    expect(isInside('/lib/a.hangar', '/lib/a.hangar/disks/d.qcow2')).toBe(true);
    expect(isInside('/lib/a.hangar', '/lib/a.hangar/../b.hangar/d.qcow2')).toBe(false);
    expect(isInside('/lib/a.hangar', '/lib/a.hangar')).toBe(false);
    expect(isInside('/lib/a.hangar', '/elsewhere/d.raw')).toBe(false);
  });
});

describe('disk jobs', () => {
  it('progressThrottle reports each whole percent once (qemu-img progress parsed by qemu-img.ts)', () => {
    const seen: number[] = [];
    const on = progressThrottle((p) => seen.push(p));
    for (const percent of [0, 0.5, 1.01, 1.99, 2, 50.5, 100]) on({ percent });
    expect(seen).toEqual([0, 1, 2, 50, 100]);
  });

  it('cancel aborts the job signal; unknown ids and reused ids are refused', () => {
    const jobs = new JobRegistry();
    const j = jobs.start('job-a');
    expect(thrown(() => jobs.start('job-a')).code).toBe('exists');
    jobs.cancel('job-a');
    expect(j.signal.aborted).toBe(true);
    expect((j.signal.reason as Error).name).toBe('AbortError');
    j.done();
    expect(thrown(() => jobs.cancel('job-a')).code).toBe('not-found');
    expect(jobs.start().jobId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('DiskService argument checks', () => {
  const host: DiskHost = {
    store: {
      load: async () => {
        throw new Error('must not load');
      },
      update: async () => {
        throw new Error('must not update');
      },
    },
    stateOf: () => ({ kind: 'stopped' }),
    emit: () => undefined,
  };

  it('disk.add needs exactly one of sizeGiB and path', async () => {
    const s = new DiskService(host);
    await expect(s.add({ vm: 'x' })).rejects.toMatchObject({ code: 'invalid-args' });
    await expect(s.add({ vm: 'x', sizeGiB: 1, path: '/a.raw' })).rejects.toMatchObject({ code: 'invalid-args' });
  });
});
