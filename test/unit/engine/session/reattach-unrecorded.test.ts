import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killUnrecorded, probeLeftover } from '../../../../src-main/engine/session/reattach.js';

// An engine killed during a start leaves a runtime folder without session.json, maybe with QEMU already running
// in it (paused at -S). The next engine must find that QEMU and end it (test/integration/fault-engine-kill.test.ts
// does this against real QEMU).
describe('probeLeftover: a start cut short by a killed engine', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'hangar-unrecorded-'));
    dirs.push(d);
    return d;
  };

  it('no runtime folder: nothing to do', async () => {
    expect(await probeLeftover(join(tempDir(), 'gone'))).toEqual({ kind: 'none' });
  });

  it('a runtime folder without session.json and no QEMU: unrecorded, nothing to kill', async () => {
    expect(await probeLeftover(tempDir())).toEqual({ kind: 'unrecorded', pids: [], swtpmPids: [] });
  });

  it('finds a process named qemu-system-* whose arguments name the folder, and killUnrecorded ends it', async () => {
    const dir = tempDir();
    // Node idling, posing as QEMU: argv[0] is what /proc/<pid>/cmdline shows first; the path is an ignored argument.
    const idle = ['-e', 'setTimeout(() => {}, 600000)'];
    const fake = spawn(process.execPath, [...idle, `${dir}/qmp.sock`], { argv0: 'qemu-system-x86_64', stdio: 'ignore' });
    children.push(fake);
    await new Promise((r) => fake.once('spawn', r));
    const other = spawn(process.execPath, [...idle, `${dir}-other/qmp.sock`], { argv0: 'qemu-system-x86_64', stdio: 'ignore' });
    children.push(other);
    await new Promise((r) => other.once('spawn', r));
    const probe = await probeLeftover(dir);
    expect(probe).toEqual({ kind: 'unrecorded', pids: [fake.pid], swtpmPids: [] });
    const exited = new Promise((r) => fake.once('exit', (_code, signal) => r(signal)));
    await killUnrecorded(dir, { pids: [fake.pid!], swtpmPids: [] });
    expect(await exited).toBe('SIGKILL');
    expect(other.exitCode === null && other.signalCode === null).toBe(true);
  });

  // swtpm starts before QEMU; killed between the two, nothing connects to it, so `--terminate` never ends it.
  const idleSwtpm = (runtimeDir: string) =>
    spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], {
      argv0: '/usr/bin/swtpm',
      stdio: 'ignore',
      env: { ...process.env, HANGAR_SWTPM_RUNTIME_DIR: runtimeDir },
    });

  it('finds the swtpm of the start by its pid file or, before it wrote one, by the folder in its environment, and stops it', async () => {
    const dir = tempDir();
    const byPidFile = idleSwtpm(dir);
    const byEnviron = idleSwtpm(dir);
    const stranger = idleSwtpm(`${dir}-other`); // another VM's TPM
    children.push(byPidFile, byEnviron, stranger);
    await Promise.all([byPidFile, byEnviron, stranger].map((c) => new Promise((r) => c.once('spawn', r))));
    writeFileSync(join(dir, 'swtpm.pid'), `${byPidFile.pid}\n`);
    const probe = await probeLeftover(dir);
    expect(probe.kind).toBe('unrecorded');
    const found = probe as Extract<typeof probe, { kind: 'unrecorded' }>;
    expect(found.pids).toEqual([]);
    expect([...found.swtpmPids].sort()).toEqual([byPidFile.pid, byEnviron.pid].sort());
    const signals = [byPidFile, byEnviron].map((c) => new Promise((r) => c.once('exit', (_code, signal) => r(signal))));
    await killUnrecorded(dir, found);
    expect(await Promise.all(signals)).toEqual(['SIGTERM', 'SIGTERM']); // gently: swtpm saves its state on SIGTERM
    expect(stranger.exitCode === null && stranger.signalCode === null).toBe(true);
  });

  it('a pid file naming a process that is not this folder\'s swtpm (a recycled pid) is ignored', async () => {
    const dir = tempDir();
    const stranger = idleSwtpm(`${dir}-other`);
    children.push(stranger);
    await new Promise((r) => stranger.once('spawn', r));
    writeFileSync(join(dir, 'swtpm.pid'), String(stranger.pid));
    expect(await probeLeftover(dir)).toEqual({ kind: 'unrecorded', pids: [], swtpmPids: [] });
  });
});
