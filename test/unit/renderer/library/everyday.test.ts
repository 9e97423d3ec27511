// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { installLayoutStubs, renderLibrary } from './render-helpers.js';
import { listCountText, machineCount } from '../../../../src-renderer/features/library/vm-labels.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

const button = (name: string) => within(screen.getByRole('toolbar', { name: 'Machine actions' })).getByRole('button', { name }) as HTMLButtonElement;

describe('counts', () => {
  it('say "No machines", "1 machine", "3 machines"', () => {
    expect(machineCount(0)).toBe('No machines');
    expect(machineCount(1)).toBe('1 machine');
    expect(machineCount(3)).toBe('3 machines');
    expect(listCountText(1, 1)).toBe('1 machine');
    expect(listCountText(0, 0)).toBe('No machines');
    expect(listCountText(1, 3)).toBe('1 of 3 machines');
  });

  it('the list\'s count line uses them', async () => {
    await renderLibrary(new FakeHangarApi({ vms: [{ name: 'only' }] }));
    await waitFor(() => expect(screen.getByText('1 machine')).toBeTruthy());
  });
});

describe('the toolbar', () => {
  it('a paused machine has an explicit Resume button (besides the Pause toggle)', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'p', state: { kind: 'paused' } }, { name: 'r', state: { kind: 'running' } }] });
    const { user } = await renderLibrary(api);
    await user.click(screen.getByRole('option', { name: 'r' }));
    expect(button('Resume').disabled).toBe(true);
    await user.click(screen.getByRole('option', { name: 'p' }));
    expect(button('Resume').disabled).toBe(false);
    await user.click(button('Resume'));
    await waitFor(() => expect(api.callsOf('vm.resume').map((c) => api.vms.get(c.vm)?.doc.name)).toEqual(['p']));
    await waitFor(() => expect(button('Resume').disabled).toBe(true));
  }, 60_000);

  it('the Stop menu has a name', async () => {
    const { user } = await renderLibrary(new FakeHangarApi({ vms: [{ name: 'r', state: { kind: 'running' } }] }));
    await user.click(screen.getByRole('option', { name: 'r' }));
    await user.click(button('Stop'));
    const menu = await screen.findByRole('menu', { name: 'Stop' });
    expect(within(menu).getByRole('menuitem', { name: 'Force off' })).toBeTruthy();
  }, 60_000);

  it('the details say "CPU model: max", not "Processors: 1 (max)"', async () => {
    const { user } = await renderLibrary(new FakeHangarApi({ vms: [{ name: 'd' }] }));
    await user.click(screen.getByRole('option', { name: 'd' }));
    const system = await screen.findByRole('region', { name: 'System' }, { timeout: 10_000 });
    expect(system.textContent).toMatch(/CPU model\s*max/);
    expect(system.textContent).not.toMatch(/\(max\)/);
  }, 60_000);
});
