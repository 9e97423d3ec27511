// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { act, cleanup, fireEvent, screen, waitFor, waitForElementToBeRemoved, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeHangarApi, type FakeVmInput } from '../../../fakes/fake-hangar-api.js';
import { LibraryStore } from '../../../../src-renderer/state/library-store.js';
import { LibraryWindow } from '../../../../src-renderer/features/library/library-window.js';
import { visibleVms, type SortKey } from '../../../../src-renderer/features/library/list-model.js';
import { installLayoutStubs, renderWithApi } from './render-helpers.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

async function setup(vms: FakeVmInput[], options: { connection?: 'open' | 'closed' | 'connecting'; now?: () => number } = {}) {
  const api = new FakeHangarApi({ vms, connection: options.connection });
  const store = new LibraryStore(api, options.now);
  const stop = store.start();
  const user = userEvent.setup();
  const view = renderWithApi(createElement(LibraryWindow, { store }), api);
  const list = await screen.findByRole('listbox', { name: 'Virtual machines' });
  if (options.connection === undefined || options.connection === 'open') await store.whenLoaded();
  return { api, store, stop, user, view, list };
}

const option = (name: string) => screen.getByRole('option', { name });
const button = (name: string) => screen.getByRole('button', { name });

describe('the VM list', () => {
  it('is a listbox of options named by the VM name, each showing its state as text', async () => {
    await setup([
      { name: 'alpha', state: { kind: 'running' } },
      { name: 'bravo', state: { kind: 'paused' } },
      { name: 'charlie' },
      { name: 'delta', state: { kind: 'crashed', reason: 'QEMU exited', exitCode: 1, signal: null, logTail: 'oops' } },
      { name: 'echo', state: { kind: 'starting' } },
      { name: 'foxtrot', state: { kind: 'stopping', how: 'acpi' } },
    ]);
    const expected: Record<string, string> = {
      alpha: 'Running', bravo: 'Paused', charlie: 'Powered off', delta: 'Crashed', echo: 'Starting…', foxtrot: 'Shutting down…',
    };
    for (const [name, text] of Object.entries(expected)) {
      const o = await screen.findByRole('option', { name });
      expect(within(o).getByText(text)).toBeTruthy();
      expect(o.getAttribute('aria-describedby')).toBeTruthy();
    }
  });

  it('renders only a window of rows for 1,000 VMs and reaches the last one by keyboard', async () => {
    const vms = Array.from({ length: 1000 }, (_, i) => ({ name: `vm-${String(i).padStart(4, '0')}` }));
    const { api, user, list } = await setup(vms);
    const rows = await within(list).findAllByRole('option');
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(60);
    expect(rows[0]?.getAttribute('aria-setsize')).toBe('1000');
    list.focus();
    await user.keyboard('{End}');
    const lastId = [...api.vms.values()].find((v) => v.doc.name === 'vm-0999')!.doc.id;
    expect(list.getAttribute('aria-activedescendant')).toBe(`vm-option-${lastId}`);
    // jsdom cannot scroll: move the scroll offset by hand, as the browser does after scrollToIndex.
    Object.defineProperty(list, 'scrollTop', { configurable: true, value: 1000 * 52 - 600 });
    fireEvent.scroll(list);
    await waitFor(() => expect(option('vm-0999').getAttribute('aria-selected')).toBe('true'));
    expect(screen.queryByRole('option', { name: 'vm-0000' })).toBeNull();
    expect(within(list).getAllByRole('option').length).toBeLessThan(60);
  });

  it('shows the live thumbnail of a running or paused machine in its row, holding the lease while shown', async () => {
    const { api, view } = await setup([{ name: 'alpha', state: { kind: 'running' } }, { name: 'bravo', state: { kind: 'paused' } }, { name: 'charlie' }]);
    await waitFor(() => expect(api.thumbnailSubscribers).toBe(1));
    act(() => {
      api.thumbnail('alpha', 'QUFBQQ==');
      api.thumbnail('bravo', 'QkJCQg==');
      api.thumbnail('charlie', 'Q0NDQw=='); // a late picture of a stopped machine is not shown
    });
    const img = within(option('alpha')).getByRole('img', { name: 'Screen of alpha' });
    expect(img.getAttribute('src')).toBe('data:image/png;base64,QUFBQQ==');
    expect(within(option('bravo')).getByRole('img', { name: 'Screen of bravo' })).toBeTruthy();
    expect(within(option('charlie')).queryByRole('img', { name: /^Screen of/ })).toBeNull();
    act(() => api.setState('alpha', { kind: 'stopped' }));
    expect(within(option('alpha')).queryByRole('img', { name: /^Screen of/ })).toBeNull();
    view.unmount();
    await waitFor(() => expect(api.thumbnailSubscribers).toBe(0));
  });

  it('filters by the search box and says how many match', async () => {
    const { user } = await setup([{ name: 'web-1' }, { name: 'web-2' }, { name: 'db' }]);
    await user.type(screen.getByRole('searchbox', { name: 'Search machines' }), 'web');
    await waitFor(() => expect(screen.queryByRole('option', { name: 'db' })).toBeNull());
    expect(screen.getAllByRole('option').map((o) => o.getAttribute('aria-label'))).toEqual(['web-1', 'web-2']);
    expect(screen.getByText('2 of 3 machines')).toBeTruthy();
    await user.clear(screen.getByRole('searchbox', { name: 'Search machines' }));
    await user.type(screen.getByRole('searchbox', { name: 'Search machines' }), 'zzz');
    expect(await screen.findByText('No machine matches the search.')).toBeTruthy();
  });

  it('multi-selects with Ctrl+click and Shift+click; bulk Start calls vm.start for each', async () => {
    const { api, user } = await setup([{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd', state: { kind: 'running' } }]);
    const selectedNames = () => screen.getAllByRole('option', { selected: true }).map((o) => o.getAttribute('aria-label'));
    await user.click(option('a'));
    await user.keyboard('{Shift>}');
    await user.click(option('c'));
    await user.keyboard('{/Shift}');
    expect(selectedNames()).toEqual(['a', 'b', 'c']);
    await user.keyboard('{Control>}');
    await user.click(option('b'));
    await user.click(option('d'));
    await user.keyboard('{/Control}');
    expect(selectedNames()).toEqual(['a', 'c', 'd']);
    expect(screen.getByText(/3 selected/)).toBeTruthy();
    await user.click(button('Start'));
    await waitFor(() => expect(api.callsOf('vm.start')).toHaveLength(2)); // d is already running
    const names = api.callsOf('vm.start').map((c) => api.vms.get(c.vm)?.doc.name).sort();
    expect(names).toEqual(['a', 'c']);
    await waitFor(() => expect(within(option('c')).getByText('Running')).toBeTruthy());
    expect(within(option('b')).getByText('Powered off')).toBeTruthy();
    // Bulk stop: the three selected run now; Force off reaches each of them.
    await user.click(button('Stop'));
    await user.click(await screen.findByRole('menuitem', { name: 'Force off' }));
    await waitFor(() => expect(api.callsOf('vm.forceOff')).toHaveLength(3));
  });

  it('bulk Reset and bulk Shut down (ACPI) reach each selected machine that can take them', async () => {
    const { api, user } = await setup([
      { name: 'a', state: { kind: 'running' } },
      { name: 'b', state: { kind: 'running' } },
      { name: 'c', state: { kind: 'paused' } },
      { name: 'd' },
      { name: 'e', state: { kind: 'running' } },
    ]);
    const namesOf = (calls: Array<{ vm: string }>) => calls.map((c) => api.vms.get(c.vm)?.doc.name).sort();
    await user.click(option('a'));
    await user.keyboard('{Shift>}');
    await user.click(option('e'));
    await user.keyboard('{/Shift}');
    expect(screen.getByText(/5 selected/)).toBeTruthy();

    // Reset: running and paused machines; the powered-off one is left alone.
    await user.click(button('Stop'));
    await user.click(await screen.findByRole('menuitem', { name: 'Reset' }));
    await waitFor(() => expect(namesOf(api.callsOf('vm.reset'))).toEqual(['a', 'b', 'c', 'e']));

    // ACPI shutdown: only the running ones (a paused guest cannot answer it).
    await user.click(button('Stop'));
    await user.click(await screen.findByRole('menuitem', { name: 'Shut down (ACPI)' }));
    await waitFor(() => expect(namesOf(api.callsOf('vm.shutdown'))).toEqual(['a', 'b', 'e']));
    for (const name of ['a', 'b', 'e']) await waitFor(() => expect(within(option(name)).getByText('Powered off')).toBeTruthy());
    expect(within(option('c')).getByText('Paused')).toBeTruthy();
    expect(api.callsOf('vm.forceOff')).toEqual([]);
  });

  it('"Sort by" State and Last changed reorder the list as the list model sorts', async () => {
    // A clock that ticks once per reading, so each change is strictly newer than the one before.
    let clock = 1000;
    const { api, store, user, list } = await setup(
      [
        { name: 'alpha' },
        { name: 'bravo', state: { kind: 'running' } },
        { name: 'charlie', state: { kind: 'paused' } },
        { name: 'delta', state: { kind: 'crashed', reason: 'QEMU exited', exitCode: 1, signal: null, logTail: '' } },
        { name: 'echo', state: { kind: 'starting' } },
      ],
      { now: () => ++clock },
    );
    const shown = () => within(list).getAllByRole('option').map((o) => o.getAttribute('aria-label'));
    const modelOrder = (sort: SortKey) => visibleVms([...store.getSnapshot().vms], { text: '', state: 'all', sort }).map((v) => v.name);
    const sortBy = async (label: string) => {
      await user.click(screen.getByRole('combobox', { name: 'Sort by' }));
      await user.click(within(await screen.findByRole('listbox', { name: 'Sort by' })).getByRole('option', { name: label }));
    };
    expect(shown()).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo']);

    await sortBy('State');
    await waitFor(() => expect(shown()).toEqual(['bravo', 'echo', 'charlie', 'delta', 'alpha']));
    expect(shown()).toEqual(modelOrder('state'));

    // Last changed: newest first, untouched ones by name.
    act(() => api.setState('delta', { kind: 'stopped' }));
    act(() => void api.emitVm([...api.vms.values()].find((v) => v.doc.name === 'charlie')!.doc.id, { type: 'vm.changed' }));
    await sortBy('Last changed');
    await waitFor(() => expect(shown()).toEqual(['charlie', 'delta', 'alpha', 'bravo', 'echo']));
    expect(shown()).toEqual(modelOrder('lastChanged'));

    await sortBy('Name');
    await waitFor(() => expect(shown()).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo']));
  });
});

describe('the toolbar', () => {
  it('enables actions from the run state of the selection', async () => {
    const { api, user } = await setup([{ name: 'off' }, { name: 'on', state: { kind: 'running' } }, { name: 'zz', state: { kind: 'paused' } }]);
    for (const name of ['New', 'Add existing']) expect((button(name) as HTMLButtonElement).disabled).toBe(false);
    for (const name of ['Settings', 'Start', 'Pause', 'Stop', 'Delete']) expect((button(name) as HTMLButtonElement).disabled).toBe(true);

    await user.click(option('off'));
    expect((button('Start') as HTMLButtonElement).disabled).toBe(false);
    expect((button('Settings') as HTMLButtonElement).disabled).toBe(false);
    expect((button('Delete') as HTMLButtonElement).disabled).toBe(false);
    expect((button('Pause') as HTMLButtonElement).disabled).toBe(true);
    expect((button('Stop') as HTMLButtonElement).disabled).toBe(true);

    await user.click(option('on'));
    expect((button('Start') as HTMLButtonElement).disabled).toBe(true);
    expect((button('Pause') as HTMLButtonElement).disabled).toBe(false);
    expect(button('Pause').getAttribute('aria-pressed')).toBe('false');
    expect((button('Stop') as HTMLButtonElement).disabled).toBe(false);
    expect((button('Delete') as HTMLButtonElement).disabled).toBe(true);
    await user.click(button('Stop'));
    const menu = await screen.findByRole('menu');
    for (const item of ['Shut down (ACPI)', 'Force off', 'Reset']) expect(within(menu).getByRole('menuitem', { name: item }).getAttribute('aria-disabled')).not.toBe('true');
    await user.click(within(menu).getByRole('menuitem', { name: 'Shut down (ACPI)' }));
    await waitFor(() => expect(api.callsOf('vm.shutdown')).toHaveLength(1));
    await waitFor(() => expect(within(option('on')).getByText('Powered off')).toBeTruthy());

    await user.click(option('zz'));
    expect(button('Pause').getAttribute('aria-pressed')).toBe('true');
    await user.click(button('Stop'));
    const menu2 = await screen.findByRole('menu');
    expect(within(menu2).getByRole('menuitem', { name: 'Shut down (ACPI)' }).getAttribute('aria-disabled')).toBe('true');
    await user.keyboard('{Escape}');
    await user.click(button('Pause'));
    await waitFor(() => expect(api.callsOf('vm.resume')).toHaveLength(1));
  });

  it('follows live state changes from engine events', async () => {
    const { api, user } = await setup([{ name: 'deb' }]);
    await user.click(option('deb'));
    expect((button('Start') as HTMLButtonElement).disabled).toBe(false);
    api.setState('deb', { kind: 'running' });
    await waitFor(() => expect((button('Start') as HTMLButtonElement).disabled).toBe(true));
    expect(within(option('deb')).getByText('Running')).toBeTruthy();
  });

  it('shows an engine error as an actionable message, not a stack', async () => {
    const { api, user } = await setup([{ name: 'deb' }]);
    api.failNext('vm.start', 'start-refused', 'host port 2222 is already in use (forward tcp 2222→22)\n    at preflight (vm-lifecycle.ts:10:3)');
    await user.click(option('deb'));
    await user.click(button('Start'));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/Could not start "deb": host port 2222 is already in use/);
    expect(alert.textContent).not.toMatch(/vm-lifecycle/);
  });

  it('shows a banner while the engine is not connected', async () => {
    const { api } = await setup([], { connection: 'closed' });
    expect(screen.getByText(/Not connected to the Hangar engine/)).toBeTruthy();
    api.setConnection('open');
    await waitFor(() => expect(screen.queryByText(/Not connected to the Hangar engine/)).toBeNull());
  });
});

describe('keyboard shortcuts', () => {
  it('Enter starts the focused machine, Ctrl+F focuses the search, Delete asks to delete', async () => {
    const { api, user, list } = await setup([{ name: 'a' }, { name: 'b' }]);
    list.focus();
    await user.keyboard('{ArrowDown}{ArrowDown}');
    expect(option('b').getAttribute('aria-selected')).toBe('true');
    await user.keyboard('{Enter}');
    await waitFor(() => expect(api.callsOf('vm.start')).toHaveLength(1));
    list.focus();
    await user.keyboard('{ArrowUp}{Delete}');
    expect(await screen.findByRole('dialog', { name: 'Delete "a"?' })).toBeTruthy();
    await user.click(button('Cancel'));
    await waitForElementToBeRemoved(() => screen.queryByRole('dialog'));
    await user.keyboard('{Control>}f{/Control}');
    expect(document.activeElement).toBe(screen.getByRole('searchbox', { name: 'Search machines' }));
  });
});

describe('delete and add existing', () => {
  it('"Remove from library" keeps the files', async () => {
    const { api, user } = await setup([{ name: 'keep' }, { name: 'other' }]);
    const id = [...api.vms.values()].find((v) => v.doc.name === 'keep')!.doc.id;
    await user.click(option('keep'));
    await user.click(button('Delete'));
    const dialog = await screen.findByRole('dialog', { name: 'Delete "keep"?' });
    await user.click(within(dialog).getByRole('button', { name: 'Remove from library' }));
    await waitFor(() => expect(api.callsOf('vm.delete')).toEqual([{ vm: id, files: false }]));
    await waitFor(() => expect(screen.queryByRole('option', { name: 'keep' })).toBeNull());
    expect(await screen.findByText(/Removed "keep" from the library/)).toBeTruthy();
  });

  it('"Delete files too" deletes the bundle', async () => {
    const { api, user } = await setup([{ name: 'gone' }]);
    const id = [...api.vms.keys()][0]!;
    await user.click(option('gone'));
    await user.click(button('Delete'));
    await user.click(await screen.findByRole('button', { name: 'Delete files too' }));
    await waitFor(() => expect(api.callsOf('vm.delete')).toEqual([{ vm: id, files: true }]));
    await waitFor(() => expect(screen.queryByRole('option', { name: 'gone' })).toBeNull());
  });

  it('"Add existing" asks for a bundle folder and calls vm.addExisting', async () => {
    const { api, user } = await setup([]);
    api.dialogAnswer = '/home/user/old.hangar';
    api.handle('vm.addExisting', ({ path }) => {
      const s = api.addVm({ name: 'old' });
      expect(path).toBe('/home/user/old.hangar');
      return { id: s.id, doc: api.vms.get(s.id)!.doc };
    });
    await user.click(button('Add existing'));
    await waitFor(() => expect(api.callsOf('vm.addExisting')).toEqual([{ path: '/home/user/old.hangar' }]));
    expect(api.appCalls.map((c) => c.channel)).toContain('dialog:chooseFolder');
    await waitFor(() => expect(option('old').getAttribute('aria-selected')).toBe('true'));
  });

  it('"Add existing" does nothing when the folder dialog is cancelled', async () => {
    const { api, user } = await setup([]);
    await user.click(button('Add existing'));
    await waitFor(() => expect(api.appCalls.map((c) => c.channel)).toContain('dialog:chooseFolder'));
    expect(api.callsOf('vm.addExisting')).toHaveLength(0);
  });
});

describe('details pane', () => {
  it('shows the sections of the selected machine with an Edit link to each settings page', async () => {
    const { user } = await setup([{ name: 'deb', osId: 'debian12' }]);
    await user.click(option('deb'));
    const details = await screen.findByRole('article', { name: 'Details of deb' });
    await within(details).findByRole('region', { name: 'General' }); // the pane (loaded on demand) then the document
    for (const s of ['General', 'System', 'Display', 'Storage', 'Network', 'Description']) {
      expect(within(details).getByRole('region', { name: s })).toBeTruthy();
      expect(within(details).getByRole('button', { name: `Edit ${s}` })).toBeTruthy();
    }
    expect(within(details).getByText('2048 MiB')).toBeTruthy();
    await user.click(within(details).getByRole('button', { name: 'Edit System' }));
    const dialog = await screen.findByRole('dialog', { name: 'Settings of deb' });
    expect(within(dialog).getByRole('tab', { name: 'System' }).getAttribute('aria-selected')).toBe('true');
  });

  it('opens the settings dialog on the right page from every Edit button', async () => {
    const { user } = await setup([{ name: 'deb', osId: 'debian12' }]);
    await user.click(option('deb'));
    const details = await screen.findByRole('article', { name: 'Details of deb' });
    await within(details).findByRole('region', { name: 'General' });
    // The description is a field of the General page.
    const pages: Array<[button: string, page: string]> = [
      ['Edit General', 'General'], ['Edit System', 'System'], ['Edit Display', 'Display'],
      ['Edit Storage', 'Storage'], ['Edit Network', 'Network'], ['Edit Description', 'General'],
    ];
    for (const [edit, page] of pages) {
      await user.click(within(details).getByRole('button', { name: edit }));
      const dialog = await screen.findByRole('dialog', { name: 'Settings of deb' });
      const selected = within(dialog).getAllByRole('tab', { selected: true });
      expect(selected.map((t) => t.getAttribute('aria-label') ?? t.textContent), edit).toEqual([page]);
      expect(within(dialog).getByRole('tabpanel', { name: page })).toBeTruthy();
      await user.click(within(dialog).getByRole('button', { name: 'Close' }));
      await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Settings of deb' })).toBeNull());
    }
  });
});

describe('the application menu (Electron)', () => {
  it('drives the same actions as the toolbar', async () => {
    const { api, user } = await setup([{ name: 'a' }, { name: 'b', state: { kind: 'running' } }]);
    await user.click(option('a'));
    act(() => api.menu('vm.start'));
    await waitFor(() => expect(api.callsOf('vm.start').map((c) => api.vms.get(c.vm)?.doc.name)).toEqual(['a']));
    await user.click(option('b'));
    act(() => api.menu('vm.forceOff'));
    await waitFor(() => expect(api.callsOf('vm.forceOff')).toHaveLength(1));
    act(() => api.menu('vm.new'));
    expect(await screen.findByRole('dialog', { name: 'New machine' })).toBeTruthy();
  });
});
