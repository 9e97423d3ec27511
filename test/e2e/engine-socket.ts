import WebSocket from 'ws';

export interface EngineSocket {
  call: (command: string, args: unknown) => Promise<unknown>;
  /** Every event the engine pushed since the socket opened, in order. */
  events: Array<Record<string, unknown>>;
  close: () => void;
}

/**
 * A raw engine connection through serve's token-protected /engine WebSocket, with the cookie and origin the
 * page has: tests drive the engine the way the page does, never around the browser host.
 */
export async function openEngineSocket(serveUrl: string): Promise<EngineSocket> {
  const url = new URL(serveUrl);
  const token = url.searchParams.get('token');
  const ws = new WebSocket(`ws://127.0.0.1:${url.port}/engine`, {
    headers: { cookie: `hangar_token_${url.port}=${token}`, origin: url.origin },
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const events: Array<Record<string, unknown>> = [];
  const waiting = new Map<number, (m: { ok: boolean; result?: unknown; error?: unknown }) => void>();
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString()) as { type: string; id: number; ok: boolean; event?: Record<string, unknown> };
    if (m.type === 'event') events.push(m.event!);
    else waiting.get(m.id)?.(m);
  });
  let id = 0;
  return {
    events,
    call: (command, args) =>
      new Promise((resolve, reject) => {
        const n = ++id;
        waiting.set(n, (m) => {
          waiting.delete(n);
          if (m.ok) resolve(m.result);
          else reject(new Error(JSON.stringify(m.error)));
        });
        ws.send(JSON.stringify({ type: 'request', id: n, command, args }));
      }),
    close: () => ws.close(),
  };
}

/** One request on its own connection. */
export async function engineCall(serveUrl: string, command: string, args: unknown): Promise<unknown> {
  const socket = await openEngineSocket(serveUrl);
  try {
    return await socket.call(command, args);
  } finally {
    socket.close();
  }
}
