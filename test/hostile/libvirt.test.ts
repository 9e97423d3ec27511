// Runs the libvirt corpus (cases/libvirt-cases.ts) against a real engine, real libvirtd and a loopback sshd,
// then the two cases that need a domain: one Hangar did not write, and a connection dropped mid-operation.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient, EngineError } from '../../src-shared/contract/index.js';
import { inProcessPair } from '../../src-main/engine/transport/in-process.js';
import { makeTestEnv, openEngine, failure, stateWait, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';
import { ensureLibvirt, removeDomain, startLoopbackSshd, SYSTEM_URI, type LoopbackSshd } from '../helpers/libvirt-host.js';
import { libvirtCases, type LibvirtContext } from './cases/libvirt-cases.js';
import { createServer } from 'node:net';

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function clientOn(e: OpenedEngine, connection?: string): EngineClient {
  const [a, b] = inProcessPair();
  e.engine.server.attach(b);
  const c = new EngineClient(a);
  c.connection = connection;
  return c;
}

describe('hostile libvirt connections', () => {
  let t: TestEnv;
  let e: OpenedEngine;
  let sshd: LoopbackSshd;
  let x: LibvirtContext;
  const connectionsFile = (): string => join(t.libraryDir, 'connections.json');
  const fileText = (): string | null => (existsSync(connectionsFile()) ? readFileSync(connectionsFile(), 'utf8') : null);

  beforeAll(async () => {
    ensureLibvirt();
    sshd = await startLoopbackSshd();
    t = makeTestEnv();
    e = await openEngine(t);
    await e.client.call('connection.add', { name: 'sys', uri: SYSTEM_URI });
    x = {
      client: clientOn(e),
      sshd,
      closedPort: await closedPort(),
      useSsh: (path) => (path === undefined ? delete process.env['HANGAR_LIBVIRT_SSH'] : (process.env['HANGAR_LIBVIRT_SSH'] = path)),
    };
  });

  afterAll(async () => {
    delete process.env['HANGAR_LIBVIRT_SSH'];
    await e?.close();
    t?.cleanup();
    sshd?.stop();
  });

  it.each(libvirtCases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const before = fileText();
    const started = Date.now();
    const err = await failure(c.run(x));
    expect(err).toBeInstanceOf(EngineError);
    expect({ code: err.code, message: err.message }).toMatchObject({ code: c.refused.code });
    expect(err.message).toMatch(c.refused.message);
    // Never a hang: an SSH prompt or an unreachable host fails well inside virsh's time limit.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(fileText()).toBe(before);
    x.useSsh(undefined);
  });

  it('a domain Hangar did not write shows and runs; its settings are read-only', async () => {
    const name = `foreign-${process.pid}`;
    const xml = `<domain type='qemu'><name>${name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os><devices><emulator>/usr/bin/qemu-system-x86_64</emulator><graphics type='vnc'><listen type='socket'/></graphics><video><model type='cirrus'/></video></devices></domain>`;
    const file = join(t.root, 'foreign.xml');
    writeFileSync(file, xml);
    execFileSync('virsh', ['-q', '-c', SYSTEM_URI, 'define', '--file', file], { stdio: 'pipe' });
    const c = clientOn(e, 'sys');
    try {
      const listed = (await c.call('library.list', {})).find((m) => m.name === name);
      expect(listed).toMatchObject({ connection: 'sys', state: { kind: 'stopped' } });
      const got = await c.call('vm.get', { vm: name });
      expect(got.foreign).toBe(true);
      expect(got.doc.machine).toMatch(/^pc-i440fx/);
      expect(got.doc).toMatchObject({ memoryMiB: 64, firmware: { type: 'bios' }, display: { device: 'cirrus' }, network: { mode: 'none' } });
      const running = stateWait(e.client, listed!.id, 'running', 60_000);
      await c.call('vm.start', { vm: name });
      await running;
      const edit = await failure(c.call('vm.update', { vm: name, patch: { memoryMiB: 128 } }));
      expect(edit.code).toBe('unsupported');
      expect(edit.message).toMatch(/changing settings \(edit the domain with virsh edit\)/);
      expect((await c.call('vm.forceOff', { vm: name })).state.kind).toBe('stopped');
    } finally {
      removeDomain(name);
    }
  });

  it('a connection dropped mid-operation is reported, and the next call reconnects instead of hanging', async () => {
    x.useSsh(sshd.goodSsh);
    await e.client.call('connection.add', { name: 'flaky', uri: sshd.uri });
    const c = clientOn(e, 'flaky');
    try {
      await c.call('library.list', {}); // starts the connection's event child over SSH
      const logged = new Promise<string>((resolve) => {
        const off = e.client.onEvent((ev) => {
          if (ev.type === 'engine.log' && ev.message.includes('"flaky"')) {
            off();
            resolve(ev.message);
          }
        });
      });
      sshd.dropSessions();
      expect(await logged).toMatch(/libvirt connection "flaky": the connection's event stream ended/);
      const state = (await e.client.call('connection.list', {})).connections.find((k) => k.name === 'flaky');
      expect(state).toMatchObject({ state: 'error', error: expect.stringMatching(/event stream ended/) });
      // sshd still listens: the next call logs in again and the connection is back.
      expect(Array.isArray(await c.call('library.list', {}))).toBe(true);
      expect((await e.client.call('connection.list', {})).connections.find((k) => k.name === 'flaky')?.state).toBe('connected');
    } finally {
      await e.client.call('connection.remove', { name: 'flaky' });
      x.useSsh(undefined);
    }
  }, 120_000);
});
