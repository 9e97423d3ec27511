import type { VisibilitySource } from '../../src-renderer/state/lease-subscription.js';

/** A page visibility the test flips with `set` (listeners run at once). */
export class FakeVisibility implements VisibilitySource {
  hidden = false;
  private listeners = new Set<() => void>();
  addEventListener(_t: 'visibilitychange', l: () => void) {
    this.listeners.add(l);
  }
  removeEventListener(_t: 'visibilitychange', l: () => void) {
    this.listeners.delete(l);
  }
  set(hidden: boolean) {
    this.hidden = hidden;
    for (const l of this.listeners) l();
  }
}
