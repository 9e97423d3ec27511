/**
 * Which clients hold a renewable lease on an engine feed (stats, thumbnails), by client id, each until it lapses.
 * A client that disconnects without unsubscribing simply stops renewing: its lease runs out after `leaseMs`.
 */
export class ClientLeases {
  private readonly until = new Map<number, number>();

  constructor(
    readonly leaseMs: number,
    private readonly now: () => number,
  ) {}

  /** Grants or renews `clientId`'s lease. */
  grant(clientId: number): void {
    this.until.set(clientId, this.now() + this.leaseMs);
  }

  release(clientId: number): void {
    this.until.delete(clientId);
  }

  clear(): void {
    this.until.clear();
  }

  /** How many leases have not lapsed (the lapsed ones are dropped). */
  active(): number {
    return this.holders().length;
  }

  /** The clients whose lease has not lapsed (the lapsed ones are dropped). */
  holders(): number[] {
    const now = this.now();
    for (const [id, until] of this.until) if (until <= now) this.until.delete(id);
    return [...this.until.keys()];
  }
}
