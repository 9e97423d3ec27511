import { connect } from 'node:net';
import { isAbsolute } from 'node:path';
import type { WebSocket } from 'ws';
import { EngineError, type FsRoot } from '../../src-shared/contract/index.js';
import { LineFramer } from '../../src-shared/contract/line-framer.js';
import { resolveInsideRoots } from '../engine/file-browser.js';

/** Commands a browser may not send: they hand out host paths meant for serve itself. */
export const SERVE_ONLY_COMMANDS: ReadonlySet<string> = new Set(['vm.displaySocket']);

export interface RelayPolicy {
  /**
   * Set when serve attaches to an engine it did not start (e.g. the desktop app's), which does not
   * restrict paths itself: serve then checks typed paths against its own roots before forwarding.
   */
  roots?: () => Promise<FsRoot[]>;
}

type Req = { type?: unknown; id?: unknown; command?: unknown; args?: unknown };

function errorResponse(id: number, err: EngineError): string {
  return JSON.stringify({ type: 'response', id, ok: false, error: err.toPayload() });
}

/** Paths in a browser's request that must lie inside the roots (absolute ones; relative ones with `..` are refused). */
function typedPaths(command: string, args: Record<string, unknown>): string[] {
  const out: string[] = [];
  const add = (v: unknown) => typeof v === 'string' && out.push(v);
  if (command === 'vm.create' || command === 'vm.previewArgv') {
    add(args['iso']);
    add(args['existingDisk']);
    add(args['folder']);
  } else if (command === 'vm.addExisting' || command === 'vm.export' || command === 'vm.import') add(args['path']);
  else if (command === 'vm.update') {
    const patch = (args['patch'] ?? {}) as Record<string, unknown>;
    for (const key of ['disks', 'cdroms']) {
      const list = patch[key];
      if (Array.isArray(list)) for (const item of list) add((item as { path?: unknown } | null)?.path);
    }
  }
  return out;
}

/**
 * Decides what to do with one browser message: a line to forward to the engine, or an error response
 * to send straight back. Exported for tests.
 */
export async function screenMessage(text: string, policy: RelayPolicy): Promise<{ forward: string } | { reply: string }> {
  let msg: Req;
  try {
    msg = JSON.parse(text) as Req;
  } catch {
    // Let the engine answer garbage the way it always does.
    return { forward: JSON.stringify({ garbage: text.slice(0, 200) }) };
  }
  const id = typeof msg?.id === 'number' ? msg.id : -1;
  const command = typeof msg?.command === 'string' ? msg.command : '';
  if (SERVE_ONLY_COMMANDS.has(command)) {
    return { reply: errorResponse(id, new EngineError('unknown-command', `"${command}" is not available to the browser`)) };
  }
  if (policy.roots && msg?.args && typeof msg.args === 'object') {
    const paths = typedPaths(command, msg.args as Record<string, unknown>);
    if (paths.length > 0) {
      const roots = await policy.roots();
      for (const p of paths) {
        try {
          if (!isAbsolute(p)) {
            if (command !== 'vm.update' || p.split(/[\\/]/).includes('..')) throw new EngineError('invalid-args', `give an absolute path (got "${p}")`);
            continue; // a path inside the bundle
          }
          await resolveInsideRoots(p, roots);
        } catch (err) {
          return { reply: errorResponse(id, err instanceof EngineError ? err : new EngineError('invalid-args', (err as Error).message)) };
        }
      }
    }
  }
  // One JSON message per line: re-encode so a newline inside the frame cannot split it.
  return { forward: JSON.stringify(msg) };
}

/** One WebSocket ⇄ one control-socket connection: each browser tab is its own engine client. */
export function relayEngine(ws: WebSocket, socketPath: string, policy: RelayPolicy): void {
  const sock = connect(socketPath);
  sock.setEncoding('utf8');
  const framer = new LineFramer();
  sock.on('data', (chunk: string) => {
    const lines = framer.push(chunk);
    for (const line of lines) if (ws.readyState === ws.OPEN) ws.send(line);
    // A line beyond the limit: drop the engine connection (the WebSocket then closes with 1011).
    if (framer.overflowed) sock.destroy();
  });
  // Screening may wait on the file system: keep the messages in order.
  let queue = Promise.resolve();
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? '' : data.toString();
    queue = queue.then(async () => {
      const r = await screenMessage(text, policy);
      if ('reply' in r) {
        if (ws.readyState === ws.OPEN) ws.send(r.reply);
      } else if (!sock.destroyed) sock.write(`${r.forward}\n`);
    });
  });
  ws.on('close', () => sock.end());
  ws.on('error', () => sock.destroy());
  sock.on('close', () => ws.close(1011, 'engine connection closed'));
  sock.on('error', () => undefined);
}
