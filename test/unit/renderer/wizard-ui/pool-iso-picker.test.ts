// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { PoolIsoPicker } from '../../../../src-renderer/features/wizard/pool-iso-picker.js';
import { EngineError } from '../../../../src-shared/contract/index.js';
import { installLayoutStubs, renderWithApi } from '../library/render-helpers.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

describe("the wizard's ISO list on a libvirt connection", () => {
  it("lists the ISOs of the connection's pools (asked on that connection) and picking one gives its path there", async () => {
    const api = new FakeHangarApi();
    const lab = api.addConnection('lab', 'qemu+ssh://me@lab/system');
    lab.handle('media.poolIsos', () => ({ isos: [{ pool: 'default', name: 'debian-12.iso', path: '/var/lib/libvirt/images/debian-12.iso', sizeBytes: 628 * 1024 ** 2 }] }));
    const picked: string[] = [];
    renderWithApi(createElement(PoolIsoPicker, { connection: 'lab', selected: '', onPick: (p: string) => picked.push(p) }), api);
    const list = await screen.findByRole('list', { name: 'ISOs on lab' });
    expect(api.calls.filter((c) => c.command === 'media.poolIsos').map((c) => c.connection)).toEqual(['lab']);
    expect(list.textContent).toContain('default · 628 MiB · /var/lib/libvirt/images/debian-12.iso');
    await userEvent.setup().click(within(list).getByRole('button', { name: /debian-12\.iso/ }));
    expect(picked).toEqual(['/var/lib/libvirt/images/debian-12.iso']);
  });

  it("says where to put ISOs when the pools hold none, and shows the engine's error when they cannot be read", async () => {
    const api = new FakeHangarApi();
    api.addConnection('empty', 'qemu:///system').handle('media.poolIsos', () => ({ isos: [] }));
    api.addConnection('down', 'qemu+ssh://me@down/system').handle('media.poolIsos', () => {
      throw new EngineError('io', 'cannot reach down: ssh: connect to host down port 22: No route to host');
    });
    renderWithApi(createElement('div', null, createElement(PoolIsoPicker, { connection: 'empty', selected: '', onPick: () => undefined }), createElement(PoolIsoPicker, { connection: 'down', selected: '', onPick: () => undefined })), api);
    expect(await screen.findByText(/No ISO in the storage pools of “empty” \(put one in \/var\/lib\/libvirt\/images there/)).toBeTruthy();
    expect(await screen.findByText(/No route to host/)).toBeTruthy();
  });

  it('Upload… sends a chosen ISO to the connection with progress and speed, then lists and picks the uploaded volume', async () => {
    const api = new FakeHangarApi();
    const lab = api.addConnection('lab', 'qemu+ssh://me@lab/system');
    const volume = { pool: 'default', name: 'debian-12.iso', path: '/var/lib/libvirt/images/debian-12.iso', sizeBytes: 628 * 1024 ** 2 };
    let uploaded = false;
    lab.handle('media.poolIsos', () => ({ isos: uploaded ? [volume] : [] }));
    let finish!: () => void;
    lab.handle('pool.upload', async (a) => {
      lab.emitVm(a.jobId!, { type: 'vm.job', jobId: a.jobId!, kind: 'pool-upload', status: 'running', percent: 42, bytesPerSecond: 12 * 1024 ** 2 });
      await new Promise<void>((r) => (finish = r));
      uploaded = true;
      return { jobId: a.jobId!, pool: 'default', name: 'debian-12.iso', path: volume.path, bytes: volume.sizeBytes };
    });
    api.dialogAnswer = '/home/user/isos/debian-12.iso';
    const picked: string[] = [];
    renderWithApi(createElement(PoolIsoPicker, { connection: 'lab', selected: '', onPick: (p: string) => picked.push(p) }), api);
    await screen.findByText(/No ISO in the storage pools of “lab”/);
    await userEvent.setup().click(screen.getByRole('button', { name: 'Upload an ISO to lab' }));
    expect(await screen.findByRole('progressbar', { name: 'Uploading debian-12.iso' })).toBeTruthy();
    expect((await screen.findByRole('status')).textContent).toBe('42% · 12 MiB/s');
    expect(api.calls.filter((c) => c.command === 'pool.upload')).toEqual([{ command: 'pool.upload', args: { path: '/home/user/isos/debian-12.iso', jobId: expect.stringMatching(/^upload-/) }, connection: 'lab' }]);
    finish();
    const list = await screen.findByRole('list', { name: 'ISOs on lab' });
    expect(within(list).getByRole('button', { name: /debian-12\.iso/ })).toBeTruthy();
    expect(picked).toEqual([volume.path]);
    expect(screen.queryByRole('progressbar')).toBeNull();
  });

  it('Cancel upload sends job.cancel to the connection, and the engine\'s word on the deleted volume is shown', async () => {
    const api = new FakeHangarApi();
    const lab = api.addConnection('lab', 'qemu:///system');
    lab.handle('media.poolIsos', () => ({ isos: [] }));
    let stop!: (e: Error) => void;
    lab.handle('pool.upload', () => new Promise((_r, reject) => (stop = reject)));
    lab.handle('job.cancel', () => {
      stop(new EngineError('invalid-state', 'upload of big.iso to "lab" cancelled; the half-written volume "big.iso" was deleted', { cancelled: true }));
      return { ok: true };
    });
    api.dialogAnswer = '/home/user/isos/big.iso';
    renderWithApi(createElement(PoolIsoPicker, { connection: 'lab', selected: '', onPick: () => undefined }), api);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Upload an ISO to lab' }));
    await user.click(await screen.findByRole('button', { name: 'Cancel upload' }));
    expect(api.calls.find((c) => c.command === 'job.cancel')).toMatchObject({ connection: 'lab', args: { jobId: expect.stringMatching(/^upload-/) } });
    expect((await screen.findByRole('alert')).textContent).toMatch(/cancelled; the half-written volume "big\.iso" was deleted/);
    expect(screen.getByRole('button', { name: 'Upload an ISO to lab' })).toBeTruthy();
  });
});
