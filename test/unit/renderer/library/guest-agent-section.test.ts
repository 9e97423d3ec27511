// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { DetailsPane } from '../../../../src-renderer/features/library/details-pane.js';
import { renderWithApi } from './render-helpers.js';

afterEach(() => cleanup());

const running = { status: 'running' as const, version: '7.2.0', hostname: 'fixture-guest', os: { name: 'Hangar test guest' }, addresses: [{ interface: 'eth0', family: 'ipv4' as const, address: '10.0.2.15', prefix: 24 }] };

function setup(guestAgent: boolean) {
  const api = new FakeHangarApi({ vms: [{ name: 'web', id: 'vm-web', state: { kind: 'running' } }] });
  api.vmDoc('web').guestAgent = guestAgent;
  const vm = { id: 'vm-web', name: 'web', osId: 'linux', bundleDir: '/lib/web.hangar', state: { kind: 'running' as const }, lastChanged: 0 };
  renderWithApi(createElement(DetailsPane, { vm, selectedCount: 1, onEdit: () => undefined }), api);
  return api;
}

describe('the details pane: guest agent', () => {
  it('shows the agent\'s hostname, OS and IP addresses as they arrive, and says when no agent answers', async () => {
    const api = setup(true);
    await screen.findByRole('region', { name: 'Guest agent' });
    // Queried afresh each time: the pane may render its sections again when the machine's document is re-read.
    const field = (label: string) => within(screen.getByRole('region', { name: 'Guest agent' })).getByLabelText(`Guest ${label}`).textContent;
    expect(field('Status')).toBe('Not running');
    act(() => api.guestAgent('web', { status: 'waiting', addresses: [] }));
    await waitFor(() => expect(field('Status')).toMatch(/Not answering.*qemu-ga/));
    act(() => api.guestAgent('web', running));
    await waitFor(() => expect(field('Status')).toBe('Running (qemu-ga 7.2.0)'));
    expect(field('Hostname')).toBe('fixture-guest');
    expect(field('Guest OS')).toBe('Hangar test guest');
    expect(field('IP addresses')).toBe('10.0.2.15 (eth0)');
  });

  it('reads what the agent already said when the pane opens (vm.get), and has no section without the channel', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'web', id: 'vm-web', state: { kind: 'running' } }] });
    api.vmDoc('web').guestAgent = true;
    api.guestAgent('web', running);
    const vm = { id: 'vm-web', name: 'web', osId: 'linux', bundleDir: '/lib/web.hangar', state: { kind: 'running' as const }, lastChanged: 0 };
    renderWithApi(createElement(DetailsPane, { vm, selectedCount: 1, onEdit: () => undefined }), api);
    const section = await screen.findByRole('region', { name: 'Guest agent' });
    await screen.findByText('10.0.2.15 (eth0)');
    expect(within(section).getByLabelText('Guest Hostname').textContent).toBe('fixture-guest');
    cleanup();
    setup(false);
    await screen.findByRole('article');
    await screen.findByText('Graphics');
    expect(screen.queryByRole('region', { name: 'Guest agent' })).toBeNull();
  });
});
