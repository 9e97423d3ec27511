import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStatTicks, parseStatusRss, readProcSample } from '../../../../src-main/engine/stats/proc-stats.js';
import { StatsService, type StatsHost, type VmStats } from '../../../../src-main/engine/stats/stats-service.js';

const statLine = (utime: number, stime: number, comm = 'qemu-system-x86') =>
  `1234 (${comm}) S 1 1234 1234 0 -1 4194560 100 0 0 0 ${utime} ${stime} 0 0 20 0 3 0 500 1000000 2000 18446744073709551615\n`;

describe('/proc parsing', () => {
  it('reads utime + stime after the command name, even one with spaces and parentheses', () => {
    expect(parseStatTicks(statLine(150, 50))).toBe(200);
    expect(parseStatTicks(statLine(7, 3, 'qemu (x) y'))).toBe(10);
    expect(() => parseStatTicks('garbage')).toThrow();
  });

  it('reads VmRSS in bytes (0 when absent)', () => {
    expect(parseStatusRss('Name:\tqemu\nVmRSS:\t   20480 kB\nThreads: 3\n')).toBe(20480 * 1024);
    expect(parseStatusRss('Name:\tzombie\n')).toBe(0);
  });

  it('reads a sample from a fake /proc, and from this very process', async () => {
    const root = mkdtempSync(join(tmpdir(), 'hangar-proc-'));
    try {
      mkdirSync(join(root, '42'));
      writeFileSync(join(root, '42', 'stat'), statLine(10, 5));
      writeFileSync(join(root, '42', 'status'), 'VmRSS:\t100 kB\n');
      expect(await readProcSample(42, root)).toEqual({ cpuTicks: 15, rssBytes: 102400 });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    const self = await readProcSample(process.pid);
    expect(self.rssBytes).toBeGreaterThan(0);
  });
});

describe('StatsService', () => {
  afterEach(() => vi.useRealTimers());

  function setup() {
    vi.useFakeTimers();
    let ticks = 0;
    const emitted: Array<{ vmId: string } & VmStats> = [];
    const read = vi.fn(async () => ({ cpuTicks: ticks, rssBytes: 64 * 1024 * 1024 }));
    const host: StatsHost = {
      liveVms: () => [{ vmId: 'vm-a', pid: 111 }],
      read,
      emit: (vmId, s) => emitted.push({ vmId, ...s }),
    };
    const service = new StatsService(host, { intervalMs: 1000, leaseMs: 30_000 }, () => Date.now());
    return { service, emitted, read, addTicks: (n: number) => (ticks += n) };
  }

  it('has no timer and reads nothing while nobody subscribes', async () => {
    const { service, read } = setup();
    expect(service.running).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(read).not.toHaveBeenCalled();
  });

  it('samples every second while subscribed: CPU as % of one core from the tick delta, RSS in bytes', async () => {
    const { service, emitted, addTicks } = setup();
    expect(service.subscribe(7)).toEqual({ intervalMs: 1000, leaseMs: 30_000 });
    await vi.advanceTimersByTimeAsync(0);
    expect(emitted).toEqual([]); // the first read is only the baseline
    addTicks(50); // 0.5 s of CPU in 1 s
    await vi.advanceTimersByTimeAsync(1000);
    expect(emitted).toEqual([{ vmId: 'vm-a', cpuPercent: 50, rssBytes: 64 * 1024 * 1024, sampledAt: expect.any(Number) }]);
    addTicks(150); // 1.5 cores
    await vi.advanceTimersByTimeAsync(1000);
    expect(emitted.at(-1)?.cpuPercent).toBe(150);
  });

  it('stops the timer when the last subscriber leaves, and emits nothing after', async () => {
    const { service, emitted, read } = setup();
    service.subscribe(1);
    service.subscribe(2);
    await vi.advanceTimersByTimeAsync(2000);
    const n = emitted.length;
    service.unsubscribe(1);
    expect(service.running).toBe(true);
    service.unsubscribe(2);
    expect(service.running).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    const reads = read.mock.calls.length;
    await vi.advanceTimersByTimeAsync(5000);
    expect(emitted.length).toBe(n);
    expect(read.mock.calls.length).toBe(reads);
  });

  it('lets a subscription lapse when not renewed (a client that vanished)', async () => {
    const { service } = setup();
    service.subscribe(3);
    await vi.advanceTimersByTimeAsync(31_000);
    expect(service.running).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });
});
