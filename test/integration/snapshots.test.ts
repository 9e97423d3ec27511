import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePaths, markers, settledGlyphCount } from '../helpers/fixtures.js';
import { serialWait, stateWait, useEngineEnv, keyRowGlyphs, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';
import type { EngineError, SnapshotTree, VmEvent } from '../../src-shared/contract/index.js';
import { spawnHangar as hangarCli } from '../helpers/cli-runner.js';
import { runJob } from '../../src-main/engine/qmp/qmp-jobs.js';

/** Tags `qemu-img snapshot -l -U` lists for an image. */
function imageTags(path: string): string[] {
  const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', '-U', path], { encoding: 'utf8' })) as { snapshots?: Array<{ name: string }> };
  return (info.snapshots ?? []).map((s) => s.name).sort();
}

const byName = (tree: SnapshotTree, name: string) => {
  const n = tree.snapshots.find((s) => s.name === name);
  if (!n) throw new Error(`no snapshot "${name}" in ${JSON.stringify(tree.snapshots.map((s) => s.name))}`);
  return n;
};

const timings: Record<string, number[]> = {};
async function timed<T>(what: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await f();
  (timings[what] ??= []).push(performance.now() - t0);
  return r;
}

describe('snapshots against real QEMU (TCG)', () => {
  let t: TestEnv;
  let e: OpenedEngine;
  useEngineEnv((env, engine) => ((t = env), (e = engine)), {
    orphanMessage: 'no QEMU process may outlive the suite',
    afterCleanup: () => {
      const summary = Object.entries(timings).map(([k, v]) => `${k}: ${v.map((x) => x.toFixed(0)).join(', ')} ms`);
      console.log(`snapshot timings (wall, engine call):\n  ${summary.join('\n  ')}`);
    },
  });

  /** The glyph count settles once the guest has drawn (serial may be printed first). */
  async function expectGlyphs(vmId: string, n: number): Promise<void> {
    // TCG on a loaded 2-core machine: the guest may draw late.
    expect(await settledGlyphCount(() => keyRowGlyphs(e, vmId, t.root), n, 60_000), 'glyphs in the key row').toBe(n);
  }

  describe('BIOS VM (boot.img converted to qcow2)', () => {
    let id: string;
    let disk: string;
    let bundleDir: string;

    beforeAll(async () => {
      disk = join(t.root, 'boot.qcow2');
      execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', fixturePaths.bootImg, disk]);
      const r = await e.client.call('vm.create', { name: 'snap bios', existingDisk: disk, memoryMiB: 64, cpus: 1 });
      id = r.id;
      bundleDir = r.bundleDir;
    });

    it('takes A and B live, restores each (the screen comes back), branches C from A, deletes A', async () => {
      await serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id }));
      await serialWait(e.client, id, 'KEY:a', () => e.client.call('vm.typeText', { vm: id, text: 'a' }));
      await expectGlyphs(id, 1);

      const seen: VmEvent[] = [];
      const off = e.client.onEvent((ev) => {
        if ('vmId' in ev && ev.vmId === id && (ev.type === 'vm.state' || ev.type === 'vm.job' || ev.type === 'vm.snapshots')) seen.push(ev);
      });
      const a = await timed('take (64 MiB, BIOS)', () => e.client.call('snapshot.take', { vm: id, name: 'A', description: 'one key' }));
      off();
      expect(a.snapshot).toMatchObject({ name: 'A', description: 'one key', withRam: true, parentId: null, devices: ['disk0'], thumbnail: `thumbs/snap-${a.snapshot.id}.png` });
      // The take's answer skips a second image query: the vmstate size comes with the next list.
      expect(byName(await e.client.call('snapshot.list', { vm: id }), 'A').vmStateSize).toBeGreaterThan(0);
      expect(a.tree.currentId).toBe(a.snapshot.id);
      // The PNG is made from a raw screendump after the reply; snapshot.thumbnail waits for it.
      const thumb = await e.client.call('snapshot.thumbnail', { vm: id, snapshot: 'A' });
      expect(Buffer.from(thumb.pngBase64, 'base64').subarray(1, 4).toString()).toBe('PNG');
      expect(readFileSync(join(bundleDir, a.snapshot.thumbnail!)).subarray(1, 4).toString()).toBe('PNG');
      expect(existsSync(join(bundleDir, a.snapshot.thumbnail!.replace(/\.png$/, '.ppm')))).toBe(false);
      // saving, then back to running; a job that ran and concluded; the tree changed.
      expect(seen.filter((s) => s.type === 'vm.state').map((s) => s.type === 'vm.state' && s.state.kind)).toEqual(['saving', 'running']);
      expect(seen.filter((s) => s.type === 'vm.job').map((s) => s.type === 'vm.job' && s.status)).toEqual(['running', 'concluded']);
      expect(seen.some((s) => s.type === 'vm.snapshots')).toBe(true);
      expect((await e.client.call('vm.get', { vm: id })).state.kind).toBe('running');

      await serialWait(e.client, id, 'KEY:b', () => e.client.call('vm.typeText', { vm: id, text: 'b' }));
      const b = await timed('take (64 MiB, BIOS)', () => e.client.call('snapshot.take', { vm: id, name: 'B' }));
      expect(b.snapshot.parentId).toBe(a.snapshot.id);
      await expectGlyphs(id, 2);

      const ra = await timed('restore (64 MiB, BIOS)', () => e.client.call('snapshot.restore', { vm: id, snapshot: 'A' }));
      expect(ra.state.kind).toBe('running');
      expect(ra.pendingRamRestore).toBe(false);
      expect(ra.tree.currentId).toBe(a.snapshot.id);
      await expectGlyphs(id, 1);

      await timed('restore (64 MiB, BIOS)', () => e.client.call('snapshot.restore', { vm: id, snapshot: b.snapshot.id }));
      await expectGlyphs(id, 2);

      // Branch: back to A, type c, take C: its parent is A (the current snapshot), not B.
      await e.client.call('snapshot.restore', { vm: id, snapshot: 'A' });
      await serialWait(e.client, id, 'KEY:c', () => e.client.call('vm.typeText', { vm: id, text: 'c' }));
      const c = await e.client.call('snapshot.take', { vm: id, name: 'C' });
      expect(c.snapshot.parentId).toBe(a.snapshot.id);
      await expectGlyphs(id, 2);

      // Delete A (running): its children move to its parent (the root), its tag leaves the image.
      const d = await e.client.call('snapshot.delete', { vm: id, snapshot: 'A' });
      expect(d.tree.snapshots.map((s) => s.name).sort()).toEqual(['B', 'C']);
      expect(byName(d.tree, 'B').parentId).toBeNull();
      expect(byName(d.tree, 'C').parentId).toBeNull();
      expect(d.tree.currentId).toBe(c.snapshot.id);
      expect(existsSync(join(bundleDir, a.snapshot.thumbnail!))).toBe(false);
      expect(imageTags(disk)).toEqual([b.snapshot.tag, c.snapshot.tag].sort());

      const stopped = stateWait(e.client, id, 'stopped');
      await e.client.call('vm.forceOff', { vm: id });
      await stopped;
    });

    it('offline: takes a disk-only snapshot, restores it and a with-RAM one (resumed on the next start), deletes; the CLI shows the tree', async () => {
      expect((await e.client.call('vm.get', { vm: id })).state.kind).toBe('stopped');
      const dSnap = await timed('take offline (qemu-img)', () => e.client.call('snapshot.take', { vm: id, name: 'D offline', description: 'stopped' }));
      expect(dSnap.snapshot).toMatchObject({ withRam: false, thumbnail: null, devices: ['disk0'] });
      expect(dSnap.snapshot.parentId).toBe(byName(dSnap.tree, 'C').id);
      expect((await e.client.call('vm.get', { vm: id })).state.kind).toBe('stopped');
      await expect(e.client.call('snapshot.take', { vm: id, name: 'with ram', withRam: true })).rejects.toMatchObject({ code: 'invalid-state' });
      await expect(e.client.call('snapshot.take', { vm: id, name: 'D offline' })).rejects.toMatchObject({ code: 'exists' });

      // The CLI (built bundle) talks to this engine over its control socket.
      const listed = await hangarCli(t, 'snapshot', 'list', id);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(/^- B {2}\(RAM/m);
      expect(listed.stdout).toMatch(/^- C {2}\(RAM.*\n {2}\* D offline {2}\(disks only.*<- current\n {4}> Current state/m);
      const json = JSON.parse((await hangarCli(t, 'snapshot', 'list', id, '--json')).stdout) as SnapshotTree;
      expect(byName(json, 'D offline').withRam).toBe(false);

      // Restore B while stopped: disks now, RAM on the next start (no boot: the guest resumes with "ab" on screen).
      const rb = await e.client.call('snapshot.restore', { vm: id, snapshot: 'B' });
      expect(rb.pendingRamRestore).toBe(true);
      expect(rb.state.kind).toBe('stopped');
      expect(rb.tree.pendingRamRestore).toBe(byName(rb.tree, 'B').tag);
      let serial = '';
      const offSerial = e.client.onEvent((ev) => {
        if (ev.type === 'vm.serial' && ev.vmId === id) serial += ev.data;
      });
      await e.client.call('vm.console.attach', { vm: id, tailBytes: 0 });
      await e.client.call('vm.start', { vm: id });
      await expectGlyphs(id, 2);
      await serialWait(e.client, id, 'KEY:x', () => e.client.call('vm.typeText', { vm: id, text: 'x' }));
      offSerial();
      expect(serial).not.toContain(markers.bootOk);
      expect((await e.client.call('snapshot.list', { vm: id })).pendingRamRestore).toBeNull();
      const stopped = stateWait(e.client, id, 'stopped');
      await e.client.call('vm.forceOff', { vm: id });
      await stopped;

      const restored = await hangarCli(t, 'snapshot', 'restore', id, 'D offline');
      expect(restored).toMatchObject({ code: 0, stderr: '' });
      expect((await e.client.call('snapshot.list', { vm: id })).currentId).toBe(dSnap.snapshot.id);
      expect((await hangarCli(t, 'snapshot', 'delete', id, 'D offline')).code).toBe(0);
      const after = await e.client.call('snapshot.list', { vm: id });
      expect(after.snapshots.map((s) => s.name).sort()).toEqual(['B', 'C']);
      expect(after.currentId).toBe(byName(after, 'C').id);
      expect(imageTags(disk)).toEqual([byName(after, 'B').tag, byName(after, 'C').tag].sort());
    });

    it('a RAM restore of a disk-only snapshot is refused before QEMU stops the VM; a snapshot missing from the image is flagged and refused', async () => {
      const e1 = await e.client.call('snapshot.take', { vm: id, name: 'E disk only' });
      // Corrupt the metadata: claim E has RAM, so a live restore is attempted.
      const file = join(bundleDir, 'snapshots.json');
      const meta = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Array<{ id: string; withRam: boolean; tag: string }> };
      meta.nodes.find((n) => n.id === e1.snapshot.id)!.withRam = true;
      writeFileSync(file, JSON.stringify(meta));

      await serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id }));
      // QEMU would stop the VM first and leave it paused ("restore-vm"): the image's vmstate size tells beforehand.
      const err = (await e.client.call('snapshot.restore', { vm: id, snapshot: 'E disk only' }).catch((x: EngineError) => x)) as EngineError;
      expect(err).toMatchObject({ code: 'invalid-state' });
      expect(err.message).toMatch(/holds no memory state in disk0 \(a disk-only snapshot\)/);
      const status = await e.engine.sessions.get(id)!.qmp.execute('query-status');
      expect(status).toMatchObject({ running: true, status: 'running' });
      expect((await e.client.call('vm.get', { vm: id })).state.kind).toBe('running');
      await serialWait(e.client, id, 'KEY:q', () => e.client.call('vm.typeText', { vm: id, text: 'q' }));

      // Metadata whose tag is not in the image: flagged missing, the real tag shows up as an orphan; restore refused.
      const meta2 = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Array<{ name: string; tag: string }> };
      const bNode = meta2.nodes.find((n) => n.name === 'B')!;
      const realTag = bNode.tag;
      bNode.tag = 'no-such-tag';
      writeFileSync(file, JSON.stringify(meta2));
      const tree = await e.client.call('snapshot.list', { vm: id });
      expect(byName(tree, 'B')).toMatchObject({ missing: true, missingIn: ['disk0'] });
      expect(byName(tree, realTag)).toMatchObject({ orphan: true, parentId: null, withRam: true, tag: realTag });
      const orphanId = byName(tree, realTag).id;
      await expect(e.client.call('snapshot.restore', { vm: id, snapshot: 'B' })).rejects.toMatchObject({ code: 'invalid-state' });
      expect((await e.client.call('vm.get', { vm: id })).state.kind).toBe('running');
      // The adopted orphan is a full node: it restores (live) like any other.
      const ro = await e.client.call('snapshot.restore', { vm: id, snapshot: orphanId });
      expect(ro.state.kind).toBe('running');
      await expectGlyphs(id, 2);
      // Deleting the flagged node only drops metadata (no image holds its tag).
      await e.client.call('snapshot.delete', { vm: id, snapshot: 'B' });
      expect(imageTags(disk)).toContain(realTag);

      const stopped = stateWait(e.client, id, 'stopped');
      await e.client.call('vm.forceOff', { vm: id });
      await stopped;
    });
  });

  it('refuses a raw disk with a clear reason', async () => {
    const raw = join(t.root, 'raw.img');
    execFileSync('cp', [fixturePaths.bootImg, raw]);
    const { id } = await e.client.call('vm.create', { name: 'raw disk', existingDisk: raw, memoryMiB: 64 });
    const err = (await e.client.call('snapshot.take', { vm: id, name: 'x' }).catch((x: EngineError) => x)) as EngineError;
    expect(err).toMatchObject({ code: 'invalid-state' });
    expect(err.message).toBe('snapshots need qcow2 disks: disk0 is raw — convert it first (qemu-img convert -O qcow2), or make it read-only');
    const noDisk = await e.client.call('vm.create', { name: 'no disk', iso: fixturePaths.linuxIso, memoryMiB: 64 });
    await expect(e.client.call('snapshot.take', { vm: noDisk.id, name: 'x' })).rejects.toThrow(/need a writable qcow2 disk.*no disk/);
  });

  describe('UEFI VM (OVMF, Linux ISO + blank qcow2 disk)', () => {
    it('live tree with the UEFI vars in every snapshot; guest state checked on serial', async () => {
      const host = await e.client.call('host.info', {});
      if (!host.uefiAvailable) throw new Error('OVMF is needed for this test');
      const { id, bundleDir } = await e.client.call('vm.create', { name: 'snap uefi', iso: fixturePaths.linuxIso, diskSizeGiB: 1, firmware: 'uefi', memoryMiB: 256, cpus: 1 });
      const disk = join(bundleDir, 'disks', 'disk0.qcow2');
      const nvram = join(bundleDir, 'nvram', 'efivars.qcow2');
      await serialWait(e.client, id, markers.linuxReady, () => e.client.call('vm.start', { vm: id }), 120_000);
      const write = (data: string) => e.client.call('vm.console.write', { vm: id, data });
      const echo = (line: string, partial: string) => serialWait(e.client, id, `ECHO:${line}`, () => write(partial));
      await echo('one', 'one\n');

      // The guest's tty line buffer is guest state: "alpha" typed but not yet entered when A is taken.
      await write('alpha');
      const a = await timed('take (256 MiB, UEFI)', () => e.client.call('snapshot.take', { vm: id, name: 'A' }));
      expect(a.snapshot.devices).toEqual(['disk0', 'pflash1']);
      expect(imageTags(nvram)).toEqual([a.snapshot.tag]);
      expect(imageTags(disk)).toEqual([a.snapshot.tag]);
      await echo('alpha-one', '-one\n');
      await write('beta');
      const b = await timed('take (256 MiB, UEFI)', () => e.client.call('snapshot.take', { vm: id, name: 'B' }));
      expect(b.snapshot.parentId).toBe(a.snapshot.id);

      await timed('restore (256 MiB, UEFI)', () => e.client.call('snapshot.restore', { vm: id, snapshot: 'A' }));
      await echo('alpha-x', '-x\n');
      await timed('restore (256 MiB, UEFI)', () => e.client.call('snapshot.restore', { vm: id, snapshot: 'B' }));
      await echo('beta-y', '-y\n');

      await e.client.call('snapshot.restore', { vm: id, snapshot: 'A' });
      await write('-c');
      const c = await e.client.call('snapshot.take', { vm: id, name: 'C' });
      expect(c.snapshot.parentId).toBe(a.snapshot.id);
      await echo('alpha-c', '\n');

      // Bare QMP on the same guest, for the overhead comparison (same job, no Hangar around it).
      const qmp = e.engine.sessions.get(id)!.qmp;
      for (let i = 0; i < 2; i++) {
        await timed('bare QMP snapshot-save (256 MiB, UEFI)', () => runJob(qmp, 'snapshot-save', { 'job-id': `bench-s${i}`, tag: 'bench', vmstate: 'disk0', devices: ['disk0', 'pflash1'] }));
        await timed('bare QMP snapshot-load (256 MiB, UEFI)', () => runJob(qmp, 'snapshot-load', { 'job-id': `bench-l${i}`, tag: 'bench', vmstate: 'disk0', devices: ['disk0', 'pflash1'] }));
        await runJob(qmp, 'snapshot-delete', { 'job-id': `bench-d${i}`, tag: 'bench', devices: ['disk0', 'pflash1'] });
      }

      const d = await e.client.call('snapshot.delete', { vm: id, snapshot: 'A' });
      expect(byName(d.tree, 'B').parentId).toBeNull();
      expect(byName(d.tree, 'C').parentId).toBeNull();
      expect(d.tree.snapshots.some((s) => s.missing || s.orphan)).toBe(false);
      const want = [b.snapshot.tag, c.snapshot.tag].sort();
      expect(imageTags(disk)).toEqual(want);
      expect(imageTags(nvram)).toEqual(want);

      // Disk-only live snapshot (crash-consistent, one transaction), then delete.
      const n = await e.client.call('snapshot.take', { vm: id, name: 'no ram', withRam: false });
      expect(n.snapshot).toMatchObject({ withRam: false, devices: ['disk0', 'pflash1'] });
      await expect(e.client.call('snapshot.restore', { vm: id, snapshot: 'no ram' })).rejects.toThrow(/disk-only snapshot: shut .* down/);
      await e.client.call('snapshot.delete', { vm: id, snapshot: 'no ram' });
      await echo('still-here', 'still-here\n');

      const stopped = stateWait(e.client, id, 'stopped');
      await e.client.call('vm.forceOff', { vm: id });
      await stopped;
      expect(imageTags(nvram)).toEqual(want);
    });
  });
});
