import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_IDLE_TIMEOUT_MS, IdleWatch, idleTimeoutFromEnv } from '../../../src-main/engine/idle-watch.js';

describe('IdleWatch (the background engine exits once idle for the timeout)', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  function make(timeoutMs = 1000) {
    const state = { clients: false, work: false, idle: 0 };
    const watch = new IdleWatch({ timeoutMs, hasClients: () => state.clients, hasOtherWork: () => state.work, onIdle: () => state.idle++ });
    return { state, watch };
  }

  it('fires once, a whole timeout after the last client left', () => {
    const { state, watch } = make();
    state.clients = true;
    watch.poke();
    vi.advanceTimersByTime(5000);
    expect(state.idle).toBe(0);
    state.clients = false;
    watch.poke();
    vi.advanceTimersByTime(999);
    expect(state.idle).toBe(0);
    vi.advanceTimersByTime(1);
    expect(state.idle).toBe(1);
    watch.poke();
    vi.advanceTimersByTime(5000);
    expect(state.idle).toBe(1);
  });

  it('a client arriving before the timeout cancels it', () => {
    const { state, watch } = make();
    watch.poke();
    vi.advanceTimersByTime(900);
    state.clients = true;
    watch.poke();
    vi.advanceTimersByTime(5000);
    expect(state.idle).toBe(0);
  });

  it('work with no activity of its own (a job whose client left) postpones the exit until it ends', () => {
    const { state, watch } = make();
    state.work = true;
    watch.poke();
    vi.advanceTimersByTime(3500);
    expect(state.idle).toBe(0);
    state.work = false;
    vi.advanceTimersByTime(1000);
    expect(state.idle).toBe(1);
  });

  it('a hand-over (timeout 0) exits as soon as the engine is idle, not before', () => {
    const { state, watch } = make(60_000);
    state.clients = true;
    watch.poke();
    watch.setTimeoutMs(0);
    vi.advanceTimersByTime(10);
    expect(state.idle).toBe(0);
    state.clients = false;
    watch.poke();
    vi.advanceTimersByTime(0);
    expect(state.idle).toBe(1);
  });

  it('stop() ends it without firing', () => {
    const { state, watch } = make();
    watch.poke();
    watch.stop();
    vi.advanceTimersByTime(5000);
    expect(state.idle).toBe(0);
  });
});

describe('idleTimeoutFromEnv (HANGAR_ENGINE_IDLE_TIMEOUT, seconds)', () => {
  it.each([
    [undefined, DEFAULT_IDLE_TIMEOUT_MS, false],
    ['', DEFAULT_IDLE_TIMEOUT_MS, false],
    ['0', 0, false],
    ['0.25', 250, false],
    ['90', 90_000, false],
    ['-1', DEFAULT_IDLE_TIMEOUT_MS, true],
    ['soon', DEFAULT_IDLE_TIMEOUT_MS, true],
    ['Infinity', DEFAULT_IDLE_TIMEOUT_MS, true],
    ['86401', DEFAULT_IDLE_TIMEOUT_MS, true],
  ])('%j → %d ms', (raw, ms, warns) => {
    const r = idleTimeoutFromEnv(raw === undefined ? {} : { HANGAR_ENGINE_IDLE_TIMEOUT: raw });
    expect(r.ms).toBe(ms);
    expect(r.warning !== undefined).toBe(warns);
  });
});
