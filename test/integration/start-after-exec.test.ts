// Issue 20: what a start costs after QEMU's exec. The engine logs, next to the start split, QEMU's own start-up
// (greeting, negotiate: bare QEMU pays it too) and Hangar's steps while QEMU waits at -S (attach, hooks, cont);
// the serial console is connected while QEMU builds its machine, and still has the guest's output from its first byte.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { serialWait, useEngineSuite } from '../helpers/engine-harness.js';
import { waitForFile } from '../helpers/file-text.js';

const SPLIT = /^start split "after exec": .*; received → exec (\d+\.\d) ms, exec → running (\d+\.\d) ms$/;
const AFTER = /^start after exec "after exec": greeting (\d+\.\d) ms, negotiate (\d+\.\d) ms, attach (\d+\.\d) ms, hooks (\d+\.\d) ms, cont (\d+\.\d) ms$/;

describe('a start after the exec (real QEMU)', () => {
  const s = useEngineSuite();

  it('logs QEMU\'s start-up apart from Hangar\'s steps, and the console gets the serial output from its first byte', async () => {
    const { e } = s;
    const vm = await e.client.call('vm.create', { name: 'after exec', existingDisk: fixturePaths.bootImg, existingDiskMode: 'convert', memoryMiB: 64, cpus: 1 });
    const serialLog = join(vm.bundleDir, 'logs', 'serial.log');
    for (let run = 0; run < 2; run++) {
      const before = run === 0 ? '' : readFileSync(serialLog, 'latin1');
      const seen = await serialWait(e.client, vm.id, markers.bootOk, () => e.client.call('vm.start', { vm: vm.id }));
      // What QEMU wrote to the serial log in this run (logappend): the console saw the same from its first byte.
      // QEMU writes a chardev's log after its socket, so the log may not hold the marker yet when the console has it.
      const logged = (await waitForFile(serialLog, (text) => text.slice(before.length).includes(markers.bootOk), 'this run\'s boot marker', 90_000, 'latin1')).slice(before.length);
      const n = Math.min(logged.length, seen.length);
      expect(n).toBeGreaterThanOrEqual(markers.bootOk.length);
      expect(seen.slice(0, n)).toBe(logged.slice(0, n));
      await e.client.call('vm.forceOff', { vm: vm.id });
    }

    const logLines = e.events.flatMap((ev) => (ev.type === 'engine.log' ? [ev.message] : []));
    const splits = logLines.filter((l) => l.startsWith('start split '));
    const afters = logLines.filter((l) => l.startsWith('start after exec '));
    expect(splits).toHaveLength(2);
    expect(afters).toHaveLength(2);
    for (const [i, line] of afters.entries()) {
      const a = AFTER.exec(line);
      expect(a, line).not.toBeNull();
      const [greeting, negotiate, attach, hooks, cont] = a!.slice(1).map(Number) as [number, number, number, number, number];
      const execToRunning = Number(SPLIT.exec(splits[i]!)![2]);
      // QEMU takes time to start up; the steps lie within exec → running (each printed to 0.1 ms).
      expect(greeting + negotiate).toBeGreaterThan(0);
      expect(greeting + negotiate + attach + hooks + cont).toBeLessThanOrEqual(execToRunning + 0.6);
    }
  });
});
