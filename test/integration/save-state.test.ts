import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePaths, markers, settledGlyphCount } from '../helpers/fixtures.js';
import { failure, openEngine, serialWait, stateWait, useEngineEnv, keyRowGlyphs, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';
import { spawnHangar } from '../helpers/cli-runner.js';
import { SAVED_STATE_TAG } from '../../src-main/engine/saved-state/saved-state-file.js';
import { canTransition } from '../../src-shared/vm-state.js';

/** Tags `qemu-img snapshot -l -U` lists for an image. */
function imageTags(path: string): string[] {
  const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', '-U', path], { encoding: 'utf8' })) as { snapshots?: Array<{ name: string }> };
  return (info.snapshots ?? []).map((s) => s.name).sort();
}

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('save state and disposable runs against real QEMU (TCG)', () => {
  let t: TestEnv;
  let e: OpenedEngine;
  useEngineEnv((env, engine) => ((t = env), (e = engine)), { orphanMessage: 'no QEMU process may outlive the suite', current: () => e });

  /** Closes the engine (running VMs stay, detached), runs `between`, and opens a new one on the same library. */
  async function reopen(o: { between?: () => void | Promise<void> } = {}): Promise<OpenedEngine> {
    await e.close();
    await o.between?.();
    return openEngine(t);
  }

  async function expectGlyphs(vmId: string, n: number): Promise<void> {
    // TCG on a loaded 2-core machine: the guest may draw late.
    expect(await settledGlyphCount(() => keyRowGlyphs(e, vmId, t.root), n, 60_000), 'glyphs in the key row').toBe(n);
  }

  it('stop --save suspends RAM, devices and screen to the disk; start resumes exactly there (no reboot); discard-state powers off', async () => {
    const disk = join(t.root, 'save.qcow2');
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', fixturePaths.bootImg, disk]);
    const { id, bundleDir } = await e.client.call('vm.create', { name: 'save me', existingDisk: disk, memoryMiB: 64, cpus: 1 });
    await serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id }));
    // The boot sector keeps its cursor in guest RAM and draws each key: two glyphs = two keys of state.
    await serialWait(e.client, id, 'KEY:a', () => e.client.call('vm.typeText', { vm: id, text: 'a' }));
    await serialWait(e.client, id, 'KEY:b', () => e.client.call('vm.typeText', { vm: id, text: 'b' }));
    await expectGlyphs(id, 2);
    const pid = e.engine.sessions.get(id)!.pid;

    const saved = stateWait(e.client, id, 'saved');
    const cli = await spawnHangar(t, 'stop', 'save me', '--save');
    expect(cli, 'hangar stop --save').toMatchObject({ code: 0, stderr: '' });
    const savedEvent = await saved;
    // QEMU is gone; the list shows "saved" with the time; the state is one hidden internal snapshot.
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    const listed = (await e.client.call('library.list', {})).find((v) => v.id === id)!;
    expect(listed.state).toEqual(savedEvent.type === 'vm.state' && savedEvent.state);
    expect(listed.state.kind === 'saved' && Date.now() - Date.parse(listed.state.savedAt)).toBeLessThan(120_000);
    expect(imageTags(disk)).toEqual([SAVED_STATE_TAG]);
    expect((await e.client.call('snapshot.list', { vm: id })).snapshots).toEqual([]);
    expect((await spawnHangar(t, 'list')).stdout).toMatch(/save me\s+saved/);

    // While saved: hardware the state needs is locked, with the reason; a disposable start and disk work are refused.
    const locked = await failure(e.client.call('vm.update', { vm: id, patch: { memoryMiB: 128 } }));
    expect(locked.message).toMatch(/^"save me" holds a saved state that needs its current hardware \(memoryMiB was 64, now 128\); discard the saved state first/);
    await e.client.call('vm.update', { vm: id, patch: { description: 'names and notes may change' } });
    expect((await failure(e.client.call('vm.start', { vm: id, disposable: true }))).message).toMatch(/holds a saved state/);
    expect((await failure(e.client.call('disk.resize', { vm: id, disk: 'disk0', sizeGiB: 1 }))).message).toMatch(/^cannot resize a disk of "save me" while it holds a saved state/);
    expect((await failure(e.client.call('vm.clone', { vm: id, name: 'save me clone' }))).message).toMatch(/^cannot clone "save me" while it holds a saved state/);

    // Start resumes: the same screen at once, no boot message, and the guest's RAM (its cursor) continues.
    let serial = '';
    const off = e.client.onEvent((ev) => {
      if (ev.type === 'vm.serial' && ev.vmId === id) serial += ev.data;
    });
    await e.client.call('vm.console.attach', { vm: id, tailBytes: 0 });
    const started = await e.client.call('vm.start', { vm: id });
    expect(started.state.kind).toBe('running');
    await expectGlyphs(id, 2);
    await serialWait(e.client, id, 'KEY:c', () => e.client.call('vm.typeText', { vm: id, text: 'c' }));
    await expectGlyphs(id, 3);
    off();
    expect(serial).not.toContain(markers.bootOk);
    // The saved state is used up: no record, no tag in the image.
    expect(existsSync(join(bundleDir, 'saved-state.json'))).toBe(false);
    expect(imageTags(disk)).toEqual([]);

    // Save again, then discard: powered off, tag and record gone, and the next start is a cold boot.
    await e.client.call('vm.saveState', { vm: id });
    expect((await e.client.call('vm.get', { vm: id })).state.kind).toBe('saved');
    const discarded = await spawnHangar(t, 'discard-state', id);
    expect(discarded).toMatchObject({ code: 0, stderr: '' });
    expect((await e.client.call('vm.get', { vm: id })).state).toEqual({ kind: 'stopped' });
    expect(imageTags(disk)).toEqual([]);
    expect(existsSync(join(bundleDir, 'saved-state.json'))).toBe(false);
    await serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id }));
    await expectGlyphs(id, 0);
    const stopped = stateWait(e.client, id, 'stopped');
    await e.client.call('vm.forceOff', { vm: id });
    await stopped;
  }, 180_000);

  it('a saved state survives the engine: a new engine lists it as saved and resumes it', async () => {
    const disk = join(t.root, 'survive.qcow2');
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', fixturePaths.bootImg, disk]);
    const { id } = await e.client.call('vm.create', { name: 'survivor', existingDisk: disk, memoryMiB: 64, cpus: 1 });
    await serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id }));
    await serialWait(e.client, id, 'KEY:z', () => e.client.call('vm.typeText', { vm: id, text: 'z' }));
    await expectGlyphs(id, 1);
    await e.client.call('vm.saveState', { vm: id });
    e = await reopen();
    expect((await e.client.call('vm.get', { vm: id })).state.kind).toBe('saved');
    await e.client.call('vm.start', { vm: id });
    await expectGlyphs(id, 1);
    await e.client.call('vm.forceOff', { vm: id });
  }, 120_000);

  it('a resume that fails keeps the saved state: the run ends as saved, and every announced state follows the last legally', async () => {
    const disk = join(t.root, 'broken.qcow2');
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', fixturePaths.bootImg, disk]);
    const { id, bundleDir } = await e.client.call('vm.create', { name: 'broken resume', existingDisk: disk, memoryMiB: 64, cpus: 1 });
    await serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id }));
    await e.client.call('vm.saveState', { vm: id });
    // The state's snapshot goes missing from the disk (another tool removed it): QEMU cannot load it.
    execFileSync('qemu-img', ['snapshot', '-d', SAVED_STATE_TAG, disk]);
    const from = e.events.length;
    const savedAgain = stateWait(e.client, id, 'saved', 60_000);
    const err = await failure(e.client.call('vm.start', { vm: id }));
    expect(err).toMatchObject({ code: 'qemu-failed', message: expect.stringMatching(/could not resume the saved state of "broken resume".*the saved state is kept/) });
    await savedAgain;
    expect((await e.client.call('vm.get', { vm: id })).state.kind).toBe('saved');
    expect(existsSync(join(bundleDir, 'saved-state.json'))).toBe(true);
    const kinds = e.events.slice(from).flatMap((x) => (x.type === 'vm.state' && x.vmId === id ? [x.state.kind] : []));
    expect(kinds[0]).toBe('starting');
    expect(kinds.at(-1)).toBe('saved');
    for (let i = 1; i < kinds.length; i++) expect(canTransition(kinds[i - 1]!, kinds[i]!), `${kinds[i - 1]} → ${kinds[i]} in ${kinds.join(', ')}`).toBe(true);
    await e.client.call('vm.discardState', { vm: id });
  }, 120_000);

  it('refuses to save a machine whose writable disk is raw, saying why; and a disposable run', async () => {
    const raw = join(t.root, 'raw.img');
    execFileSync('cp', [fixturePaths.bootImg, raw]);
    const { id } = await e.client.call('vm.create', { name: 'raw save', existingDisk: raw, memoryMiB: 64, cpus: 1 });
    await serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id }));
    const err = await failure(e.client.call('vm.saveState', { vm: id }));
    expect(err.code).toBe('invalid-state');
    expect(err.message).toBe('cannot save the state of "raw save": a saved state is kept inside the disks, which needs qcow2 disks: disk0 is raw — convert it first (qemu-img convert -O qcow2), or make it read-only');
    expect((await e.client.call('vm.get', { vm: id })).state.kind).toBe('running');
    await e.client.call('vm.forceOff', { vm: id });
  }, 60_000);

  it('start --disposable: the guest writes its disk, and after power-off the disk file is byte-for-byte unchanged', async () => {
    const disk = join(t.root, 'target.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '64M']);
    const before = sha256(disk);
    const { id, bundleDir } = await e.client.call('vm.create', { name: 'throwaway', existingDisk: disk, iso: fixturePaths.installerIso, memoryMiB: 256, cpus: 1 });
    const states: string[] = [];
    const off = e.client.onEvent((ev) => {
      if (ev.type === 'vm.state' && ev.vmId === id) states.push(`${ev.state.kind}${'disposable' in ev.state && ev.state.disposable ? '*' : ''}`);
    });
    const ended = stateWait(e.client, id, 'stopped', 120_000);
    // The installer writes a whole system onto the first disk, syncs, prints its marker and powers off.
    await serialWait(e.client, id, markers.installDone, async () => {
      const r = await spawnHangar(t, 'start', 'throwaway', '--disposable');
      expect(r, 'hangar start --disposable').toMatchObject({ code: 0, stderr: '' });
      expect((await e.client.call('vm.get', { vm: id })).state).toMatchObject({ disposable: true });
      expect((await spawnHangar(t, 'list')).stdout).toMatch(/throwaway\s+running \(disposable\)/);
      // Snapshots and a saved state have nowhere to go: refused with the reason.
      expect((await failure(e.client.call('snapshot.take', { vm: id, name: 'x' }))).message).toMatch(/^cannot take a snapshot of "throwaway" while it runs without saving changes/);
      expect((await failure(e.client.call('vm.saveState', { vm: id }))).message).toMatch(/^"throwaway" runs without saving changes/);
      // The writes go to the overlay while the real disk is only read.
      expect(existsSync(join(bundleDir, 'disposable', 'disk0.qcow2'))).toBe(true);
    }, 120_000);
    const overlaySize = statSync(join(bundleDir, 'disposable', 'disk0.qcow2'), { throwIfNoEntry: false })?.size ?? 0;
    await ended;
    off();
    expect(overlaySize, 'the guest wrote into the overlay').toBeGreaterThan(1024 * 1024);
    expect(states[0]).toBe('starting*');
    expect(states).toContain('running*');
    expect(states.at(-1)).toBe('stopped');
    expect(sha256(disk)).toBe(before);
    expect(existsSync(join(bundleDir, 'disposable'))).toBe(false);
    // A normal start sees the disk as it was: the installer runs again (nothing was installed).
    await serialWait(e.client, id, markers.installerReady, () => e.client.call('vm.start', { vm: id }), 120_000);
    await e.client.call('vm.forceOff', { vm: id });
  }, 300_000);

  it('a disposable run whose engine died leaves nothing: the next engine removes the overlays; the disk is untouched', async () => {
    const disk = join(t.root, 'crash.qcow2');
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', fixturePaths.bootImg, disk]);
    const before = sha256(disk);
    const { id, bundleDir } = await e.client.call('vm.create', { name: 'crashy', existingDisk: disk, memoryMiB: 64, cpus: 1 });
    await serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id, disposable: true }));
    const pid = e.engine.sessions.get(id)!.pid;
    expect(existsSync(join(bundleDir, 'disposable'))).toBe(true);
    // The engine goes away, then QEMU is killed while no engine watches.
    e = await reopen({
      between: () => {
        process.kill(pid, 'SIGKILL');
      },
    });
    expect(existsSync(join(bundleDir, 'disposable'))).toBe(false);
    expect(sha256(disk)).toBe(before);
    expect((await e.client.call('vm.get', { vm: id })).state.kind).not.toBe('running');
  }, 120_000);
});
