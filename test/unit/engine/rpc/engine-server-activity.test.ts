// What the background engine's idle exit counts on: the server reports every client that comes or goes and
// every request that starts or ends, and a request still runs (and counts) after its client has gone.
import { describe, expect, it } from 'vitest';
import { EngineServer } from '../../../../src-main/engine/rpc/engine-server.js';
import { inProcessPeer, stubHandlers } from './stub-handlers.js';

/** Resolves at the first activity after which `ok()` holds (no timers: the server's own events drive it). */
function when(server: EngineServer, ok: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const off = server.onActivity(() => {
      if (ok()) {
        off();
        resolve();
      }
    });
  });
}

describe('EngineServer activity (clients and requests in flight)', () => {
  it('counts clients and in-flight requests, and tells its listener at each change', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const server = new EngineServer(stubHandlers({ 'library.list': async () => (await gate, []) }));
    const seen: Array<[number, number]> = [];
    server.onActivity(() => seen.push([server.clientCount, server.requestsInFlight]));
    const { serverSide, peer } = inProcessPeer();
    server.attach(serverSide);
    expect(seen).toEqual([[1, 0]]);
    const started = when(server, () => server.requestsInFlight === 1);
    void peer.ask({ type: 'request', id: 1, command: 'library.list', args: {} });
    await started;
    // The client leaves mid-request: the request keeps the engine in use until it ends.
    const left = when(server, () => server.clientCount === 0);
    peer.transport.close();
    await left;
    expect(server.requestsInFlight).toBe(1);
    const done = when(server, () => server.requestsInFlight === 0);
    release();
    await done;
    expect(seen).toEqual([[1, 0], [1, 1], [0, 1], [0, 0]]);
  });

  it('a malformed request never counts as in flight', async () => {
    const server = new EngineServer(stubHandlers());
    const { serverSide, peer } = inProcessPeer();
    server.attach(serverSide);
    await peer.ask({ type: 'request', id: 1, command: 'no.such', args: {} });
    expect(server.requestsInFlight).toBe(0);
  });
});
