// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createElement, useState } from 'react';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { DiskTable } from '../../../../src-renderer/features/disks/disk-table.js';
import { formatBytes, parseGiB } from '../../../../src-renderer/features/disks/disk-model.js';
import type { VmDisk } from '../../../../src-shared/vm-document/index.js';
import type { VmRunState } from '../../../../src-shared/vm-state.js';
import { installLayoutStubs, renderWithApi } from '../library/render-helpers.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

describe('disk model', () => {
  it('formats sizes and reads GiB fields', () => {
    expect(formatBytes(2 ** 30)).toBe('1 GiB');
    expect(formatBytes(196_608)).toBe('192 KiB');
    expect(formatBytes(1.5 * 2 ** 30)).toBe('1.5 GiB');
    expect(formatBytes(null)).toBe('unknown');
    expect(parseGiB('2')).toEqual({ value: 2 });
    expect(parseGiB('')).toEqual({ error: 'Enter a size in GiB' });
    expect(parseGiB('-1')).toEqual({ error: 'Enter a size above 0 GiB' });
  });
});

/** The table as the settings dialog holds it: the engine's new document becomes the table's disks. */
function Harness({ vmId, initial, state }: { vmId: string; initial: VmDisk[]; state: VmRunState }) {
  const [disks, setDisks] = useState(initial);
  return createElement(DiskTable, { vmId, name: 'deb', disks, state, onDocChange: (doc) => setDisks(doc.disks) });
}

function setup(state: VmRunState = { kind: 'stopped' }) {
  const api = new FakeHangarApi({ vms: [{ name: 'deb', state }] });
  const id = [...api.vms.keys()][0]!;
  api.addDisk(id, { id: 'disk0', sizeGiB: 4, actualBytes: 2 ** 20 });
  api.addDisk(id, { id: 'disk1', sizeGiB: 2, format: 'raw', backing: undefined });
  api.addDisk(id, { id: 'disk2', sizeGiB: 8, backing: '/library/base.qcow2' });
  const user = userEvent.setup();
  renderWithApi(createElement(Harness, { vmId: id, initial: api.vms.get(id)!.doc.disks, state }), api);
  const table = screen.getByRole('table', { name: 'Disks' });
  return { api, id, user, table };
}

const button = (name: string) => screen.getByRole('button', { name });

describe('the disk table', () => {
  it('lists each disk with bus, format, virtual and actual size and its backing chain (disk.info)', async () => {
    const { api, table } = setup();
    const row = async (name: string) => (await within(table).findByRole('row', { name: new RegExp(`^${name}`) }));
    await waitFor(() => expect(within(table).getAllByText('4 GiB')).toHaveLength(1));
    const r0 = await row('disk0');
    expect(r0.textContent).toContain('virtio');
    expect(r0.textContent).toContain('qcow2');
    expect(r0.textContent).toContain('1 MiB');
    expect(r0.textContent).toContain('None');
    expect((await row('disk1')).textContent).toContain('raw');
    expect((await row('disk2')).textContent).toContain('base.qcow2');
    expect(api.callsOf('disk.info').map((c) => c.disk).sort()).toEqual(['disk0', 'disk1', 'disk2']);
  });

  it('Add disk: a new disk of N GiB calls disk.add with sizeGiB and shows the new row', async () => {
    const { api, id, user, table } = setup();
    await user.click(button('Add disk'));
    const dialog = await screen.findByRole('dialog', { name: 'Add disk' });
    const size = within(dialog).getByRole('spinbutton', { name: 'Size (GiB)' });
    await user.clear(size);
    await user.type(size, '1');
    await user.click(within(dialog).getByRole('button', { name: 'Add' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.callsOf('disk.add')).toEqual([{ vm: id, sizeGiB: 1 }]);
    expect(await within(table).findByRole('row', { name: /^disk3/ })).toBeTruthy();
    await waitFor(() => expect(within(table).getByRole('row', { name: /^disk3/ }).textContent).toContain('1 GiB'));
  });

  it('Add disk: an existing file chosen with the file dialog calls disk.add with its path', async () => {
    const { api, id, user } = setup();
    api.dialogAnswer = '/home/user/images/data.qcow2';
    await user.click(button('Add disk'));
    const dialog = await screen.findByRole('dialog', { name: 'Add disk' });
    await user.click(within(dialog).getByRole('radio', { name: /existing image file/ }));
    await user.click(within(dialog).getByRole('button', { name: 'Browse…' }));
    await waitFor(() => expect((within(dialog).getByRole('textbox', { name: 'Image file' }) as HTMLInputElement).value).toBe('/home/user/images/data.qcow2'));
    expect(api.appCalls.find((c) => c.channel === 'dialog:openFile')).toBeTruthy();
    await user.click(within(dialog).getByRole('button', { name: 'Add' }));
    await waitFor(() => expect(api.callsOf('disk.add')).toEqual([{ vm: id, path: '/home/user/images/data.qcow2' }]));
  });

  it('Remove disk asks first; "Also delete the file" sends deleteFile', async () => {
    const { api, id, user, table } = setup();
    await user.click(button('Remove disk disk1'));
    const dialog = await screen.findByRole('dialog', { name: 'Remove disk disk1?' });
    await user.click(within(dialog).getByRole('checkbox', { name: 'Also delete the file' }));
    await user.click(within(dialog).getByRole('button', { name: 'Remove' }));
    await waitFor(() => expect(api.callsOf('disk.remove')).toEqual([{ vm: id, disk: 'disk1', deleteFile: true }]));
    await waitFor(() => expect(within(table).queryByRole('row', { name: /^disk1/ })).toBeNull());
  });

  it('Grow calls disk.resize; shrinking shows the engine\'s reason', async () => {
    const { api, id, user, table } = setup();
    await waitFor(() => expect(within(table).getAllByText('4 GiB')).toHaveLength(1));
    await user.click(button('Grow disk0'));
    const dialog = await screen.findByRole('dialog', { name: 'Grow disk disk0' });
    const size = within(dialog).getByRole('spinbutton', { name: 'New size (GiB)' });
    await user.clear(size);
    await user.type(size, '2');
    await user.click(within(dialog).getByRole('button', { name: 'Grow' }));
    expect(await within(dialog).findByText(/shrinking would destroy data at the end of the disk; Hangar only grows disks/)).toBeTruthy();
    await user.clear(size);
    await user.type(size, '6');
    await user.click(within(dialog).getByRole('button', { name: 'Grow' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.callsOf('disk.resize')).toEqual([{ vm: id, disk: 'disk0', sizeGiB: 2 }, { vm: id, disk: 'disk0', sizeGiB: 6 }]);
    await waitFor(() => expect(within(table).getByRole('row', { name: /^disk0/ }).textContent).toContain('6 GiB'));
  });

  it('Convert to qcow2 and Compact call the engine with a job id; qcow2-only reasons disable the others', async () => {
    const { api, id, user, table } = setup();
    expect((button('Convert disk0 to qcow2') as HTMLButtonElement).disabled).toBe(true);
    expect(button('Convert disk0 to qcow2').getAttribute('title')).toBe('Already qcow2');
    expect((button('Compact disk1') as HTMLButtonElement).disabled).toBe(true);
    await user.click(button('Convert disk1 to qcow2'));
    await waitFor(() => expect(api.callsOf('disk.convert')).toHaveLength(1));
    expect(api.callsOf('disk.convert')[0]).toMatchObject({ vm: id, disk: 'disk1' });
    expect(api.callsOf('disk.convert')[0]!.jobId).toMatch(/^convert-/);
    await waitFor(() => expect(within(table).getByRole('row', { name: /^disk1/ }).textContent).toContain('qcow2'));
    expect(await screen.findByText(/Converted disk disk1 to qcow2\. The old image disk1\.img is kept/)).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Close' })); // the notices come one at a time
    await waitFor(() => expect((button('Compact disk0') as HTMLButtonElement).disabled).toBe(false));
    await user.click(button('Compact disk0'));
    await waitFor(() => expect(api.callsOf('disk.compact')).toHaveLength(1));
    expect(api.callsOf('disk.compact')[0]).toMatchObject({ vm: id, disk: 'disk0' });
    expect(await screen.findByText(/Compacted disk disk0: 1 MiB → 512 KiB/)).toBeTruthy();
  });

  it('while the machine runs, every change is disabled with the reason (sizes still shown)', async () => {
    const { api, table } = setup({ kind: 'running' });
    expect(screen.getByText(/Shut the machine down to change its disks: "deb" is running/)).toBeTruthy();
    for (const name of ['Add disk', 'Remove disk disk0', 'Grow disk0', 'Convert disk1 to qcow2', 'Compact disk0']) {
      const b = button(name) as HTMLButtonElement;
      expect(b.disabled, name).toBe(true);
      expect(b.getAttribute('title'), name).toBe('Shut the machine down to change its disks');
      expect(document.getElementById(b.getAttribute('aria-describedby') ?? '')?.textContent).toMatch(/Shut the machine down/);
    }
    await waitFor(() => expect(within(table).getAllByText('4 GiB')).toHaveLength(1));
    expect(api.callsOf('disk.info')).toHaveLength(3);
  });

  it('an engine refusal of a row action is shown as an actionable message', async () => {
    const { api, user } = setup();
    api.failNext('disk.compact', 'invalid-state', 'disk disk0 holds 2 internal snapshot(s); compacting would drop them (delete the snapshots first)');
    await waitFor(() => expect((button('Compact disk0') as HTMLButtonElement).disabled).toBe(false));
    await user.click(button('Compact disk0'));
    expect(await screen.findByText(/Could not compact disk disk0: disk disk0 holds 2 internal snapshot\(s\).*delete the snapshots first/)).toBeTruthy();
  });
});
