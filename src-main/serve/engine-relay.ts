import { connect } from 'node:net';
import type { WebSocket } from 'ws';
import { EngineError, type FsRoot } from '../../src-shared/contract/index.js';
import { LineFramer } from '../../src-shared/contract/line-framer.js';
import { PATH_FIELDS, checkBrowserPath, checkCommandPaths, type PathCheckContext } from '../engine/browser-paths.js';
import { browserPolicy, refuseExtraArgs } from './extra-args-gate.js';
import { DOWNLOAD_ID_RE } from '../../src-shared/os-downloads/types.js';

/** Commands a browser may not send: they hand out host paths meant for serve itself. */
export const SERVE_ONLY_COMMANDS: ReadonlySet<string> = new Set(['vm.displaySocket']);

/** Commands with a host path in their arguments. */
const PATH_BEARING: ReadonlySet<string> = new Set(Object.entries(PATH_FIELDS).flatMap(([c, spec]) => (spec === 'patch' || spec.length > 0 ? [c] : [])));

export interface RelayPolicy {
  /**
   * Every host path a browser sends (PATH_FIELDS in engine/browser-paths.ts) is checked against these roots before
   * it is forwarded. Needed when serve joined an engine it did not start (the desktop app's, `hangar engine`), which
   * does not restrict paths itself; an engine serve started checks again with the same roots.
   */
  paths?: { roots: () => Promise<FsRoot[]>; libraryDir: string; vmOf?: PathCheckContext['vmOf']; mediaDir?: string };
  /** `hangar serve --allow-extra-args`: browsers may set extra QEMU arguments (and so run programs as this user). */
  allowExtraArgs?: boolean;
}

type Req = { type?: unknown; id?: unknown; command?: unknown; args?: unknown };

function errorResponse(id: number, err: EngineError): string {
  return JSON.stringify({ type: 'response', id, ok: false, error: err.toPayload() });
}

/**
 * Decides what to do with one browser message: a line to forward to the engine (with its command and id, so the
 * answer to engine.hello can carry this host's policy), or an error response to send straight back. Exported for tests.
 */
export async function screenMessage(text: string, policy: RelayPolicy): Promise<{ forward: string; command: string; id: number } | { reply: string }> {
  let msg: Req;
  try {
    msg = JSON.parse(text) as Req;
  } catch {
    // Let the engine answer garbage the way it always does.
    return { forward: JSON.stringify({ garbage: text.slice(0, 200) }), command: '', id: -1 };
  }
  const id = typeof msg?.id === 'number' ? msg.id : -1;
  const command = typeof msg?.command === 'string' ? msg.command : '';
  if (SERVE_ONLY_COMMANDS.has(command)) {
    return { reply: errorResponse(id, new EngineError('unknown-command', `"${command}" is not available to the browser`)) };
  }
  // A URL would make this host fetch whatever a token holder names (a service on its loopback, its LAN): the browser
  // downloads catalog entries only, whose URLs are the distributions' (or the mirror this host's user set).
  const source = command === 'download.start' ? (msg.args as { source?: unknown } | null)?.source : undefined;
  if (typeof source === 'string' && !DOWNLOAD_ID_RE.test(source)) {
    return { reply: errorResponse(id, new EngineError('invalid-args', 'the browser host downloads catalog entries only (hangar os list); download other files with `hangar download URL` on this computer', { field: 'source' })) };
  }
  try {
    if (policy.paths) {
      const { roots, libraryDir, vmOf, mediaDir } = policy.paths;
      if (PATH_BEARING.has(command)) await checkCommandPaths(command, msg.args, { roots: await roots(), libraryDir, ...(vmOf ? { vmOf } : {}), ...(mediaDir ? { mediaDir } : {}) });
    }
    if (!policy.allowExtraArgs) await refuseExtraArgs(command, msg.args);
  } catch (err) {
    return { reply: errorResponse(id, err instanceof EngineError ? err : new EngineError('invalid-args', (err as Error).message)) };
  }
  // One JSON message per line: re-encode so a newline inside the frame cannot split it.
  return { forward: JSON.stringify(msg), command, id };
}

/** An engine line, with this host's policy added when it answers one of `helloIds` (which it then leaves). */
function withPolicy(line: string, helloIds: Set<number>, policy: RelayPolicy): string {
  if (helloIds.size === 0 || !line.startsWith('{"type":"response"')) return line;
  let msg: { id?: unknown; ok?: unknown; result?: Record<string, unknown> };
  try {
    msg = JSON.parse(line) as typeof msg;
  } catch {
    return line;
  }
  if (typeof msg.id !== 'number' || !helloIds.delete(msg.id) || msg.ok !== true || typeof msg.result !== 'object' || msg.result === null) return line;
  return JSON.stringify({ ...msg, result: { ...msg.result, policy: browserPolicy(policy.allowExtraArgs === true) } });
}

/** Answers that list host paths a browser could not name itself: only the ones inside its roots go through. */
const PATH_LISTING: ReadonlySet<string> = new Set(['media.recent']);

/**
 * The answer to `media.recent` with every ISO a browser could not insert (outside the roots, hidden, Hangar's own
 * files) left out, so the list does not tell a token holder what else this user opened. Exported for tests.
 */
export async function screenRecentIsos(line: string, paths: NonNullable<RelayPolicy['paths']>): Promise<string> {
  let msg: { ok?: unknown; result?: { isos?: unknown } };
  try {
    msg = JSON.parse(line) as typeof msg;
  } catch {
    return line;
  }
  if (msg.ok !== true || !Array.isArray(msg.result?.isos)) return line;
  const ctx: PathCheckContext = { roots: await paths.roots(), libraryDir: paths.libraryDir };
  const kept: unknown[] = [];
  for (const iso of msg.result.isos as Array<{ path?: unknown }>) {
    if (typeof iso?.path !== 'string') continue;
    const allowed = await checkBrowserPath(iso.path, 'medium', ctx).then(() => true, () => false);
    if (allowed) kept.push(iso);
  }
  return JSON.stringify({ ...msg, result: { ...msg.result, isos: kept } });
}

/** One WebSocket ⇄ one control-socket connection: each browser tab is its own engine client. */
export function relayEngine(ws: WebSocket, socketPath: string, policy: RelayPolicy): void {
  const sock = connect(socketPath);
  sock.setEncoding('utf8');
  const framer = new LineFramer();
  const helloIds = new Set<number>();
  const listingIds = new Set<number>();
  // Screening an answer may wait on the file system too: the engine's lines keep their order.
  let outQueue = Promise.resolve();
  const toBrowser = async (line: string): Promise<string> => {
    const paths = policy.paths;
    if (!paths || listingIds.size === 0 || !line.startsWith('{"type":"response"')) return withPolicy(line, helloIds, policy);
    const id = (JSON.parse(line) as { id?: unknown }).id;
    if (typeof id !== 'number' || !listingIds.delete(id)) return withPolicy(line, helloIds, policy);
    return screenRecentIsos(line, paths);
  };
  sock.on('data', (chunk: string) => {
    const lines = framer.push(chunk);
    for (const line of lines) {
      outQueue = outQueue.then(async () => {
        const out = await toBrowser(line).catch(() => null);
        if (out !== null && ws.readyState === ws.OPEN) ws.send(out);
      });
    }
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
      } else if (!sock.destroyed) {
        if (r.command === 'engine.hello' && r.id >= 0) helloIds.add(r.id);
        if (PATH_LISTING.has(r.command) && r.id >= 0) listingIds.add(r.id);
        sock.write(`${r.forward}\n`);
      }
    });
  });
  ws.on('close', () => sock.end());
  ws.on('error', () => sock.destroy());
  sock.on('close', () => ws.close(1011, 'engine connection closed'));
  sock.on('error', () => undefined);
}
