// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { DownloadDialog } from '../../../../src-renderer/features/wizard/download-dialog.js';
import { DOWNLOAD_CATALOG } from '../../../../src-shared/os-downloads/index.js';
import { EngineError } from '../../../../src-shared/contract/index.js';
import { installLayoutStubs, renderWithApi } from '../library/render-helpers.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

function setup(arch: 'x86_64' | 'aarch64' = 'x86_64') {
  const api = new FakeHangarApi();
  let files = [{ name: 'old.iso', bytes: 3 * 1024 * 1024, partial: false }];
  api.handle('download.catalog', () => ({ version: 1, source: 'built-in' as const, entries: [...DOWNLOAD_CATALOG] }));
  api.handle('download.folder', () => ({ path: '/m', bytes: files.reduce((n, f) => n + f.bytes, 0), files }));
  api.handle('download.clean', () => {
    const freed = files.reduce((n, f) => n + f.bytes, 0);
    files = [];
    return { freedBytes: freed, removed: 1, inUse: [] };
  });
  const picked: string[] = [];
  renderWithApi(createElement(DownloadDialog, { open: true, arch, onClose: () => undefined, onDownloaded: (p: string) => picked.push(p) }), api);
  return { api, picked, user: userEvent.setup() };
}

describe('the wizard\'s Download… dialog', () => {
  it('lists the installers of the chosen architecture only (no cloud images, no other arch)', async () => {
    setup('aarch64');
    const list = await screen.findByRole('list', { name: 'Installers' });
    const names = within(list).getAllByRole('button').map((b) => b.textContent ?? '');
    const expected = DOWNLOAD_CATALOG.filter((e) => e.kind === 'installer' && e.arch === 'aarch64');
    expect(names).toHaveLength(expected.length);
    for (const e of expected) expect(names.some((n) => n.startsWith(e.name))).toBe(true);
  });

  it('shows progress and speed from the job\'s events, then hands over the verified path', async () => {
    const { api, picked, user } = setup();
    let finish!: (v: { jobId: string; path: string; bytes: number; verification: 'checksum-only' }) => void;
    let jobId = '';
    api.handle('download.start', (a) => {
      jobId = a.jobId!;
      return new Promise((resolve) => (finish = resolve));
    });
    await user.click(await screen.findByRole('button', { name: /^Debian 13 \(network installer\)/ }));
    api.emitVm(jobId, { type: 'vm.job', jobId, kind: 'download', status: 'running', percent: 42, bytesPerSecond: 5 * 1024 * 1024 });
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('42% · 5 MiB/s'));
    finish({ jobId, path: '/m/debian-13.2.0-amd64-netinst.iso', bytes: 1, verification: 'checksum-only' });
    await waitFor(() => expect(picked).toEqual(['/m/debian-13.2.0-amd64-netinst.iso']));
  });

  it('a refused download (checksum mismatch) is shown as an alert and the list stays', async () => {
    const { api, user } = setup();
    api.handle('download.start', () => {
      throw new EngineError('io', 'x.iso does not match its sha256 checksum (expected a, got b): the download was deleted');
    });
    await user.click(await screen.findByRole('button', { name: /^Alpine Linux 3\.22 \(virtual\)/ }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/does not match its sha256 checksum .*deleted/);
    expect(screen.getByRole('list', { name: 'Installers' })).toBeTruthy();
  });

  it('Pause keeps the part: the dialog offers Resume, which asks for the same entry again', async () => {
    const { api, user } = setup();
    const sources: string[] = [];
    const jobIds: Array<string | undefined> = [];
    api.handle('download.start', (a) => {
      sources.push(a.source);
      jobIds.push(a.jobId);
      throw new EngineError('invalid-state', 'download paused', { paused: true });
    });
    await user.click(await screen.findByRole('button', { name: /^Arch Linux/ }));
    await screen.findByText(/^Paused: Arch Linux/);
    await user.click(screen.getByRole('button', { name: 'Resume' }));
    await waitFor(() => expect(sources).toEqual(['arch-latest-x86_64', 'arch-latest-x86_64']));
    // Under the paused job's id: one job in the Jobs indicator, paused then running again.
    expect(jobIds[1]).toBe(jobIds[0]);
  });

  it('shows the Installation media folder\'s size and cleans it', async () => {
    const { user } = setup();
    await waitFor(() => expect(screen.getByLabelText('Installation media folder').textContent).toBe('Installation media: 3 MiB in 1 file'));
    await user.click(screen.getByRole('button', { name: 'Clean' }));
    await waitFor(() => expect(screen.getByLabelText('Installation media folder').textContent).toBe('Installation media: 0 bytes in 0 files'));
  });
});
