import { describe, expect, it } from 'vitest';
import type { VmEventBody } from '../../../../src-shared/contract/index.js';
import { IllegalTransitionError, type VmRunState } from '../../../../src-shared/vm-state.js';
import { beginLaunch, keepEnded, recordFound, settleIdle, type IdleStates } from '../../../../src-main/engine/session/idle-states.js';

/** The engine's books in miniature: stateOf reads them as Engine.stateOf does (no session here). */
function book(): IdleStates & { events: VmEventBody[] } {
  const b = {
    lastStates: new Map<string, VmRunState>(),
    launching: new Set<string>(),
    events: [] as VmEventBody[],
    stateOf: (id: string): VmRunState => (b.launching.has(id) ? { kind: 'starting' } : (b.lastStates.get(id) ?? { kind: 'stopped' })),
    emit: (_id: string, body: VmEventBody) => void b.events.push(body),
  };
  return b;
}
const kinds = (b: ReturnType<typeof book>): string[] => b.events.flatMap((e) => (e.type === 'vm.state' ? [e.state.kind] : []));
const saved: VmRunState = { kind: 'saved', savedAt: '2026-12-07T00:00:00.000Z' };

describe('run states of machines with no session', () => {
  it('a launch announces starting, and one that never came up goes back to what the machine was', () => {
    const b = book();
    recordFound(b, 'vm', saved);
    const launch = beginLaunch(b, 'vm', { kind: 'starting' });
    expect(b.stateOf('vm').kind).toBe('starting');
    launch.failed(saved);
    launch.end();
    expect(b.stateOf('vm')).toEqual(saved);
    expect(kinds(b)).toEqual(['starting', 'saved']);
  });

  it('refuses a launch or a settle the table does not allow, announcing nothing', () => {
    const b = book();
    const launch = beginLaunch(b, 'vm', { kind: 'starting' });
    expect(() => beginLaunch(b, 'vm', { kind: 'starting' })).toThrow(IllegalTransitionError); // already starting
    launch.end();
    expect(() => settleIdle(b, 'vm', saved)).toThrow('illegal run-state transition stopped → saved');
    expect(() => settleIdle(b, 'vm', { kind: 'running' })).toThrow(IllegalTransitionError);
    expect(kinds(b)).toEqual(['starting']);
  });

  it('a discarded saved state settles as stopped; an ended run keeps its final state until the next start', () => {
    const b = book();
    keepEnded(b, 'vm', saved);
    expect(settleIdle(b, 'vm', { kind: 'stopped' })).toEqual({ kind: 'stopped' });
    expect(b.lastStates.has('vm')).toBe(false);
    keepEnded(b, 'vm', { kind: 'crashed', reason: 'x', exitCode: 1, signal: null, logTail: '' });
    expect(b.stateOf('vm').kind).toBe('crashed');
    beginLaunch(b, 'vm', { kind: 'starting' }).end();
    expect(b.stateOf('vm').kind).toBe('stopped');
    expect(kinds(b)).toEqual(['stopped', 'starting']);
  });
});
