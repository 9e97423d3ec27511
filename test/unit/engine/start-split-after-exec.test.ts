// The start split's second line: after QEMU's exec, QEMU's own start-up (greeting, negotiate) apart from what Hangar
// does while QEMU waits at -S (attach, hooks, cont), read by scripts/bench.js.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AFTER_EXEC_PREFIX, StartSplit } from '../../../src-main/engine/start-split.js';

afterEach(() => vi.restoreAllMocks());

/** performance.now() returning each of `times` in turn. */
function clock(times: number[]): void {
  const spy = vi.spyOn(performance, 'now');
  for (const t of times) spy.mockReturnValueOnce(t);
}

describe('StartSplit after the exec', () => {
  it('times each step from the exec or the previous step, and describes them in one line', () => {
    clock([10, 20, 110, 150, 151, 152, 155]);
    const split = new StartSplit(0);
    split.mark('lookup'); // 10
    split.mark('spawn'); // 20: the exec
    split.markAfter('greeting'); // 110
    split.markAfter('negotiate'); // 150
    split.markAfter('attach'); // 151
    split.markAfter('hooks'); // 152
    split.markAfter('cont'); // 155
    expect(split.describeAfterExec('a "b"')).toBe(`${AFTER_EXEC_PREFIX} "a \\"b\\"": greeting 90.0 ms, negotiate 40.0 ms, attach 1.0 ms, hooks 1.0 ms, cont 3.0 ms`);
    // The first line is as before (start-cache.test.ts reads it): its exec → running covers the steps.
    expect(split.describe('x', 155)).toMatch(/; received → exec 20\.0 ms, exec → running 135\.0 ms$/);
  });

  it('has nothing to say before the exec, and ignores steps marked then', () => {
    clock([5, 6]);
    const split = new StartSplit(0);
    split.markAfter('greeting');
    expect(split.describeAfterExec('x')).toBeNull();
    split.mark('spawn'); // 5
    expect(split.describeAfterExec('x')).toBe(`${AFTER_EXEC_PREFIX} "x": greeting 0.0 ms, negotiate 0.0 ms, attach 0.0 ms, hooks 0.0 ms, cont 0.0 ms`);
  });
});
