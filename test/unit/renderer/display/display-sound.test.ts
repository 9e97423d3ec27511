// @vitest-environment jsdom
// The display toolbar's sound controls (the stream itself: vnc-audio.test.ts on noVNC's real RFB).
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createElement } from 'react';
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { DisplayView } from '../../../../src-renderer/features/display/display-view.js';
import { installLayoutStubs, renderWithApi } from '../library/render-helpers.js';
import { FakeRFB } from './fake-rfb.js';

vi.mock('@novnc/novnc', async () => ({ default: (await import('./fake-rfb.js')).FakeRFB }));

beforeAll(installLayoutStubs);
beforeEach(() => {
  FakeRFB.instances = [];
});
afterEach(cleanup);

function setup(device: 'none' | 'intel-hda', backend: string | null) {
  const api = new FakeHangarApi({ vms: [{ name: 'deb', id: 'vm-1', state: { kind: 'running' } }] });
  api.vms.get('vm-1')!.doc = { ...api.vms.get('vm-1')!.doc, audio: { device } };
  api.handle('vm.get', () => ({ doc: api.vms.get('vm-1')!.doc, state: api.vms.get('vm-1')!.state, bundleDir: '/b', accelerator: 'tcg' as const }));
  const label = backend === 'pa' ? 'PulseAudio' : 'no host output';
  api.handle('host.info', () => ({
    qemuVersion: '7.2.22', qemuBinary: '/usr/bin/qemu-system-x86_64', accelerators: ['tcg'], kvm: { usable: false, reason: '' }, uefiAvailable: true, swtpmAvailable: false,
    hostMemoryMiB: 4096, hostCpus: 2, libraryDir: '/lib',
    ...(backend ? { audio: { backend, label, missing: null, install: null } } : {}),
  }));
  renderWithApi(createElement(DisplayView, { vmId: 'vm-1' }), api);
  return { api, user: userEvent.setup() };
}

describe('display sound controls', () => {
  it('a VM without a sound card has none (and the display does not ask the host about sound)', async () => {
    const { api } = setup('none', 'none');
    await waitFor(() => expect(FakeRFB.instances).toHaveLength(1));
    await waitFor(() => expect(api.calls.some((c) => c.command === 'vm.get')).toBe(true));
    expect(screen.queryByRole('button', { name: /mute sound/i })).toBeNull();
    expect(screen.queryByRole('slider', { name: 'Volume' })).toBeNull();
    expect(api.calls.some((c) => c.command === 'host.info')).toBe(false);
  });

  it('with a sound card and no host output: streams (Mute sound), mute and volume on the toolbar', async () => {
    const { user } = setup('intel-hda', 'none');
    const mute = await screen.findByRole('button', { name: 'Mute sound' });
    expect(mute.getAttribute('aria-pressed')).toBe('false');
    const slider = screen.getByRole('slider', { name: 'Volume' });
    expect(slider.getAttribute('aria-valuenow')).toBe('100');
    await user.click(mute);
    expect(screen.getByRole('button', { name: 'Unmute sound' }).getAttribute('aria-pressed')).toBe('true');
    expect((screen.getByRole('slider', { name: 'Volume' }) as HTMLInputElement).disabled).toBe(true);
  });

  it('starts muted where QEMU already plays to the host sound server, saying so', async () => {
    setup('intel-hda', 'pa');
    const unmute = await screen.findByRole('button', { name: 'Unmute sound' });
    await userEvent.setup().hover(unmute);
    expect((await screen.findByRole('tooltip')).textContent).toMatch(/through PulseAudio/);
  });
});
