import { describe, expect, it, vi } from 'vitest';
import { DomainStats, parseDomstats, type DomainSample } from '../../../../src-main/engine/libvirt/domain-stats.js';

const DOMSTATS = `Domain: 'web'
  state.state=1
  cpu.time=11240000000
  cpu.user=9750000000
  balloon.rss=254412

Domain: 'db two'
  cpu.time=500
`;

describe('libvirt CPU and memory graphs', () => {
  it('parses virsh domstats blocks', () => {
    expect(parseDomstats(DOMSTATS)).toEqual([
      { name: 'web', cpuNs: 11240000000, rssBytes: 254412 * 1024 },
      { name: 'db two', cpuNs: 500, rssBytes: 0 },
    ]);
  });

  it('samples only while leased; the first round is the baseline; CPU is the share of one core', async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      let cpu = 0;
      let rounds = 0;
      const emitted: Array<{ uuid: string; cpuPercent: number; rssBytes: number }> = [];
      const stats = new DomainStats(
        {
          sample: async (): Promise<DomainSample[]> => {
            rounds++;
            const out = [{ name: 'web', cpuNs: cpu, rssBytes: 4096 }, { name: 'gone', cpuNs: 1, rssBytes: 1 }];
            cpu += 1e9; // half a core over each 2 s interval
            return out;
          },
          uuidOf: async (name) => (name === 'web' ? 'u-web' : null),
          emit: (uuid, s) => emitted.push({ uuid, cpuPercent: s.cpuPercent, rssBytes: s.rssBytes }),
        },
        2_000,
        5_000,
      );
      expect(rounds).toBe(0); // no subscriber, no virsh
      stats.subscribe(1);
      await vi.advanceTimersByTimeAsync(0);
      expect(emitted).toEqual([]); // the baseline
      await vi.advanceTimersByTimeAsync(2_000);
      expect(emitted).toEqual([{ uuid: 'u-web', cpuPercent: 50, rssBytes: 4096 }]);
      // The lease lapses (never renewed): sampling stops by itself.
      await vi.advanceTimersByTimeAsync(10_000);
      const after = rounds;
      await vi.advanceTimersByTimeAsync(10_000);
      expect(rounds).toBe(after);
      stats.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
