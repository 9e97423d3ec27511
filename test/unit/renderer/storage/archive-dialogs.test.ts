// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createElement } from 'react';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { ExportDialog } from '../../../../src-renderer/features/archive/export-dialog.js';
import { archiveNameError, defaultArchiveName, joinPath } from '../../../../src-renderer/features/archive/archive-model.js';
import { LibraryStore } from '../../../../src-renderer/state/library-store.js';
import { LibraryWindow } from '../../../../src-renderer/features/library/library-window.js';
import { installLayoutStubs, renderWithApi } from '../library/render-helpers.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

describe('archive names', () => {
  it('defaults to "<name>.tar.gz", joins with the folder\'s separator, and checks the extension', () => {
    expect(defaultArchiveName('Debian 12')).toBe('Debian 12.tar.gz');
    expect(defaultArchiveName('a/b')).toBe('a_b.tar.gz');
    expect(joinPath('/home/me', 'x.tar.gz')).toBe('/home/me/x.tar.gz');
    expect(joinPath('/home/me/', 'x.tar')).toBe('/home/me/x.tar');
    expect(joinPath('C:\\Users\\me', 'x.tar')).toBe('C:\\Users\\me\\x.tar');
    expect(archiveNameError('x.zip')).toMatch(/\.tar\.gz/);
    expect(archiveNameError('dir/x.tar')).toMatch(/without folders/);
    expect(archiveNameError('x.tgz')).toBeNull();
  });
});

describe('the export dialog', () => {
  function setup() {
    const api = new FakeHangarApi({ vms: [{ name: 'deb' }] });
    const id = [...api.vms.keys()][0]!;
    const onClose = vi.fn();
    const user = userEvent.setup();
    renderWithApi(createElement(ExportDialog, { vm: { id, name: 'deb' }, onClose }), api);
    return { api, id, user, onClose, dialog: screen.getByRole('dialog', { name: 'Export deb' }) };
  }

  it('a folder from the folder chooser and the default name make the path of vm.export', async () => {
    const { api, id, user, onClose, dialog } = setup();
    expect((within(dialog).getByRole('textbox', { name: 'File name' }) as HTMLInputElement).value).toBe('deb.tar.gz');
    expect((within(dialog).getByRole('button', { name: 'Export' }) as HTMLButtonElement).disabled).toBe(true);
    api.dialogAnswer = '/home/user/backups';
    await user.click(within(dialog).getByRole('button', { name: 'Choose…' }));
    await waitFor(() => expect((within(dialog).getByRole('textbox', { name: 'Folder' }) as HTMLInputElement).value).toBe('/home/user/backups'));
    expect(api.appCalls.map((c) => c.channel)).toContain('dialog:chooseFolder');
    await user.click(within(dialog).getByRole('button', { name: 'Export' }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    const [args] = api.callsOf('vm.export');
    expect(args).toMatchObject({ vm: id, path: '/home/user/backups/deb.tar.gz', overwrite: false });
    expect(args!.jobId).toMatch(/^export-/);
  });

  it('an existing file is refused with the engine\'s message; "Replace" sends overwrite', async () => {
    const { api, user, onClose, dialog } = setup();
    await user.type(within(dialog).getByRole('textbox', { name: 'Folder' }), '/tmp');
    api.failNext('vm.export', 'exists', '/tmp/deb.tar.gz already exists (choose another name, or overwrite)');
    await user.click(within(dialog).getByRole('button', { name: 'Export' }));
    expect(await within(dialog).findByText(/Could not export "deb": \/tmp\/deb\.tar\.gz already exists/)).toBeTruthy();
    expect(onClose).not.toHaveBeenCalled();
    await user.click(within(dialog).getByRole('checkbox', { name: 'Replace the file if it exists' }));
    await user.click(within(dialog).getByRole('button', { name: 'Export' }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(api.callsOf('vm.export')[1]).toMatchObject({ path: '/tmp/deb.tar.gz', overwrite: true });
  });
});

describe('Import… in the library toolbar', () => {
  async function openLibrary(api: FakeHangarApi) {
    const store = new LibraryStore(api);
    store.start();
    const user = userEvent.setup();
    renderWithApi(createElement(LibraryWindow, { store }), api);
    await store.whenLoaded();
    return user;
  }

  it('opens the file chooser for archives, imports, and selects the imported machine', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'deb' }] });
    api.dialogAnswer = '/home/user/old-box.tar.gz';
    const user = await openLibrary(api);
    await user.click(screen.getByRole('button', { name: 'Import…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Import a machine' }, { timeout: 10_000 });
    await waitFor(() => expect((within(dialog).getByRole('textbox', { name: 'Archive' }) as HTMLInputElement).value).toBe('/home/user/old-box.tar.gz'));
    const ask = api.appCalls.find((c) => c.channel === 'dialog:openFile')!.args as { filters: Array<{ extensions: string[] }> };
    expect(ask.filters[0]!.extensions).toEqual(['tar.gz', 'tgz', 'tar']);
    await user.click(within(dialog).getByRole('button', { name: 'Import' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.callsOf('vm.import')[0]).toMatchObject({ path: '/home/user/old-box.tar.gz' });
    const option = await screen.findByRole('option', { name: 'old-box' });
    await waitFor(() => expect(option.getAttribute('aria-selected')).toBe('true'));
  }, 30_000);

  it('shows the import\'s warnings; a refused archive gets an actionable message', async () => {
    const api = new FakeHangarApi({ vms: [] });
    api.importWarnings = ['CD drive cd0 pointed at /isos/x.iso on the old host; it is now empty'];
    const user = await openLibrary(api);
    await user.click(screen.getByRole('button', { name: 'Import…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Import a machine' }, { timeout: 10_000 });
    await user.type(within(dialog).getByRole('textbox', { name: 'Archive' }), '/home/user/bad.tar');
    api.failNext('vm.import', 'invalid-args', 'the archive holds an absolute path (/etc/passwd); it was not made by Hangar');
    await user.click(within(dialog).getByRole('button', { name: 'Import' }));
    expect(await within(dialog).findByText(/Could not import the machine: the archive holds an absolute path/)).toBeTruthy();
    await user.click(within(dialog).getByRole('button', { name: 'Import' }));
    const done = await screen.findByRole('dialog', { name: 'Imported bad' });
    expect(within(done).getByText(/CD drive cd0 pointed at/)).toBeTruthy();
    await user.click(within(done).getByRole('button', { name: 'OK' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  }, 30_000);
});
