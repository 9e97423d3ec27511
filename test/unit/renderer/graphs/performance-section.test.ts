// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createElement } from 'react';
import { act, cleanup, screen, within } from '@testing-library/react';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { PerformanceSection } from '../../../../src-renderer/features/graphs/index.js';
import { FakeVisibility } from '../../../fakes/fake-visibility.js';
import { cpuScale, formatCpu, formatMemory, MAX_SAMPLES, pushSample, sparklinePath } from '../../../../src-renderer/features/graphs/stats-model.js';
import { DetailsPane } from '../../../../src-renderer/features/library/details-pane.js';
import { renderWithApi } from '../library/render-helpers.js';

const MiB = 1024 * 1024;

function setup() {
  const api = new FakeHangarApi({ vms: [{ name: 'web', id: 'vm-web', state: { kind: 'running' } }, { name: 'db', id: 'vm-db', state: { kind: 'running' } }] });
  const vis = new FakeVisibility();
  return { api, vis };
}

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('stats model', () => {
  it('keeps the last 60 samples', () => {
    let s: ReturnType<typeof pushSample> = [];
    for (let i = 0; i < 75; i++) s = pushSample(s, { cpuPercent: i, rssBytes: i, sampledAt: i });
    expect(s).toHaveLength(MAX_SAMPLES);
    expect(s[0]!.cpuPercent).toBe(15);
    expect(s.at(-1)!.cpuPercent).toBe(74);
  });

  it('draws the newest value at the right edge, scaled to the height', () => {
    expect(sparklinePath([], 100, 10, 100)).toBe('');
    expect(sparklinePath([0, 50, 100], 100, 10, 100, 3)).toBe('M0.0,10.0 L50.0,5.0 L100.0,0.0');
    // Fewer samples than slots: the line starts right of the left edge.
    expect(sparklinePath([100], 100, 10, 100, 3)).toBe('M100.0,0.0');
    // Values above the scale are clipped.
    expect(sparklinePath([400], 100, 10, 100, 2)).toBe('M100.0,0.0');
  });

  it('formats and scales', () => {
    expect(formatCpu(3.25)).toBe('3.3 %');
    expect(formatCpu(142.4)).toBe('142 %');
    expect(formatMemory(300 * MiB)).toBe('300 MiB');
    expect(formatMemory(3 * 1024 * MiB)).toBe('3.00 GiB');
    expect(cpuScale([10, 20])).toBe(100);
    expect(cpuScale([10, 180])).toBe(180);
  });
});

describe('PerformanceSection', () => {
  it('subscribes while mounted and visible, draws the VM\'s samples with the current values as text', async () => {
    const { api, vis } = setup();
    renderWithApi(createElement(PerformanceSection, { vmId: 'vm-web', name: 'web', visibility: vis }), api);
    await act(() => Promise.resolve());
    expect(api.callsOf('vm.stats.subscribe')).toHaveLength(1);
    expect(screen.getByText('Measuring…')).toBeTruthy();

    act(() => {
      api.stats('web', { cpuPercent: 12.5, rssBytes: 200 * MiB });
      api.stats('db', { cpuPercent: 99, rssBytes: 900 * MiB }); // another VM: ignored here
      api.stats('web', { cpuPercent: 40, rssBytes: 256 * MiB });
    });
    const section = screen.getByRole('region', { name: 'Performance' });
    expect(within(section).getByLabelText('CPU use of web').textContent).toBe('40 %');
    expect(within(section).getByLabelText('Memory use of web').textContent).toBe('256 MiB');
    const cpuGraph = within(section).getByRole('img', { name: 'CPU use of web over the last minute, now 40 %' });
    const memGraph = within(section).getByRole('img', { name: 'Memory use of web over the last minute, now 256 MiB' });
    // Two samples: a line with two points in each graph.
    expect(cpuGraph.querySelector('path')?.getAttribute('d')).toMatch(/^M[\d.]+,[\d.]+ L[\d.]+,[\d.]+$/);
    expect(memGraph.querySelector('path')?.getAttribute('d')?.split(' ')).toHaveLength(2);
  });

  it('unsubscribes when the page is hidden, subscribes again when shown, and unsubscribes on unmount', async () => {
    const { api, vis } = setup();
    const view = renderWithApi(createElement(PerformanceSection, { vmId: 'vm-web', name: 'web', visibility: vis }), api);
    await act(() => Promise.resolve());
    expect(api.statsSubscribers).toBe(1);
    await act(async () => vis.set(true));
    expect(api.callsOf('vm.stats.unsubscribe')).toHaveLength(1);
    expect(api.statsSubscribers).toBe(0);
    await act(async () => vis.set(false));
    expect(api.callsOf('vm.stats.subscribe')).toHaveLength(2);
    expect(api.statsSubscribers).toBe(1);
    view.unmount();
    await act(() => Promise.resolve());
    expect(api.statsSubscribers).toBe(0);
  });

  it('does not subscribe while mounted on a hidden page', async () => {
    const { api, vis } = setup();
    vis.hidden = true;
    renderWithApi(createElement(PerformanceSection, { vmId: 'vm-web', name: 'web', visibility: vis }), api);
    await act(() => Promise.resolve());
    expect(api.callsOf('vm.stats.subscribe')).toHaveLength(0);
  });

  it('gives a subscription back that arrives after unmount', async () => {
    vi.useFakeTimers(); // the fake's latency runs on this clock: both calls answer when the test says so
    const { api, vis } = setup();
    api.latencyMs = 20;
    const view = renderWithApi(createElement(PerformanceSection, { vmId: 'vm-web', name: 'web', visibility: vis }), api);
    view.unmount();
    // The subscribe answers after the unmount, then the unsubscribe that gives it back (no lease timer is due in 1 s).
    await act(() => vi.advanceTimersByTimeAsync(1_000));
    expect(api.callsOf('vm.stats.subscribe')).toHaveLength(1);
    expect(api.statsSubscribers).toBe(0);
  });

  it('renews the lease before it lapses', async () => {
    vi.useFakeTimers();
    const { api, vis } = setup();
    renderWithApi(createElement(PerformanceSection, { vmId: 'vm-web', name: 'web', visibility: vis }), api);
    await act(() => vi.advanceTimersByTimeAsync(0));
    await act(() => vi.advanceTimersByTimeAsync(15_000));
    expect(api.callsOf('vm.stats.subscribe')).toHaveLength(2);
  });
});

describe('the details pane', () => {
  it('shows Performance for a running machine only', async () => {
    const { api } = setup();
    const vm = { id: 'vm-web', name: 'web', osId: 'linux', bundleDir: '/lib/web.hangar', state: { kind: 'running' as const }, lastChanged: 0 };
    renderWithApi(createElement(DetailsPane, { vm, selectedCount: 1, onEdit: () => undefined }), api);
    expect(await screen.findByRole('region', { name: 'Performance' })).toBeTruthy();
    cleanup();
    renderWithApi(createElement(DetailsPane, { vm: { ...vm, state: { kind: 'stopped' as const } }, selectedCount: 1, onEdit: () => undefined }), api);
    await screen.findByRole('article');
    expect(screen.queryByRole('region', { name: 'Performance' })).toBeNull();
  });
});
