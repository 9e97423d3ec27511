import { downscale, encodePng, parsePpm } from './image.js';
import { ClientLeases } from '../client-leases.js';
import type { ScreenChanges } from './screen-changes.js';

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
  /**
   * Tells when a running VM's screen changed (QEMU's VNC dirty tracking: screen-changes.ts), so a screen that
   * did not change is not captured again. Absent, or null for a VM: captured every round.
   */
  watchScreen?(vmId: string): ScreenChanges | null;
}

/** How long a round waits for a new screen watcher's first picture before capturing anyway. */
const WATCH_READY_MS = 2_000;

/**
 * Live thumbnails: while at least one client holds a subscription, every few seconds each running VM that a
 * subscriber has in view (its `vms`, the library's visible rows; all without one) is looked at, and a screen
 * that changed since its last thumbnail (as QEMU's VNC server tells, see watchScreen) is captured (PPM
 * screendump, scaled down, encoded as a small PNG) and announced as a `vm.thumbnail` event. Nothing runs
 * without subscribers; an idle guest's screen is captured once. When a VM's session ends, its last thumbnail
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
  /** Per subscriber, the VMs it has in view; null: all. */
  private readonly scopes = new Map<number, ReadonlySet<string> | null>();
  /** Screen watchers of the VMs in view, closed when they leave it, stop, or nobody subscribes. */
  private readonly watchers = new Map<string, ScreenChanges>();
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

  /**
   * Starts (or renews) a client's subscription, for the VMs in `vms` (ids; all when absent); the first one
   * takes a round at once, as does one that brings a VM into view with no thumbnail yet. A VM newly in view
   * gets its latest thumbnail announced again: an unchanged screen is not captured again.
   */
  subscribe(clientId: number, vms?: readonly string[]): { intervalMs: number; leaseMs: number } {
    const held = this.leases.holders().includes(clientId);
    const before = held ? this.scopes.get(clientId) : undefined;
    const scope = vms === undefined ? null : new Set(vms);
    this.leases.grant(clientId);
    this.scopes.set(clientId, scope);
    const newlyInView = (vmId: string): boolean => inScope(scope, vmId) && !(before !== undefined && inScope(before, vmId));
    for (const [vmId, l] of this.latest) if (newlyInView(vmId)) this.host.emit(vmId, l.thumb);
    const unseen = this.host.liveVms().some((vmId) => newlyInView(vmId) && !this.latest.has(vmId));
    if (!this.rounding && (!this.timer || unseen)) {
      this.stopTimer();
      void this.round();
    }
    return { intervalMs: this.intervalMs, leaseMs: this.leaseMs };
  }

  unsubscribe(clientId: number): void {
    this.leases.release(clientId);
    this.scopes.delete(clientId);
    if (this.leases.active() === 0) this.idle();
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
    this.idle();
  }

  /** No subscriber: no timer, no screen watcher. */
  private idle(): void {
    this.stopTimer();
    this.scopes.clear();
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  /** Running VMs some subscriber has in view. */
  private inView(): string[] {
    const scopes = this.leases.holders().map((id) => this.scopes.get(id) ?? null);
    return this.host.liveVms().filter((vmId) => scopes.some((s) => inScope(s, vmId)));
  }

  /** False when the VM's screen is known not to have changed since its live thumbnail. */
  private async changed(vmId: string): Promise<boolean> {
    let w = this.watchers.get(vmId);
    if (!w) {
      w = this.host.watchScreen?.(vmId) ?? undefined;
      if (!w) return true;
      this.watchers.set(vmId, w);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ready = await Promise.race([w.ready, new Promise<false>((r) => (timer = setTimeout(() => r(false), WATCH_READY_MS)))]);
    clearTimeout(timer);
    // Asked every round, so the watcher looks on after a change.
    const changed = w.takeChanged();
    return !ready || changed || !this.latest.has(vmId);
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async round(): Promise<void> {
    this.rounding = true;
    try {
      const wanted = this.inView();
      for (const [vmId, w] of this.watchers) {
        if (wanted.includes(vmId)) continue;
        w.close();
        this.watchers.delete(vmId);
      }
      // Screenshots one VM at a time: on a 2-core host, TCG guests need the CPU more than the library does.
      for (const vmId of wanted) {
        if (this.leases.active() === 0) break;
        if (await this.changed(vmId)) await this.capture(vmId);
      }
    } finally {
      this.rounding = false;
    }
    this.stopTimer();
    if (this.leases.active() === 0) this.idle();
    else {
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
      this.watchers.get(vmId)?.close();
      this.watchers.delete(vmId);
      const last = this.latest.get(vmId);
      this.latest.delete(vmId);
      if (last) void this.host.saveLast(vmId, last.png).catch(() => undefined);
    };
    ended.then(keep, keep);
    return session;
  }
}

function inScope(scope: ReadonlySet<string> | null, vmId: string): boolean {
  return scope === null || scope.has(vmId);
}
