import { describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { spawnHangar as hangar } from '../helpers/cli-runner.js';
import { qemuPidsUnder, useTestEnv, type TestEnv } from '../helpers/engine-harness.js';

describe('hangar CLI (built bundle, real QEMU)', () => {
  let t: TestEnv;
  useTestEnv((env) => (t = env));

  it('drives a VM through its life: create, start, pause, resume, reset, keys, screenshot, stop, delete', async () => {
    const disk = join(t.root, 'boot.img');
    copyFileSync(fixturePaths.bootImg, disk);
    const created = await hangar(t, 'create', 'CLI, boot', '--disk', disk, '--memory', '64', '--cpus', '1');
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const id = created.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const started = await hangar(t, 'start', 'CLI, boot', '--wait-for-serial', markers.bootOk, '--timeout', '60');
    expect(started).toMatchObject({ code: 0, stderr: '' });

    const info = JSON.parse((await hangar(t, 'info', id, '--json')).stdout);
    expect(info.state.kind).toBe('running');
    expect(info.name).toBe('CLI, boot');

    expect((await hangar(t, 'pause', id)).code).toBe(0);
    expect(JSON.parse((await hangar(t, 'info', id, '--json')).stdout).state.kind).toBe('paused');
    const again = await hangar(t, 'pause', id);
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/^hangar: cannot pause .* paused\n$/);
    expect((await hangar(t, 'resume', id)).code).toBe(0);

    expect((await hangar(t, 'type', id, 'q')).code).toBe(0);
    expect((await hangar(t, 'send-key', id, 'shift-w')).code).toBe(0);
    const shot = join(t.root, 'shot.png');
    expect((await hangar(t, 'screenshot', id, shot)).code).toBe(0);
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
    const consoleOut = await hangar(t, 'console', id, '--no-follow');
    expect(consoleOut.stdout).toContain(markers.bootOk);
    expect(consoleOut.stdout).toContain('KEY:q');
    expect(consoleOut.stdout).toContain('KEY:W');
    expect((await hangar(t, 'reset', id)).code).toBe(0);

    const argv = (await hangar(t, 'argv', id)).stdout.trim().split('\n');
    expect(argv[0]).toMatch(/qemu-system-x86_64$/);
    expect(argv).toContain('-nodefaults');

    const list = JSON.parse((await hangar(t, 'list', '--json')).stdout);
    expect(list).toHaveLength(1);
    expect(list[0].state.kind).toBe('running');

    expect((await hangar(t, 'stop', id, '--force')).code).toBe(0);
    expect(JSON.parse((await hangar(t, 'info', id, '--json')).stdout).state.kind).toBe('stopped');
    expect(qemuPidsUnder(t.runtimeBase)).toEqual([]);

    const bundle = JSON.parse((await hangar(t, 'info', id, '--json')).stdout).bundleDir;
    expect((await hangar(t, 'delete', id, '--files')).code).toBe(0);
    expect(existsSync(bundle)).toBe(false);
  });

  it('shuts a Linux guest down with ACPI (stop) and waits for its serial marker', async () => {
    const id = (await hangar(t, 'create', 'cli-linux', '--iso', fixturePaths.linuxIso, '--memory', '256', '--cpus', '1')).stdout.trim();
    expect((await hangar(t, 'start', id, '--wait-for-serial', markers.linuxReady, '--timeout', '120')).code).toBe(0);
    const stop = await hangar(t, 'stop', id, '--timeout', '60');
    expect(stop).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(join(JSON.parse((await hangar(t, 'info', id, '--json')).stdout).bundleDir, 'logs', 'serial.log'), 'utf8')).toContain(markers.linuxPoweroff);
  });

  it('gives stable exit codes and one-line messages for mistakes', async () => {
    const unknownVerb = await hangar(t, 'frobnicate');
    expect(unknownVerb.code).toBe(2);
    expect(unknownVerb.stderr).toContain('unknown verb "frobnicate"');
    const missing = await hangar(t, 'start', 'no-such-vm');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^hangar: .*no-such-vm/);
    const badNumber = await hangar(t, 'create', 'x', '--memory', 'lots');
    expect(badNumber.code).toBe(2);
    expect(badNumber.stderr).toContain('--memory must be a whole number');
    const noIso = await hangar(t, 'create', 'y', '--iso', join(t.root, 'nope.iso'));
    expect(noIso.code).toBe(3);
    expect(noIso.stderr).toContain('ISO not found');
    const help = await hangar(t, 'start', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: hangar start VM');
  });
});
