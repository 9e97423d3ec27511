import { connect, type Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { EngineClient } from '../../src-shared/contract/index.js';
import { jsonLinesTransport } from '../engine/transport/json-lines.js';
import { RfbClipboardGuard, RfbGuardError, type ClipboardPolicy } from '../engine/display/rfb-clipboard-guard.js';

/** Opens serve's own control-socket connection to the engine. */
async function engineClient(engineSocket: string): Promise<EngineClient> {
  const sock = connect(engineSocket);
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', () => resolve());
    sock.once('error', reject);
  });
  return new EngineClient(jsonLinesTransport(sock));
}

/** A display's socket and clipboard policy, kept up to date (a policy changed while the VM runs) until closed. */
interface DisplayLookup {
  path: string;
  clipboard: ClipboardPolicy;
  onPolicy(listener: (policy: ClipboardPolicy) => void): void;
  close(): void;
}

async function lookupDisplay(engineSocket: string, vm: string): Promise<DisplayLookup> {
  const client = await engineClient(engineSocket);
  try {
    const first = await client.call('vm.displaySocket', { vm });
    const listeners: Array<(p: ClipboardPolicy) => void> = [];
    let current: ClipboardPolicy = first.clipboard ?? 'off'; // an engine that does not say: nothing crosses
    client.onEvent((e) => {
      if (e.type !== 'vm.changed') return;
      client.call('vm.displaySocket', { vm }).then(
        (r) => {
          if (r.clipboard === current) return;
          current = r.clipboard ?? 'off';
          for (const l of listeners) l(current);
        },
        () => undefined, // the VM stopped: its display closes by itself
      );
    });
    return { path: first.path, clipboard: current, onPolicy: (l) => listeners.push(l), close: () => client.close() };
  } catch (err) {
    client.close();
    throw err;
  }
}

/** A WebSocket close reason may hold at most 123 bytes. */
function closeReason(text: string): string {
  let out = text;
  while (Buffer.byteLength(out) > 123) out = out.slice(0, -1);
  return out;
}

/** Close codes the page can tell apart (4000–4999 are free for applications; the same as the engine's relay). */
export const DISPLAY_CLOSE = { notRunning: 4404, unreachable: 4502, refused: 4400, policyChanged: 4409 } as const;

/**
 * One display WebSocket ⇄ the VM's VNC unix socket, raw RFB bytes both ways. The browser names only the
 * VM; the socket path stays on this side. What the browser sends goes through the VM's clipboard policy
 * (rfb-clipboard-guard.ts), followed live while the display is open.
 */
export function relayDisplay(ws: WebSocket, engineSocket: string, vm: string): void {
  let sock: Socket | null = null;
  let guard: RfbClipboardGuard | null = null;
  let lookup: DisplayLookup | null = null;
  const early: Buffer[] = [];
  const pending: Buffer[] = [];
  const toQemu = (buf: Buffer): void => {
    let parts: Buffer[];
    try {
      parts = guard!.push(buf);
    } catch (err) {
      if (!(err instanceof RfbGuardError)) throw err;
      ws.close(DISPLAY_CLOSE.refused, closeReason(`display closed: ${err.message}`));
      sock?.destroy();
      return;
    }
    for (const p of parts) {
      if (sock && !sock.connecting) sock.write(p);
      else pending.push(p);
    }
  };
  ws.on('message', (data) => {
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (guard) toQemu(buf);
    else early.push(buf); // before the policy is known
  });
  const end = (): void => {
    sock?.destroy();
    lookup?.close();
  };
  ws.on('close', end);
  ws.on('error', end);
  lookupDisplay(engineSocket, vm).then(
    (found) => {
      lookup = found;
      if (ws.readyState !== ws.OPEN) return found.close();
      const g = new RfbClipboardGuard(found.clipboard);
      guard = g;
      found.onPolicy((policy) => {
        if (!g.setPolicy(policy)) {
          ws.close(DISPLAY_CLOSE.policyChanged, 'the clipboard policy changed; reconnect the display');
          sock?.destroy();
        }
      });
      for (const b of early.splice(0)) toQemu(b);
      const s = connect(found.path);
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
      s.on('close', () => {
        ws.close(1000, 'display closed');
        found.close();
      });
    },
    (err: Error) => ws.close(DISPLAY_CLOSE.notRunning, closeReason(err.message)),
  );
}
