// The session owns the run state: a running QEMU's state changes only through VmSession.transition(), the state of
// a machine with no QEMU only through session/idle-states.ts, both checked against the legal table
// (src-shared/vm-state.ts). A write anywhere else would slip past the table; this scan keeps it so.
import { describe, expect, it } from 'vitest';
import { engineSources, matchingLines } from '../engine-sources.js';

const SESSION = 'session/vm-session.ts';
const IDLE = 'session/idle-states.ts';
/** A libvirt domain's run state is libvirt's: its backend only announces what libvirt's lifecycle events say (no Hangar session). */
const LIBVIRT = 'libvirt/libvirt-backend.ts';

const RULES: Array<[string, RegExp, ReadonlyArray<string>]> = [
  ['a session state set from outside (setState / transition)', /\.(setState|transition)\(/, [SESSION]],
  ['the session state field written', /\bstateValue\s*=/, [SESSION]],
  ['a stopped machine\'s state written', /\blastStates\.(set|delete)\(|\blaunching\.(add|delete)\(/, [IDLE]],
  ['a run state announced', /type:\s*'vm\.state'/, [SESSION, IDLE, LIBVIRT]],
];

describe('run-state writes', () => {
  it.each(RULES)('%s: only in its owner', (_what, pattern, owners) => {
    const found = engineSources()
      .filter(([file]) => !owners.includes(file))
      .flatMap(([file, text]) => matchingLines(file, text, pattern));
    expect(found).toEqual([]);
  });

  it('the scan sees the writes it forbids', () => {
    const old = "session.setState({ kind: 'saving' });\nengine.lastStates.set(id, s);\nengine.emit(id, { type: 'vm.state', state });";
    expect(RULES.map(([, pattern]) => matchingLines('x.ts', old, pattern).length)).toEqual([1, 0, 1, 1]);
  });
});
