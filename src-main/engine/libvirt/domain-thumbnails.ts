import { createHash } from 'node:crypto';
import { LeasedTicker } from '../leased-ticker.js';

export interface DomainThumbnail {
  pngBase64: string;
  width: number;
  height: number;
}

export interface DomainThumbnailsHost {
  /** The uuids of the connection's running domains (one `virsh list` a round). */
  running(): Promise<string[]>;
  /** One domain's screen as PNG (`virsh screenshot`). */
  screenshotPng(uuid: string): Promise<Buffer>;
  emit(uuid: string, thumbnail: DomainThumbnail): void;
}

/** Width and height from a PNG's IHDR (what `vm.thumbnail` events carry). */
export function pngSize(png: Buffer): { width: number; height: number } {
  return png.length >= 24 ? { width: png.readUInt32BE(16), height: png.readUInt32BE(20) } : { width: 0, height: 0 };
}

/**
 * Live thumbnails of a connection's machines, as Hangar's own: while some client holds a lease (the library renews
 * it while visible and gives it back when hidden), every few seconds each running domain a subscriber has in view
 * is captured with `virsh screenshot`, and announced only when its picture changed. No subscriber: no timer, no virsh.
 */
export class DomainThumbnails {
  private readonly ticker: LeasedTicker;
  /** Per subscriber, the domains it has in view; null: all. */
  private readonly scopes = new Map<number, ReadonlySet<string> | null>();
  private readonly latest = new Map<string, { hash: string; thumb: DomainThumbnail }>();
  private rounding = false;

  constructor(
    private readonly host: DomainThumbnailsHost,
    readonly intervalMs = 5_000,
    readonly leaseMs = 30_000,
    now: () => number = Date.now,
  ) {
    this.ticker = new LeasedTicker(() => this.round(), () => this.idle(), intervalMs, leaseMs, now);
  }

  /** Starts or renews a client's lease for the domains in `vms` (all when absent); one newly in view gets its latest at once. */
  subscribe(clientId: number, vms?: readonly string[]): { intervalMs: number; leaseMs: number } {
    const before = this.scopes.get(clientId);
    const scope = vms === undefined ? null : new Set(vms);
    this.scopes.set(clientId, scope);
    for (const [uuid, l] of this.latest) if (inScope(scope, uuid) && !(before !== undefined && inScope(before, uuid))) this.host.emit(uuid, l.thumb);
    return this.ticker.subscribe(clientId);
  }

  unsubscribe(clientId: number): void {
    this.scopes.delete(clientId);
    this.ticker.unsubscribe(clientId);
  }

  /** True while rounds are scheduled. */
  get running(): boolean {
    return this.ticker.running;
  }

  stop(): void {
    this.ticker.stop();
  }

  private idle(): void {
    this.scopes.clear();
    this.latest.clear();
  }

  private async round(): Promise<void> {
    if (this.rounding) return; // a slow host: one round at a time
    this.rounding = true;
    try {
      const scopes = [...this.scopes.values()];
      const running = await this.host.running().catch(() => [] as string[]);
      for (const uuid of this.latest.keys()) if (!running.includes(uuid)) this.latest.delete(uuid);
      for (const uuid of running) {
        if (!this.ticker.wanted) return;
        if (!scopes.some((s) => inScope(s, uuid))) continue;
        const png = await this.host.screenshotPng(uuid).catch(() => null);
        if (!png || !this.ticker.wanted) continue;
        const hash = createHash('sha256').update(png).digest('hex');
        if (this.latest.get(uuid)?.hash === hash) continue;
        const thumb = { pngBase64: png.toString('base64'), ...pngSize(png) };
        this.latest.set(uuid, { hash, thumb });
        this.host.emit(uuid, thumb);
      }
    } finally {
      this.rounding = false;
    }
  }
}

const inScope = (scope: ReadonlySet<string> | null, uuid: string): boolean => scope === null || scope.has(uuid);
