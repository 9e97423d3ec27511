import { describe, expect, it } from 'vitest';
import { canShowDisplay, toolbarEnablement } from '../../../../src-renderer/features/library/toolbar-model.js';
import type { LibraryVm } from '../../../../src-renderer/state/library-store.js';
import type { VmRunState } from '../../../../src-shared/vm-state.js';

const vm = (name: string, state: VmRunState, error?: string): LibraryVm => ({
  id: `${name}-id`,
  name,
  osId: 'debian12',
  bundleDir: `/lib/${name}.hangar`,
  state,
  lastChanged: 0,
  ...(error ? { error } : {}),
});

describe('"Show" (the live display)', () => {
  it('is offered for exactly one running or paused machine', () => {
    expect(toolbarEnablement([vm('a', { kind: 'running' })]).show).toBe(true);
    expect(toolbarEnablement([vm('a', { kind: 'paused' })]).show).toBe(true);
    expect(toolbarEnablement([vm('a', { kind: 'stopped' })]).show).toBe(false);
    expect(toolbarEnablement([vm('a', { kind: 'starting' })]).show).toBe(false);
    expect(toolbarEnablement([vm('a', { kind: 'running' }), vm('b', { kind: 'running' })]).show).toBe(false);
    expect(toolbarEnablement([]).show).toBe(false);
  });

  it('is never offered for a broken bundle', () => {
    expect(toolbarEnablement([vm('a', { kind: 'running' }, 'vm.json is not valid JSON')]).show).toBe(false);
  });

  it('follows the run state alone', () => {
    expect(canShowDisplay({ kind: 'crashed', reason: 'x', exitCode: 1, signal: null, logTail: '' })).toBe(false);
    expect(canShowDisplay({ kind: 'stopping', how: 'acpi' })).toBe(false);
  });
});
