// A VM with `firmware.tpm` under real QEMU and real swtpm: QEMU sees the TPM, and stopping the VM
// leaves no swtpm behind.
import { describe, expect, it, vi } from 'vitest';
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { swtpmPidsUnder } from '../helpers/swtpm-pids.js';
import { serialWait, stateWait, useEngineEnv, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';

describe('virtual TPM (swtpm) against real QEMU', () => {
  let t: TestEnv;
  let e: OpenedEngine;
  useEngineEnv((env, engine) => {
    t = env;
    e = engine;
  }, { afterCleanup: () => expect(swtpmPidsUnder(t.runtimeBase), 'no swtpm may outlive the suite').toEqual([]) });

  it('host.info reports swtpm (npm run setup installs it; the wizard warns on its word)', async () => {
    expect((await e.client.call('host.info', {})).swtpmAvailable).toBe(true);
  });

  it('starts swtpm before QEMU, QEMU lists the TPM, and stopping the VM ends swtpm', async () => {
    const disk = join(t.root, 'tpm-boot.img');
    copyFileSync(fixturePaths.bootImg, disk);
    const { id } = await e.client.call('vm.create', { name: 'tpm', existingDisk: disk, memoryMiB: 64, cpus: 1, tpm: true });
    const argv = (await e.client.call('vm.argv', { vm: id })).argv;
    expect(argv).toContain('-tpmdev');

    await serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id }));
    const runtimeDir = e.engine.vmRuntimeDir(id);
    const tpms = await e.engine.sessions.get(id)!.qmp.execute('query-tpm');
    expect(tpms).toEqual([expect.objectContaining({ id: 'tpm0', model: 'tpm-tis', options: expect.objectContaining({ type: 'emulator' }) })]);
    const pids = swtpmPidsUnder(runtimeDir);
    expect(pids).toHaveLength(1);
    expect(readFileSync(join(runtimeDir, 'swtpm.pid'), 'utf8').trim()).toBe(String(pids[0]));
    const { bundleDir } = await e.client.call('vm.get', { vm: id });
    expect(existsSync(join(bundleDir, 'tpm'))).toBe(true);

    const stopped = stateWait(e.client, id, 'stopped');
    await e.client.call('vm.forceOff', { vm: id });
    await stopped;
    await expect.poll(() => swtpmPidsUnder(t.runtimeBase), { timeout: 5_000 }).toEqual([]);

    // The TPM state stays in the bundle and a second start uses it again.
    await serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id }));
    expect(swtpmPidsUnder(runtimeDir)).toHaveLength(1);
    const again = stateWait(e.client, id, 'stopped');
    await e.client.call('vm.forceOff', { vm: id });
    await again;
    await expect.poll(() => swtpmPidsUnder(t.runtimeBase), { timeout: 5_000 }).toEqual([]);
  });

  it('a disposable run keeps its TPM state in the throwaway folder: the bundle\'s tpm/ is not made or changed', async () => {
    const disk = join(t.root, 'tpm-disposable.img');
    copyFileSync(fixturePaths.bootImg, disk);
    const { id } = await e.client.call('vm.create', { name: 'tpm disposable', existingDisk: disk, memoryMiB: 64, cpus: 1, tpm: true });
    const { bundleDir } = await e.client.call('vm.get', { vm: id });
    const run = async (): Promise<void> => {
      await serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id, disposable: true }));
      // swtpm made its state in the copy.
      expect(readdirSync(join(bundleDir, 'disposable', 'tpm')).some((n) => n.startsWith('tpm2-'))).toBe(true);
      const stopped = stateWait(e.client, id, 'stopped');
      await e.client.call('vm.forceOff', { vm: id });
      await stopped;
      await expect.poll(() => swtpmPidsUnder(t.runtimeBase), { timeout: 5_000 }).toEqual([]);
      await expect.poll(() => existsSync(join(bundleDir, 'disposable')), { timeout: 10_000 }).toBe(false);
    };
    // A machine that never ran: a disposable run leaves it without TPM state.
    await run();
    expect(existsSync(join(bundleDir, 'tpm'))).toBe(false);
    // One with state: the disposable run starts from a copy of it and leaves it byte for byte.
    await serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id }));
    const stopped = stateWait(e.client, id, 'stopped');
    await e.client.call('vm.forceOff', { vm: id });
    await stopped;
    const snapshot = () => readdirSync(join(bundleDir, 'tpm')).map((n) => `${n}:${readFileSync(join(bundleDir, 'tpm', n)).toString('base64')}`);
    const before = snapshot();
    expect(before.length).toBeGreaterThan(0);
    await run();
    expect(snapshot()).toEqual(before);
  });

  it('a QEMU that refuses to start (so never connects to swtpm) leaves no swtpm either', async () => {
    const disk = join(t.root, 'tpm-bad.img');
    copyFileSync(fixturePaths.bootImg, disk);
    const { id } = await e.client.call('vm.create', { name: 'tpm bad', existingDisk: disk, memoryMiB: 64, cpus: 1, tpm: true });
    await e.client.call('vm.update', { vm: id, patch: { extraArgs: ['-no-such-option'] } });
    await expect(e.client.call('vm.start', { vm: id })).rejects.toMatchObject({ code: 'qemu-failed' });
    expect(swtpmPidsUnder(t.runtimeBase)).toEqual([]);
  });

  it('without swtpm on the host the start is refused, naming the package, and nothing runs', async () => {
    const disk = join(t.root, 'tpm-none.img');
    copyFileSync(fixturePaths.bootImg, disk);
    const { id } = await e.client.call('vm.create', { name: 'no swtpm', existingDisk: disk, memoryMiB: 64, cpus: 1, tpm: true });
    const real = await e.engine.host.info();
    const spy = vi.spyOn(e.engine.host, 'info').mockResolvedValue({ ...real, swtpm: null });
    try {
      expect((await e.client.call('host.info', {})).swtpmAvailable).toBe(false); // the same lookup as the refusal
      await expect(e.client.call('vm.start', { vm: id })).rejects.toMatchObject({
        code: 'start-refused',
        message: expect.stringMatching(/"no swtpm" has a virtual TPM, which needs swtpm.*install the "swtpm" package/),
      });
    } finally {
      spy.mockRestore();
    }
    expect((await e.client.call('vm.get', { vm: id })).state.kind).toBe('stopped');
    expect(existsSync(e.engine.vmRuntimeDir(id))).toBe(false);
  });
});
