/** Default idle time after which a background engine exits (HANGAR_ENGINE_IDLE_TIMEOUT overrides it, in seconds). */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

/** The idle timeout from HANGAR_ENGINE_IDLE_TIMEOUT (seconds, fractions allowed), or the default with a warning. */
export function idleTimeoutFromEnv(env: NodeJS.ProcessEnv): { ms: number; warning?: string } {
  const raw = env['HANGAR_ENGINE_IDLE_TIMEOUT'];
  if (raw === undefined || raw.trim() === '') return { ms: DEFAULT_IDLE_TIMEOUT_MS };
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 86_400) {
    return { ms: DEFAULT_IDLE_TIMEOUT_MS, warning: `HANGAR_ENGINE_IDLE_TIMEOUT must be a number of seconds from 0 to 86400 (got ${JSON.stringify(raw.slice(0, 40))}); using ${DEFAULT_IDLE_TIMEOUT_MS / 1000}` };
  }
  return { ms: Math.round(seconds * 1000) };
}

export interface IdleWatchOptions {
  timeoutMs: number;
  /** Clients connected or requests running: every change to these is followed by a poke(). */
  hasClients: () => boolean;
  /** Work with no poke of its own (a job whose client left, a VM mid-transition): checked when the timer fires. */
  hasOtherWork: () => boolean;
  /** Runs synchronously in the tick that found the engine idle for timeoutMs. */
  onIdle: () => void;
}

/**
 * Calls onIdle once the engine has been idle for the whole timeout. `poke()` after every change in
 * activity: a busy engine holds no timer; an idle one starts one, and a busy check when it fires re-arms it.
 */
export class IdleWatch {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private done = false;

  constructor(private readonly opts: IdleWatchOptions) {}

  poke(): void {
    if (this.done) return;
    if (this.opts.hasClients()) {
      this.clear();
      return;
    }
    this.timer ??= setTimeout(() => this.fire(), this.opts.timeoutMs);
  }

  /** A new timeout (the hand-over to the app uses 0), counted from now. */
  setTimeoutMs(ms: number): void {
    this.opts.timeoutMs = ms;
    this.clear();
    this.poke();
  }

  stop(): void {
    this.done = true;
    this.clear();
  }

  private fire(): void {
    this.timer = null;
    if (this.done) return;
    if (this.opts.hasClients() || this.opts.hasOtherWork()) {
      // Something still runs: look again a timeout later (a poke may come first).
      this.timer = setTimeout(() => this.fire(), this.opts.timeoutMs || 250);
      return;
    }
    this.done = true;
    this.opts.onIdle();
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
