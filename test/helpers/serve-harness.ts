// The built `hangar serve` as a token holder sees it: its printed URL, raw http requests and the engine contract
// over its real WebSocket (cookie + Origin, as a browser page sends them).
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import WebSocket from 'ws';
import { EngineClient, type MessageTransport } from '../../src-shared/contract/index.js';
import { transportListeners } from '../../src-shared/contract/transport-listeners.js';
import { builtEntry } from './engine-harness.js';

export interface RunningServe {
  child: ChildProcess;
  port: number;
  token: string;
  /** What serve wrote to stderr so far. */
  stderr(): string;
  /** An engine client over a new `/engine` WebSocket (closed by stop()). */
  connect(): Promise<EngineClient>;
  /** A GET with no cookie; resolves with the status and Location header. */
  get(path: string): Promise<{ status: number; location: string | undefined }>;
  /** SIGTERM, then waits for serve (and the engine it started) to exit. */
  stop(): Promise<void>;
}

function wsTransport(ws: WebSocket): MessageTransport {
  const l = transportListeners();
  ws.on('message', (d) => l.emit(JSON.parse(d.toString())));
  ws.on('close', (code, reason) => l.finish(`closed ${code} ${reason.toString()}`));
  ws.on('error', (err) => l.finish(err.message));
  return { send: (m) => ws.send(JSON.stringify(m)), onMessage: l.onMessage, onClose: l.onClose, close: () => ws.close() };
}

/** Spawns `out/main/serve.js --library LIB ...args` and resolves once it has printed its URL. */
export async function startServe(library: string, env: NodeJS.ProcessEnv, args: string[] = [], timeoutMs = 60_000): Promise<RunningServe> {
  const child = spawn(process.execPath, [builtEntry('serve'), '--library', library, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(new URL(m[1]!));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}; stderr: ${stderr}`));
    });
  });
  const port = Number(url.port);
  const token = url.searchParams.get('token')!;
  const sockets: WebSocket[] = [];
  return {
    child,
    port,
    token,
    stderr: () => stderr,
    connect: () =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/engine`, { headers: { cookie: `hangar_token_${port}=${token}`, origin: `http://127.0.0.1:${port}` } });
        sockets.push(ws);
        ws.once('open', () => resolve(new EngineClient(wsTransport(ws))));
        ws.once('unexpected-response', (_req, res) => reject(new Error(`the /engine upgrade was refused: ${res.statusCode}`)));
        ws.once('error', reject);
      }),
    get: (path) =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, location: res.headers.location });
        });
        req.on('error', reject);
        req.end();
      }),
    async stop() {
      for (const ws of sockets) ws.terminate();
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
