import { connect, type Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { EngineClient } from '../../src-shared/contract/index.js';
import { jsonLinesTransport } from '../engine/transport/json-lines.js';

/** Asks the engine (over serve's own control-socket connection) where a running VM's display socket is. */
export async function displaySocketPath(engineSocket: string, vm: string): Promise<string> {
  const sock = connect(engineSocket);
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', () => resolve());
    sock.once('error', reject);
  });
  const client = new EngineClient(jsonLinesTransport(sock));
  try {
    return (await client.call('vm.displaySocket', { vm })).path;
  } finally {
    client.close();
  }
}

/** A WebSocket close reason may hold at most 123 bytes. */
function closeReason(text: string): string {
  let out = text;
  while (Buffer.byteLength(out) > 123) out = out.slice(0, -1);
  return out;
}

/** Close codes the page can tell apart (4000–4999 are free for applications). */
export const DISPLAY_CLOSE = { notRunning: 4404, unreachable: 4502 } as const;

/**
 * One display WebSocket ⇄ the VM's VNC unix socket, raw RFB bytes both ways. The browser names only the
 * VM; the socket path stays on this side.
 */
export function relayDisplay(ws: WebSocket, engineSocket: string, vm: string): void {
  let sock: Socket | null = null;
  const pending: Buffer[] = [];
  ws.on('message', (data) => {
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (sock && !sock.connecting) sock.write(buf);
    else pending.push(buf);
  });
  ws.on('close', () => sock?.destroy());
  ws.on('error', () => sock?.destroy());
  displaySocketPath(engineSocket, vm).then(
    (path) => {
      if (ws.readyState !== ws.OPEN) return;
      const s = connect(path);
      sock = s;
      s.on('connect', () => {
        for (const b of pending.splice(0)) s.write(b);
      });
      s.on('data', (chunk: Buffer) => {
        if (ws.readyState !== ws.OPEN) return;
        ws.send(chunk, { binary: true });
        // Back-pressure: stop reading from QEMU while the browser lags behind.
        if (ws.bufferedAmount > 4 * 1024 * 1024) {
          s.pause();
          const resume = setInterval(() => {
            if (ws.readyState !== ws.OPEN || ws.bufferedAmount < 1024 * 1024) {
              clearInterval(resume);
              s.resume();
            }
          }, 20);
        }
      });
      s.on('error', () => ws.close(DISPLAY_CLOSE.unreachable, 'display unreachable'));
      s.on('close', () => ws.close(1000, 'display closed'));
    },
    (err: Error) => ws.close(DISPLAY_CLOSE.notRunning, closeReason(err.message)),
  );
}
