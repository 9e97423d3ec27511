import { describe, expect, it } from 'vitest';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineError } from '../../src-shared/contract/index.js';
import { fixturePaths } from '../helpers/fixtures.js';
import { qemuPidsUnder, useEngineSuite } from '../helpers/engine-harness.js';

describe('bridged networking pre-flight (real engine)', () => {
  const suite = useEngineSuite();

  it('refuses to start a VM bridged to a bridge that does not exist, saying how to fix it, and starts no QEMU', async () => {
    const { t, e } = suite;
    const disk = join(t.root, 'boot.img');
    copyFileSync(fixturePaths.bootImg, disk);
    const { id, doc } = await e.client.call('vm.create', { name: 'bridged', existingDisk: disk, memoryMiB: 64, cpus: 1 });
    if (doc.network.mode !== 'user') throw new Error('expected a NAT default');
    await e.client.call('vm.update', { vm: id, patch: { network: { mode: 'bridge', bridge: 'hgnobr0', model: doc.network.model, mac: doc.network.mac } } });
    let err: EngineError | null = null;
    await e.client.call('vm.start', { vm: id }).catch((x: EngineError) => (err = x));
    expect(err).not.toBeNull();
    const failure = err as unknown as EngineError;
    expect(failure.code).toBe('start-refused');
    expect(failure.message).toMatch(/^"bridged" cannot bridge to hgnobr0: /);
    expect(failure.message).toContain('there is no bridge hgnobr0 on this host: create it (sudo ip link add name hgnobr0 type bridge');
    expect(failure.details?.['problems']).toEqual(expect.arrayContaining([expect.stringContaining('no bridge hgnobr0')]));
    expect(qemuPidsUnder(t.runtimeBase)).toEqual([]);
    expect(existsSync(e.engine.vmRuntimeDir(id))).toBe(false);
    expect((await e.client.call('vm.get', { vm: id })).state.kind).toBe('stopped');
  });
});
