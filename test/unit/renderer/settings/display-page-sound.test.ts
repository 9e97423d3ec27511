// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { cleanup, screen, waitFor } from '@testing-library/react';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { SettingsDialog } from '../../../../src-renderer/features/settings/settings-dialog.js';
import type { HostSummary } from '../../../../src-shared/contract/index.js';
import { installLayoutStubs, renderWithApi } from '../library/render-helpers.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

describe('settings, Display page: sound', () => {
  it('shows what the host probe found: no host output, what is missing and what to install', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'deb', osId: 'debian12' }] });
    const id = [...api.vms.keys()][0]!;
    const base = await api.call('host.info', {});
    const host: HostSummary = { ...base, audio: { backend: 'none', label: 'no host output', missing: 'this QEMU has no PulseAudio or PipeWire driver', install: 'sudo apt install qemu-system-gui' } };
    api.handle('host.info', () => host);
    renderWithApi(createElement(SettingsDialog, { vmId: id, initialPage: 'display', state: { kind: 'stopped' }, onClose: () => undefined }), api);
    await screen.findByRole('dialog', { name: 'Settings of deb' });
    await waitFor(() => expect(screen.queryByLabelText('Loading settings')).toBeNull());
    expect(screen.getByRole('combobox', { name: 'Audio' })).toBeTruthy();
    await waitFor(() => expect(screen.getByText(/Install: sudo apt install qemu-system-gui/)).toBeTruthy());
  });
});
