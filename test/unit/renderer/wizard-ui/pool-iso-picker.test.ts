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
});
