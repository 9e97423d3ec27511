import { describe, expect, it } from 'vitest';
import { cancelStart, trackStart, type StartUnderWay } from '../../../src-main/engine/session/start-cancel.js';

describe('a start under way, cancelled by Force off', () => {
  it('cancel makes the next checkpoint throw "cancelled", and waits until the start has ended', async () => {
    const starts = new Map<string, StartUnderWay>();
    const s = trackStart(starts, 'vm1', 'box');
    expect(() => s.checkpoint()).not.toThrow();
    let waited = false;
    const off = cancelStart(starts, 'vm1').then((had) => ((waited = true), had));
    expect(s.cancelled()).toBe(true);
    expect(() => s.checkpoint()).toThrow(expect.objectContaining({ code: 'invalid-state', message: 'the start of "box" was cancelled: it was forced off', details: { cancelled: true } }));
    await Promise.resolve();
    expect(waited).toBe(false);
    s.end();
    expect(await off).toBe(true);
    expect(starts.size).toBe(0);
    expect(await cancelStart(starts, 'vm1')).toBe(false);
  });

  it("an ended start does not remove a newer start's entry", () => {
    const starts = new Map<string, StartUnderWay>();
    const old = trackStart(starts, 'vm1', 'box');
    trackStart(starts, 'vm1', 'box');
    old.end();
    expect(starts.has('vm1')).toBe(true);
  });
});
