// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { FakeHangarApi, type FakeVmInput } from '../../../fakes/fake-hangar-api.js';
import { allTags, DEFAULT_QUERY, visibleVms } from '../../../../src-renderer/features/library/list-model.js';
import { newTagError } from '../../../../src-renderer/features/library/tags-field.js';
import { commandArgs } from '../../../../src-shared/contract/index.js';
import { installLayoutStubs, renderLibrary } from './render-helpers.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

async function setup(vms: FakeVmInput[]) {
  const api = new FakeHangarApi({ vms });
  const { store, user } = await renderLibrary(api);
  return { api, store, user };
}

const optionNames = () => within(screen.getByRole('listbox', { name: 'Virtual machines' })).queryAllByRole('option').map((o) => o.getAttribute('aria-label') ?? o.textContent);

describe('vm.tags.set arguments', () => {
  const parse = (tags: unknown) => commandArgs['vm.tags.set'].safeParse({ vm: 'x', tags }).success;
  it('accepts 0–20 tags of 1–40 characters without control characters', () => {
    expect(parse([])).toBe(true);
    expect(parse(['web', 'x'.repeat(40)])).toBe(true);
    expect(parse(Array.from({ length: 20 }, (_, i) => `t${i}`))).toBe(true);
    expect(parse(Array.from({ length: 21 }, (_, i) => `t${i}`))).toBe(false);
    expect(parse(['x'.repeat(41)])).toBe(false);
    expect(parse(['  '])).toBe(false);
    expect(parse(['a\nb'])).toBe(false);
    expect(parse(['a\u0007'])).toBe(false);
  });
});

describe('tags in the list model', () => {
  const vm = (name: string, tags?: string[]) => ({ id: name, name, osId: 'generic', bundleDir: '', state: { kind: 'stopped' as const }, lastChanged: 0, ...(tags ? { tags } : {}) });
  const vms = [vm('a', ['web', 'lab']), vm('b', ['lab']), vm('c')];
  it('lists every tag once, sorted, and filters by one', () => {
    expect(allTags(vms)).toEqual(['lab', 'web']);
    expect(visibleVms(vms, { ...DEFAULT_QUERY, tag: 'lab' }).map((v) => v.name)).toEqual(['a', 'b']);
    expect(visibleVms(vms, { ...DEFAULT_QUERY, text: 'web' }).map((v) => v.name)).toEqual(['a']);
  });
  it('checks a new tag before asking the engine', () => {
    expect(newTagError('  ', [])).toMatch(/Type a tag/);
    expect(newTagError('x'.repeat(41), [])).toMatch(/at most 40/);
    expect(newTagError('a\tb', [])).toMatch(/control/);
    expect(newTagError('web', ['web'])).toMatch(/already/);
    expect(newTagError('new', Array.from({ length: 20 }, (_, i) => `t${i}`))).toMatch(/at most 20 tags/);
    expect(newTagError(' ok ', [])).toBeNull();
  });
});

describe('the Tags field and the tag filter', () => {
  it('adds and removes tags from the details pane, and the "Show" select filters by them', async () => {
    const { api, user } = await setup([{ name: 'alpha', tags: ['lab'] }, { name: 'bravo' }, { name: 'charlie' }]);
    await user.click(screen.getByRole('option', { name: /bravo/ }));
    const details = await screen.findByRole('article', { name: 'Details of bravo' });
    const tags = await within(details).findByRole('region', { name: 'Tags' }); // after vm.get answers
    expect(within(tags).getByText('No tags.')).toBeTruthy();

    await user.type(within(tags).getByRole('textbox', { name: 'Add tag' }), 'web{Enter}');
    await waitFor(() => expect(within(tags).getByText('web')).toBeTruthy());
    expect(api.callsOf('vm.tags.set').at(-1)).toMatchObject({ tags: ['web'] });

    // A duplicate is refused inline, without a call.
    const calls = api.callsOf('vm.tags.set').length;
    await user.type(within(tags).getByRole('textbox', { name: 'Add tag' }), 'web{Enter}');
    expect(await within(tags).findByText(/"web" is already a tag/)).toBeTruthy();
    expect(api.callsOf('vm.tags.set')).toHaveLength(calls);
    await user.clear(within(tags).getByRole('textbox', { name: 'Add tag' }));
    await user.type(within(tags).getByRole('textbox', { name: 'Add tag' }), 'lab{Enter}');
    await waitFor(() => expect(within(tags).getByText('lab')).toBeTruthy());

    // Filter: Show ▸ Tag: web → only bravo; Tag: lab → alpha and bravo.
    await user.click(screen.getByRole('combobox', { name: 'Show' }));
    await user.click(await screen.findByRole('option', { name: 'Tag: web' }));
    await waitFor(() => expect(screen.getByText('1 of 3 machines')).toBeTruthy());
    await user.click(screen.getByRole('combobox', { name: 'Show' }));
    await user.click(await screen.findByRole('option', { name: 'Tag: lab' }));
    await waitFor(() => expect(screen.getByText('2 of 3 machines')).toBeTruthy());
    expect(optionNames().some((n) => n?.includes('charlie'))).toBe(false);

    // Remove "lab" from bravo: the filter shows only alpha.
    const tags2 = within(screen.getByRole('article', { name: 'Details of bravo' })).getByRole('region', { name: 'Tags' });
    await user.click(within(tags2).getByRole('button', { name: 'Remove tag lab' }));
    await waitFor(() => expect(screen.getByText('1 of 3 machines')).toBeTruthy());
    expect(api.callsOf('vm.tags.set').at(-1)).toMatchObject({ tags: ['web'] });

    await user.click(screen.getByRole('combobox', { name: 'Show' }));
    await user.click(await screen.findByRole('option', { name: 'All' }));
    await waitFor(() => expect(screen.getByText('3 machines')).toBeTruthy());
  });
});
