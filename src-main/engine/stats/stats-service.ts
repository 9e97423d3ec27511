import { CLOCK_TICKS, type ProcSample } from './proc-stats.js';
import { LeasedTicker } from '../leased-ticker.js';

export interface VmStats {
  /** Percent of one core over the last interval (can exceed 100 with several vCPUs). */
  cpuPercent: number;
  rssBytes: number;
  sampledAt: number;
}

/** What the stats service needs from the engine (a fake in tests). */
export interface StatsHost {
  /** Running VMs and their QEMU pids. */
  liveVms(): Array<{ vmId: string; pid: number }>;
  read(pid: number): Promise<ProcSample>;
  emit(vmId: string, stats: VmStats): void;
}

export interface StatsOptions {
  intervalMs?: number;
  /** A subscription lapses unless renewed within this: a client that vanished stops costing anything. */
  leaseMs?: number;
}

/**
 * Per-VM CPU and memory of the QEMU processes, sampled from /proc every `intervalMs` only while at least
 * one client holds a subscription; with no subscriber there is no timer at all.
 */
export class StatsService {
  readonly intervalMs: number;
  readonly leaseMs: number;
  private readonly previous = new Map<string, { pid: number; ticks: number; at: number }>();
  private readonly ticker: LeasedTicker;

  constructor(
    private readonly host: StatsHost,
    options: StatsOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.intervalMs = options.intervalMs ?? 1_000;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.ticker = new LeasedTicker(() => this.sample(), () => this.previous.clear(), this.intervalMs, this.leaseMs, now);
  }

  subscribe(clientId: number): { intervalMs: number; leaseMs: number } {
    return this.ticker.subscribe(clientId);
  }

  unsubscribe(clientId: number): void {
    this.ticker.unsubscribe(clientId);
  }

  /** True while sampling is scheduled. */
  get running(): boolean {
    return this.ticker.running;
  }

  stop(): void {
    this.ticker.stop();
  }

  /** One round over the running VMs; the first sample of a process only sets its baseline. */
  private async sample(): Promise<void> {
    const live = this.host.liveVms();
    const seen = new Set<string>();
    await Promise.all(
      live.map(async ({ vmId, pid }) => {
        seen.add(vmId);
        let s: ProcSample;
        try {
          s = await this.host.read(pid);
        } catch {
          return; // the process ended between listing and reading
        }
        const at = this.now();
        const prev = this.previous.get(vmId);
        this.previous.set(vmId, { pid, ticks: s.cpuTicks, at });
        if (!this.ticker.wanted) return;
        // The first sample of a process is only the baseline of its CPU delta.
        if (!prev || prev.pid !== pid || at <= prev.at) return;
        const cpuPercent = Math.max(0, ((s.cpuTicks - prev.ticks) / CLOCK_TICKS) * 100 * (1000 / (at - prev.at)));
        this.host.emit(vmId, { cpuPercent: Math.round(cpuPercent * 10) / 10, rssBytes: s.rssBytes, sampledAt: at });
      }),
    );
    for (const id of this.previous.keys()) if (!seen.has(id)) this.previous.delete(id);
  }
}
