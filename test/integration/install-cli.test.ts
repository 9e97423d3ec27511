import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { spawnHangar as hangar } from '../helpers/cli-runner.js';
import { qemuPidsUnder, useTestEnv, type TestEnv } from '../helpers/engine-harness.js';

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('install from the CLI (built bundle, real QEMU): the next engine finishes what no engine watched', () => {
  let t: TestEnv;
  useTestEnv((env) => (t = env));

  it('hangar create --iso --disk-size, hangar start (exits), installer powers off, hangar list/info/start', async () => {
    const created = await hangar(t, 'create', 'cli install', '--iso', fixturePaths.installerIso, '--disk-size', '1', '--memory', '256', '--cpus', '1');
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const id = created.stdout.trim();
    const listed = JSON.parse((await hangar(t, 'list', '--json')).stdout) as Array<{ id: string; install?: string }>;
    expect(listed.find((v) => v.id === id)?.install).toBe('installing');

    // The CLI's in-process engine starts QEMU and exits; nobody watches the installer.
    expect(await hangar(t, 'start', id)).toMatchObject({ code: 0, stderr: '' });
    const info0 = JSON.parse((await hangar(t, 'info', id, '--json')).stdout) as { bundleDir: string };
    const serialLog = join(info0.bundleDir, 'logs', 'serial.log');
    const serial = () => {
      try {
        return readFileSync(serialLog, 'utf8');
      } catch {
        return '';
      }
    };
    await until('the installer to finish and QEMU to exit', () => serial().includes(markers.installDone) && qemuPidsUnder(t.runtimeBase).length === 0, 180_000);

    // The next engine (this `hangar list`) finds phase installing + a clean exit + disk writes, and finishes.
    const after = JSON.parse((await hangar(t, 'list', '--json')).stdout) as Array<{ id: string; install?: string; state: { kind: string } }>;
    expect(after.find((v) => v.id === id)).toMatchObject({ install: 'installed', state: { kind: 'stopped' } });
    const info = JSON.parse((await hangar(t, 'info', id, '--json')).stdout) as { cdroms: Array<{ path: string | null }>; bootOrder: string[] };
    expect(info.cdroms[0]!.path).toBeNull();
    expect(info.bootOrder).toEqual(['disk0']);

    const started = await hangar(t, 'start', id, '--wait-for-serial', markers.installedBootOk, '--timeout', '180');
    expect(started).toMatchObject({ code: 0, stderr: '' });
    expect((await hangar(t, 'stop', id, '--force')).code).toBe(0);
  });

  it('hangar media insert/eject on a stopped machine patches the document; usage errors are clear', async () => {
    const id = (await hangar(t, 'create', 'cli media', '--memory', '64')).stdout.trim();
    const ins = await hangar(t, 'media', 'insert', id, fixturePaths.linuxIso);
    expect(ins).toMatchObject({ code: 0, stdout: `cd0: ${fixturePaths.linuxIso}\n` });
    expect((JSON.parse((await hangar(t, 'info', id, '--json')).stdout) as { cdroms: Array<{ path: string | null }> }).cdroms[0]!.path).toBe(fixturePaths.linuxIso);
    const recent = await hangar(t, 'media', 'recent');
    expect(recent.stdout.split('\n')[0]).toBe(fixturePaths.linuxIso);
    expect(await hangar(t, 'media', 'eject', id)).toMatchObject({ code: 0, stdout: 'cd0: (empty)\n' });
    const missing = await hangar(t, 'media', 'insert', id, join(t.root, 'nope.iso'));
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/ISO not found: .*nope\.iso/);
    expect((await hangar(t, 'media', 'spin', id)).code).toBe(2);
    expect((await hangar(t, 'media', 'insert', id)).stderr).toMatch(/missing ISO/);
  });
});
