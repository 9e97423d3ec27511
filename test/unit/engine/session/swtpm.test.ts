import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireSwtpm, startSwtpm, stopSwtpm, swtpmArgs } from '../../../../src-main/engine/session/swtpm.js';
import { isPidAlive } from '../../../../src-main/engine/storage/library-lock.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-swtpm-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('swtpm', () => {
  it('refuses a TPM start without swtpm, naming the package to install', () => {
    expect(requireSwtpm('/usr/bin/swtpm', 'Win 11')).toBe('/usr/bin/swtpm');
    let error: unknown;
    try {
      requireSwtpm(null, 'Win 11');
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'start-refused', details: { field: 'firmware.tpm', package: 'swtpm' } });
    expect((error as Error).message).toMatch(/"Win 11" has a virtual TPM, which needs swtpm.*install the "swtpm" package.*apt-get install swtpm swtpm-tools/);
  });

  it('runs a TPM 2.0 on a unix control socket, ending with QEMU, with no path in an option (swtpm cannot escape commas)', () => {
    expect(swtpmArgs()).toEqual([
      'socket', '--tpm2', '--ctrl', 'type=unixio,path=swtpm.sock,mode=0600', '--pid', 'file=swtpm.pid', '--terminate', '--daemon',
    ]);
  });

  it('a failing swtpm refuses the start with its own words from the log', async () => {
    const fake = join(dir, 'fake-swtpm');
    writeFileSync(fake, '#!/bin/sh\necho "swtpm: Could not open TPM state: Permission denied" >&2\nexit 1\n');
    chmodSync(fake, 0o755);
    const req = { binary: fake, vmName: 'W', bundleDir: join(dir, 'b'), runtimeDir: join(dir, 'run'), logsDir: join(dir, 'b', 'logs') };
    await expect(startSwtpm(req)).rejects.toMatchObject({
      code: 'start-refused',
      message: 'could not start the virtual TPM (swtpm) of "W": swtpm: Could not open TPM state: Permission denied',
    });
  });

  it('stopSwtpm ends the process named by the pid file only when its environment names this runtime folder', async () => {
    const runtimeDir = join(dir, 'run');
    mkdirSync(runtimeDir);
    const spawnIdle = (marker: string) =>
      spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore', env: { ...process.env, HANGAR_SWTPM_RUNTIME_DIR: marker } });
    const ours = spawnIdle(runtimeDir);
    const stranger = spawnIdle(`${runtimeDir}-other`);
    try {
      writeFileSync(join(runtimeDir, 'swtpm.pid'), String(stranger.pid));
      await stopSwtpm(runtimeDir);
      expect(isPidAlive(stranger.pid!)).toBe(true); // a recycled pid is left alone
      writeFileSync(join(runtimeDir, 'swtpm.pid'), String(ours.pid));
      const exited = new Promise((r) => ours.once('exit', r));
      await stopSwtpm(runtimeDir);
      await exited;
      await stopSwtpm(join(dir, 'no-such-dir')); // nothing to stop: no error
    } finally {
      ours.kill('SIGKILL');
      stranger.kill('SIGKILL');
    }
  });
});
