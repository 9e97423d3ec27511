import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineError } from '../../src-shared/contract/index.js';
import { SHRINK_REFUSAL } from '../../src-main/engine/disks/disk-rules.js';
import { builtEntry, failure, jobEventsOf, repoRoot, useEngineEnv, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';

const MiB = 1024 ** 2;

function qemuImg(...args: string[]): string {
  return execFileSync('qemu-img', args, { encoding: 'utf8' });
}

describe('disks (real qemu-img): add, remove, grow, convert, compact, info', () => {
  let t: TestEnv;
  let e: OpenedEngine;
  let id: string;
  let bundleDir: string;
  const disksOnFile = (): Array<{ id: string; path: string; format: string }> => (JSON.parse(readFileSync(join(bundleDir, 'vm.json'), 'utf8')) as { disks: Array<{ id: string; path: string; format: string }> }).disks;
  const jobEvents = (jobId: string) => jobEventsOf(e.events, jobId);

  useEngineEnv(
    (env, engine) => {
      t = env;
      e = engine;
    },
    { checkOrphans: false },
  );

  beforeAll(async () => {
    ({ id, bundleDir } = await e.client.call('vm.create', { name: 'disks', diskSizeGiB: 0.0625, memoryMiB: 64, cpus: 1 }));
  });

  it('adds a new qcow2 disk in the bundle with the next free id', async () => {
    const r = await e.client.call('disk.add', { vm: id, sizeGiB: 0.125 });
    expect(r.disk).toMatchObject({ id: 'disk1', path: 'disks/disk1.qcow2', format: 'qcow2' });
    const info = JSON.parse(qemuImg('info', '--output=json', join(bundleDir, 'disks', 'disk1.qcow2'))) as { 'virtual-size': number };
    expect(info['virtual-size']).toBe(128 * MiB);
    expect(disksOnFile().map((d) => d.id)).toEqual(['disk0', 'disk1']);
  });

  it('adds existing raw and vmdk images, detecting the format', async () => {
    const raw = join(t.root, 'data.raw');
    const vmdk = join(t.root, 'data.vmdk');
    qemuImg('create', '-q', '-f', 'raw', raw, '32M');
    qemuImg('create', '-q', '-f', 'vmdk', vmdk, '32M');
    const a = await e.client.call('disk.add', { vm: id, path: raw });
    expect(a.disk).toMatchObject({ id: 'disk2', path: raw, format: 'raw' });
    const b = await e.client.call('disk.add', { vm: id, path: vmdk });
    expect(b.disk).toMatchObject({ id: 'disk3', path: vmdk, format: 'vmdk' });
  });

  it('refuses an image format Hangar does not attach, naming it', async () => {
    const qed = join(t.root, 'old.qed');
    qemuImg('create', '-q', '-f', 'qed', qed, '16M');
    const err = await failure(e.client.call('disk.add', { vm: id, path: qed }));
    expect(err.code).toBe('invalid-args');
    expect(err.message).toMatch(/"qed" format/);
  });

  it('grows a disk and refuses to shrink it with the reason', async () => {
    const r = await e.client.call('disk.resize', { vm: id, disk: 'disk1', sizeGiB: 0.25 });
    expect(r.virtualSize).toBe(256 * MiB);
    const err = await failure(e.client.call('disk.resize', { vm: id, disk: 'disk1', sizeGiB: 0.0625 }));
    expect(err.code).toBe('invalid-args');
    expect(err.message).toContain(SHRINK_REFUSAL);
    expect((await e.client.call('disk.info', { vm: id, disk: 'disk1' })).virtualSize).toBe(256 * MiB);
  });

  it('names a missing disk id', async () => {
    const err = await failure(e.client.call('disk.resize', { vm: id, disk: 'disk9', sizeGiB: 1 }));
    expect(err.code).toBe('not-found');
    expect(err.message).toMatch(/no disk "disk9"/);
  });

  it('converts raw to qcow2 with progress, keeping the old file', async () => {
    const jobId = 'convert-raw';
    const r = await e.client.call('disk.convert', { vm: id, disk: 'disk2', jobId });
    expect(r.disk).toMatchObject({ id: 'disk2', format: 'qcow2', path: 'disks/disk2.qcow2' });
    expect(existsSync(r.oldPath)).toBe(true);
    const events = jobEvents(jobId);
    // qemu-img's own progress (beyond the 0 % the job starts with).
    expect(events.filter((x) => x.status === 'running' && (x.percent ?? 0) > 0).length).toBeGreaterThanOrEqual(1);
    expect(events.at(-1)).toMatchObject({ status: 'concluded', kind: 'disk-convert', disk: 'disk2' });
    expect(disksOnFile().find((d) => d.id === 'disk2')).toMatchObject({ format: 'qcow2', path: 'disks/disk2.qcow2' });
    expect(JSON.parse(qemuImg('info', '--output=json', join(bundleDir, 'disks', 'disk2.qcow2'))).format).toBe('qcow2');
  });

  it('a cancelled conversion leaves the document unchanged and no partial file', async () => {
    // Big enough (with real data) that qemu-img is still copying when the cancel arrives.
    const big = join(t.root, 'big.raw');
    execFileSync('dd', ['if=/dev/urandom', `of=${big}`, 'bs=1M', 'count=256', 'status=none']);
    const added = await e.client.call('disk.add', { vm: id, path: big });
    const before = readFileSync(join(bundleDir, 'vm.json'), 'utf8');
    const jobId = 'convert-cancel';
    let startRefusal: Promise<EngineError> | null = null;
    const off = e.client.onEvent((ev) => {
      if (ev.type === 'vm.job' && ev.jobId === jobId && ev.status === 'running') {
        off();
        // The machine may not start while its disk is rewritten; then cancel.
        startRefusal = failure(e.client.call('vm.start', { vm: id }));
        void startRefusal.finally(() => e.client.call('job.cancel', { jobId }));
      }
    });
    const err = await failure(e.client.call('disk.convert', { vm: id, disk: added.disk.id, jobId }));
    expect(err.code).toBe('invalid-state');
    expect(err.details?.['cancelled']).toBe(true);
    expect(await startRefusal!).toMatchObject({ code: 'busy', message: expect.stringMatching(/^cannot start ".*" while its disk disk\d+ is being converted; wait for it to finish or cancel its job$/) });
    expect(jobEvents(jobId).at(-1)).toMatchObject({ status: 'failed', cancelled: true });
    expect(readFileSync(join(bundleDir, 'vm.json'), 'utf8')).toBe(before);
    expect(readdirSync(join(bundleDir, 'disks')).filter((f) => f.includes(added.disk.id))).toEqual([]);
    await e.client.call('disk.remove', { vm: id, disk: added.disk.id });
  });

  it('compacts a qcow2 disk in place with progress', async () => {
    const jobId = 'compact-1';
    const r = await e.client.call('disk.compact', { vm: id, disk: 'disk1', jobId });
    expect(r.disk).toBe('disk1');
    expect(jobEvents(jobId).at(-1)).toMatchObject({ status: 'concluded', kind: 'disk-compact' });
    expect((await e.client.call('disk.info', { vm: id, disk: 'disk1' })).virtualSize).toBe(256 * MiB);
    expect(readdirSync(join(bundleDir, 'disks')).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('info shows the backing chain of an overlay', async () => {
    const base = join(t.root, 'base.qcow2');
    const top = join(t.root, 'top.qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', base, '64M');
    qemuImg('create', '-q', '-f', 'qcow2', '-b', base, '-F', 'qcow2', top);
    const added = await e.client.call('disk.add', { vm: id, path: top });
    const info = await e.client.call('disk.info', { vm: id, disk: added.disk.id });
    expect(info.backingChain.map((b) => b.filename)).toEqual([top, base]);
    expect(info).toMatchObject({ format: 'qcow2', virtualSize: 64 * MiB });
    expect(info.actualSize).toBeGreaterThan(0);
    const err = await failure(e.client.call('disk.compact', { vm: id, disk: added.disk.id }));
    expect(err.message).toMatch(/overlay/);
  });

  it('removes disks, deleting only files inside the bundle', async () => {
    const outside = disksOnFile().find((d) => d.format === 'vmdk')!;
    const err = await failure(e.client.call('disk.remove', { vm: id, disk: outside.id, deleteFile: true }));
    expect(err.message).toMatch(/outside the machine's folder/);
    expect(existsSync(outside.path)).toBe(true);
    await e.client.call('disk.remove', { vm: id, disk: outside.id });
    expect(existsSync(outside.path)).toBe(true);
    const r = await e.client.call('disk.remove', { vm: id, disk: 'disk1', deleteFile: true });
    expect(r.deletedFile).toBe(join(bundleDir, 'disks', 'disk1.qcow2'));
    expect(existsSync(join(bundleDir, 'disks', 'disk1.qcow2'))).toBe(false);
    expect(disksOnFile().map((d) => d.id)).not.toContain('disk1');
  });

  it('the CLI adds, grows, refuses to shrink and shows a disk through the running engine', async () => {
    builtEntry('cli');
    // Asynchronous: the engine answering the CLI runs in this process.
    const hangar = (...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [join(repoRoot, 'bin', 'hangar.js'), '--library', t.libraryDir, ...args], { env: t.env, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('exit', (code) => resolve({ status: code ?? -1, stdout, stderr }));
      });
    const added = await hangar('disk', 'add', id, '--size', '0.0625');
    expect(added.stderr).toBe('');
    const diskId = added.stdout.trim();
    expect(diskId).toMatch(/^disk\d+$/);
    expect((await hangar('disk', 'resize', id, diskId, '0.125')).stdout).toBe(`${diskId}: 128 MiB\n`);
    const shrink = await hangar('disk', 'resize', id, diskId, '0.0625');
    expect(shrink.status).toBe(2);
    expect(shrink.stderr).toContain(SHRINK_REFUSAL);
    const info = await hangar('disk', 'info', id, diskId);
    expect(info.stdout).toContain('virtual size: 128 MiB');
    expect((await hangar('disk', 'remove', id, diskId, '--delete-file')).status).toBe(0);
  });

  it('refuses a read-only disk', async () => {
    const disks = (await e.client.call('vm.get', { vm: id })).doc.disks.map((d) => (d.id === 'disk0' ? { ...d, readOnly: true } : d));
    await e.client.call('vm.update', { vm: id, patch: { disks } });
    const err = await failure(e.client.call('disk.resize', { vm: id, disk: 'disk0', sizeGiB: 1 }));
    expect(err.message).toMatch(/read-only/);
  });
});
