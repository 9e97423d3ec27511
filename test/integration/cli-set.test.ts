// `hangar set` / `hangar get` through the built CLI, its background engine and a real library: several settings
// changed and read back, bad input refused with the documented exit codes and vm.json untouched, and a running
// machine refused with the engine's own words (the ones the settings dialog gets).
import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { spawnHangar as hangar, spawnHangarIn } from '../helpers/cli-runner.js';
import { useTestEnv, type TestEnv } from '../helpers/engine-harness.js';

describe('hangar set and get (built CLI, real engine and QEMU)', () => {
  let t: TestEnv;
  useTestEnv((env) => (t = env));

  it('changes several settings, reads them back, and refuses bad input and a running machine without writing', async () => {
    const disk = join(t.root, 'boot.img');
    copyFileSync(fixturePaths.bootImg, disk);
    const created = await hangar(t, 'create', 'set web', '--disk', disk, '--memory', '64', '--cpus', '1');
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const bundleDir = JSON.parse((await hangar(t, 'info', 'set web', '--json')).stdout).bundleDir as string;
    mkdirSync(join(t.root, 'isos'));
    copyFileSync(fixturePaths.installerIso, join(t.root, 'isos', 'setup.iso'));

    // From t.root, so the CD path is resolved against the folder the command runs in.
    const set = await spawnHangarIn(t, t.root, 'set', 'set web', 'memory=96', 'cpus=2', 'clipboard=both', 'audio=intel-hda', 'disk0.discard=on', 'cd0.path=isos/setup.iso', 'description=set from the CLI');
    expect(set).toEqual({ code: 0, stderr: '', stdout: `memory=96\ncpus=2\nclipboard=both\naudio=intel-hda\ndisk0.discard=on\ncd0.path=${join(t.root, 'isos', 'setup.iso')}\ndescription=set from the CLI\n` });

    const doc = JSON.parse((await hangar(t, 'info', 'set web', '--json')).stdout);
    expect(doc).toMatchObject({ memoryMiB: 96, cpu: { count: 2 }, clipboard: 'both', audio: { device: 'intel-hda' }, description: 'set from the CLI', disks: [{ id: 'disk0', discard: true }], cdroms: [{ id: 'cd0', path: join(t.root, 'isos', 'setup.iso') }] });
    expect(await hangar(t, 'get', 'set web', 'memory', 'cpu.count', 'clipboard')).toEqual({ code: 0, stderr: '', stdout: 'memory=96\ncpus=2\nclipboard=both\n' });
    const all = JSON.parse((await hangar(t, 'get', 'set web', '--json')).stdout);
    expect(all).toMatchObject({ memory: 96, cpus: 2, clipboard: 'both', tpm: false, 'disk0.discard': true, network: 'user' });

    // Bad input: the exit codes of docs/cli.md, one line on stderr, and vm.json byte for byte as it was.
    const vmJson = join(bundleDir, 'vm.json');
    const before = readFileSync(vmJson);
    await hangar(t, 'create', 'set other', '--memory', '64');
    const bad: Array<[string[], number, RegExp]> = [
      [['colour=red'], 2, /^hangar: unknown setting "colour"; valid keys: name, description, os, .*memory.*, disk0\.bus, .*cd0\.path, cd0\.bus\n$/],
      [['__proto__=1'], 2, /^hangar: unknown setting "__proto__"; valid keys: /],
      [['memory=8'], 2, /^hangar: memory: must be a whole number of MiB >=16\n$/],
      [['memory=96', 'cpus=lots'], 2, /^hangar: cpus: must be a whole number \(got "lots"\)\n$/],
      [['clipboard=all'], 2, /^hangar: clipboard: must be one of off, host-to-guest, guest-to-host, both \(got "all"\)\n$/],
      [['memory'], 2, /^hangar: expected KEY=VALUE, got "memory"/],
      [[], 2, /^hangar: missing KEY=VALUE\.\.\.\nUsage: hangar set VM KEY=VALUE\.\.\.\n$/],
      [['name=set other'], 1, /^hangar: a machine named "set other" already exists/],
    ];
    for (const [words, code, stderr] of bad) {
      const r = await hangar(t, 'set', 'set web', ...words);
      expect({ words, code: r.code, stdout: r.stdout }).toEqual({ words, code, stdout: '' });
      expect(r.stderr).toMatch(stderr);
    }
    const missing = await hangar(t, 'set', 'no such machine', 'memory=96');
    expect(missing.code).toBe(3);
    expect((await hangar(t, 'get', 'set web', 'colour')).code).toBe(2);
    expect(readFileSync(vmJson).equals(before)).toBe(true);

    // Running: the engine refuses the change exactly as it refuses the settings dialog; nothing is written.
    expect((await hangar(t, 'set', 'set web', 'cd0.path=')).stdout).toBe('cd0.path=\n');
    const started = await hangar(t, 'start', 'set web', '--wait-for-serial', markers.bootOk, '--timeout', '120');
    expect(started).toMatchObject({ code: 0, stderr: '' });
    const running = readFileSync(vmJson);
    const refused = await hangar(t, 'set', 'set web', 'memory=128');
    expect(refused).toEqual({ code: 4, stdout: '', stderr: 'hangar: cannot change the settings of "set web" while it is running; shut it down first\n' });
    expect(readFileSync(vmJson).equals(running)).toBe(true);
    expect(JSON.parse((await hangar(t, 'info', 'set web', '--json')).stdout).memoryMiB).toBe(96);
    expect((await hangar(t, 'stop', 'set web', '--force')).code).toBe(0);
  });
});
