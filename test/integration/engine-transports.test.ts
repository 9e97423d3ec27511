import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { EngineClient, type EngineEvent, type VmEvent } from '../../src-shared/contract/index.js';
import { childIpcTransport } from '../../src-main/engine/transport/node-ipc.js';
import { jsonLinesTransport } from '../../src-main/engine/transport/json-lines.js';
import { builtEntry, makeTestEnv, qemuPidsUnder, type TestEnv } from '../helpers/engine-harness.js';

interface EngineReady {
  type: 'engine-ready';
  libraryDir: string;
  controlSocket: string;
}

/** Forks the BUILT engine with an advanced-serialization IPC channel, and waits for engine-ready. */
async function forkEngine(t: TestEnv): Promise<{ child: ChildProcess; ready: EngineReady; stderr: () => string }> {
  const child = fork(builtEntry('engine'), ['--library', t.libraryDir], {
    env: t.env,
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const ready = await new Promise<EngineReady>((resolve, reject) => {
    child.on('message', (m) => {
      if ((m as { type?: string }).type === 'engine-ready') resolve(m as EngineReady);
    });
    child.once('exit', (code) => reject(new Error(`engine exited early (${code}): ${err}`)));
  });
  return { child, ready, stderr: () => err };
}

function socketClient(path: string): Promise<{ client: EngineClient; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once('connect', () => resolve({ client: new EngineClient(jsonLinesTransport(socket)), socket }));
    socket.once('error', reject);
  });
}

describe('engine transports against the built engine', () => {
  let t: TestEnv;
  let engine: Awaited<ReturnType<typeof forkEngine>>;
  let ipc: EngineClient;

  beforeAll(async () => {
    t = makeTestEnv();
    engine = await forkEngine(t);
    ipc = new EngineClient(childIpcTransport(engine.child));
  });

  afterAll(async () => {
    if (engine?.child.exitCode === null && engine.child.signalCode === null) {
      const exited = new Promise((r) => engine.child.once('exit', r));
      engine.child.kill('SIGTERM');
      await exited;
    }
    const orphans = qemuPidsUnder(t.runtimeBase);
    t.cleanup();
    expect(orphans).toEqual([]);
  });

  it('node-ipc: engine-ready names the library and control socket; requests round-trip via EngineClient', async () => {
    expect(engine.ready.libraryDir).toBe(t.libraryDir);
    expect(engine.ready.controlSocket.startsWith(`${t.runtimeBase}/hangar/`)).toBe(true);
    expect(await ipc.call('library.list', {})).toEqual([]);
    const hello = await ipc.call('engine.hello', { client: 'ipc-test' });
    expect(hello).toMatchObject({ pid: engine.child.pid, libraryDir: t.libraryDir });
    // Advanced serialization carries values JSON cannot; the edge still answers with typed errors.
    await expect(ipc.callRaw({ type: 'request', command: 'vm.get', args: { vm: new Map([[1, 2]]) } })).rejects.toMatchObject({ code: 'invalid-args' });
    await expect(ipc.callRaw({ type: 'request', command: 'nope', args: {} })).rejects.toMatchObject({ code: 'unknown-command' });
    expect(await ipc.call('library.list', {})).toEqual([]);
  });

  it('the control socket is mode 0600 in a 0700 folder', () => {
    const sock = statSync(engine.ready.controlSocket);
    expect(sock.isSocket()).toBe(true);
    expect((sock.mode & 0o777).toString(8)).toBe('600');
    expect((statSync(dirname(engine.ready.controlSocket)).mode & 0o777).toString(8)).toBe('700');
    const lock = JSON.parse(readFileSync(`${t.libraryDir}/.hangar-engine.lock`, 'utf8')) as { pid: number; controlSocket: string };
    expect(lock).toMatchObject({ pid: engine.child.pid, controlSocket: engine.ready.controlSocket });
  });

  it('json-lines: a second client on the control socket; garbage gets invalid-message; events reach both transports with the same seq', async () => {
    const { client: sock, socket } = await socketClient(engine.ready.controlSocket);
    try {
      // Garbage on the socket gets a typed answer and the connection stays usable.
      const garbageAnswer = new Promise<string>((resolve) => {
        let buf = '';
        const onData = (d: Buffer | string): void => {
          buf += d.toString();
          if (buf.includes('\n')) {
            socket.off('data', onData);
            resolve(buf.slice(0, buf.indexOf('\n')));
          }
        };
        socket.on('data', onData);
      });
      socket.write('{"type": "request", oops\n');
      expect(JSON.parse(await garbageAnswer)).toMatchObject({ type: 'response', id: -1, ok: false, error: { code: 'invalid-message' } });
      expect(await sock.call('library.list', {})).toEqual([]);

      const ipcEvents: Array<VmEvent | EngineEvent> = [];
      const sockEvents: Array<VmEvent | EngineEvent> = [];
      ipc.onEvent((e) => ipcEvents.push(e));
      sock.onEvent((e) => sockEvents.push(e));
      const { id } = await sock.call('vm.create', { name: 'transport vm', memoryMiB: 64 });
      await ipc.call('vm.rename', { vm: id, name: 'transport vm 2' });
      // One request on each connection flushes the events broadcast before it.
      await ipc.call('engine.hello', { client: 'flush' });
      await sock.call('engine.hello', { client: 'flush' });
      const mine = (events: Array<VmEvent | EngineEvent>) => events.filter((e) => 'vmId' in e && e.vmId === id);
      expect(mine(ipcEvents)).toEqual([
        { type: 'vm.added', name: 'transport vm', vmId: id, seq: 1 },
        { type: 'vm.changed', vmId: id, seq: 2 },
      ]);
      expect(mine(sockEvents)).toEqual(mine(ipcEvents));
      expect((await ipc.call('library.list', {})).map((v) => v.name)).toEqual(['transport vm 2']);
    } finally {
      sock.close();
    }
  });

  it('node-ipc: disconnecting the parent stops the engine cleanly (lock and socket removed)', async () => {
    const exited = new Promise<number | null>((r) => engine.child.once('exit', (code) => r(code)));
    ipc.close();
    expect(await exited).toBe(0);
    expect(existsSync(engine.ready.controlSocket)).toBe(false);
    expect(existsSync(`${t.libraryDir}/.hangar-engine.lock`)).toBe(false);
    await expect(ipc.call('library.list', {})).rejects.toMatchObject({ code: 'io' });
    expect(engine.stderr()).toBe('');
  });
});
