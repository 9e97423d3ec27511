import { downscale, encodePng, parsePpm } from './image.js';
import { ClientLeases } from '../client-leases.js';

/** Thumbnails fit in this box (the library shows them small). */
export const THUMBNAIL_MAX = { width: 320, height: 200 } as const;

export interface ThumbnailOptions {
  /** Time between two rounds of screenshots while anyone subscribes (default 5 s). */
  intervalMs?: number;
  /** A subscription lapses unless renewed within this (default 30 s): a client that vanished costs nothing for long. */
  leaseMs?: number;
}

export interface Thumbnail {
  pngBase64: string;
  width: number;
  height: number;
  takenAt: string;
}

/** What the thumbnail service needs from the engine (a fake in tests). */
export interface ThumbnailHost {
  /** VMs with a display that can be captured now (running or paused). */
  liveVms(): string[];
  /** QEMU `screendump` in PPM. */
  screendumpPpm(vmId: string): Promise<Buffer>;
  /** Settles when the VM's current session ends; null when it is not running. */
  sessionEnded(vmId: string): Promise<unknown> | null;
  emit(vmId: string, thumbnail: Thumbnail): void;
  /** Keeps the last thumbnail in the bundle (thumbs/last.png) once the VM stopped. */
  saveLast(vmId: string, png: Buffer): Promise<void>;
  /** The thumbnail kept in the bundle, or null. */
  readLast(vmId: string): Promise<{ png: Buffer; takenAt: string } | null>;
}

/**
 * Live thumbnails: while at least one client holds a subscription, every few seconds each running VM's
 * screen is captured (PPM screendump, scaled down, encoded as a small PNG) and announced as a
 * `vm.thumbnail` event. Nothing runs without subscribers. When a VM's session ends, its last thumbnail
 * is kept in the bundle for the library to show while it is stopped.
 */
export class ThumbnailService {
  readonly intervalMs: number;
  readonly leaseMs: number;
  private readonly leases: ClientLeases;
  private readonly latest = new Map<string, { png: Buffer; thumb: Thumbnail }>();
  /** Per session (its `sessionEnded` promise): whether it has ended. */
  private readonly sessions = new WeakMap<Promise<unknown>, { over: boolean }>();
  private readonly inFlight = new Map<string, Promise<Thumbnail | null>>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private rounding = false;

  constructor(
    private readonly host: ThumbnailHost,
    options: ThumbnailOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.intervalMs = options.intervalMs ?? 5_000;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.leases = new ClientLeases(this.leaseMs, now);
  }

  /** Starts (or renews) a client's subscription; the first one also takes a round at once. */
  subscribe(clientId: number): { intervalMs: number; leaseMs: number } {
    this.leases.grant(clientId);
    if (!this.timer && !this.rounding) void this.round();
    return { intervalMs: this.intervalMs, leaseMs: this.leaseMs };
  }

  unsubscribe(clientId: number): void {
    this.leases.release(clientId);
    if (this.leases.active() === 0) this.stopTimer();
  }

  /** True while rounds are scheduled or one is under way. */
  get running(): boolean {
    return this.timer !== null || this.rounding;
  }

  /** The newest thumbnail of a VM: the live one, else the one kept in its bundle. */
  async last(vmId: string): Promise<Thumbnail | null> {
    const live = this.latest.get(vmId);
    if (live) return live.thumb;
    const kept = await this.host.readLast(vmId);
    if (!kept) return null;
    return { pngBase64: kept.png.toString('base64'), width: 0, height: 0, takenAt: kept.takenAt };
  }

  /** Takes one thumbnail now (e.g. just before a shutdown), emits it and keeps it; null on failure. */
  capture(vmId: string): Promise<Thumbnail | null> {
    const running = this.inFlight.get(vmId);
    if (running) return running;
    const p = this.captureOnce(vmId).finally(() => this.inFlight.delete(vmId));
    this.inFlight.set(vmId, p);
    return p;
  }

  stop(): void {
    this.leases.clear();
    this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async round(): Promise<void> {
    this.rounding = true;
    try {
      // Screenshots one VM at a time: on a 2-core host, TCG guests need the CPU more than the library does.
      for (const vmId of this.host.liveVms()) {
        if (this.leases.active() === 0) break;
        await this.capture(vmId);
      }
    } finally {
      this.rounding = false;
    }
    this.stopTimer();
    if (this.leases.active() > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.round();
      }, this.intervalMs);
      this.timer.unref?.();
    }
  }

  private async captureOnce(vmId: string): Promise<Thumbnail | null> {
    // Watched before the screendump: a shot landing after its session ended (and its last look was kept)
    // would otherwise stay in `latest` for good, a stale "live" thumbnail never written to the bundle.
    const session = this.watchSession(vmId);
    let png: Buffer;
    let width: number;
    let height: number;
    try {
      const small = downscale(parsePpm(await this.host.screendumpPpm(vmId)), THUMBNAIL_MAX.width, THUMBNAIL_MAX.height);
      png = encodePng(small);
      ({ width, height } = small);
    } catch {
      return null; // stopping, no display, paused mid-way: keep the previous one
    }
    if (session?.over) return null; // stopped meanwhile: same as a failed capture
    const thumb: Thumbnail = { pngBase64: png.toString('base64'), width, height, takenAt: new Date(this.now()).toISOString() };
    this.latest.set(vmId, { png, thumb });
    this.host.emit(vmId, thumb);
    return thumb;
  }

  private watchSession(vmId: string): { over: boolean } | null {
    const ended = this.host.sessionEnded(vmId);
    if (!ended) return null;
    const known = this.sessions.get(ended);
    if (known) return known;
    const session = { over: false };
    this.sessions.set(ended, session);
    const keep = () => {
      session.over = true;
      const last = this.latest.get(vmId);
      this.latest.delete(vmId);
      if (last) void this.host.saveLast(vmId, last.png).catch(() => undefined);
    };
    ended.then(keep, keep);
    return session;
  }
}
