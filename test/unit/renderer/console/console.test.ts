// @vitest-environment jsdom
// The serial console: the session model against the fake bridge, and the dialog with xterm replaced by a
// recording terminal (jsdom cannot lay out xterm; the e2e test drives the real one in Chromium).
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createElement } from 'react';
import { act, cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { SerialConsoleSession, type ConsoleStatus } from '../../../../src-renderer/features/console/console-model.js';
import { ConsoleButton } from '../../../../src-renderer/features/console/console-dialog.js';
import { installLayoutStubs, renderWithApi } from '../library/render-helpers.js';

const terminals = vi.hoisted(() => [] as Array<{ written: string[]; options: { disableStdin?: boolean }; type: (d: string) => void; disposed: boolean; opened: HTMLElement | null }>);

vi.mock('@xterm/xterm', () => ({
  Terminal: class {
    written: string[] = [];
    options: { disableStdin?: boolean } = {};
    disposed = false;
    opened: HTMLElement | null = null;
    private listeners: Array<(d: string) => void> = [];
    constructor() {
      terminals.push(this as never);
    }
    loadAddon() {}
    open(el: HTMLElement) {
      this.opened = el;
    }
    write(d: string) {
      this.written.push(d);
    }
    focus() {}
    onData(l: (d: string) => void) {
      this.listeners.push(l);
      return { dispose: () => (this.listeners = this.listeners.filter((x) => x !== l)) };
    }
    type(d: string) {
      for (const l of this.listeners) l(d);
    }
    dispose() {
      this.disposed = true;
    }
  },
}));
vi.mock('@xterm/addon-fit', () => ({ FitAddon: class { fit() {} } }));

beforeAll(installLayoutStubs);
afterEach(() => {
  cleanup();
  terminals.length = 0;
});

function setup(state: 'running' | 'stopped' = 'running') {
  const api = new FakeHangarApi({ vms: [{ name: 'deb', state: { kind: state } }] });
  const id = [...api.vms.keys()][0]!;
  return { api, id };
}

describe('SerialConsoleSession', () => {
  it('writes the backlog, then live output, holding what arrives while attaching', async () => {
    const { api, id } = setup();
    api.setLog(id, 'serial', 'boot…\r\nHANGAR-LINUX-READY\r\n');
    let out = '';
    const statuses: ConsoleStatus['kind'][] = [];
    const s = new SerialConsoleSession(api, id, { write: (d) => (out += d) }, (st) => statuses.push(st.kind));
    api.latencyMs = 5;
    const started = s.start();
    api.emitVm(id, { type: 'vm.serial', data: 'during attach\r\n' }); // the engine already follows for us
    await started;
    expect(out).toBe('boot…\r\nHANGAR-LINUX-READY\r\nduring attach\r\n');
    api.serial(id, 'ECHO:hi\r\n');
    api.emitVm('another-vm', { type: 'vm.serial', data: 'not ours' });
    expect(out.endsWith('during attach\r\nECHO:hi\r\n')).toBe(true);
    expect(api.callsOf('vm.console.attach')).toEqual([{ vm: id, tailBytes: 256 * 1024 }]);
    expect(statuses).toEqual(['live']);
    s.dispose();
  });

  it('output held while attaching that the backlog already ends with is not written twice', async () => {
    const { api, id } = setup();
    api.setLog(id, 'serial', 'one\r\ntwo\r\n');
    let out = '';
    const s = new SerialConsoleSession(api, id, { write: (d) => (out += d) });
    api.latencyMs = 5;
    const started = s.start();
    api.emitVm(id, { type: 'vm.serial', data: 'two\r\n' }); // QEMU had logged it before the engine read the file
    await started;
    expect(out).toBe('one\r\ntwo\r\n');
    s.dispose();
  });

  it('sends typed input with vm.console.write; a refusal becomes an error status', async () => {
    const { api, id } = setup();
    const statuses: ConsoleStatus[] = [];
    const s = new SerialConsoleSession(api, id, { write: () => undefined }, (st) => statuses.push(st));
    await s.start();
    s.input('ls');
    s.input('\r');
    s.input('');
    await waitFor(() => expect(api.callsOf('vm.console.write')).toEqual([{ vm: id, data: 'ls' }, { vm: id, data: '\r' }]));
    api.failNext('vm.console.write', 'invalid-state', '"deb" is not running (stopped)');
    s.input('x');
    await waitFor(() => expect(statuses.at(-1)).toMatchObject({ kind: 'error', message: expect.stringContaining('is not running') }));
    s.dispose();
  });

  it('a read-only console (a libvirt pty) says why and sends nothing typed', async () => {
    const { api, id } = setup();
    api.handle('vm.console.attach', async () => ({ log: 'boot\r\n', readOnly: '"deb"\'s serial console is a pseudo-terminal (pty)' }));
    const statuses: ConsoleStatus[] = [];
    const s = new SerialConsoleSession(api, id, { write: () => undefined }, (st) => statuses.push(st));
    await s.start();
    expect(statuses).toEqual([{ kind: 'read-only', reason: '"deb"\'s serial console is a pseudo-terminal (pty)' }]);
    s.input('ls\r');
    await new Promise((r) => setTimeout(r, 0));
    expect(api.callsOf('vm.console.write')).toEqual([]);
    s.dispose();
  });

  it('dispose detaches and stops writing; a reconnect attaches again without the backlog', async () => {
    const { api, id } = setup();
    let out = '';
    const s = new SerialConsoleSession(api, id, { write: (d) => (out += d) });
    await s.start();
    api.setConnection('closed');
    api.setConnection('open');
    await waitFor(() => expect(api.callsOf('vm.console.attach').at(-1)).toEqual({ vm: id, tailBytes: 0 }));
    s.dispose();
    s.dispose();
    await waitFor(() => expect(api.callsOf('vm.console.detach')).toEqual([{ vm: id }]));
    api.serial(id, 'late');
    expect(out).not.toContain('late');
    s.input('ignored');
    expect(api.callsOf('vm.console.write')).toEqual([]);
  });
});

describe('the console dialog (xterm replaced)', () => {
  it('opens from "Console": backlog and output in the terminal, typed keys to the guest, Close detaches', async () => {
    const { api, id } = setup();
    api.setLog(id, 'serial', 'HANGAR-LINUX-READY\r\n');
    const user = userEvent.setup();
    renderWithApi(createElement(ConsoleButton, { vm: { id, name: 'deb', state: { kind: 'running' } } }), api);
    await user.click(screen.getByRole('button', { name: 'Console' }));
    expect(await screen.findByRole('dialog', { name: 'Serial console of deb' })).toBeTruthy();
    const region = await screen.findByRole('region', { name: 'Serial console' });
    await waitFor(() => expect(terminals).toHaveLength(1));
    const term = terminals[0]!;
    expect(term.opened).toBe(region);
    await waitFor(() => expect(term.written.join('')).toBe('HANGAR-LINUX-READY\r\n'));
    expect(await screen.findByText('Connected: what you type goes to the guest')).toBeTruthy();
    act(() => api.serial(id, 'ECHO:x\r\n'));
    expect(term.written.join('')).toContain('ECHO:x');
    act(() => term.type('hello\r'));
    await waitFor(() => expect(api.callsOf('vm.console.write')).toEqual([{ vm: id, data: 'hello\r' }]));
    await user.click(screen.getByRole('button', { name: 'Close' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(term.disposed).toBe(true);
    await waitFor(() => expect(api.callsOf('vm.console.detach')).toEqual([{ vm: id }]));
  });

  it('a read-only console: the reason in the dialog, the terminal takes no input', async () => {
    const { api, id } = setup();
    api.handle('vm.console.attach', async () => ({ log: 'HANGAR-LINUX-READY\r\n', readOnly: 'a pty, which only `virsh console` can type into' }));
    const user = userEvent.setup();
    renderWithApi(createElement(ConsoleButton, { vm: { id, name: 'deb', state: { kind: 'running' } } }), api);
    await user.click(screen.getByRole('button', { name: 'Console' }));
    expect(await screen.findByText(/You can read this console but not type into it: a pty, which only `virsh console` can type into/)).toBeTruthy();
    expect(await screen.findByText('Read-only')).toBeTruthy();
    expect(terminals[0]!.options.disableStdin).toBe(true);
    act(() => terminals[0]!.type('x'));
    await new Promise((r) => setTimeout(r, 0));
    expect(api.callsOf('vm.console.write')).toEqual([]);
  });

  it('a stopped machine: says so and still shows its last output', async () => {
    const { api, id } = setup('stopped');
    api.setLog(id, 'serial', 'last words\r\n');
    const user = userEvent.setup();
    renderWithApi(createElement(ConsoleButton, { vm: { id, name: 'deb', state: { kind: 'stopped' } } }), api);
    await user.click(screen.getByRole('button', { name: 'Console' }));
    expect(await screen.findByText(/"deb" is not running: this is its last serial output/)).toBeTruthy();
    await waitFor(() => expect(terminals[0]?.written.join('')).toBe('last words\r\n'));
  });
});
