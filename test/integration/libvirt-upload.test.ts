import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { VmEvent } from '../../src-shared/contract/index.js';
import { fixturePaths } from '../helpers/fixtures.js';
import { failure, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';
import { runCli } from '../helpers/cli-in-process.js';
import { removeDomain } from '../helpers/libvirt-host.js';
import { bootFixture, clientOn, dropVolume, sparseFixtureIso, useLibvirtSuite, volumeNames } from '../helpers/libvirt-suite.js';

// ISO uploads into a libvirt storage pool (pool.upload) on real libvirt: on qemu:///system and over qemu+ssh:// to a
// loopback sshd. The volume's bytes are the file's, progress events come in order, a cancel deletes the half-written
// volume, an existing volume is never overwritten, and a domain boots from the uploaded ISO.

type JobEvent = VmEvent & { type: 'vm.job' };

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('ISO upload to a libvirt storage pool', () => {
  let t: TestEnv;
  let e: OpenedEngine;
  useLibvirtSuite((s) => ({ t, e } = s), { connections: ['sys', 'loop'], sshFromStart: true });

  it.each(['sys', 'loop'])('uploads the fixture ISO on %s: the volume holds its bytes, progress comes in order, the pool lists it', async (conn) => {
    const c = clientOn(e, conn);
    const name = `hangar-up-${randomBytes(3).toString('hex')}.iso`;
    const jobId = `up-${randomBytes(4).toString('hex')}`;
    try {
      const r = await c.call('pool.upload', { path: fixturePaths.linuxIso, name, jobId });
      expect(r).toMatchObject({ jobId, pool: 'default', name, path: `/var/lib/libvirt/images/${name}`, bytes: readFileSync(fixturePaths.linuxIso).length });
      expect(sha256(r.path)).toBe(sha256(fixturePaths.linuxIso));
      const events = e.events.filter((x): x is JobEvent => x.type === 'vm.job' && x.jobId === jobId);
      expect(events.every((x) => x.kind === 'pool-upload' && x.vmId === jobId && x.connection === conn)).toBe(true);
      const percents = events.map((x) => x.percent);
      expect(percents[0]).toBe(0);
      expect(events.at(-1)).toMatchObject({ status: 'concluded', percent: 100 });
      expect(percents.filter((p) => p !== undefined && p > 0 && p < 100).length).toBeGreaterThan(5);
      expect([...percents].sort((a, b) => a! - b!)).toEqual(percents);
      const { isos } = await c.call('media.poolIsos', {});
      expect(isos.find((i) => i.name === name)).toMatchObject({ pool: 'default', path: r.path });
    } finally {
      dropVolume(name);
    }
  }, 180_000);

  it.each([
    ['sys', 'the engine (no connection)'],
    ['loop', 'the connection'],
  ])('a cancel on %s (sent to %s) stops the upload and deletes the half-written volume', async (conn, via) => {
    const c = clientOn(e, conn);
    const file = join(t.root, `big-${conn}.iso`);
    sparseFixtureIso(file, 2 * 1024 ** 3);
    const name = `hangar-cancel-${randomBytes(3).toString('hex')}.iso`;
    const jobId = `cancel-${randomBytes(4).toString('hex')}`;
    // Cancelled once a percent of it has gone: the volume exists and holds some of the bytes then.
    const off = e.client.onEvent((x) => {
      if (x.type === 'vm.job' && x.jobId === jobId && x.status === 'running' && (x.percent ?? 0) >= 1) {
        off();
        void (via === 'the connection' ? c : e.client).call('job.cancel', { jobId });
      }
    });
    const err = await failure(c.call('pool.upload', { path: file, name, jobId }));
    expect(err.message).toMatch(new RegExp(`upload of ${name.replace(/\./g, '\\.')} to "${conn}" cancelled; the half-written volume "${name.replace(/\./g, '\\.')}" was deleted`));
    expect(err.details).toMatchObject({ cancelled: true });
    expect(volumeNames()).not.toContain(name);
    expect(e.events.filter((x): x is JobEvent => x.type === 'vm.job' && x.jobId === jobId).at(-1)).toMatchObject({ status: 'failed', cancelled: true });
  }, 180_000);

  it('refuses a volume name the pool has already, leaving that volume as it was', async () => {
    const c = clientOn(e, 'sys');
    const name = `hangar-taken-${randomBytes(3).toString('hex')}.iso`;
    try {
      await c.call('pool.upload', { path: fixturePaths.linuxIso, name });
      const before = sha256(`/var/lib/libvirt/images/${name}`);
      const err = await failure(c.call('pool.upload', { path: fixturePaths.installerIso, name }));
      expect(err.code).toBe('exists');
      expect(err.message).toMatch(new RegExp(`pool "default" on connection "sys" has a volume "${name.replace(/\./g, '\\.')}" already; Hangar does not overwrite it`));
      expect(sha256(`/var/lib/libvirt/images/${name}`)).toBe(before);
    } finally {
      dropVolume(name);
    }
  }, 180_000);

  it('the CLI: pool upload with progress on stderr, then pool list shows it', async () => {
    const name = `hangar-cli-${randomBytes(3).toString('hex')}.iso`;
    const run = (...argv: string[]) => runCli(t, ...argv);
    try {
      const up = await run('--connection', 'loop', 'pool', 'upload', fixturePaths.linuxIso, '--name', name);
      expect(up.code, up.err).toBe(0);
      expect(up.err).toMatch(/Uploading \d+%/);
      expect(up.out).toBe(`/var/lib/libvirt/images/${name}\n`);
      const list = await run('--connection', 'sys', 'pool', 'list');
      expect(list.out).toMatch(new RegExp(`^default\\s+${name.replace(/\./g, '\\.')}\\s+32 MiB\\s+/var/lib/libvirt/images/${name.replace(/\./g, '\\.')}$`, 'm'));
      expect((await run('pool', 'list')).code).toBe(4);
    } finally {
      dropVolume(name);
    }
  }, 180_000);

  it('a domain created on the connection boots from the uploaded ISO', async () => {
    const c = clientOn(e, 'sys');
    const iso = `hangar-boot-${randomBytes(3).toString('hex')}.iso`;
    const vm = `hangar-up-${randomBytes(3).toString('hex')}`;
    try {
      const up = await c.call('pool.upload', { path: fixturePaths.linuxIso, name: iso });
      await bootFixture(c, vm, { iso: up.path, diskSizeGiB: 1 });
      await c.call('vm.forceOff', { vm });
      // Delete with files removes the machine's disk volume, never the ISO in its drive (uploaded, maybe shared).
      // Only this file's volumes are compared: other libvirt test files add and delete theirs in the pool meanwhile.
      const ours = (): string[] => volumeNames().filter((n) => /^hangar-(up|cancel|taken|cli|boot)-/.test(n));
      const before = ours();
      await c.call('vm.delete', { vm, files: true });
      const after = ours();
      expect(after).toContain(iso);
      expect(before.filter((n) => !after.includes(n)), JSON.stringify({ before, after })).toHaveLength(1);
      expect(before.filter((n) => !after.includes(n))[0]).toMatch(new RegExp(`^${vm}`));
    } finally {
      removeDomain(vm);
      dropVolume(iso);
    }
  }, 300_000);
});
