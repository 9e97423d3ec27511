import type { HangarApi } from '../bridge/hangar-api.js';
import { describeError } from './errors.js';
import type { SavedConnection } from './boot-connections.js';

/** A libvirt connection as the sidebar shows it. */
export interface ConnectionView {
  name: string;
  uri: string;
  /** `connecting` while Hangar reaches the host; `failed` with `error` (the engine's message names the fix). */
  status: 'connecting' | 'connected' | 'failed';
  error?: string;
  /** libvirt's version on the host, once reached. */
  libvirtVersion?: string;
}

export interface ConnectionsSnapshot {
  status: 'loading' | 'ready' | 'error';
  error: string | null;
  connections: ReadonlyArray<ConnectionView>;
}

/**
 * The libvirt connections (connection.list), each reached once when the list loads and again on Reconnect
 * (connection.test, which also starts the engine's event child for its machines). Names and URIs only:
 * a password never passes through here (SSH uses the user's agent and keys). Plain TypeScript, read by React
 * through `useConnections`.
 */
export class ConnectionsStore {
  private snapshot: ConnectionsSnapshot;
  private readonly listeners = new Set<() => void>();
  /** Bumped per reach of a connection: a slower answer to an older Reconnect does not overwrite a newer one. */
  private readonly attempt = new Map<string, number>();
  /** The boot's list (boot-connections.ts), not yet reached: start() reaches these instead of asking for the list again. */
  private seeded: boolean;

  constructor(
    private readonly api: HangarApi,
    saved: ReadonlyArray<SavedConnection> | null = null,
  ) {
    this.seeded = saved !== null;
    this.snapshot = saved
      ? { status: 'ready', error: null, connections: saved.map((c) => ({ name: c.name, uri: c.uri, status: 'connecting' })) }
      : { status: 'loading', error: null, connections: [] };
  }

  start(): () => void {
    const off = this.api.onConnectionChange((s) => {
      if (s === 'open') void this.reload();
    });
    if (this.api.connection() === 'open') {
      if (this.seeded) void Promise.all(this.snapshot.connections.map((c) => this.reconnect(c.name)));
      else void this.reload();
    }
    this.seeded = false;
    return off;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): ConnectionsSnapshot => this.snapshot;

  async reload(): Promise<void> {
    try {
      const { connections } = await this.api.call('connection.list', {});
      this.set({
        status: 'ready',
        error: null,
        connections: connections.map((c) => ({ name: c.name, uri: c.uri, status: 'connecting' })),
      });
      await Promise.all(connections.map((c) => this.reconnect(c.name)));
    } catch (err) {
      this.set({ status: 'error', error: describeError(err, 'list the connections') });
    }
  }

  /** Reaches the host again (the sidebar's Reconnect); resolves when it answered either way. */
  async reconnect(name: string): Promise<void> {
    const n = (this.attempt.get(name) ?? 0) + 1;
    this.attempt.set(name, n);
    this.patch(name, { status: 'connecting', error: undefined });
    try {
      const got = await this.api.call('connection.test', { name });
      if (this.attempt.get(name) === n) this.patch(name, { status: 'connected', error: undefined, libvirtVersion: got.libvirtVersion });
    } catch (err) {
      if (this.attempt.get(name) === n) this.patch(name, { status: 'failed', error: describeError(err) });
    }
  }

  /** Saves a connection, then reaches it. Throws the engine's refusal (a bad URI, a taken name) for the dialog to show. */
  async add(name: string, uri: string): Promise<void> {
    await this.api.call('connection.add', { name, uri });
    this.set({ connections: [...this.snapshot.connections, { name, uri, status: 'connecting' }] });
    await this.reconnect(name);
  }

  /** Reaches a URI that is not saved yet (the Add dialog's Test): libvirt's version, or throws why not. */
  async testUri(uri: string): Promise<string> {
    return (await this.api.call('connection.test', { uri })).libvirtVersion;
  }

  async rename(name: string, newName: string): Promise<void> {
    await this.api.call('connection.rename', { name, newName });
    this.attempt.set(newName, this.attempt.get(name) ?? 0);
    this.attempt.delete(name);
    this.set({ connections: this.snapshot.connections.map((c) => (c.name === name ? { ...c, name: newName } : c)) });
  }

  async remove(name: string): Promise<void> {
    await this.api.call('connection.remove', { name });
    this.attempt.delete(name);
    this.set({ connections: this.snapshot.connections.filter((c) => c.name !== name) });
  }

  /** Marks a connection failed from elsewhere (its machine list could not be loaded). */
  noteFailure(name: string, error: string): void {
    this.patch(name, { status: 'failed', error });
  }

  private patch(name: string, change: Partial<ConnectionView>): void {
    this.set({
      connections: this.snapshot.connections.map((c) => {
        if (c.name !== name) return c;
        const next = { ...c, ...change };
        if (next.error === undefined) delete next.error;
        return next;
      }),
    });
  }

  private set(patch: Partial<ConnectionsSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const l of this.listeners) l();
  }
}
