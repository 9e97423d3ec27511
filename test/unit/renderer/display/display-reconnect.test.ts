// @vitest-environment jsdom
// The display when the host goes away (browser host or engine restarted): it says so, and reconnects by itself
// once the engine connection is back (test/e2e/serve-restart.test.ts does the same against a real `hangar serve`).
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createElement } from 'react';
import { act, cleanup, screen, waitFor } from '@testing-library/react';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { DisplayView } from '../../../../src-renderer/features/display/display-view.js';
import { installLayoutStubs, renderWithApi } from '../library/render-helpers.js';
import { FakeRFB } from './fake-rfb.js';

vi.mock('@novnc/novnc', async () => ({ default: (await import('./fake-rfb.js')).FakeRFB }));
const rfbs = FakeRFB;

beforeAll(installLayoutStubs);
beforeEach(() => {
  rfbs.instances = [];
});
afterEach(cleanup);

describe('DisplayView when the connection to the host is lost', () => {
  it('shows "Connection lost — reconnecting…" and reconnects the display by itself when the engine is back', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'deb', id: 'vm-1', state: { kind: 'running' } }] });
    api.handle('vm.get', () => ({ doc: api.vms.get('vm-1')!.doc, state: api.vms.get('vm-1')!.state, bundleDir: '/b' }));
    renderWithApi(createElement(DisplayView, { vmId: 'vm-1', onClose: () => undefined }), api);
    await waitFor(() => expect(rfbs.instances).toHaveLength(1));
    act(() => rfbs.instances[0]!.fire('connect'));

    // The host dies: the display's socket and the engine connection drop together.
    act(() => {
      api.setConnection('closed');
      rfbs.instances[0]!.fire('disconnect', { clean: false });
    });
    expect(screen.getByText('Connection lost — reconnecting…')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Reconnect' })).toBeTruthy();
    act(() => api.setConnection('connecting'));
    expect(rfbs.instances).toHaveLength(1); // nothing to reconnect to yet

    const gets = api.callsOf('vm.get').length;
    act(() => api.setConnection('open'));
    await waitFor(() => expect(rfbs.instances).toHaveLength(2));
    // The VM's state is read again (it may have changed while the host was away).
    await waitFor(() => expect(api.callsOf('vm.get').length).toBeGreaterThan(gets));
    expect(screen.getByText('Connecting to the display…')).toBeTruthy();
    act(() => rfbs.instances[1]!.fire('connect'));
    expect(screen.queryByText(/Connection lost|Connecting to the display/)).toBeNull();
  });

  it('an engine reconnect does not disturb a display that stayed connected', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'deb', id: 'vm-1', state: { kind: 'running' } }] });
    api.handle('vm.get', () => ({ doc: api.vms.get('vm-1')!.doc, state: api.vms.get('vm-1')!.state, bundleDir: '/b' }));
    renderWithApi(createElement(DisplayView, { vmId: 'vm-1', onClose: () => undefined }), api);
    await waitFor(() => expect(rfbs.instances).toHaveLength(1));
    act(() => rfbs.instances[0]!.fire('connect'));
    act(() => api.setConnection('closed'));
    act(() => api.setConnection('open')); // act() flushes the state updates and effects a reconnect would make
    expect(rfbs.instances).toHaveLength(1);
  });
});
