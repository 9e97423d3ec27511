import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newVmDocument } from '../../../src-shared/vm-document/index.js';
import { buildArgv, probeHost, requireEmulator } from '../../../src-main/engine/qemu/index.js';
import { TinyQmp, processGone, startQemu, waitForSocket } from './qemu-harness.js';

// The serial chardev is a socket server for interactive consoles plus `logfile=`: this checks the design claim
// that the log is complete while *no* client is connected (QEMU logs what it would have sent, then drops it).
const ISO = new URL('../../fixtures/cache/linux.iso', import.meta.url).pathname;
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'hangar-serial-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('serial log without a connected console', () => {
  it('captures the guest serial output in logs/serial.log', async () => {
    expect(existsSync(ISO), `${ISO} is missing: run \`npm run fixtures\``).toBe(true);
    const host = await probeHost();
    const vm = { ...newVmDocument({ id: '0b7f8e2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b', name: 'serial', now: '2024-01-01T00:00:00.000Z', mac: '52:54:00:00:00:09', iso: ISO, memoryMiB: 256 }), network: { mode: 'none' as const } };
    const logsDir = join(root, 'logs');
    await mkdir(logsDir, { recursive: true });
    const runtimeDir = await mkdtemp('/tmp/hs-');
    const argv = buildArgv(vm, host, { bundleDir: root, runtimeDir, logsDir, nvramPath: '' });
    const started = await startQemu(requireEmulator(host, 'x86_64').binary, argv);
    const pid = started.child.pid!;
    try {
      const qmpPath = join(runtimeDir, 'qmp.sock');
      await waitForSocket(qmpPath, started);
      const qmp = await TinyQmp.connect(qmpPath);
      await qmp.next();
      await qmp.execute('qmp_capabilities');
      await qmp.execute('cont');
      const log = join(logsDir, 'serial.log');
      const deadline = Date.now() + 100_000;
      let text = '';
      while (Date.now() < deadline) {
        text = existsSync(log) ? readFileSync(log, 'utf8') : '';
        if (text.includes('HANGAR-LINUX-READY')) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(text).toContain('HANGAR-LINUX-READY');
      // Early boot output is there too: the log is complete from the first byte, not just the tail.
      expect(text).toMatch(/Linux version|SeaBIOS|ISOLINUX/);
      await qmp.execute('quit');
      qmp.close();
      expect(await started.exited).toBe(0);
    } finally {
      if (started.child.exitCode === null) started.child.kill('SIGKILL');
      await started.exited;
      await rm(runtimeDir, { recursive: true, force: true });
    }
    expect(processGone(pid)).toBe(true);
  });
});
