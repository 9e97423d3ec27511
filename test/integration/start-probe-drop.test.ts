// Issue 20: the warm engine's host probe is kept between starts, but a start whose QEMU could not run (spawn
// refused, or exited before QMP answered) drops it, so the next start probes afresh instead of trusting what
// chose that binary. A wrapper in front of the real qemu-system-x86_64 fails VM launches (not probes) while a
// flag file exists; the binary itself never changes, so only the failure can explain a new probe.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineClient } from '../../src-shared/contract/index.js';
import { Engine } from '../../src-main/engine/engine.js';
import { inProcessPair } from '../../src-main/engine/transport/in-process.js';
import { workCounts } from '../../src-main/engine/work-counts.js';
import { fixturePaths } from '../helpers/fixtures.js';
import { useTestEnv, type TestEnv } from '../helpers/engine-harness.js';

describe('a failed launch drops the cached host probe (real QEMU)', () => {
  let t: TestEnv;
  let engine: Engine | undefined;
  let client: EngineClient | undefined;
  useTestEnv((env) => (t = env), { orphanMessage: 'no QEMU may outlive the suite' });
  afterAll(async () => {
    client?.close();
    await engine?.close({ stopVms: true });
  });

  it('probes again at the start after a QEMU that exited before QMP, and keeps that probe for the one after', async () => {
    const real = execFileSync('sh', ['-c', 'command -v qemu-system-x86_64'], { encoding: 'utf8' }).trim();
    const binDir = join(t.root, 'wrapped-bin');
    const flag = join(t.root, 'fail-launches');
    mkdirSync(binDir, { recursive: true });
    writeFileSync(join(binDir, 'qemu-system-x86_64'), [
      '#!/bin/sh',
      `case " $* " in *" -pidfile "*) if [ -e '${flag}' ]; then echo 'qemu-system-x86_64: launch refused by the test' >&2; exit 1; fi ;; esac`,
      `exec '${real}' "$@"`,
      '',
    ].join('\n'));
    chmodSync(join(binDir, 'qemu-system-x86_64'), 0o755);
    engine = await Engine.open({ libraryDir: t.libraryDir, env: t.env, qemuDirs: [binDir] });
    const [a, b] = inProcessPair();
    engine.server.attach(b);
    client = new EngineClient(a);
    const c = client;
    const vm = await c.call('vm.create', { name: 'probe drop', existingDisk: fixturePaths.bootImg, existingDiskMode: 'convert', memoryMiB: 64, cpus: 1 });
    await c.call('host.info', {});

    writeFileSync(flag, '');
    await expect(c.call('vm.start', { vm: vm.id })).rejects.toThrow(/QEMU refused to start "probe drop": .*launch refused by the test/);
    rmSync(flag);

    const before = workCounts();
    await c.call('vm.start', { vm: vm.id });
    expect(workCounts().hostProbe - before.hostProbe).toBe(1);
    await c.call('vm.forceOff', { vm: vm.id });

    const again = workCounts();
    await c.call('vm.start', { vm: vm.id });
    expect(workCounts().hostProbe - again.hostProbe).toBe(0);
    await c.call('vm.forceOff', { vm: vm.id });
  });
});
