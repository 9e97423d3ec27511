import { afterEach, describe, expect, it, vi } from 'vitest';
import { inflateSync } from 'node:zlib';
import { downscale, encodePng, parsePpm, type RgbImage } from '../../../../src-main/engine/display/image.js';
import { ThumbnailService, type ThumbnailHost, type Thumbnail } from '../../../../src-main/engine/display/thumbnails.js';

function ppm(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  const head = Buffer.from(`P6\n# made by a test\n${width} ${height}\n255\n`, 'latin1');
  const body = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) body.set(pixel(x, y), (y * width + x) * 3);
  return Buffer.concat([head, body]);
}

/** Minimal PNG reader for our own output (filter 0 only). */
function readPng(png: Buffer): RgbImage {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let pos = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (pos < png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[9]]).toEqual([8, 2]);
    } else if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 3 + 1)]).toBe(0);
    out.set(raw.subarray(y * (width * 3 + 1) + 1, (y + 1) * (width * 3 + 1)), y * width * 3);
  }
  return { width, height, data: out };
}

describe('image helpers', () => {
  it('parses a P6 PPM with comments', () => {
    const img = parsePpm(ppm(3, 2, (x, y) => [x, y, 7]));
    expect([img.width, img.height]).toEqual([3, 2]);
    expect([...img.data.subarray(0, 6)]).toEqual([0, 0, 7, 1, 0, 7]);
  });

  it('refuses other formats and truncated data', () => {
    expect(() => parsePpm(Buffer.from('P3\n1 1\n255\n0 0 0'))).toThrow(/P6/);
    expect(() => parsePpm(ppm(4, 4, () => [0, 0, 0]).subarray(0, 30))).toThrow(/truncated/);
  });

  it('scales down by averaging blocks, keeping the aspect ratio, never up', () => {
    const src = parsePpm(ppm(640, 400, (x) => (x < 320 ? [255, 0, 0] : [0, 0, 255])));
    const small = downscale(src, 320, 200);
    expect([small.width, small.height]).toEqual([320, 200]);
    expect([...small.data.subarray(0, 3)]).toEqual([255, 0, 0]);
    expect([...small.data.subarray((319) * 3, 320 * 3)]).toEqual([0, 0, 255]);
    const boundary = parsePpm(ppm(4, 1, (x) => (x % 2 === 0 ? [200, 0, 0] : [0, 0, 0])));
    expect([...downscale(boundary, 2, 1).data]).toEqual([100, 0, 0, 100, 0, 0]);
    expect(downscale(src, 1000, 1000)).toBe(src);
    expect([downscale(src, 100, 1000).width, downscale(src, 100, 1000).height]).toEqual([100, 63]);
  });

  it('encodes a PNG that decodes to the same pixels', () => {
    const img = parsePpm(ppm(7, 5, (x, y) => [x * 30, y * 50, (x + y) * 10]));
    const back = readPng(encodePng(img));
    expect([back.width, back.height]).toEqual([7, 5]);
    expect([...back.data]).toEqual([...img.data]);
  });
});

class FakeHost implements ThumbnailHost {
  live = ['vm-1'];
  shots = 0;
  readonly emitted: Array<{ vmId: string; thumb: Thumbnail }> = [];
  readonly saved: Array<{ vmId: string; png: Buffer }> = [];
  kept: { png: Buffer; takenAt: string } | null = null;
  ends = new Map<string, { promise: Promise<void>; end: () => void }>();
  failNext = false;
  /** While set, screendumps wait for it (a capture under way). */
  hold: Promise<void> | null = null;
  liveVms() {
    return this.live;
  }
  async screendumpPpm(_vmId: string) {
    this.shots++;
    if (this.hold) await this.hold;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('not running');
    }
    return ppm(640, 400, () => [10, 20, 30]);
  }
  sessionEnded(vmId: string) {
    if (!this.live.includes(vmId)) return null;
    let e = this.ends.get(vmId);
    if (!e) {
      let end!: () => void;
      const promise = new Promise<void>((r) => (end = r));
      e = { promise, end };
      this.ends.set(vmId, e);
    }
    return e.promise;
  }
  /** The VM stops: like the engine, its session ends and it leaves the live sessions. */
  endSession(vmId: string) {
    this.sessionEnded(vmId);
    this.ends.get(vmId)?.end();
    this.live = this.live.filter((id) => id !== vmId);
  }
  emit(vmId: string, thumb: Thumbnail) {
    this.emitted.push({ vmId, thumb });
  }
  async saveLast(vmId: string, png: Buffer) {
    this.saved.push({ vmId, png });
  }
  async readLast() {
    return this.kept;
  }
}

afterEach(() => vi.useRealTimers());

describe('ThumbnailService', () => {
  it('does nothing without subscribers', async () => {
    vi.useFakeTimers();
    const host = new FakeHost();
    const svc = new ThumbnailService(host, { intervalMs: 5000 });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(host.shots).toBe(0);
    expect(svc.running).toBe(false);
  });

  it('while subscribed: a round at once, then every interval; emits small PNGs', async () => {
    vi.useFakeTimers();
    const host = new FakeHost();
    host.live = ['vm-1', 'vm-2'];
    const svc = new ThumbnailService(host, { intervalMs: 5000, leaseMs: 60_000 });
    expect(svc.subscribe(1)).toEqual({ intervalMs: 5000, leaseMs: 60_000 });
    await vi.advanceTimersByTimeAsync(0);
    expect(host.emitted.map((e) => e.vmId)).toEqual(['vm-1', 'vm-2']);
    const t = host.emitted[0]!.thumb;
    expect([t.width, t.height]).toEqual([320, 200]);
    const img = readPng(Buffer.from(t.pngBase64, 'base64'));
    expect([...img.data.subarray(0, 3)]).toEqual([10, 20, 30]);
    // A second subscriber (or a renewal) does not start a second loop.
    svc.subscribe(2);
    svc.subscribe(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(host.shots).toBe(4);
    await vi.advanceTimersByTimeAsync(5000);
    expect(host.shots).toBe(6);
  });

  it('stops when the last subscriber leaves, and when leases lapse', async () => {
    vi.useFakeTimers();
    const host = new FakeHost();
    const svc = new ThumbnailService(host, { intervalMs: 5000, leaseMs: 12_000 });
    svc.subscribe(1);
    svc.subscribe(2);
    await vi.advanceTimersByTimeAsync(0);
    svc.unsubscribe(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(host.shots).toBe(2);
    svc.unsubscribe(2);
    expect(svc.running).toBe(false);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(host.shots).toBe(2);
    // A client that vanished without unsubscribing costs nothing once its lease lapses.
    svc.subscribe(3);
    await vi.advanceTimersByTimeAsync(60_000);
    const after = host.shots;
    expect(after).toBeLessThanOrEqual(2 + 3);
    expect(svc.running).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(host.shots).toBe(after);
  });

  it('a release while a round is still capturing stops sampling once that capture lands: no timer left', async () => {
    vi.useFakeTimers();
    const host = new FakeHost();
    host.live = ['vm-1', 'vm-2'];
    let land!: () => void;
    host.hold = new Promise((r) => (land = r));
    const svc = new ThumbnailService(host, { intervalMs: 5000, leaseMs: 60_000 });
    svc.subscribe(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(host.shots).toBe(1); // vm-1's screendump is under way
    svc.unsubscribe(1);
    land();
    await vi.advanceTimersByTimeAsync(0);
    // The round ends without vm-2 and schedules nothing.
    expect(host.shots).toBe(1);
    expect(svc.running).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(host.shots).toBe(1);
  });

  it('a lease that lapses while a round is capturing schedules no further round', async () => {
    vi.useFakeTimers();
    const host = new FakeHost();
    let land!: () => void;
    host.hold = new Promise((r) => (land = r));
    const svc = new ThumbnailService(host, { intervalMs: 5000, leaseMs: 10_000 });
    svc.subscribe(1);
    await vi.advanceTimersByTimeAsync(11_000);
    land();
    await vi.advanceTimersByTimeAsync(0);
    expect(svc.running).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(host.shots).toBe(1);
  });

  it('a capture that lands after its VM stopped is dropped: no stale live thumbnail, the kept one is served', async () => {
    const host = new FakeHost();
    const svc = new ThumbnailService(host);
    // First look of the session, still under way when the VM stops.
    let land!: () => void;
    host.hold = new Promise((r) => (land = r));
    const late = svc.capture('vm-1');
    await Promise.resolve();
    host.endSession('vm-1');
    land();
    expect(await late).toBeNull();
    expect(host.emitted).toHaveLength(0);
    host.kept = null;
    expect(await svc.last('vm-1')).toBeNull();

    // Same with an earlier look of the session: that one is kept in the bundle, the late one is dropped.
    host.live = ['vm-1'];
    host.ends.delete('vm-1');
    host.hold = null;
    const first = await svc.capture('vm-1');
    host.hold = new Promise((r) => (land = r));
    const late2 = svc.capture('vm-1');
    await Promise.resolve();
    host.endSession('vm-1');
    land();
    expect(await late2).toBeNull();
    await vi.waitFor(() => expect(host.saved).toHaveLength(1), { timeout: 15_000 });
    expect(host.saved[0]!.png.toString('base64')).toBe(first!.pngBase64);
    host.kept = { png: host.saved[0]!.png, takenAt: '2026-01-01T00:00:00.000Z' };
    expect(await svc.last('vm-1')).toMatchObject({ width: 0, takenAt: '2026-01-01T00:00:00.000Z' });
    expect(host.emitted).toHaveLength(1);
  });

  it('keeps the last thumbnail in the bundle when the session ends; last() serves live, then kept', async () => {
    const host = new FakeHost();
    const svc = new ThumbnailService(host);
    const live = await svc.capture('vm-1');
    expect(live).not.toBeNull();
    expect(await svc.last('vm-1')).toEqual(live);
    host.ends.get('vm-1')!.end();
    await vi.waitFor(() => expect(host.saved).toHaveLength(1), { timeout: 15_000 });
    expect(host.saved[0]!.png.toString('base64')).toBe(live!.pngBase64);
    host.kept = { png: host.saved[0]!.png, takenAt: '2026-01-01T00:00:00.000Z' };
    expect(await svc.last('vm-1')).toMatchObject({ pngBase64: live!.pngBase64, takenAt: '2026-01-01T00:00:00.000Z' });
    host.kept = null;
    expect(await svc.last('vm-9')).toBeNull();
  });

  it('a failed capture keeps the previous thumbnail and emits nothing', async () => {
    const host = new FakeHost();
    const svc = new ThumbnailService(host);
    const first = await svc.capture('vm-1');
    host.failNext = true;
    expect(await svc.capture('vm-1')).toBeNull();
    expect(host.emitted).toHaveLength(1);
    expect(await svc.last('vm-1')).toEqual(first);
  });

  it('concurrent captures of one VM share one screendump', async () => {
    const host = new FakeHost();
    const svc = new ThumbnailService(host);
    const [a, b] = await Promise.all([svc.capture('vm-1'), svc.capture('vm-1')]);
    expect(a).toBe(b);
    expect(host.shots).toBe(1);
  });
});

/** A screen watcher whose "changed" the test sets (QEMU's VNC dirty tracking in the engine). */
class FakeScreen {
  changed = false;
  closed = false;
  ready: Promise<boolean> = Promise.resolve(true);
  takeChanged() {
    const c = this.changed;
    this.changed = false;
    return c;
  }
  close() {
    this.closed = true;
  }
}

class WatchedHost extends FakeHost {
  readonly screens = new Map<string, FakeScreen>();
  readonly shotsOf = new Map<string, number>();
  rounds = 0;
  override liveVms() {
    this.rounds++;
    return this.live;
  }
  override async screendumpPpm(vmId: string) {
    this.shotsOf.set(vmId, (this.shotsOf.get(vmId) ?? 0) + 1);
    return super.screendumpPpm(vmId);
  }
  watchScreen(vmId: string) {
    const s = new FakeScreen();
    this.screens.set(vmId, s);
    return s;
  }
}

describe('ThumbnailService with screen watchers: only changed screens, only VMs in view', () => {
  it('a screen that does not change gets no new screendump after the first; a change gets one, once', async () => {
    vi.useFakeTimers();
    const host = new WatchedHost();
    host.live = ['vm-1', 'vm-2'];
    const svc = new ThumbnailService(host, { intervalMs: 5000, leaseMs: 600_000 });
    svc.subscribe(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(host.shots).toBe(2);
    await vi.advanceTimersByTimeAsync(50_000);
    expect(host.rounds).toBeGreaterThanOrEqual(10);
    expect(host.shots).toBe(2);
    host.screens.get('vm-2')!.changed = true;
    await vi.advanceTimersByTimeAsync(5000);
    expect(Object.fromEntries(host.shotsOf)).toEqual({ 'vm-1': 1, 'vm-2': 2 });
    await vi.advanceTimersByTimeAsync(20_000);
    expect(host.shots).toBe(3);
    expect(host.emitted.map((e) => e.vmId)).toEqual(['vm-1', 'vm-2', 'vm-2']);
  });

  it('looks only at the VMs a subscriber has in view; one coming into view is shown at once', async () => {
    vi.useFakeTimers();
    const host = new WatchedHost();
    host.live = ['vm-1', 'vm-2', 'vm-3'];
    const svc = new ThumbnailService(host, { intervalMs: 5000, leaseMs: 600_000 });
    svc.subscribe(1, ['vm-1']);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(Object.fromEntries(host.shotsOf)).toEqual({ 'vm-1': 1 });
    expect([...host.screens.keys()]).toEqual(['vm-1']);
    // Scrolled: vm-1 out of view (its watcher closed at the next round), vm-3 in; no waiting for the next round.
    svc.subscribe(1, ['vm-3']);
    await vi.advanceTimersByTimeAsync(0);
    expect(Object.fromEntries(host.shotsOf)).toEqual({ 'vm-1': 1, 'vm-3': 1 });
    expect(host.screens.get('vm-1')!.closed).toBe(true);
    // Back into view: its latest thumbnail is announced again, without a screendump (the screen did not change).
    const before = host.emitted.length;
    svc.subscribe(1, ['vm-1', 'vm-3']);
    await vi.advanceTimersByTimeAsync(0);
    expect(host.emitted.slice(before).map((e) => e.vmId)).toEqual(['vm-1']);
    expect(host.shots).toBe(2);
  });

  it('a new client gets the latest thumbnails of the VMs in its view without new screendumps', async () => {
    vi.useFakeTimers();
    const host = new WatchedHost();
    host.live = ['vm-1', 'vm-2'];
    const svc = new ThumbnailService(host, { intervalMs: 5000, leaseMs: 600_000 });
    svc.subscribe(1);
    await vi.advanceTimersByTimeAsync(0);
    const before = host.emitted.length;
    svc.subscribe(2, ['vm-2']);
    await vi.advanceTimersByTimeAsync(0);
    expect(host.emitted.slice(before).map((e) => e.vmId)).toEqual(['vm-2']);
    expect(host.shots).toBe(2);
  });

  it('captures anyway when the watcher cannot tell (never ready, or broken)', async () => {
    vi.useFakeTimers();
    const host = new WatchedHost();
    host.watchScreen = (vmId: string) => {
      const s = new FakeScreen();
      s.ready = new Promise(() => undefined);
      host.screens.set(vmId, s);
      return s;
    };
    const svc = new ThumbnailService(host, { intervalMs: 5000, leaseMs: 600_000 });
    svc.subscribe(1);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(host.shots).toBe(1);
    await vi.advanceTimersByTimeAsync(7_000);
    expect(host.shots).toBe(2);
  });

  it('closes every screen watcher when the last subscriber leaves, and leaves no timer', async () => {
    vi.useFakeTimers();
    const host = new WatchedHost();
    host.live = ['vm-1', 'vm-2'];
    const svc = new ThumbnailService(host, { intervalMs: 5000, leaseMs: 600_000 });
    svc.subscribe(1);
    await vi.advanceTimersByTimeAsync(0);
    svc.unsubscribe(1);
    expect([...host.screens.values()].map((s) => s.closed)).toEqual([true, true]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
