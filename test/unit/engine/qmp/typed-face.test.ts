// One typed QMP face: the engine talks QMP through QmpCommands (qmp-commands.ts), whose command map holds every
// argument and result type, so no service re-declares a result type at a call site (`execute<{ running: boolean }>`)
// or drives the raw client around it.
import { describe, expect, it } from 'vitest';
import { engineSources, matchingLines } from '../engine-sources.js';

const outsideQmp = (): Array<[string, string]> => engineSources().filter(([file]) => !file.startsWith('qmp/'));

describe('the typed QMP face', () => {
  it('no engine module outside qmp/ names a QMP result type at the call (execute<…>)', () => {
    expect(outsideQmp().flatMap(([file, text]) => matchingLines(file, text, /\bexecute</))).toEqual([]);
  });

  it('no engine module outside qmp/ sends commands over the raw client', () => {
    expect(outsideQmp().flatMap(([file, text]) => matchingLines(file, text, /\bclient\.execute\(/))).toEqual([]);
  });

  it('the scan finds what it looks for', () => {
    expect(matchingLines('x.ts', "a\nconst s = await q.execute<{ running: boolean }>('query-status');", /\bexecute</)).toEqual([
      "x.ts:2: const s = await q.execute<{ running: boolean }>('query-status');",
    ]);
  });
});
