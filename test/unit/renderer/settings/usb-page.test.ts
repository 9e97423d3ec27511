// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { UsbPage } from '../../../../src-renderer/features/settings/usb-page.js';
import type { UsbAttachment, UsbHostDevice } from '../../../../src-shared/contract/usb.js';
import type { VmDocument } from '../../../../src-shared/vm-document/index.js';
import type { VmRunState } from '../../../../src-shared/vm-state.js';
import { installLayoutStubs, renderWithApi } from '../library/render-helpers.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

const receiver: UsbHostDevice = {
  port: '1-2', busnum: 1, devnum: 4, vendor: '046d', product: 'c52b', manufacturer: 'Logitech', productName: 'USB Receiver',
  vendorDbName: 'Logitech, Inc.', productDbName: 'Unifying Receiver', label: 'Logitech, Inc. Unifying Receiver', isHub: false,
  access: {
    status: 'denied', devNode: '/dev/bus/usb/001/004', mode: 'crw------- root:root', joinGroup: 'plugdev',
    udevRule: 'SUBSYSTEM=="usb", ATTR{idVendor}=="046d", ATTR{idProduct}=="c52b", MODE="0660", GROUP="plugdev"',
    fix: '/dev/bus/usb/001/004 (crw------- root:root) is not read-write for you. Save this line as /etc/udev/rules.d/70-hangar-usb.rules: …',
  },
};

function setup(state: VmRunState) {
  const api = new FakeHangarApi({ vms: [{ name: 'deb', state }] });
  const id = [...api.vms.keys()][0]!;
  let attachments: UsbAttachment[] = [{ id: 'usb0', kind: 'image', source: '/home/ada/stick.img', readOnly: true, saved: true, live: state.kind === 'running' }];
  api.handle('usb.list', async () => ({ attachments, running: state.kind === 'running', controller: true }));
  api.handle('usb.host.list', async () => ({ devices: [receiver] }));
  api.handle('usb.detach', async (a) => {
    attachments = attachments.filter((x) => x.id !== a.id);
    return { attachments };
  });
  api.handle('usb.attach', async (a) => {
    const attachment: UsbAttachment = { id: 'host-046d-c52b', kind: 'host', source: a.device ?? '', saved: state.kind !== 'running', live: state.kind === 'running' };
    attachments = [...attachments, attachment];
    return { attachment, attachments };
  });
  const changes: Array<VmDocument['usb']> = [];
  renderWithApi(createElement(UsbPage, { vmId: id, state, onChange: (u: VmDocument['usb']) => changes.push(u) }), api);
  return { api, id, user: userEvent.setup(), changes };
}

describe('Settings ▸ USB', () => {
  it("shows the machine's sticks and the host's devices with the udev rule that lets this user open one", async () => {
    setup({ kind: 'stopped' });
    expect(await screen.findByText(/usb0: stick \/home\/ada\/stick\.img \(read-only\)/)).toBeTruthy();
    expect(await screen.findByText('Logitech, Inc. Unifying Receiver (046d:c52b, port 1-2)')).toBeTruthy();
    expect(screen.getByLabelText('udev rule for 046d:c52b').textContent).toBe(receiver.access.udevRule);
    expect(screen.getByText('Sticks and rules are saved and plugged in at the next start.')).toBeTruthy();
  });

  it('running: Attach now plugs the host device in; Detach unplugs a stick; each change takes the engine\'s document', async () => {
    const { api, id, user, changes } = setup({ kind: 'running' });
    await user.click(await screen.findByRole('button', { name: 'Attach now' }));
    await waitFor(() => expect(api.callsOf('usb.attach')).toEqual([{ vm: id, device: '046d:c52b' }]));
    await waitFor(() => expect(document.body.textContent).toContain('host-046d-c52b: host device 046d:c52b (until it stops) · plugged in'));
    await user.click(screen.getByRole('button', { name: 'Detach usb0' }));
    await waitFor(() => expect(api.callsOf('usb.detach')).toEqual([{ vm: id, id: 'usb0' }]));
    await waitFor(() => expect(changes).toHaveLength(2));
  });

  it('a refused stick shows the engine\'s reason', async () => {
    const { api, user } = setup({ kind: 'stopped' });
    api.failNext('usb.attach', 'invalid-args', 'USB stick image: the image /tmp/pipe is not a regular file (a device, FIFO or folder); Hangar only uses image files');
    await user.type(screen.getByRole('textbox', { name: 'Disk image to plug in as a USB stick' }), '/tmp/pipe');
    await user.click(screen.getByRole('button', { name: 'Attach stick' }));
    expect(await screen.findByText(/not a regular file \(a device, FIFO or folder\)/)).toBeTruthy();
  });
});
