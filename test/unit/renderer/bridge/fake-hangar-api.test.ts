// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { installLayoutStubs } from '../library/render-helpers.js';
import { App } from '../../../../src-renderer/App.js';
import { FileDialogHost } from '../../../../src-renderer/bridge/file-dialog.js';
import { FileBrowserDialog } from '../../../../src-renderer/bridge/file-browser-dialog.js';

afterEach(cleanup);

describe('FakeHangarApi', () => {
  it('keeps an in-memory library with run states and events', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'debian' }, { name: 'win', state: { kind: 'paused' } }] });
    const events: string[] = [];
    api.onEvent((e) => events.push(`${e.type}:${'seq' in e ? e.seq : ''}`));
    expect((await api.call('library.list', {})).map((v) => [v.name, v.state.kind])).toEqual([['debian', 'stopped'], ['win', 'paused']]);
    await api.call('vm.start', { vm: 'debian' });
    expect((await api.call('vm.get', { vm: 'debian' })).state.kind).toBe('running');
    await expect(api.call('vm.resume', { vm: 'debian' })).rejects.toMatchObject({ code: 'invalid-state' });
    api.setState('win', { kind: 'crashed', reason: 'x', exitCode: 1, signal: null, logTail: '' });
    const created = await api.call('vm.create', { name: 'new' });
    expect(created.doc.name).toBe('new');
    expect(events).toEqual(['vm.state:1', 'vm.state:1', 'vm.added:1']);
    expect(api.callsOf('vm.start')).toEqual([{ vm: 'debian' }]);
  });

  it('scripts errors, handlers and the connection', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'a' }] });
    api.failNext('vm.start', 'start-refused', 'disk missing', { path: '/x' });
    await expect(api.call('vm.start', { vm: 'a' })).rejects.toMatchObject({ code: 'start-refused', details: { path: '/x' } });
    await api.call('vm.start', { vm: 'a' });
    api.handle('vm.screenshot', async () => ({ pngBase64: 'AAAA' }));
    expect(await api.call('vm.screenshot', { vm: 'a' })).toEqual({ pngBase64: 'AAAA' });
    await expect(api.call('vm.argv', { vm: 'a' })).rejects.toMatchObject({ code: 'unknown-command' });
    const states: string[] = [];
    api.onConnectionChange((s) => states.push(s));
    api.setConnection('closed');
    await expect(api.call('library.list', {})).rejects.toMatchObject({ code: 'io' });
    api.setConnection('open');
    expect(states).toEqual(['closed', 'open']);
    api.dialogAnswer = '/isos/x.iso';
    expect(await api.app('dialog:openFile', { title: 't', filters: [] })).toBe('/isos/x.iso');
    expect(await api.app('prefs:set', { theme: 'dark' })).toMatchObject({ theme: 'dark' });
  });
});

describe('the App root (library window over the bridge)', () => {
  beforeAll(() => installLayoutStubs());

  it('lists the VMs with their state text and follows vm.state events', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'debian' }, { name: 'win', state: { kind: 'paused' } }] });
    render(createElement(App, { api }));
    const list = screen.getByRole('listbox', { name: 'Virtual machines' });
    const debian = await within(list).findByRole('option', { name: 'debian' });
    expect(debian.textContent).toContain('Powered off');
    expect(within(list).getByRole('option', { name: 'win' }).textContent).toContain('Paused');
    act(() => api.setState('debian', { kind: 'running' }));
    expect(debian.textContent).toContain('Running');
    act(() => api.setState('debian', { kind: 'crashed', reason: 'x', exitCode: 1, signal: null, logTail: '' }));
    expect(debian.textContent).toContain('Crashed');
    act(() => void api.addVm({ name: 'third' }));
    await within(list).findByRole('option', { name: 'third' });
  });

  it('shows a banner while not connected and reloads on reconnect', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'a' }], connection: 'connecting' });
    render(createElement(App, { api }));
    expect(screen.getByLabelText('Engine connection').textContent).toContain('Connecting');
    act(() => api.setConnection('open'));
    await screen.findByRole('option', { name: 'a' });
    expect(screen.queryByLabelText('Engine connection')).toBeNull();
    act(() => api.setConnection('closed'));
    expect(screen.getByLabelText('Engine connection').textContent).toContain('reconnects');
  });
});

describe('FileBrowserDialog', () => {
  it('browses fs.list from the roots and answers dialog requests', async () => {
    const api = new FakeHangarApi();
    const host = new FileDialogHost();
    render(createElement(FileBrowserDialog, { api, host }));
    let answer!: Promise<string | null>;
    act(() => {
      answer = host.request({ mode: 'file', title: 'Choose an ISO', filters: [{ name: 'ISO', extensions: ['iso'] }] });
    });
    await screen.findByRole('dialog', { name: 'Choose an ISO' });
    const contents = await screen.findByRole('list', { name: 'Folder contents' });
    const folder = await within(contents).findByText('isos/');
    expect(within(contents).queryByText('notes.txt')).toBeNull(); // filtered out
    fireEvent.doubleClick(folder);
    fireEvent.click(await screen.findByText('debian.iso'));
    fireEvent.click(screen.getByRole('button', { name: 'Open' }));
    await expect(answer).resolves.toBe('/home/user/isos/debian.iso');
    expect(api.callsOf('fs.list').map((a) => a.dir)).toEqual(['/home/user', '/home/user/isos']);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('shows the engine refusal for folders outside the roots, and cancels', async () => {
    const api = new FakeHangarApi();
    const host = new FileDialogHost();
    render(createElement(FileBrowserDialog, { api, host }));
    let answer!: Promise<string | null>;
    act(() => {
      answer = host.request({ mode: 'folder', title: 'Where', filters: [], defaultPath: '/etc' });
    });
    // /etc is refused; the dialog falls back to the first root.
    await screen.findByText('/home/user');
    fireEvent.click(screen.getByRole('button', { name: 'Library (/library)' }));
    await screen.findByText('/library');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await expect(answer).resolves.toBeNull();
  });
});
