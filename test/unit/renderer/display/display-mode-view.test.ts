// @vitest-environment jsdom
// The display mode selector in the view: its default per display device, noVNC's scaling and resizeSession for
// each mode, the choice remembered per machine in the prefs, and the status bar's explanation when the guest
// cannot follow the window.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createElement } from 'react';
import { act, cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { DisplayView } from '../../../../src-renderer/features/display/display-view.js';
import { FOLLOW_GRACE_MS } from '../../../../src-renderer/features/display/use-resize-follow.js';
import type { DisplayMode } from '../../../../src-shared/contract/app-contract.js';
import { installLayoutStubs, renderWithApi } from '../library/render-helpers.js';
import { FakeRFB } from './fake-rfb.js';

vi.mock('@novnc/novnc', async () => ({ default: (await import('./fake-rfb.js')).FakeRFB }));

type Rfb = FakeRFB & { resizeSession?: boolean };
const last = () => FakeRFB.instances.at(-1)! as Rfb;
const button = (name: string) => screen.getByRole('button', { name });
const pressed = (name: string) => button(name).getAttribute('aria-pressed');

beforeAll(installLayoutStubs);
beforeEach(() => {
  FakeRFB.instances = [];
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

function setup(options: { device?: 'std' | 'virtio'; displayModes?: Record<string, DisplayMode> } = {}) {
  const api = new FakeHangarApi({ vms: [{ name: 'deb', id: 'vm-1', state: { kind: 'running' } }] });
  const vm = api.vms.get('vm-1')!;
  vm.doc = { ...vm.doc, display: { device: options.device ?? 'virtio' } };
  if (options.displayModes) api.prefs = { ...api.prefs, displayModes: options.displayModes };
  api.handle('vm.get', () => ({ doc: vm.doc, state: vm.state, bundleDir: '/b', accelerator: 'tcg' as const }));
  const user = userEvent.setup();
  const view = renderWithApi(createElement(DisplayView, { vmId: 'vm-1' }), api);
  return { api, user, view };
}

/**
 * Waits until the view shows `mode` and noVNC has it (a DOM change can wake waitFor before React's effects ran).
 */
async function ready(mode: string, rfb: { scaleViewport: boolean; resizeSession: boolean }) {
  await waitFor(() => {
    expect(pressed(mode)).toBe('true');
    expect({ scaleViewport: last().scaleViewport, resizeSession: !!last().resizeSession }).toEqual(rfb);
  });
}

describe('display mode selector', () => {
  it('a virtio machine starts in "Resize guest to window": noVNC scales meanwhile and sends the window size', async () => {
    setup({ device: 'virtio' });
    await ready('Resize guest to window', { scaleViewport: true, resizeSession: true });
    expect(pressed('Scale to fit')).toBe('false');
    expect(screen.queryByTestId('status-resize')).toBeNull();
  });

  it('a standard VGA machine starts scaled to fit; choosing resize sends nothing and the status bar says why', async () => {
    const { api, user } = setup({ device: 'std' });
    await waitFor(() => expect(screen.getByTestId('status-accelerator').textContent).toBe('TCG'));
    expect(pressed('Scale to fit')).toBe('true');
    expect(last().resizeSession).toBeFalsy();
    await user.click(button('Resize guest to window'));
    expect(pressed('Resize guest to window')).toBe('true');
    expect(last().resizeSession).toBe(false); // QEMU would answer "Invalid screen layout"
    expect(last().scaleViewport).toBe(true);
    expect(screen.getByTestId('status-resize').textContent).toMatch(/cannot follow the window.*standard VGA.*Scaled instead/);
    await waitFor(() => expect(api.prefs.displayModes).toEqual({ 'vm-1': 'resize' }));
  });

  it('each mode sets noVNC: 1:1 neither scales nor resizes, fit scales only', async () => {
    const { user } = setup({ device: 'virtio' });
    await ready('Resize guest to window', { scaleViewport: true, resizeSession: true });
    await user.click(button('Actual size'));
    expect([last().scaleViewport, last().resizeSession]).toEqual([false, false]);
    expect(screen.getByTestId('display-screen').getAttribute('data-scale')).toBe('actual');
    await user.click(button('Scale to fit'));
    expect([last().scaleViewport, last().resizeSession]).toEqual([true, false]);
    await user.click(button('Resize guest to window'));
    expect([last().scaleViewport, last().resizeSession]).toEqual([true, true]);
    expect(FakeRFB.instances).toHaveLength(1); // a mode change reuses the connection
  });

  it('the choice is remembered per machine in the prefs and used the next time the display opens', async () => {
    const { api, user, view } = setup({ device: 'virtio', displayModes: { 'vm-other': 'fit' } });
    await ready('Resize guest to window', { scaleViewport: true, resizeSession: true });
    await user.click(button('Actual size'));
    await waitFor(() => expect(api.prefs.displayModes).toEqual({ 'vm-other': 'fit', 'vm-1': 'actual' }));
    view.unmount();
    FakeRFB.instances = [];
    renderWithApi(createElement(DisplayView, { vmId: 'vm-1' }), api);
    await ready('Actual size', { scaleViewport: false, resizeSession: false });
  });

  it('a remembered mode is applied before any resize request (no default guessed first)', async () => {
    let everResized = false;
    Object.defineProperty(FakeRFB.prototype, 'resizeSession', {
      configurable: true,
      get(this: { rs?: boolean }) {
        return this.rs;
      },
      set(this: { rs?: boolean }, v: boolean) {
        this.rs = v;
        if (v) everResized = true;
      },
    });
    try {
      setup({ device: 'virtio', displayModes: { 'vm-1': 'fit' } });
      await waitFor(() => expect(screen.getByTestId('status-accelerator').textContent).toBe('TCG'));
      await ready('Scale to fit', { scaleViewport: true, resizeSession: false });
      expect(everResized).toBe(false);
    } finally {
      delete (FakeRFB.prototype as { resizeSession?: unknown }).resizeSession;
    }
  });

  it('virtio: a guest that keeps its resolution is told after the grace period, and the notice goes when it follows', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    vi.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockImplementation(function (this: HTMLElement) {
      const box = this.getAttribute('data-testid') === 'display-screen' ? { width: 800.6, height: 600 } : { width: 0, height: 0 };
      return { ...box, x: 0, y: 0, top: 0, left: 0, right: box.width, bottom: box.height, toJSON: () => box } as DOMRect;
    });
    setup({ device: 'virtio' });
    await ready('Resize guest to window', { scaleViewport: true, resizeSession: true });
    last().canvas.width = 1280;
    last().canvas.height = 800;
    act(() => last().fire('connect'));
    await waitFor(() => expect(screen.getByTestId('status-resolution').textContent).toBe('1280×800'));
    expect(screen.queryByTestId('status-resize')).toBeNull(); // the guest still has time
    await act(async () => vi.advanceTimersByTimeAsync(FOLLOW_GRACE_MS + 100));
    expect(screen.getByTestId('status-resize').textContent).toMatch(/did not change its resolution to 800×600 \(it shows 1280×800\)/);
    // The guest takes the size: QEMU sends the new framebuffer, noVNC resizes its canvas.
    act(() => {
      last().canvas.width = 800;
      last().canvas.height = 600;
    });
    await waitFor(() => expect(screen.getByTestId('status-resolution').textContent).toBe('800×600'));
    expect(screen.queryByTestId('status-resize')).toBeNull();
  });
});
