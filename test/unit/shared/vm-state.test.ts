import { describe, expect, it } from 'vitest';
import {
  canDiscardState, canEditHardware, canForceOff, canPause, canSaveState, canStartDisposable, canReset, canResume, canShutdown, canSnapshot, canStart, canTransition,
  describeRunState, IllegalTransitionError, isActive, RUN_STATE_KINDS, transition, type VmRunState, type VmRunStateKind,
} from '../../../src-shared/vm-state.js';

function stateOf(kind: VmRunStateKind): VmRunState {
  switch (kind) {
    case 'stopping': return { kind, how: 'acpi' };
    case 'crashed': return { kind, reason: 'qemu exited', exitCode: 1, signal: null, logTail: 'boom' };
    case 'saved': return { kind, savedAt: '2026-12-06T21:30:00.000Z' };
    default: return { kind };
  }
}

const all = RUN_STATE_KINDS.map(stateOf);

describe('run-state transitions', () => {
  it.each([
    ['stopped', 'starting'], ['starting', 'running'], ['starting', 'paused'], ['starting', 'crashed'], ['starting', 'stopping'],
    ['running', 'paused'], ['paused', 'running'], ['running', 'stopping'], ['stopping', 'stopped'], ['running', 'saving'],
    ['saving', 'running'], ['paused', 'restoring'], ['restoring', 'paused'], ['running', 'crashed'], ['crashed', 'starting'],
    ['crashed', 'stopped'], ['stopping', 'stopping'], ['stopping', 'running'],
  ] as Array<[VmRunStateKind, VmRunStateKind]>)('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(transition(stateOf(from), stateOf(to))).toEqual(stateOf(to));
  });

  it.each([
    ['stopped', 'running'], ['stopped', 'paused'], ['stopped', 'stopping'], ['stopped', 'saving'], ['stopped', 'crashed'],
    ['stopped', 'stopped'], ['crashed', 'running'], ['saving', 'restoring'], ['restoring', 'saving'], ['stopping', 'saving'],
    ['starting', 'starting'], ['crashed', 'crashed'],
  ] as Array<[VmRunStateKind, VmRunStateKind]>)('refuses %s → %s with IllegalTransitionError', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    expect(() => transition(stateOf(from), stateOf(to))).toThrow(IllegalTransitionError);
    expect(() => transition(stateOf(from), stateOf(to))).toThrow(`illegal run-state transition ${from} → ${to}`);
  });

  it('every active state can crash, and every state can eventually reach stopped', () => {
    for (const s of all) if (isActive(s)) expect(canTransition(s.kind, 'crashed'), s.kind).toBe(true);
    for (const from of RUN_STATE_KINDS) {
      const seen = new Set<VmRunStateKind>([from]);
      const todo = [from];
      while (todo.length) {
        const k = todo.pop()!;
        for (const to of RUN_STATE_KINDS) {
          if (canTransition(k, to) && !seen.has(to)) {
            seen.add(to);
            todo.push(to);
          }
        }
      }
      expect(seen.has('stopped'), from).toBe(true);
    }
  });
});

describe('canX helpers', () => {
  const table: Array<[string, (s: VmRunState) => boolean, VmRunStateKind[]]> = [
    ['canStart', canStart, ['stopped', 'crashed', 'saved']],
    ['canStartDisposable', canStartDisposable, ['stopped', 'crashed']],
    ['canSaveState', canSaveState, ['running', 'paused']],
    ['canDiscardState', canDiscardState, ['saved']],
    ['canPause', canPause, ['running']],
    ['canResume', canResume, ['paused']],
    ['canReset', canReset, ['running', 'paused']],
    ['canShutdown', canShutdown, ['running']],
    ['canForceOff', canForceOff, ['starting', 'running', 'paused', 'stopping']],
    ['canSnapshot', canSnapshot, ['stopped', 'running', 'paused']],
    ['canEditHardware', canEditHardware, ['stopped', 'crashed']],
  ];

  it.each(table)('%s is true exactly in the expected states', (_name, fn, yes) => {
    for (const s of all) expect(fn(s), s.kind).toBe(yes.includes(s.kind));
  });

  // The UI enables a button with canX; the engine then moves the state. The two must agree.
  it('each enabled action names a legal transition', () => {
    for (const s of all) {
      if (canStart(s)) expect(canTransition(s.kind, 'starting'), `start from ${s.kind}`).toBe(true);
      if (canPause(s)) expect(canTransition(s.kind, 'paused'), `pause from ${s.kind}`).toBe(true);
      if (canResume(s)) expect(canTransition(s.kind, 'running'), `resume from ${s.kind}`).toBe(true);
      if (canShutdown(s)) expect(canTransition(s.kind, 'stopping'), `shutdown from ${s.kind}`).toBe(true);
      if (canForceOff(s)) expect(canTransition(s.kind, 'stopping'), `force off from ${s.kind}`).toBe(true);
      if (canReset(s)) expect(canTransition(s.kind, s.kind), `reset in ${s.kind}`).toBe(true);
      if (canSaveState(s)) expect(canTransition(s.kind, 'saving') && canTransition('saving', 'saved'), `save state from ${s.kind}`).toBe(true);
      if (canDiscardState(s)) expect(canTransition(s.kind, 'stopped'), `discard state in ${s.kind}`).toBe(true);
    }
  });

  it('a disposable run can neither be saved nor snapshotted; a saved machine keeps its hardware', () => {
    for (const kind of ['running', 'paused'] as const) {
      expect(canSaveState({ kind, disposable: true })).toBe(false);
      expect(canSnapshot({ kind, disposable: true })).toBe(false);
    }
    expect(canEditHardware(stateOf('saved'))).toBe(false);
    expect(describeRunState(stateOf('saved'))).toBe('Saved 2026-12-06 21:30:00 UTC');
  });

  it('isActive is true exactly when a QEMU process exists', () => {
    expect(all.filter(isActive).map((s) => s.kind).sort()).toEqual(['paused', 'restoring', 'running', 'saving', 'starting', 'stopping']);
  });

  it('describes every state, including how a VM is stopping and why it crashed', () => {
    for (const s of all) expect(describeRunState(s)).not.toBe('');
    expect(describeRunState({ kind: 'stopping', how: 'force' })).toBe('Powering off…');
    expect(describeRunState({ kind: 'stopping', how: 'acpi' })).toBe('Shutting down…');
    expect(describeRunState(stateOf('crashed'))).toBe('Crashed: qemu exited');
  });
});
