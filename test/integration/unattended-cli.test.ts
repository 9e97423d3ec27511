import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
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

describe('hangar create --unattended (built bundle, real QEMU)', () => {
  let t: TestEnv;
  useTestEnv((env) => (t = env));

  it('creates a machine that boots the installer with its answers; the next engine finishes it and the disk boots', async () => {
    const pw = join(t.root, 'password');
    writeFileSync(pw, 'hunter2 "$x"\n');
    const created = await hangar(t, 'create', 'cli unattended', '--iso', fixturePaths.installerIso, '--disk-size', '1', '--memory', '256', '--firmware', 'bios',
      '--unattended', '--unattended-method', 'preseed', '--user', 'grace', '--password-file', pw, '--hostname', 'cobol', '--timezone', 'America/New_York');
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const id = created.stdout.trim();
    const argv = (await hangar(t, 'argv', id)).stdout.split('\n');
    expect(argv[argv.indexOf('-append') + 1]).toContain('hostname=cobol');

    expect(await hangar(t, 'start', id)).toMatchObject({ code: 0, stderr: '' });
    const info0 = JSON.parse((await hangar(t, 'info', id, '--json')).stdout) as { bundleDir: string };
    const serial = () => {
      try {
        return readFileSync(join(info0.bundleDir, 'logs', 'serial.log'), 'utf8');
      } catch {
        return '';
      }
    };
    await until('the installer to finish and QEMU to exit', () => serial().includes(markers.installDone) && qemuPidsUnder(t.runtimeBase).length === 0, 240_000);
    expect(serial()).toContain('ANSWER-USER:grace');
    expect(serial()).toContain('ANSWER-TZ:America/New_York');
    expect(serial()).not.toContain('hunter2');

    const after = JSON.parse((await hangar(t, 'list', '--json')).stdout) as Array<{ id: string; install?: string }>;
    expect(after.find((v) => v.id === id)?.install).toBe('installed');
    expect((await hangar(t, 'argv', id)).stdout.split('\n')).not.toContain('-kernel');
    const started = await hangar(t, 'start', id, '--wait-for-serial', markers.installedBootOk, '--timeout', '240');
    expect(started).toMatchObject({ code: 0, stderr: '' });
    expect((await hangar(t, 'stop', id, '--force')).code).toBe(0);
  });

  it('refuses missing or bad answers with a clear message and creates nothing', async () => {
    const pw = join(t.root, 'pw2');
    writeFileSync(pw, 'x\n');
    const base = ['--iso', fixturePaths.installerIso, '--disk-size', '1', '--unattended', '--unattended-method', 'preseed'];
    expect(await hangar(t, 'create', 'a', ...base, '--user', 'ada')).toMatchObject({ code: 2, stderr: expect.stringContaining('--password-file') });
    expect(await hangar(t, 'create', 'b', '--iso', fixturePaths.installerIso, '--timezone', 'UTC')).toMatchObject({ code: 2, stderr: expect.stringContaining('--timezone goes with --unattended') });
    const bad = await hangar(t, 'create', 'c', ...base, '--user', 'Robert"); DROP', '--password-file', pw);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/user name/);
    const long = await hangar(t, 'create', 'd', ...base, '--user', 'ada', '--password-file', pw, '--hostname', 'h'.repeat(64));
    expect(long.stderr).toMatch(/host name/);
    const names = (JSON.parse((await hangar(t, 'list', '--json')).stdout) as Array<{ name: string }>).map((v) => v.name);
    expect(names.filter((n) => ['a', 'b', 'c', 'd'].includes(n))).toEqual([]);
  });
});
