import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { FakeVisibility } from '../../../fakes/fake-visibility.js';
import { holdLease } from '../../../../src-renderer/state/lease-subscription.js';

/** The engine's side as it really is: one lease per window (connection), whoever subscribed. */
function engineWithOneLeasePerWindow(latencyMs = 0) {
  const api = new FakeHangarApi();
  api.latencyMs = latencyMs;
  const engine = { leased: false };
  api.handle('vm.thumbnails.subscribe', () => {
    engine.leased = true;
    return { intervalMs: 5000, leaseMs: 30_000 };
  });
  api.handle('vm.thumbnails.unsubscribe', () => {
    engine.leased = false;
    return { ok: true as const };
  });
  return { api, engine, vis: new FakeVisibility() };
}

afterEach(() => vi.useRealTimers());

describe('holdLease', () => {
  it('shares one subscription between the holders of a page: the last one to leave unsubscribes', async () => {
    vi.useFakeTimers();
    const { api, engine, vis } = engineWithOneLeasePerWindow();
    const a = holdLease(api, 'vm.thumbnails', vis);
    const b = holdLease(api, 'vm.thumbnails', vis);
    await vi.advanceTimersByTimeAsync(0);
    expect(api.callsOf('vm.thumbnails.subscribe')).toHaveLength(1);
    a();
    a(); // twice: still one release
    await vi.advanceTimersByTimeAsync(0);
    expect(api.callsOf('vm.thumbnails.unsubscribe')).toHaveLength(0);
    expect(engine.leased).toBe(true);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(api.callsOf('vm.thumbnails.subscribe')).toHaveLength(2); // renewed for b
    b();
    await vi.advanceTimersByTimeAsync(0);
    expect(api.callsOf('vm.thumbnails.unsubscribe')).toHaveLength(1);
    expect(engine.leased).toBe(false);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(api.callsOf('vm.thumbnails.subscribe')).toHaveLength(2); // no timer left
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives back a grant that arrives after its holder left', async () => {
    vi.useFakeTimers();
    const { api, engine, vis } = engineWithOneLeasePerWindow(50);
    const release = holdLease(api, 'vm.thumbnails', vis);
    release(); // before the answer
    await vi.advanceTimersByTimeAsync(100);
    expect(api.callsOf('vm.thumbnails.subscribe')).toHaveLength(1);
    expect(api.callsOf('vm.thumbnails.unsubscribe')).toHaveLength(1);
    expect(engine.leased).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps the lease of a holder that came while the previous one was leaving (no late unsubscribe ends it)', async () => {
    vi.useFakeTimers();
    const { api, engine, vis } = engineWithOneLeasePerWindow(50);
    const first = holdLease(api, 'vm.thumbnails', vis);
    first(); // e.g. the selection changed: one view unmounts while its subscribe is in flight...
    const second = holdLease(api, 'vm.thumbnails', vis); // ...and the next one mounts
    await vi.advanceTimersByTimeAsync(100);
    expect(engine.leased).toBe(true);
    expect(api.callsOf('vm.thumbnails.unsubscribe')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(engine.leased).toBe(true);
    second();
    await vi.advanceTimersByTimeAsync(100);
    expect(engine.leased).toBe(false);
  });

  it('follows page visibility for all holders, and retries while not connected', async () => {
    vi.useFakeTimers();
    const { api, engine, vis } = engineWithOneLeasePerWindow();
    api.failNext('vm.thumbnails.subscribe', 'io', 'not connected');
    const release = holdLease(api, 'vm.thumbnails', vis);
    await vi.advanceTimersByTimeAsync(0);
    expect(engine.leased).toBe(false);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(engine.leased).toBe(true);
    vis.set(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(engine.leased).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(api.callsOf('vm.thumbnails.subscribe')).toHaveLength(2);
    vis.set(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(engine.leased).toBe(true);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(engine.leased).toBe(false);
    vis.set(true);
    vis.set(false); // nobody holds it: visibility changes do nothing
    await vi.advanceTimersByTimeAsync(0);
    expect(api.callsOf('vm.thumbnails.subscribe')).toHaveLength(3);
  });
});
