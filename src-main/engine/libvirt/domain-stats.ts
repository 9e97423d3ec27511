import { LeasedTicker } from '../leased-ticker.js';

/** One domain's counters from `virsh domstats`: CPU time in ns, the QEMU process's resident memory in bytes. */
export interface DomainSample {
  name: string;
  cpuNs: number;
  rssBytes: number;
}

/** Parses `virsh domstats --cpu-total --balloon` (blocks of `Domain: 'name'` and `  key=value` lines). */
export function parseDomstats(text: string): DomainSample[] {
  const out: DomainSample[] = [];
  let cur: DomainSample | null = null;
  for (const line of text.split('\n')) {
    const head = /^Domain: '(.*)'\s*$/.exec(line);
    if (head) {
      cur = { name: head[1]!, cpuNs: NaN, rssBytes: 0 };
      out.push(cur);
      continue;
    }
    const kv = /^\s+([\w.-]+)=(\S+)\s*$/.exec(line);
    if (!cur || !kv) continue;
    if (kv[1] === 'cpu.time') cur.cpuNs = Number(kv[2]);
    else if (kv[1] === 'balloon.rss') cur.rssBytes = Number(kv[2]) * 1024;
  }
  return out.filter((s) => Number.isFinite(s.cpuNs));
}

export interface DomainStatsHost {
  /** One `virsh domstats` round over the running domains of the connection. */
  sample(): Promise<DomainSample[]>;
  /** A domain name as the uuid clients know (null: unknown, skipped). */
  uuidOf(name: string): Promise<string | null>;
  emit(uuid: string, stats: { cpuPercent: number; rssBytes: number; sampledAt: number }): void;
}

/**
 * CPU and memory graphs of a connection's running domains: one `virsh domstats` per interval, only while a
 * client holds a lease (the page renews it while a graph is open); no timer without one, as Hangar's own.
 */
export class DomainStats {
  private readonly previous = new Map<string, { cpuNs: number; at: number }>();
  private readonly ticker: LeasedTicker;

  constructor(
    private readonly host: DomainStatsHost,
    readonly intervalMs = 2_000,
    readonly leaseMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {
    this.ticker = new LeasedTicker(() => this.round(), () => this.previous.clear(), intervalMs, leaseMs, now);
  }

  subscribe(clientId: number): { intervalMs: number; leaseMs: number } {
    return this.ticker.subscribe(clientId);
  }

  unsubscribe(clientId: number): void {
    this.ticker.unsubscribe(clientId);
  }

  stop(): void {
    this.ticker.stop();
  }

  private async round(): Promise<void> {
    const samples = await this.host.sample().catch(() => [] as DomainSample[]);
    const at = this.now();
    for (const s of samples) {
      const uuid = await this.host.uuidOf(s.name).catch(() => null);
      if (!uuid) continue;
      const prev = this.previous.get(uuid);
      this.previous.set(uuid, { cpuNs: s.cpuNs, at });
      if (!prev || at <= prev.at || s.cpuNs < prev.cpuNs) continue;
      const cpuPercent = ((s.cpuNs - prev.cpuNs) / 1e6 / (at - prev.at)) * 100;
      this.host.emit(uuid, { cpuPercent: Math.round(cpuPercent * 10) / 10, rssBytes: s.rssBytes, sampledAt: at });
    }
  }
}
