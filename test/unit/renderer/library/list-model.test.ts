import { describe, expect, it } from 'vitest';
import { visibleVms, DEFAULT_QUERY } from '../../../../src-renderer/features/library/list-model.js';
import { selectionReducer, EMPTY_SELECTION } from '../../../../src-renderer/features/library/selection-model.js';
import { toolbarEnablement } from '../../../../src-renderer/features/library/toolbar-model.js';
import { savedAtLabel, stateLabel, osLabel } from '../../../../src-renderer/features/library/vm-labels.js';
import type { LibraryVm } from '../../../../src-renderer/state/library-store.js';
import type { VmRunState } from '../../../../src-shared/vm-state.js';

const vm = (id: string, name: string, state: VmRunState = { kind: 'stopped' }, lastChanged = 0, osId = 'generic'): LibraryVm => ({
  id, name, osId, bundleDir: `/lib/${id}`, state, lastChanged,
});

describe('visibleVms', () => {
  const vms = [
    vm('1', 'web 10', { kind: 'running' }, 5, 'debian12'),
    vm('2', 'web 2', { kind: 'stopped' }, 9),
    vm('3', 'Alpine box', { kind: 'paused' }, 1, 'alpine'),
    vm('4', 'db', { kind: 'crashed', reason: 'x', exitCode: 1, signal: null, logTail: '' }, 3),
  ];
  it('sorts by name naturally and case-insensitively', () => {
    expect(visibleVms(vms, DEFAULT_QUERY).map((v) => v.name)).toEqual(['Alpine box', 'db', 'web 2', 'web 10']);
  });
  it('sorts by state (busy first) and by last changed (newest first)', () => {
    expect(visibleVms(vms, { ...DEFAULT_QUERY, sort: 'state' }).map((v) => v.id)).toEqual(['1', '3', '4', '2']);
    expect(visibleVms(vms, { ...DEFAULT_QUERY, sort: 'lastChanged' }).map((v) => v.id)).toEqual(['2', '1', '4', '3']);
  });
  it('filters by every word against name and OS, and by state', () => {
    expect(visibleVms(vms, { ...DEFAULT_QUERY, text: 'WEB' }).map((v) => v.id)).toEqual(['2', '1']);
    expect(visibleVms(vms, { ...DEFAULT_QUERY, text: 'debian web' }).map((v) => v.id)).toEqual(['1']);
    expect(visibleVms(vms, { ...DEFAULT_QUERY, state: 'active' }).map((v) => v.id)).toEqual(['3', '1']);
    expect(visibleVms(vms, { ...DEFAULT_QUERY, state: 'crashed' }).map((v) => v.id)).toEqual(['4']);
  });
  it('does not mutate its input', () => {
    const before = vms.map((v) => v.id);
    visibleVms(vms, DEFAULT_QUERY);
    expect(vms.map((v) => v.id)).toEqual(before);
  });
});

describe('selectionReducer', () => {
  const order = ['a', 'b', 'c', 'd'];
  it('click selects one, ctrl toggles, shift selects a range from the anchor', () => {
    let s = selectionReducer(EMPTY_SELECTION, { type: 'click', id: 'b', toggle: false, range: false, order });
    expect([...s.selected]).toEqual(['b']);
    s = selectionReducer(s, { type: 'click', id: 'd', toggle: false, range: true, order });
    expect([...s.selected].sort()).toEqual(['b', 'c', 'd']);
    s = selectionReducer(s, { type: 'click', id: 'c', toggle: true, range: false, order });
    expect([...s.selected].sort()).toEqual(['b', 'd']);
  });
  it('arrows move, shift+arrows extend, prune drops hidden ids', () => {
    let s = selectionReducer(EMPTY_SELECTION, { type: 'move', to: 'next', extend: false, order });
    expect(s.active).toBe('a');
    s = selectionReducer(s, { type: 'move', to: 'next', extend: true, order });
    s = selectionReducer(s, { type: 'move', to: 'next', extend: true, order });
    expect([...s.selected].sort()).toEqual(['a', 'b', 'c']);
    s = selectionReducer(s, { type: 'move', to: 'last', extend: false, order });
    expect([...s.selected]).toEqual(['d']);
    s = selectionReducer(s, { type: 'prune', order: ['a', 'b'] });
    expect(s.selected.size).toBe(0);
    expect(s.active).toBeNull();
  });
});

describe('toolbarEnablement (from the canX helpers)', () => {
  const running = vm('r', 'r', { kind: 'running' });
  const stopped = vm('s', 's');
  const paused = vm('p', 'p', { kind: 'paused' });
  it('nothing selected: only New/Add existing (not modelled) are on', () => {
    const e = toolbarEnablement([]);
    expect(e).toMatchObject({ settings: false, start: false, pause: false, stop: false, delete: false });
  });
  it('a stopped VM can start, be set up and deleted; not paused or stopped', () => {
    expect(toolbarEnablement([stopped])).toMatchObject({ settings: true, start: true, pause: false, stop: false, delete: true });
  });
  it('a running VM can pause and stop in all three ways; not start or delete', () => {
    const e = toolbarEnablement([running]);
    expect(e).toMatchObject({ start: false, pause: true, paused: false, stop: true, shutdown: true, forceOff: true, reset: true, delete: false });
    expect(e.deleteReason).toMatch(/Shut the machine down/);
  });
  it('a paused VM: Pause is pressed (resumes); no ACPI shutdown', () => {
    expect(toolbarEnablement([paused])).toMatchObject({ pause: true, paused: true, shutdown: false, forceOff: true, reset: true });
  });
  it('save state: offered for running and paused machines; a saved one can start (resume), discard and be deleted', () => {
    expect(toolbarEnablement([running])).toMatchObject({ saveState: true, saveStateReason: null, discardState: false, startDisposable: false });
    expect(toolbarEnablement([paused])).toMatchObject({ saveState: true, stop: true });
    const saved = vm('v', 'v', { kind: 'saved', savedAt: '2026-12-06T21:30:00.000Z' });
    expect(toolbarEnablement([saved])).toMatchObject({ start: true, startDisposable: false, stop: true, discardState: true, saveState: false, shutdown: false, forceOff: false, delete: true });
    expect(toolbarEnablement([stopped])).toMatchObject({ startDisposable: true, discardState: false });
  });
  it('a disposable run cannot be saved, and the Stop menu says why instead of only greying the item out', () => {
    const e = toolbarEnablement([vm('d', 'd', { kind: 'running', disposable: true })]);
    expect(e).toMatchObject({ saveState: false, shutdown: true, forceOff: true });
    expect(e.saveStateReason).toMatch(/^Started without saving changes: its disk writes are discarded at power-off/);
  });
  it('mixed selection: each action is on if it applies to one of them; Settings needs exactly one', () => {
    expect(toolbarEnablement([running, stopped])).toMatchObject({ settings: false, start: true, pause: true, paused: false, delete: false });
  });
});

describe('labels', () => {
  it('state texts are the stable contract', () => {
    expect(stateLabel({ kind: 'running' })).toBe('Running');
    expect(stateLabel({ kind: 'paused' })).toBe('Paused');
    expect(stateLabel({ kind: 'stopped' })).toBe('Powered off');
    expect(stateLabel({ kind: 'crashed', reason: 'x', exitCode: 1, signal: null, logTail: '' })).toBe('Crashed');
    expect(stateLabel({ kind: 'starting' })).toBe('Starting…');
    expect(stateLabel({ kind: 'stopping', how: 'acpi' })).toBe('Shutting down…');
    expect(stateLabel({ kind: 'saved', savedAt: '2026-12-06T21:30:00.000Z' })).toBe('Saved');
    expect(savedAtLabel({ kind: 'saved', savedAt: '2026-12-06T21:30:00.000Z' }, 'en-GB')).toMatch(/6 Dec 2026/);
    expect(savedAtLabel({ kind: 'stopped' })).toBeNull();
  });
  it('OS ids read as names', () => {
    expect(osLabel('debian12')).toBe('Debian 12');
    expect(osLabel('ubuntu-24.04')).toBe('Ubuntu 24.04');
    expect(osLabel('generic')).toBe('Other');
  });
});
