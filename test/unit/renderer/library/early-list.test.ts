// @vitest-environment jsdom
// Issue 20: the boot entry paints the library's rows before React (early-list.ts). React's first render replaces
// them, so they must be the same rows: same order, same names, same avatar names and the same state text, for
// every kind of row (running, saved, disposable, installing, unreadable), and only as many as the list renders.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup } from '@testing-library/react';
import { FakeHangarApi, type FakeVmInput } from '../../../fakes/fake-hangar-api.js';
import { installLayoutStubs, renderLibrary } from './render-helpers.js';
import { paintEarlyList } from '../../../../src-renderer/early-list.js';
import { LibraryStore } from '../../../../src-renderer/state/library-store.js';

beforeAll(installLayoutStubs);
afterEach(() => {
  cleanup();
  document.body.replaceChildren();
});

/** What a row says: its accessible name, its avatar's name and its visible state text. */
const rowsOf = (list: Element) =>
  [...list.querySelectorAll('[role="option"]')].map((o) => ({
    name: o.getAttribute('aria-label'),
    pos: o.getAttribute('aria-posinset'),
    size: o.getAttribute('aria-setsize'),
    avatar: o.querySelector('[role="img"]')?.getAttribute('aria-label'),
    text: o.textContent,
  }));

const VMS: FakeVmInput[] = [
  { name: 'web 10', osId: 'debian12', state: { kind: 'running' } },
  { name: 'web 9', osId: 'win11', state: { kind: 'saved', savedAt: '2026-12-06T21:30:00.000Z' } },
  { name: 'Alpha', osId: 'freebsd', state: { kind: 'running', disposable: true } },
  { name: 'beta', osId: 'reactos', install: 'installing' },
  { name: 'broken', osId: 'unknown', error: 'vm.json: bad JSON' },
  { name: 'gamma', osId: 'generic', state: { kind: 'crashed', reason: 'QEMU exited', exitCode: 1, signal: null, logTail: '' } },
];

describe('the early list', () => {
  it('paints the same rows as the React list, in the same order', async () => {
    const api = new FakeHangarApi({ vms: VMS });
    const early = new LibraryStore(api);
    early.start();
    await early.whenLoaded();
    const root = document.createElement('div');
    document.body.append(root);
    const painted = paintEarlyList(root, early.getSnapshot().vms);
    const earlyList = painted!.querySelector('[role="listbox"][aria-label="Virtual machines"]')!;
    const earlyRows = rowsOf(earlyList);
    painted!.remove();

    const { list } = await renderLibrary(api);
    expect(earlyRows).toEqual(rowsOf(list));
    expect(earlyRows.map((r) => r.name)).toEqual(['Alpha', 'beta', 'broken', 'gamma', 'web 9', 'web 10']);
  });

  it('paints only the rows in view plus the list overscan, and nothing for an empty library', async () => {
    const api = new FakeHangarApi({ vms: Array.from({ length: 100 }, (_, i) => ({ name: `VM ${i + 1}` })) });
    const store = new LibraryStore(api);
    store.start();
    await store.whenLoaded();
    const root = document.createElement('div');
    document.body.append(root);
    const painted = paintEarlyList(root, store.getSnapshot().vms)!;
    // 600 px (the layout stub) / 52 px rows = 12 in view, + 6 overscan, as the virtualized list renders.
    expect(painted.querySelectorAll('[role="option"]')).toHaveLength(18);
    expect(painted.nextElementSibling).toBe(root);
    // Inert until React's rows replace it: clicks (and automation) wait for those.
    expect(painted.querySelector('[role="listbox"]')!.getAttribute('aria-disabled')).toBe('true');
    expect(root.childElementCount).toBe(0);
    expect(paintEarlyList(root, [])).toBeNull();
    painted.remove();
  });

  it("leaves room above the list for each libvirt connection's row (one fixed height each)", async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'alpha' }] });
    const store = new LibraryStore(api);
    store.start();
    await store.whenLoaded();
    const root = document.createElement('div');
    document.body.append(root);
    const none = paintEarlyList(root, store.getSnapshot().vms)!;
    const base = parseFloat((none.querySelector('.hangar-early-filters') as HTMLElement).style.height);
    none.remove();
    const two = paintEarlyList(root, store.getSnapshot().vms, 2)!;
    expect(parseFloat((two.querySelector('.hangar-early-filters') as HTMLElement).style.height)).toBeCloseTo(base + 2 * 57.15625, 5);
    two.remove();
  });
});
