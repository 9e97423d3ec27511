// @vitest-environment jsdom
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createElement } from 'react';
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { DisplayView } from '../../../../src-renderer/features/display/display-view.js';
import { installLayoutStubs, renderWithApi } from '../library/render-helpers.js';
import { FakeRFB } from './fake-rfb.js';

vi.mock('@novnc/novnc', async () => ({ default: (await import('./fake-rfb.js')).FakeRFB }));
const rfbs = FakeRFB;

const last = () => rfbs.instances.at(-1)!;

beforeAll(installLayoutStubs);
beforeEach(() => {
  rfbs.instances = [];
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

interface HostClipboard {
  readText?: () => Promise<string>;
  writeText?: (text: string) => Promise<void>;
}

function setup(options: { clipboard?: 'off' | 'host-to-guest' | 'guest-to-host' | 'both'; customKeyCombos?: string[]; state?: 'running' | 'stopped'; hostClipboard?: HostClipboard } = {}) {
  const api = new FakeHangarApi({ vms: [{ name: 'deb', id: 'vm-1', state: { kind: options.state ?? 'running' } }] });
  api.vms.get('vm-1')!.doc = { ...api.vms.get('vm-1')!.doc, clipboard: options.clipboard ?? 'off' };
  api.prefs = { ...api.prefs, customKeyCombos: options.customKeyCombos ?? [] };
  const onClose = vi.fn();
  api.handle('vm.get', () => ({ doc: api.vms.get('vm-1')!.doc, state: api.vms.get('vm-1')!.state, bundleDir: '/b', accelerator: 'tcg' as const }));
  api.handle('vm.sendKey', (a) => ({ keys: a.combo.split('-') }));
  api.handle('vm.typeText', (a) => ({ sent: a.text.length }));
  api.handle('vm.screenshot', () => ({ pngBase64: btoa('PNGDATA') }));
  const user = userEvent.setup();
  // After userEvent.setup(), which installs its own clipboard stub.
  if (options.hostClipboard) Object.defineProperty(navigator, 'clipboard', { configurable: true, value: options.hostClipboard });
  renderWithApi(createElement(DisplayView, { vmId: 'vm-1', onClose }), api);
  return { api, onClose, user };
}

const button = (name: string) => screen.getByRole('button', { name });

describe('DisplayView', () => {
  it('opens the VM\'s display channel with noVNC, scaled to fit, and shows the toolbar', async () => {
    const { api } = setup();
    await waitFor(() => expect(rfbs.instances).toHaveLength(1));
    expect(api.displays.map((d) => d.vmId)).toEqual(['vm-1']);
    expect(last().channel).toBe(api.displays[0]!.channel);
    expect(last().options).toEqual({ shared: true });
    expect(last().scaleViewport).toBe(true);
    for (const name of ['Scale to fit', 'Actual size', 'Fullscreen', 'Send keys', 'Type clipboard', 'Screenshot', 'Close display']) {
      expect(button(name)).toBeTruthy();
    }
    expect(screen.getByRole('status', { name: 'Display status' }).textContent).toBeTruthy();
    expect(screen.getByText('Connecting to the display…')).toBeTruthy();
    act(() => last().fire('connect'));
    expect(screen.queryByText('Connecting to the display…')).toBeNull();
  });

  it('status bar: run state, accelerator, resolution, clipboard policy; follows vm.state events', async () => {
    const { api } = setup({ clipboard: 'both' });
    await waitFor(() => expect(screen.getByTestId('status-accelerator').textContent).toBe('TCG'));
    expect(screen.getByTestId('status-state').textContent).toBe('Running');
    expect(screen.getByTestId('status-clipboard').textContent).toBe('Clipboard: both ways');
    last().canvas.width = 640;
    last().canvas.height = 400;
    act(() => last().fire('connect'));
    await waitFor(() => expect(screen.getByTestId('status-resolution').textContent).toBe('640×400'));
    act(() => api.setState('vm-1', { kind: 'paused' }));
    expect(screen.getByTestId('status-state').textContent).toBe('Paused');
  });

  it('scale to fit / actual size switch noVNC\'s scaling', async () => {
    const { user } = setup();
    await waitFor(() => expect(rfbs.instances).toHaveLength(1));
    await user.click(button('Actual size'));
    expect(last().scaleViewport).toBe(false);
    expect(button('Actual size').getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByTestId('display-screen').getAttribute('data-scale')).toBe('actual');
    await user.click(button('Scale to fit'));
    expect(last().scaleViewport).toBe(true);
    expect(button('Scale to fit').getAttribute('aria-pressed')).toBe('true');
  });

  it('send keys: the built-in combos and the user\'s, through vm.sendKey', async () => {
    const { api, user } = setup({ customKeyCombos: ['ctrl-shift-esc', 'shift-super-s', 'ctrl-alt-f7', ' '] });
    await waitFor(() => expect(screen.getByTestId('status-state').textContent).toBe('Running'));
    await user.click(button('Send keys'));
    const items = screen.getAllByRole('menuitem').map((m) => m.textContent);
    expect(items.slice(0, 15)).toEqual(['Ctrl+Alt+Del', ...Array.from({ length: 12 }, (_, i) => `Ctrl+Alt+F${i + 1}`), 'Alt+Tab', 'Print Screen']);
    // Custom combos after the built-ins; one that duplicates a built-in is not repeated.
    expect(items.slice(15)).toEqual(['Ctrl+Shift+Esc', 'Shift+Super+S']);
    await user.click(screen.getByRole('menuitem', { name: 'Ctrl+Alt+Del' }));
    await waitFor(() => expect(api.callsOf('vm.sendKey')).toEqual([{ vm: 'vm-1', combo: 'ctrl-alt-delete' }]));
    await user.click(button('Send keys'));
    await user.click(screen.getByRole('menuitem', { name: 'Shift+Super+S' }));
    await waitFor(() => expect(api.callsOf('vm.sendKey').at(-1)).toEqual({ vm: 'vm-1', combo: 'shift-super-s' }));
  });

  it('type clipboard: reads the clipboard when allowed and types it with vm.typeText', async () => {
    const { api, user } = setup({ hostClipboard: { readText: vi.fn(async () => 'hello\n') } });
    await waitFor(() => expect(screen.getByTestId('status-state').textContent).toBe('Running'));
    await user.click(button('Type clipboard'));
    await waitFor(() => expect(api.callsOf('vm.typeText')).toEqual([{ vm: 'vm-1', text: 'hello\n' }]));
  });

  it('type clipboard: asks for the text when the clipboard cannot be read', async () => {
    const { api, user } = setup({ hostClipboard: { readText: vi.fn(async () => Promise.reject(new Error('denied'))) } });
    await waitFor(() => expect(screen.getByTestId('status-state').textContent).toBe('Running'));
    await user.click(button('Type clipboard'));
    const field = await screen.findByLabelText('Text to type');
    await user.type(field, 'abc');
    await user.click(screen.getByRole('button', { name: 'Type' }));
    await waitFor(() => expect(api.callsOf('vm.typeText')).toEqual([{ vm: 'vm-1', text: 'abc' }]));
  });

  it('screenshot: vm.screenshot saved as a PNG download', async () => {
    const createObjectURL = vi.fn(() => 'blob:shot');
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() }));
    const clicks: HTMLAnchorElement[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicks.push(this);
    });
    const { api, user } = setup();
    await waitFor(() => expect(screen.getByTestId('status-state').textContent).toBe('Running'));
    await user.click(button('Screenshot'));
    await waitFor(() => expect(clicks).toHaveLength(1));
    expect(api.callsOf('vm.screenshot')).toEqual([{ vm: 'vm-1' }]);
    expect(clicks[0]!.download).toMatch(/^deb \d{4}-\d\d-\d\d \d\d-\d\d-\d\d\.png$/);
    expect(clicks[0]!.href).toBe('blob:shot');
    const blob = (createObjectURL.mock.calls[0] as unknown as [Blob])[0];
    expect(blob.type).toBe('image/png');
    const text = await new Promise<string>((resolve) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result));
      reader.readAsText(blob);
    });
    expect(text).toBe('PNGDATA');
    click.mockRestore();
  });

  it('keyboard capture: shown while the screen has focus; the host key releases it without reaching noVNC', async () => {
    setup();
    await waitFor(() => expect(rfbs.instances).toHaveLength(1));
    const canvas = last().canvas;
    const reachedCanvas = vi.fn();
    canvas.addEventListener('keydown', reachedCanvas);
    expect(screen.getByTestId('keyboard-capture').textContent).toBe('Click the screen (or press Enter on it) to capture the keyboard; Right Ctrl releases it');
    act(() => canvas.focus());
    expect(screen.getByTestId('keyboard-capture').textContent).toBe('Keyboard captured — press Right Ctrl to release');
    fireEvent.keyDown(canvas, { code: 'KeyA', key: 'a' });
    expect(reachedCanvas).toHaveBeenCalledTimes(1);
    fireEvent.keyDown(canvas, { code: 'ControlRight', key: 'Control' });
    expect(reachedCanvas).toHaveBeenCalledTimes(1);
    expect(last().blurred).toBe(1);
    expect(screen.getByTestId('keyboard-capture').textContent).toBe('Click the screen (or press Enter on it) to capture the keyboard; Right Ctrl releases it');
  });

  it('the screen is a Tab stop named "Screen of NAME": Enter captures the keyboard, the host key gives the focus back to it', async () => {
    const { user } = setup();
    await waitFor(() => expect(rfbs.instances).toHaveLength(1));
    const screenBox = await screen.findByRole('application', { name: 'Screen of deb' });
    expect(screenBox.tabIndex).toBe(0);
    expect(screenBox.getAttribute('aria-describedby')).toBe(screen.getByTestId('keyboard-capture').id);
    // Tab reaches it from the toolbar (noVNC's canvas itself stays out of the tab order).
    act(() => button('Close display').focus());
    await user.tab();
    expect(document.activeElement).toBe(screenBox);
    expect(screen.getByTestId('keyboard-capture').textContent).toMatch(/^Click the screen/); // focus alone captures nothing
    const reachedCanvas = vi.fn();
    last().canvas.addEventListener('keydown', reachedCanvas);
    await user.keyboard('{Enter}');
    expect(document.activeElement).toBe(last().canvas);
    expect(screen.getByTestId('keyboard-capture').textContent).toBe('Keyboard captured — press Right Ctrl to release');
    expect(reachedCanvas).not.toHaveBeenCalled(); // the Enter that captured is not sent to the guest
    fireEvent.keyDown(last().canvas, { code: 'ControlRight', key: 'Control' });
    expect(document.activeElement).toBe(screenBox);
    expect(screen.getByTestId('keyboard-capture').textContent).toMatch(/^Click the screen/);
  });

  it('the Send keys menu has a name', async () => {
    const { user } = setup();
    await waitFor(() => expect(screen.getByTestId('status-state').textContent).toBe('Running'));
    await user.click(button('Send keys'));
    expect(await screen.findByRole('menu', { name: 'Send keys' })).toBeTruthy();
  });

  it('the host key comes from prefs', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'deb', id: 'vm-1', state: { kind: 'running' } }] });
    api.prefs = { ...api.prefs, hostKey: 'AltRight' };
    renderWithApi(createElement(DisplayView, { vmId: 'vm-1' }), api);
    await waitFor(() => expect(rfbs.instances).toHaveLength(1));
    act(() => last().canvas.focus());
    await waitFor(() => expect(screen.getByTestId('keyboard-capture').textContent).toContain('press Right Alt to release'));
    fireEvent.keyDown(last().canvas, { code: 'AltRight' });
    expect(last().blurred).toBe(1);
  });

  it.each([
    ['off', false, false],
    ['guest-to-host', true, false],
    ['host-to-guest', false, true],
    ['both', true, true],
  ] as const)('clipboard policy %s: guest→host %s, host→guest %s', async (policy, toHost, toGuest) => {
    const writeText = vi.fn(async () => undefined);
    const readText = vi.fn(async () => 'from host');
    setup({ clipboard: policy, hostClipboard: { readText, writeText } });
    await waitFor(() => expect(screen.getByTestId('status-accelerator').textContent).toBe('TCG'));
    act(() => last().fire('clipboard', { text: 'from guest' }));
    expect(writeText).toHaveBeenCalledTimes(toHost ? 1 : 0);
    if (toHost) expect(writeText).toHaveBeenCalledWith('from guest');
    act(() => last().canvas.focus());
    await new Promise((r) => setTimeout(r, 0));
    expect(last().pasted).toEqual(toGuest ? ['from host'] : []);
  });

  it('close display: disconnects noVNC and tells the host; the VM is not touched', async () => {
    const { api, onClose, user } = setup();
    await waitFor(() => expect(rfbs.instances).toHaveLength(1));
    await user.click(button('Close display'));
    expect(last().disconnected).toBe(true);
    expect(onClose).toHaveBeenCalled();
    expect(api.calls.filter((c) => c.command !== 'vm.get')).toEqual([]);
  });

  it('a closed display says why, offers Reconnect, and reconnects by itself when the VM runs again', async () => {
    const { api, user } = setup();
    await waitFor(() => expect(rfbs.instances).toHaveLength(1));
    // The page listens to the channel once its port is wired (a loaded machine can get here first).
    await waitFor(() => expect(api.displays[0]?.channel.onclose).toBeTypeOf('function'));
    const channel = api.displays[0]!.channel;
    act(() => {
      channel.onclose?.({ code: 4001, reason: 'the VM stopped', wasClean: false });
      last().fire('disconnect', { clean: false });
    });
    expect(screen.getByText('the VM stopped')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Reconnect' }));
    await waitFor(() => expect(rfbs.instances).toHaveLength(2));
    act(() => last().fire('disconnect', { clean: false }));
    act(() => api.setState('vm-1', { kind: 'stopped' }));
    act(() => api.setState('vm-1', { kind: 'running' }));
    await waitFor(() => expect(rfbs.instances).toHaveLength(3));
    expect(api.displays).toHaveLength(3);
  });

  it('unmounting disconnects and closes the channel', async () => {
    const { api } = setup();
    await waitFor(() => expect(rfbs.instances).toHaveLength(1));
    cleanup();
    expect(last().disconnected).toBe(true);
    expect(api.displays[0]!.channel.readyState).toBe('closed');
  });
});
