// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { NewVmWizard } from '../../../../src-renderer/features/wizard/new-vm-wizard.js';
import { detectOs, recommendationFor } from '../../../../src-shared/os-catalog/index.js';
import type { IsoInspection } from '../../../../src-shared/contract/index.js';
import { installLayoutStubs, renderWithApi } from '../library/render-helpers.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

function inspection(path: string): IsoInspection {
  const detected = detectOs({ volumeId: 'Debian 12.5.0 amd64 1' });
  return { path, volumeId: 'Debian 12.5.0 amd64 1', systemId: '', publisherId: '', applicationId: '', bootable: { bios: true, uefi: true }, detected, recommended: recommendationFor(detected?.osId), warnings: [] };
}

const btn = (name: string) => screen.getByRole('button', { name }) as HTMLButtonElement;
const field = (name: string) => screen.getByLabelText(name, { selector: 'input' }) as HTMLInputElement;

describe('wizard: Install automatically', () => {
  it('offers it for an ISO onto a new disk, checks the answers as the engine would, and sends them with vm.create', async () => {
    const api = new FakeHangarApi();
    api.handle('iso.inspect', ({ path }) => inspection(path));
    const created: string[] = [];
    const user = userEvent.setup();
    renderWithApi(createElement(NewVmWizard, { onClose: () => undefined, onCreated: (id: string) => created.push(id) }), api);
    await user.type(await screen.findByRole('textbox', { name: 'Name' }), 'deb');
    await user.click(btn('Next'));
    api.dialogAnswer = '/isos/debian-12.5.0-amd64-netinst.iso';
    await user.click(btn('Browse…'));
    await screen.findByText(/Detected Debian 12/);
    await user.click(btn('Next')); // system
    await user.click(btn('Next')); // resources
    await user.click(btn('Next')); // disk
    const section = await screen.findByRole('region', { name: 'Install automatically' });
    await user.click(within(section).getByRole('checkbox', { name: 'Install automatically' }));
    expect(btn('Next').disabled).toBe(true);
    await user.type(field('User name'), `ada'`);
    expect((await screen.findAllByText(/1-32 lower-case letters/)).length).toBeGreaterThan(0);
    await user.clear(field('User name'));
    await user.type(field('User name'), 'ada');
    await user.type(field('Password'), `p'"<&>$\\`);
    await user.click(field('Host name'));
    await user.paste('h'.repeat(64));
    expect((await screen.findAllByText(/1-63 letters/)).length).toBeGreaterThan(0);
    expect(btn('Next').disabled).toBe(true);
    await user.clear(field('Host name'));
    await user.type(field('Host name'), 'analytical');
    await user.clear(field('Time zone'));
    await user.type(field('Time zone'), 'Europe/London');
    await waitFor(() => expect(btn('Next').disabled).toBe(false));
    await user.click(btn('Next')); // summary
    const summary = await screen.findByRole('region', { name: /Summary/ });
    expect(within(summary).getByText('user ada on analytical, en_US, us keyboard, Europe/London')).toBeTruthy();
    // The QEMU preview is asked without the answers: the password goes to vm.create only.
    await waitFor(() => expect(api.callsOf('vm.previewArgv').length).toBeGreaterThan(0));
    for (const call of api.callsOf('vm.previewArgv')) expect(call).not.toHaveProperty('unattended');
    await user.click(btn('Create'));
    await waitFor(() => expect(created).toHaveLength(1));
    expect(api.callsOf('vm.create')[0]).toMatchObject({
      iso: '/isos/debian-12.5.0-amd64-netinst.iso',
      unattended: { user: 'ada', password: `p'"<&>$\\`, hostname: 'analytical', language: 'en_US', keyboard: 'us', timezone: 'Europe/London' },
    });
  });
});
