// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { FakeHangarApi, type FakeVmInput } from '../../../fakes/fake-hangar-api.js';
import type { LibraryVm } from '../../../../src-renderer/state/library-store.js';
import { DEFAULT_QUERY, itemOrder, listItems, parseSearch, visibleVms } from '../../../../src-renderer/features/library/list-model.js';
import { installLayoutStubs, renderLibrary } from './render-helpers.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

async function setup(vms: FakeVmInput[]) {
  const api = new FakeHangarApi({ vms });
  return { api, ...(await renderLibrary(api)) };
}

const vm = (name: string, tags?: string[]): LibraryVm => ({ id: name, name, osId: 'generic', bundleDir: '', state: { kind: 'stopped' }, lastChanged: 0, ...(tags ? { tags } : {}) });

describe('grouping by tag (list model)', () => {
  const rows = [vm('a', ['work', 'dev']), vm('b', ['work']), vm('c'), vm('d', ['Dev'])];
  it('puts a header per tag (sorted, "No tag" last) and a machine under each of its tags', () => {
    const items = listItems(rows, { byTag: true });
    expect(items.map((it) => (it.type === 'group' ? `[${it.label} ${it.count}]` : it.vm.name))).toEqual(['[dev 1]', 'a', '[Dev 1]', 'd', '[work 2]', 'a', 'b', '[No tag 1]', 'c']);
    expect(new Set(items.map((it) => it.key)).size).toBe(items.length);
    expect(itemOrder(items)).toEqual(['a', 'd', 'b', 'c']);
  });
  it('keeps a collapsed group\'s header only, and is a plain list when not grouped', () => {
    const items = listItems(rows, { byTag: true, collapsed: new Set(['tag:work']) });
    expect(items.filter((it) => it.type === 'group' && it.collapsed).map((it) => it.key)).toEqual(['tag:work']);
    expect(items.some((it) => it.type === 'vm' && it.group === 'tag:work')).toBe(false);
    expect(listItems(rows, { byTag: false }).map((it) => it.key)).toEqual(['a', 'b', 'c', 'd']);
  });
  it('filters by "tag:NAME" in the search text (any case, every tag given), with plain words too', () => {
    expect(parseSearch('tag:Work  deb tag:')).toEqual({ words: ['deb'], tags: ['work'] });
    const names = (text: string) => visibleVms(rows, { ...DEFAULT_QUERY, text }).map((v) => v.name);
    expect(names('tag:work')).toEqual(['a', 'b']);
    expect(names('tag:dev')).toEqual(['a', 'd']);
    expect(names('tag:work tag:dev')).toEqual(['a']);
    expect(names('tag:wor')).toEqual([]);
    expect(names('tag:work b')).toEqual(['b']);
  });
});

describe('grouping by tag (library window)', () => {
  const vms: FakeVmInput[] = [
    { name: 'alpha', tags: ['work', 'web'] },
    { name: 'bravo', tags: ['work'] },
    { name: 'charlie' },
  ];

  it('shows collapsible group headers; a machine with two tags is an option in both; the listbox stays a listbox', async () => {
    const { user, list } = await setup(vms);
    const toggle = screen.getByRole('button', { name: 'Group by tag' });
    expect(toggle.getAttribute('aria-pressed')).toBe('false');
    await user.click(toggle);
    expect(toggle.getAttribute('aria-pressed')).toBe('true');

    const groups = await within(list).findAllByRole('group');
    expect(groups.map((g) => g.getAttribute('aria-label'))).toEqual(['web, 1 machine', 'work, 2 machines', 'No tag, 1 machine']);
    const names = (g: HTMLElement) => within(g).getAllByRole('option').map((o) => o.getAttribute('aria-label'));
    expect(names(groups[0]!)).toEqual(['alpha']);
    expect(names(groups[1]!)).toEqual(['alpha', 'bravo']);
    expect(names(groups[2]!)).toEqual(['charlie']);
    // Every option is still in the one listbox, positioned within its group, with unique ids.
    const options = within(list).getAllByRole('option');
    expect(options).toHaveLength(4);
    expect(new Set(options.map((o) => o.id)).size).toBe(4);
    expect(within(groups[1]!).getAllByRole('option').map((o) => `${o.getAttribute('aria-posinset')}/${o.getAttribute('aria-setsize')}`)).toEqual(['1/2', '2/2']);

    // Selecting alpha under "work" selects the machine: both of its rows show it.
    await user.click(within(groups[1]!).getByRole('option', { name: 'alpha' }));
    await waitFor(() => expect(within(list).getAllByRole('option', { name: 'alpha' }).map((o) => o.getAttribute('aria-selected'))).toEqual(['true', 'true']));
    expect(list.getAttribute('aria-activedescendant')).toBe(within(groups[1]!).getByRole('option', { name: 'alpha' }).id);

    // Collapse "work": its rows go, its header stays.
    const workHeader = screen.getByRole('button', { name: 'work (2)' });
    expect(workHeader.getAttribute('aria-expanded')).toBe('true');
    await user.click(workHeader);
    await waitFor(() => expect(within(list).getAllByRole('option').map((o) => o.getAttribute('aria-label'))).toEqual(['alpha', 'charlie']));
    expect(screen.getByRole('button', { name: 'work (2)' }).getAttribute('aria-expanded')).toBe('false');
    await user.click(screen.getByRole('button', { name: 'work (2)' }));
    await waitFor(() => expect(within(list).getAllByRole('option')).toHaveLength(4));

    // Ungrouped again: one option per machine, no groups.
    await user.click(toggle);
    await waitFor(() => expect(within(list).queryAllByRole('group')).toEqual([]));
    expect(within(list).getAllByRole('option').map((o) => o.getAttribute('aria-label'))).toEqual(['alpha', 'bravo', 'charlie']);
  });

  it('filters by "tag:work" typed in the search box', async () => {
    const { user, list } = await setup(vms);
    await user.type(screen.getByRole('searchbox', { name: 'Search machines' }), 'tag:work');
    await waitFor(() => expect(within(list).getAllByRole('option').map((o) => o.getAttribute('aria-label'))).toEqual(['alpha', 'bravo']));
    expect(screen.getByText('2 of 3 machines')).toBeTruthy();
  });

  it('keeps the list virtualized at 1,000 machines when grouped', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({ name: `vm-${String(i).padStart(4, '0')}`, tags: [i % 2 === 0 ? 'even' : 'odd', ...(i % 10 === 0 ? ['tens'] : [])] }));
    const { user, list } = await setup(many);
    await user.click(screen.getByRole('button', { name: 'Group by tag' }));
    const groups = await within(list).findAllByRole('group');
    expect(groups[0]?.getAttribute('aria-label')).toBe('even, 500 machines');
    const rendered = within(list).getAllByRole('option');
    expect(rendered.length).toBeGreaterThan(5);
    expect(rendered.length).toBeLessThan(60);
    expect(rendered[0]?.getAttribute('aria-setsize')).toBe('500');
  });
});
