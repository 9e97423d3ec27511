// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createElement, useState } from 'react';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { ForwardTable } from '../../../../src-renderer/features/settings/forward-table.js';
import { EMPTY_FORWARD, forwardIssues } from '../../../../src-renderer/features/settings/forward-model.js';
import type { PortForward } from '../../../../src-shared/vm-document/index.js';
import type { VmRunState } from '../../../../src-shared/vm-state.js';
import { installLayoutStubs, renderWithApi } from '../library/render-helpers.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

const ssh: PortForward = { protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 2222, guestPort: 22 };

describe('forwardIssues', () => {
  it('ports must be whole numbers from 1 to 65535, the address IPv4', () => {
    expect(forwardIssues({ ...EMPTY_FORWARD, hostPort: '8080', guestPort: '80' }, [])).toEqual({});
    expect(forwardIssues(EMPTY_FORWARD, [])).toEqual({ hostPort: 'Required', guestPort: 'Required' });
    expect(forwardIssues({ ...EMPTY_FORWARD, hostPort: '0', guestPort: '65536' }, [])).toEqual({ hostPort: 'Ports go from 1 to 65535', guestPort: 'Ports go from 1 to 65535' });
    expect(forwardIssues({ ...EMPTY_FORWARD, hostPort: '80a', guestPort: '1.5' }, [])).toEqual({ hostPort: 'A number from 1 to 65535', guestPort: 'A number from 1 to 65535' });
    expect(forwardIssues({ ...EMPTY_FORWARD, hostAddress: '300.0.0.1', hostPort: '1', guestPort: '1' }, []).hostAddress).toMatch(/IPv4/);
  });

  it('the same protocol and host port twice is a duplicate; another protocol is not', () => {
    expect(forwardIssues({ ...EMPTY_FORWARD, hostPort: '2222', guestPort: '23' }, [ssh])).toEqual({ hostPort: 'TCP 2222 is already forwarded (to guest port 22)' });
    expect(forwardIssues({ ...EMPTY_FORWARD, protocol: 'udp', hostPort: '2222', guestPort: '22' }, [ssh])).toEqual({});
  });
});

/** The table as the settings dialog holds it: the engine's answer becomes the new table. */
function Harness({ vmId, initial, state }: { vmId: string; initial: PortForward[]; state: VmRunState }) {
  const [forwards, setForwards] = useState(initial);
  return createElement(ForwardTable, { vmId, forwards, state, onChange: setForwards });
}

function setup(state: VmRunState = { kind: 'running' }, forwards: PortForward[] = [ssh]) {
  const api = new FakeHangarApi({ vms: [{ name: 'deb', state }] });
  const id = [...api.vms.keys()][0]!;
  const vm = api.vms.get(id)!;
  vm.doc = { ...vm.doc, network: { mode: 'user', model: 'virtio-net-pci', mac: '52:54:00:12:34:56', forwards } };
  const user = userEvent.setup();
  renderWithApi(createElement(Harness, { vmId: id, initial: forwards, state }), api);
  const table = screen.getByRole('table', { name: 'Port forwards' });
  return { api, id, user, table };
}

const field = (name: string) => screen.getByRole('textbox', { name });
const description = (el: HTMLElement) => (el.getAttribute('aria-describedby') ?? '').split(' ').map((i) => document.getElementById(i)?.textContent ?? '').join(' ');

describe('the port-forward table', () => {
  it('lists the forwards; Add with valid ports calls forward.add live and shows the new row', async () => {
    const { api, id, user, table } = setup();
    expect(within(table).getAllByRole('row')).toHaveLength(3); // head, ssh, the add row
    expect(screen.getByText('Changes apply at once to the running machine and are saved with it.')).toBeTruthy();
    await user.type(field('Host port'), '8080');
    await user.type(field('Guest port'), '80');
    await user.click(screen.getByRole('button', { name: 'Add port forward' }));
    await waitFor(() => expect(api.callsOf('forward.add')).toEqual([{ vm: id, protocol: 'tcp', hostPort: 8080, guestPort: 80, hostAddress: '127.0.0.1' }]));
    expect(await screen.findByRole('button', { name: 'Remove port forward TCP 8080' })).toBeTruthy();
    expect(field('Host port')).toHaveProperty('value', ''); // ready for the next one
    expect(api.callsOf('vm.update')).toEqual([]);
  });

  it('inline validation: out of range and duplicates, nothing sent', async () => {
    const { api, user } = setup();
    await user.type(field('Host port'), '70000');
    expect(field('Host port').getAttribute('aria-invalid')).toBe('true');
    expect(description(field('Host port'))).toContain('Ports go from 1 to 65535');
    await user.clear(field('Host port'));
    await user.type(field('Host port'), '2222');
    await user.type(field('Guest port'), '22');
    expect(description(field('Host port'))).toContain('TCP 2222 is already forwarded (to guest port 22)');
    await user.click(screen.getByRole('button', { name: 'Add port forward' }));
    expect(api.callsOf('forward.add')).toEqual([]);
    // UDP 2222 is another port.
    await user.click(screen.getByRole('combobox', { name: 'Protocol' }));
    await user.click(await screen.findByRole('option', { name: 'UDP' }));
    expect(field('Host port').getAttribute('aria-invalid')).toBe('false');
    await user.click(screen.getByRole('button', { name: 'Add port forward' }));
    await waitFor(() => expect(api.callsOf('forward.add')).toMatchObject([{ protocol: 'udp', hostPort: 2222 }]));
    expect(await screen.findByRole('button', { name: 'Remove port forward UDP 2222' })).toBeTruthy();
  });

  it("the engine's conflict goes under the host port, as it words it", async () => {
    const { api, user } = setup();
    api.failNext('forward.add', 'exists', 'host tcp port 8022 on 127.0.0.1 is used by the running machine "web" (forwarded to its guest port 22)', { field: 'hostPort', hostPort: 8022 });
    await user.type(field('Host port'), '8022');
    await user.type(field('Guest port'), '22{Enter}');
    await waitFor(() => expect(description(field('Host port'))).toContain('is used by the running machine "web"'));
    expect(field('Host port').getAttribute('aria-invalid')).toBe('true');
    expect(screen.queryByRole('button', { name: 'Remove port forward TCP 8022' })).toBeNull();
    // Editing clears the engine's message.
    await user.clear(field('Host port'));
    await user.type(field('Host port'), '8023');
    expect(description(field('Host port'))).not.toContain('web');
  });

  it('other refusals show above the table', async () => {
    const { api, user } = setup();
    api.failNext('forward.add', 'qemu-failed', 'QEMU refused hostfwd_add: could not set up host forwarding rule');
    await user.type(field('Host port'), '8022');
    await user.type(field('Guest port'), '22');
    await user.click(screen.getByRole('button', { name: 'Add port forward' }));
    expect(await screen.findByRole('alert')).toHaveProperty('textContent', expect.stringContaining('Could not forward TCP port 8022: QEMU refused hostfwd_add'));
  });

  it('Remove calls forward.remove and drops the row', async () => {
    const { api, id, user, table } = setup({ kind: 'stopped' });
    expect(screen.getByText('Changes are saved at once and apply when the machine starts.')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Remove port forward TCP 2222' }));
    await waitFor(() => expect(api.callsOf('forward.remove')).toEqual([{ vm: id, protocol: 'tcp', hostPort: 2222 }]));
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(2));
    expect(screen.getByText(/No forwards yet/)).toBeTruthy();
  });

  it('while starting or stopping: read-only, says why', () => {
    setup({ kind: 'starting' });
    expect(screen.getByText(/The machine is starting; change its port forwards once it is running or stopped/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Add port forward' })).toHaveProperty('disabled', true);
    expect(screen.getByRole('button', { name: 'Remove port forward TCP 2222' })).toHaveProperty('disabled', true);
  });
});
