// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { act, cleanup, screen, within } from '@testing-library/react';
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
    const section = await screen.findByRole('region', { name: 'Guest agent' });
    expect(within(section).getByLabelText('Guest Status').textContent).toBe('Not running');
    act(() => api.guestAgent('web', { status: 'waiting', addresses: [] }));
    expect(within(section).getByLabelText('Guest Status').textContent).toMatch(/Not answering.*qemu-ga/);
    act(() => api.guestAgent('web', running));
    expect(within(section).getByLabelText('Guest Status').textContent).toBe('Running (qemu-ga 7.2.0)');
    expect(within(section).getByLabelText('Guest Hostname').textContent).toBe('fixture-guest');
    expect(within(section).getByLabelText('Guest Guest OS').textContent).toBe('Hangar test guest');
    expect(within(section).getByLabelText('Guest IP addresses').textContent).toBe('10.0.2.15 (eth0)');
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
