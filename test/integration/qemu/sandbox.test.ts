import { describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../../../src-shared/contract/index.js';
import { fixturePaths, markers } from '../../helpers/fixtures.js';
import { qemuPidsUnder, serialWait, stateWait, useEngineSuite } from '../../helpers/engine-harness.js';
import { TinyQmp } from './qemu-harness.js';

/** `field: value` lines of /proc/<pid>/status. */
function procStatus(pid: number, field: string): string | undefined {
  return readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s*(.*)$`, 'm'))?.[1];
}

describe('QEMU runs under -sandbox (real engine, real QEMU)', () => {
  const suite = useEngineSuite();

  it('an -incoming exec: in the extra arguments never runs its program: the start fails at once, saying why', async () => {
    const { t, e } = suite;
    const marker = join(t.root, 'spawned-by-incoming');
    const disk = join(t.root, 'incoming.img');
    copyFileSync(fixturePaths.bootImg, disk);
    const { id } = await e.client.call('vm.create', { name: 'incoming exec', existingDisk: disk, memoryMiB: 64, cpus: 1 });
    await e.client.call('vm.update', { vm: id, patch: { extraArgs: ['-incoming', `exec:touch ${marker}`] } });
    const err = await e.client.call('vm.start', { vm: id }).then(
      () => null,
      (x: unknown) => x,
    );
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('qemu-failed');
    expect((err as EngineError).message).toMatch(/^QEMU refused to start "incoming exec": QEMU was stopped by its sandbox \(SIGSYS\): .*starting another program; check the extra QEMU arguments$/);
    expect((err as EngineError).details?.['signal']).toBe('SIGSYS');
    expect(existsSync(marker)).toBe(false);
    expect(qemuPidsUnder(t.runtimeBase)).toEqual([]);
    expect((await e.client.call('vm.get', { vm: id })).state.kind).toBe('stopped');
  });

  it('a running VM is filtered (seccomp, no_new_privs), and a QMP migrate to exec: kills QEMU, reported as the sandbox', async () => {
    const { t, e } = suite;
    const marker = join(t.root, 'spawned-by-migrate');
    const disk = join(t.root, 'migrate.img');
    copyFileSync(fixturePaths.bootImg, disk);
    // A second QMP monitor stands in for anyone who can talk to QEMU (the engine's own one is taken).
    const spare = join(t.root, 'spare-qmp.sock');
    const { id } = await e.client.call('vm.create', { name: 'migrate exec', existingDisk: disk, memoryMiB: 64, cpus: 1 });
    await e.client.call('vm.update', { vm: id, patch: { extraArgs: ['-qmp', `unix:${spare},server=on,wait=off`] } });
    await serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id }));
    const pid = Number(readFileSync(join(e.engine.vmRuntimeDir(id), 'qemu.pid'), 'utf8').trim());
    expect(procStatus(pid, 'Seccomp')).toBe('2');
    expect(procStatus(pid, 'NoNewPrivs')).toBe('1');

    const qmp = await TinyQmp.connect(spare);
    await qmp.next(); // greeting
    await qmp.execute('qmp_capabilities');
    const crashed = stateWait(e.client, id, 'crashed');
    // QEMU forks for exec: and dies (SIGSYS) before it can answer.
    qmp.execute('migrate', { uri: `exec:touch ${marker}` }).catch(() => undefined);
    const event = await crashed;
    qmp.close();
    expect(event.type === 'vm.state' && event.state.kind === 'crashed' ? event.state : null).toMatchObject({
      signal: 'SIGSYS',
      reason: expect.stringMatching(/^QEMU was stopped by its sandbox \(SIGSYS\)/),
    });
    expect(existsSync(marker)).toBe(false);
    expect(qemuPidsUnder(t.runtimeBase)).toEqual([]);
  });
});
