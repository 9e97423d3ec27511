import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineError, commandArgs, type VmEventBody } from '../../../../src-shared/contract/index.js';
import { JobRegistry } from '../../../../src-main/engine/jobs/job-registry.js';
import { PoolUploads, openLocalIso, uploadProgress, volumeNameFor, type UploadConnection } from '../../../../src-main/engine/libvirt/pool-upload.js';
import { buildIso } from '../iso/iso-builder.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'hangar-upload-'));
  dirs.push(d);
  return d;
}

async function failure(p: Promise<unknown>): Promise<EngineError> {
  try {
    await p;
  } catch (err) {
    return err as EngineError;
  }
  throw new Error('expected the call to fail');
}

/** A connection whose virsh answers come from `answer` (a throw is virsh failing); every call is recorded. */
function fakeConnection(answer: (args: readonly string[]) => string): UploadConnection & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    name: 'lab',
    uri: 'qemu:///system',
    calls,
    async run(args) {
      calls.push([...args]);
      return answer(args);
    },
  };
}

function uploads(): { up: PoolUploads; events: VmEventBody[]; jobs: JobRegistry } {
  const events: VmEventBody[] = [];
  const jobs = new JobRegistry();
  return { up: new PoolUploads({ env: {}, tempDir: tempDir(), jobs, emit: (_id, body) => events.push(body), log: () => undefined }), events, jobs };
}

describe('volume names', () => {
  it('takes a plain file name, and refuses "/", "..", a leading dot and control characters (the contract and the default name alike)', () => {
    const schema = commandArgs['pool.upload'];
    expect(schema.safeParse({ path: '/x.iso', name: 'debian-12.iso' }).success).toBe(true);
    for (const [name, why] of [['a/b.iso', /without "\/"/], ['..', /must not start with "\."/], ['.hidden.iso', /must not start with "\."/], ['evil\n.iso', /control characters/], ['tab\t.iso', /control characters/], ['', /at least 1|>=1|too small/i]] as const) {
      const r = schema.safeParse({ path: '/x.iso', name });
      expect(r.success, name).toBe(false);
      expect(r.error!.issues[0]!.message).toMatch(why);
    }
    expect(volumeNameFor('/home/me/isos/debian.iso', undefined)).toBe('debian.iso');
    expect(() => volumeNameFor('/home/me/.hidden.iso', undefined)).toThrow(/the file's name "\.hidden\.iso" cannot name a volume .*: give one with --name/);
    expect(volumeNameFor('/home/me/.hidden.iso', 'visible.iso')).toBe('visible.iso');
  });

  it('refuses a pool name that is not one', () => {
    const schema = commandArgs['pool.upload'];
    for (const pool of ['../x', '-rf', 'a b', 'x\n']) expect(schema.safeParse({ path: '/x.iso', pool }).success, pool).toBe(false);
    expect(schema.safeParse({ path: '/x.iso', pool: 'images-2' }).success).toBe(true);
  });
});

describe('the local file', () => {
  it('is an ISO 9660 regular file: a FIFO (never opened for its writer), a non-ISO, a system file and a relative path are refused', async () => {
    const d = tempDir();
    const iso = join(d, 'ok.iso');
    writeFileSync(iso, buildIso({ volumeId: 'OK' }));
    const opened = await openLocalIso(iso);
    expect(opened.size).toBeGreaterThan(0);
    await opened.fh.close();
    const fifo = join(d, 'pipe.iso');
    execFileSync('mkfifo', [fifo]);
    expect((await failure(openLocalIso(fifo))).message).toMatch(/is not a regular file \(a FIFO, device or folder\)/);
    writeFileSync(join(d, 'text.iso'), 'x'.repeat(64 * 1024));
    expect((await failure(openLocalIso(join(d, 'text.iso')))).message).toMatch(/is not an ISO 9660 image .*only ISOs are uploaded/);
    expect((await failure(openLocalIso('/etc/passwd'))).message).toMatch(/a system file \(under \/etc\)/);
    expect((await failure(openLocalIso('relative.iso'))).message).toMatch(/give an absolute path/);
    expect((await failure(openLocalIso(join(d, 'missing.iso')))).code).toBe('not-found');
  });
});

describe('progress', () => {
  it('one event per whole percent, never 100 before libvirt has the stream, with the speed of the last second', () => {
    let now = 0;
    const seen: Array<{ percent: number; bytesPerSecond?: number }> = [];
    const p = uploadProgress(1000, (x) => seen.push(x), () => now);
    p(5);
    p(9);
    now = 1000;
    p(500);
    p(505);
    now = 2000;
    p(1000);
    expect(seen).toEqual([{ percent: 0 }, { percent: 50, bytesPerSecond: 500 }, { percent: 99, bytesPerSecond: 500 }]);
  });
});

describe('PoolUploads', () => {
  const isoFile = (): string => {
    const path = join(tempDir(), 'small.iso');
    writeFileSync(path, buildIso({ volumeId: 'SMALL' }));
    return path;
  };

  it('refuses an unknown pool by name, listing the ones there are, before creating anything', async () => {
    const { up, events, jobs } = uploads();
    const conn = fakeConnection((a) => (a[0] === 'pool-list' ? 'default\nimages\n' : ''));
    const err = await failure(up.upload(conn, { path: isoFile(), pool: 'nope' }));
    expect(err).toMatchObject({ code: 'not-found', message: 'no active storage pool "nope" on connection "lab" (its pools: default, images)' });
    expect(conn.calls.map((c) => c[0])).toEqual(['pool-list']);
    expect(events.at(-1)).toMatchObject({ type: 'vm.job', kind: 'pool-upload', status: 'failed' });
    expect(jobs.size).toBe(0);
  });

  it('refuses a volume that exists (virsh says so at creation) and deletes nothing', async () => {
    const { up } = uploads();
    const conn = fakeConnection((a) => {
      if (a[0] === 'pool-list') return 'default\n';
      if (a[0] === 'vol-create-as') throw new EngineError('qemu-failed', "libvirt (qemu:///system): Failed to create vol small.iso; storage volume 'small.iso' exists already");
      return '';
    });
    const err = await failure(up.upload(conn, { path: isoFile() }));
    expect(err.code).toBe('exists');
    expect(err.message).toMatch(/pool "default" on connection "lab" has a volume "small\.iso" already; Hangar does not overwrite it: choose another name \(--name\)/);
    expect(conn.calls.some((c) => c[0] === 'vol-delete')).toBe(false);
  });

  it('a failure after the volume was made deletes it and says so', async () => {
    const { up, events } = uploads();
    const conn = fakeConnection((a) => {
      if (a[0] === 'pool-list') return 'default\n';
      if (a[0] === 'vol-path') throw new EngineError('io', 'cannot reach lab: Connection reset');
      return '';
    });
    const err = await failure(up.upload(conn, { path: isoFile(), name: 'x.iso' }));
    expect(err.message).toBe('cannot reach lab: Connection reset; the half-written volume "x.iso" was deleted');
    expect(conn.calls.find((c) => c[0] === 'vol-create-as')).toEqual(['vol-create-as', '--pool=default', '--name=x.iso', expect.stringMatching(/^--capacity=\d+$/), '--allocation=0', '--format=raw']);
    expect(conn.calls.at(-1)).toEqual(['vol-delete', '--pool=default', '--vol=x.iso']);
    expect(events.at(-1)).toMatchObject({ status: 'failed', error: err.message });
  });

  it('job.cancel on a connection reaches its uploads only', () => {
    const { up } = uploads();
    expect(() => up.cancel('someone-elses-job')).toThrow(/no running upload someone-elses-job on this connection/);
    expect(up.owns('someone-elses-job')).toBe(false);
  });
});
