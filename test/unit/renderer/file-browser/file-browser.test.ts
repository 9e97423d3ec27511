// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { installLayoutStubs } from '../library/render-helpers.js';
import { FileDialogHost, type FileDialogRequest } from '../../../../src-renderer/bridge/file-dialog.js';
import { FileBrowserDialog } from '../../../../src-renderer/bridge/file-browser-dialog.js';
import { kindFilters, parentOf, startCandidates, visibleEntries } from '../../../../src-renderer/bridge/file-browser-model.js';
import type { FsEntry } from '../../../../src-shared/contract/index.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

const ISO = [{ name: 'ISO images', extensions: ['iso'] }];

function setup(extra: Array<[string, FsEntry[]]> = []) {
  const api = new FakeHangarApi();
  api.files.set('/home/user', [
    { name: '.cache', kind: 'dir', size: 0 },
    { name: 'isos', kind: 'dir', size: 0 },
    { name: '.hidden.iso', kind: 'file', size: 5 },
    { name: 'notes.txt', kind: 'file', size: 10 },
    { name: 'top.iso', kind: 'file', size: 2048 },
  ]);
  api.files.set('/home/user/isos', [{ name: 'debian.iso', kind: 'file', size: 1024 }, { name: 'readme.md', kind: 'file', size: 3 }]);
  for (const [dir, entries] of extra) api.files.set(dir, entries);
  const host = new FileDialogHost();
  render(createElement(FileBrowserDialog, { api, host }));
  const ask = (req: Omit<FileDialogRequest, 'resolve'>) => {
    let answer!: Promise<string | null>;
    act(() => {
      answer = host.request(req);
    });
    return answer;
  };
  return { api, ask, user: userEvent.setup() };
}

const names = async () => {
  const list = await screen.findByRole('list', { name: 'Folder contents' });
  await waitFor(() => expect(within(list).queryAllByRole('button').length).toBeGreaterThan(0));
  return within(list).getAllByRole('button').map((b) => b.querySelector('.MuiListItemText-primary')?.textContent);
};

describe('the file browser (browser host)', () => {
  it('opens in the folder of the path already typed, with that file chosen', async () => {
    const { api, ask } = setup();
    const answer = ask({ mode: 'file', title: 'Choose an ISO image', filters: ISO, defaultPath: '/home/user/isos/debian.iso' });
    await waitFor(() => expect(screen.getByLabelText('Current folder').textContent).toBe('/home/user/isos'));
    expect(api.callsOf('fs.list').map((a) => a.dir)).toEqual(['/home/user/isos/debian.iso', '/home/user/isos']);
    const open = screen.getByRole('button', { name: 'Open' }) as HTMLButtonElement;
    expect(open.disabled).toBe(false);
    fireEvent.click(open);
    await expect(answer).resolves.toBe('/home/user/isos/debian.iso');
  });

  it('a typed path that does not exist opens its nearest existing folder; one outside the roots opens the first root', async () => {
    const { api, ask } = setup();
    void ask({ mode: 'file', title: 'Pick', filters: ISO, defaultPath: '/home/user/isos/gone/x.iso' });
    await waitFor(() => expect(screen.getByLabelText('Current folder').textContent).toBe('/home/user/isos'));
    cleanup();
    const second = setup();
    void second.ask({ mode: 'file', title: 'Pick', filters: ISO, defaultPath: '/etc/passwd' });
    await waitFor(() => expect(screen.getByLabelText('Current folder').textContent).toBe('/home/user'));
    // Nothing outside the roots was even asked for.
    expect(second.api.callsOf('fs.list').map((a) => a.dir)).toEqual(['/home/user']);
    expect(api.callsOf('fs.list').length).toBeGreaterThan(0);
  });

  it('hides dot-files unless "Show hidden files"; shows only the expected kind unless "Show all files"', async () => {
    const { ask, user } = setup();
    void ask({ mode: 'file', title: 'Choose an ISO image', filters: ISO });
    expect(await names()).toEqual(['isos/', 'top.iso']);
    expect(screen.getByText('Showing folders and ISO images (.iso).')).toBeTruthy();
    await user.click(screen.getByRole('switch', { name: /Show hidden files/ }));
    expect(await names()).toEqual(['.cache/', 'isos/', '.hidden.iso', 'top.iso']);
    await user.click(screen.getByRole('switch', { name: 'Show all files' }));
    expect(await names()).toEqual(['.cache/', 'isos/', '.hidden.iso', 'notes.txt', 'top.iso']);
  });

  it('Up goes to the folder above; the path bar opens a typed folder', async () => {
    const { api, ask, user } = setup();
    void ask({ mode: 'folder', title: 'Where', filters: [], defaultPath: '/home/user/isos' });
    await waitFor(() => expect(screen.getByLabelText('Current folder').textContent).toBe('/home/user/isos'));
    await user.click(screen.getByRole('button', { name: 'Up' }));
    await waitFor(() => expect(screen.getByLabelText('Current folder').textContent).toBe('/home/user'));
    // At a root there is nothing above.
    expect((screen.getByRole('button', { name: 'Up' }) as HTMLButtonElement).disabled).toBe(true);
    const bar = screen.getByRole('textbox', { name: 'Folder path' });
    await user.clear(bar);
    await user.type(bar, '/home/user/isos{Enter}');
    await waitFor(() => expect(screen.getByLabelText('Current folder').textContent).toBe('/home/user/isos'));
    expect(api.callsOf('fs.list').at(-1)).toEqual({ dir: '/home/user/isos' });
  });

  it('names each place by its path', async () => {
    const { api, ask } = setup([['/srv/isos', []]]);
    api.handle('fs.roots', () => ({ roots: [{ path: '/home/user', label: 'Home' }, { path: '/srv/isos', label: '/srv/isos' }] }));
    void ask({ mode: 'folder', title: 'Where', filters: [] });
    const places = await screen.findByRole('navigation', { name: 'Places' });
    await waitFor(() => expect(within(places).getAllByRole('button').map((b) => b.textContent)).toEqual(['Home (/home/user)', '/srv/isos']));
  });
});

describe('file-browser-model', () => {
  it('start candidates walk up from the typed path', () => {
    expect(startCandidates('/a/b/c.iso')).toEqual(['/a/b/c.iso', '/a/b', '/a', '/']);
    expect(startCandidates('relative/x')).toEqual([]);
    expect(startCandidates(undefined)).toEqual([]);
    expect(parentOf('/a')).toBe('/');
  });

  it('an "All files" filter is not a kind; without a kind every file shows', () => {
    const filters = [{ name: 'Disk images', extensions: ['qcow2'] }, { name: 'All files', extensions: ['*'] }];
    expect(kindFilters(filters)).toEqual([{ name: 'Disk images', extensions: ['qcow2'] }]);
    const entries: FsEntry[] = [{ name: 'a.qcow2', kind: 'file', size: 1 }, { name: 'b.txt', kind: 'file', size: 1 }, { name: 'sock', kind: 'other', size: 0 }];
    expect(visibleEntries(entries, { mode: 'file', filters, showHidden: false, showAll: false }).map((e) => e.name)).toEqual(['a.qcow2']);
    expect(visibleEntries(entries, { mode: 'file', filters: [], showHidden: false, showAll: false }).map((e) => e.name)).toEqual(['a.qcow2', 'b.txt']);
    expect(visibleEntries(entries, { mode: 'folder', filters, showHidden: false, showAll: true }).map((e) => e.name)).toEqual([]);
  });
});
