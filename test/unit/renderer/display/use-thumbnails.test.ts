// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, renderHook } from '@testing-library/react';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { FakeVisibility } from '../../../fakes/fake-visibility.js';
import { fetchThumbnail, useVmThumbnails } from '../../../../src-renderer/features/display/use-thumbnails.js';

function setup() {
  const api = new FakeHangarApi({ vms: [{ name: 'a', id: 'vm-a', state: { kind: 'running' } }] });
  api.handle('vm.thumbnails.subscribe', () => ({ intervalMs: 5000, leaseMs: 30_000 }));
  api.handle('vm.thumbnails.unsubscribe', () => ({ ok: true as const }));
  const vis = new FakeVisibility();
  return { api, vis };
}

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('useVmThumbnails', () => {
  it('subscribes while visible, collects vm.thumbnail events, renews before the lease lapses', async () => {
    vi.useFakeTimers();
    const { api, vis } = setup();
    const { result } = renderHook(() => useVmThumbnails(api, vis));
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(api.callsOf('vm.thumbnails.subscribe')).toHaveLength(1);
    act(() => void api.emitVm('vm-a', { type: 'vm.thumbnail', pngBase64: 'AAAA', width: 4, height: 3 }));
    expect(result.current.get('vm-a')).toBe('data:image/png;base64,AAAA');
    await act(() => vi.advanceTimersByTimeAsync(15_000));
    expect(api.callsOf('vm.thumbnails.subscribe')).toHaveLength(2);
  });

  it('unsubscribes while the page is hidden and on unmount', async () => {
    vi.useFakeTimers();
    const { api, vis } = setup();
    const { unmount } = renderHook(() => useVmThumbnails(api, vis));
    await act(() => vi.advanceTimersByTimeAsync(0));
    act(() => vis.set(true));
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(api.callsOf('vm.thumbnails.unsubscribe')).toHaveLength(1);
    await act(() => vi.advanceTimersByTimeAsync(120_000));
    expect(api.callsOf('vm.thumbnails.subscribe')).toHaveLength(1);
    act(() => vis.set(false));
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(api.callsOf('vm.thumbnails.subscribe')).toHaveLength(2);
    unmount();
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(api.callsOf('vm.thumbnails.unsubscribe')).toHaveLength(2);
  });

  it('does not subscribe when mounted hidden; drops removed VMs', async () => {
    vi.useFakeTimers();
    const { api, vis } = setup();
    vis.hidden = true;
    const { result } = renderHook(() => useVmThumbnails(api, vis));
    await act(() => vi.advanceTimersByTimeAsync(60_000));
    expect(api.callsOf('vm.thumbnails.subscribe')).toHaveLength(0);
    act(() => void api.emitVm('vm-a', { type: 'vm.thumbnail', pngBase64: 'BBBB', width: 1, height: 1 }));
    expect(result.current.has('vm-a')).toBe(true);
    act(() => api.removeVm('vm-a'));
    expect(result.current.has('vm-a')).toBe(false);
  });
});

describe('useVmThumbnails with the rows in view', () => {
  it('subscribes for the VMs in view, again at once when they change, and not when they do not', async () => {
    vi.useFakeTimers();
    const { api, vis } = setup();
    const { rerender } = renderHook(({ ids }) => useVmThumbnails(api, vis, ids), { initialProps: { ids: ['vm-a'] as readonly string[] } });
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(api.callsOf('vm.thumbnails.subscribe')).toEqual([{ vms: ['vm-a'] }]);
    rerender({ ids: ['vm-a'] });
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(api.callsOf('vm.thumbnails.subscribe')).toHaveLength(1);
    rerender({ ids: ['vm-a', 'vm-b'] });
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(api.callsOf('vm.thumbnails.subscribe')).toEqual([{ vms: ['vm-a'] }, { vms: ['vm-a', 'vm-b'] }]);
    // Renewals carry the rows now in view.
    await act(() => vi.advanceTimersByTimeAsync(15_000));
    expect(api.callsOf('vm.thumbnails.subscribe').at(-1)).toEqual({ vms: ['vm-a', 'vm-b'] });
  });

  it('a hidden page holds no subscription, whatever is in view', async () => {
    vi.useFakeTimers();
    const { api, vis } = setup();
    const { rerender } = renderHook(({ ids }) => useVmThumbnails(api, vis, ids), { initialProps: { ids: ['vm-a'] as readonly string[] } });
    await act(() => vi.advanceTimersByTimeAsync(0));
    act(() => vis.set(true));
    rerender({ ids: ['vm-b'] });
    await act(() => vi.advanceTimersByTimeAsync(120_000));
    expect(api.callsOf('vm.thumbnails.subscribe')).toEqual([{ vms: ['vm-a'] }]);
    expect(api.callsOf('vm.thumbnails.unsubscribe')).toHaveLength(1);
  });
});

describe('fetchThumbnail', () => {
  it('gives a data URL, or null when the VM has none', async () => {
    const { api } = setup();
    api.handle('vm.thumbnail', (a) => ({ pngBase64: a.vm === 'vm-a' ? 'CCCC' : null, takenAt: null }));
    expect(await fetchThumbnail(api, 'vm-a')).toBe('data:image/png;base64,CCCC');
    expect(await fetchThumbnail(api, 'vm-b')).toBeNull();
  });
});
