// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { LibraryStore } from '../../../../src-renderer/state/library-store.js';
import { LibraryWindow } from '../../../../src-renderer/features/library/library-window.js';
import { installLayoutStubs, renderWithApi } from './render-helpers.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

// The wizard, settings, delete dialog and details pane are loaded on demand (first paint): they must still open.
describe('views loaded on demand', () => {
  it('opens the details, the wizard, the settings and the delete dialog', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'debian' }] });
    const store = new LibraryStore(api);
    store.start();
    const user = userEvent.setup();
    renderWithApi(createElement(LibraryWindow, { store }), api);
    await store.whenLoaded();
    await user.click(await screen.findByRole('option', { name: 'debian' }));
    expect(await screen.findByRole('article', { name: 'Details of debian' }, { timeout: 10_000 })).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Settings' }));
    expect(await screen.findByRole('dialog', { name: 'Settings of debian' }, { timeout: 10_000 })).toBeTruthy();
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    await user.click(screen.getByRole('button', { name: /^Delete/ }));
    expect(await screen.findByRole('dialog', { name: 'Delete "debian"?' }, { timeout: 10_000 })).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    await user.click(screen.getByRole('button', { name: /^New/ }));
    expect(await screen.findByRole('dialog', { name: 'New machine' }, { timeout: 10_000 })).toBeTruthy();
  }, 30_000);
});
