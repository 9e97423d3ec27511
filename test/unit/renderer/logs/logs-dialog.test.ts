// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createElement } from 'react';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { LogsButton } from '../../../../src-renderer/features/logs/logs-button.js';
import { copyText } from '../../../../src-renderer/features/logs/copy-text.js';
import { installLayoutStubs, renderWithApi } from '../library/render-helpers.js';

beforeAll(installLayoutStubs);
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

async function open() {
  const api = new FakeHangarApi({ vms: [{ name: 'deb', state: { kind: 'running' } }] });
  const id = [...api.vms.keys()][0]!;
  api.setLog(id, 'qemu', 'qemu-system-x86_64: warning: host does not support svm\n');
  api.setLog(id, 'serial', 'HANGAR-LINUX-READY\r\n');
  api.setLog(id, 'events', [
    { at: '2026-01-01T10:00:00.000Z', event: 'RESUME', data: {} },
    { at: '2026-01-01T10:00:05.000Z', event: 'DEVICE_TRAY_MOVED', data: { id: 'cd0', 'tray-open': true } },
  ]);
  api.handle('vm.argv', () => ({ argv: ['qemu-system-x86_64', '-name', 'deb vm', '-m', '2048'] }));
  const user = userEvent.setup();
  renderWithApi(createElement(LogsButton, { vm: { id, name: 'deb' } }), api);
  await user.click(screen.getByRole('button', { name: 'Logs' }));
  const dialog = await screen.findByRole('dialog', { name: 'Logs of deb' });
  return { api, id, user, dialog };
}

describe('the logs dialog', () => {
  it('QEMU log first: the tail of qemu.log, bounded, with Refresh', async () => {
    const { api, id, user } = await open();
    await waitFor(() => expect(screen.getByLabelText('QEMU log', { selector: 'pre' }).textContent).toContain('host does not support svm'));
    expect(api.callsOf('vm.logs')).toEqual([{ vm: id, kind: 'qemu', maxBytes: 256 * 1024 }]);
    api.setLog(id, 'qemu', 'x'.repeat(300 * 1024));
    await user.click(screen.getByRole('button', { name: 'Refresh' }));
    expect(await screen.findByText('Showing the last 256 KiB.')).toBeTruthy();
    expect(api.callsOf('vm.logs')).toHaveLength(2);
  });

  it('Serial log tab', async () => {
    const { user } = await open();
    await user.click(screen.getByRole('tab', { name: 'Serial log' }));
    await waitFor(() => expect(screen.getByLabelText('Serial log', { selector: 'pre' }).textContent).toContain('HANGAR-LINUX-READY'));
  });

  it('QMP events: a table of the recorded events', async () => {
    const { api, user } = await open();
    await user.click(screen.getByRole('tab', { name: 'QMP events' }));
    const table = await screen.findByRole('table', { name: 'QMP events' });
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(3));
    expect(within(table).getByText('DEVICE_TRAY_MOVED')).toBeTruthy();
    expect(within(table).getByText('{"id":"cd0","tray-open":true}')).toBeTruthy();
    expect(api.callsOf('vm.logs').at(-1)).toMatchObject({ kind: 'events' });
  });

  it('an engine error is shown as a sentence', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'deb' }] });
    const id = [...api.vms.keys()][0]!;
    api.failNext('vm.logs', 'io', 'EACCES: permission denied, open qemu.log');
    const user = userEvent.setup();
    renderWithApi(createElement(LogsButton, { vm: { id, name: 'deb' } }), api);
    await user.click(screen.getByRole('button', { name: 'Logs' }));
    expect(await screen.findByText(/Could not read the QEMU log: EACCES/)).toBeTruthy();
  });

  it('Command line: the argv quoted for a shell, and Copy puts it on the clipboard', async () => {
    const { user } = await open();
    await user.click(screen.getByRole('tab', { name: 'Command line' }));
    await waitFor(() => expect(screen.getByLabelText('Generated command line', { selector: 'pre' }).textContent).toBe("qemu-system-x86_64 -name 'deb vm' -m 2048"));
    const writeText = vi.fn(async (_text: string) => undefined);
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText } });
    await user.click(screen.getByRole('button', { name: 'Copy' }));
    expect(writeText).toHaveBeenCalledWith("qemu-system-x86_64 -name 'deb vm' -m 2048");
    expect(await screen.findByRole('button', { name: 'Copied' })).toBeTruthy();
    expect(screen.getByText('Command line copied to the clipboard')).toBeTruthy();
  });
});

describe('copyText', () => {
  it('falls back to execCommand("copy") without the Clipboard API, and reports failure', async () => {
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: undefined });
    const exec = vi.fn((_cmd: string) => true);
    Object.defineProperty(document, 'execCommand', { configurable: true, value: exec });
    expect(await copyText('abc')).toBe(true);
    expect(exec).toHaveBeenCalledWith('copy');
    expect(document.querySelector('textarea')).toBeNull(); // the helper textarea is gone again
    exec.mockReturnValue(false);
    expect(await copyText('abc')).toBe(false);
  });

  it('falls back when the Clipboard API refuses', async () => {
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: async () => Promise.reject(new Error('NotAllowedError')) } });
    const exec = vi.fn((_cmd: string) => true);
    Object.defineProperty(document, 'execCommand', { configurable: true, value: exec });
    expect(await copyText('abc')).toBe(true);
    expect(exec).toHaveBeenCalledTimes(1);
  });
});
