import { ClientLeases } from './client-leases.js';

/**
 * A periodic round that runs only while some client holds a lease (the page renews it while a graph is open): the
 * first lease starts it with a round at once (a CPU delta's baseline), the last one to go or lapse stops it, and
 * with no lease there is no timer at all. Hangar's own stats and libvirt's domstats both tick on it.
 */
export class LeasedTicker {
  private readonly leases: ClientLeases;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly round: () => Promise<void>,
    private readonly onStop: () => void,
    readonly intervalMs: number,
    readonly leaseMs: number,
    now: () => number,
  ) {
    this.leases = new ClientLeases(leaseMs, now);
  }

  subscribe(clientId: number): { intervalMs: number; leaseMs: number } {
    this.leases.grant(clientId);
    if (!this.timer) {
      void this.round();
      this.schedule();
    }
    return { intervalMs: this.intervalMs, leaseMs: this.leaseMs };
  }

  unsubscribe(clientId: number): void {
    this.leases.release(clientId);
    if (this.leases.active() === 0) this.stop();
  }

  /** True while rounds are scheduled. */
  get running(): boolean {
    return this.timer !== null;
  }

  /** True while a round's result is still wanted (scheduled, or a lease held). */
  get wanted(): boolean {
    return this.timer !== null || this.leases.active() > 0;
  }

  stop(): void {
    this.leases.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.onStop();
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.leases.active() === 0) return this.stop();
      this.schedule();
      void this.round();
    }, this.intervalMs);
    this.timer.unref?.();
  }
}
