import { describe, expect, it } from 'vitest';
import { transportListeners } from '../../../src-shared/contract/transport-listeners.js';

describe('transportListeners', () => {
  it('calls message listeners in order and close listeners once', () => {
    const t = transportListeners();
    const calls: string[] = [];
    t.onMessage((m) => calls.push(`a:${String(m)}`));
    t.onMessage((m) => calls.push(`b:${String(m)}`));
    t.onClose((r) => calls.push(`close1:${r}`));
    t.onClose((r) => calls.push(`close2:${r}`));
    t.emit('x');
    expect(t.closed).toBe(false);
    t.finish('first');
    t.finish('second');
    expect(t.closed).toBe(true);
    expect(calls).toEqual(['a:x', 'b:x', 'close1:first', 'close2:first']);
  });
});
