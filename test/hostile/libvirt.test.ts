// Runs the libvirt corpus (cases/libvirt-cases.ts) against a real engine, real libvirtd and a loopback sshd,
// then the two cases that need a domain: one Hangar did not write, and a connection dropped mid-operation.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient, EngineError } from '../../src-shared/contract/index.js';
import { inProcessPair } from '../../src-main/engine/transport/in-process.js';
import { makeTestEnv, openEngine, failure, stateWait, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';
import { ensureLibvirt, pidsWithArg, removeDomain, startLoopbackSshd, SYSTEM_URI, type LoopbackSshd } from '../helpers/libvirt-host.js';
import { RfbClipboardClient } from '../helpers/rfb-clipboard-client.js';
import { fakeChannel } from '../unit/engine/transport/fake-port.js';
import { connect } from 'node:net';
import { lstatSync } from 'node:fs';
import { libvirtCases, libvirtInputCases, type LibvirtContext } from './cases/libvirt-cases.js';
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
    await ensureLibvirt();
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

  /** Defines and starts a diskless foreign domain (SeaBIOS finds nothing to boot: enough for a live VNC server). */
  function startForeign(name: string, graphics: string, uri = SYSTEM_URI): void {
    const file = join(t.root, `${name}.xml`);
    writeFileSync(file, `<domain type='qemu'><name>${name}</name><memory unit='MiB'>32</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os><devices><emulator>/usr/bin/qemu-system-x86_64</emulator>${graphics}<video><model type='vga'/></video></devices></domain>`);
    execFileSync('virsh', ['-q', '-c', uri, 'define', '--file', file], { stdio: 'pipe' });
    execFileSync('virsh', ['-q', '-c', uri, 'start', '--domain', name], { stdio: 'pipe' });
  }

  const uuidOf = (name: string): string => execFileSync('virsh', ['-q', '-c', SYSTEM_URI, 'domuuid', '--domain', name], { encoding: 'utf8' }).trim();

  describe('input to a running foreign domain with a pty serial console', () => {
    const name = `foreign-pty-${process.pid}`;
    let c: EngineClient;
    beforeAll(() => {
      startForeign(name, `<graphics type='vnc'><listen type='socket'/></graphics><serial type='pty'><log file='/var/log/libvirt/qemu/${name}-serial0.log' append='on'/><target port='0'/></serial>`);
      c = clientOn(e, 'sys');
    });
    afterAll(() => removeDomain(name));

    it('its console attaches read-only, with the reason the page shows', async () => {
      const got = await c.call('vm.console.attach', { vm: name, tailBytes: 0 });
      expect(got.readOnly).toMatch(/pseudo-terminal \(pty\)/);
      await c.call('vm.console.detach', { vm: name });
    });

    it.each(libvirtInputCases.map((k) => [k.id, k] as const))('%s', async (_id, k) => {
      const err = await failure(k.run(c, name));
      expect(err).toBeInstanceOf(EngineError);
      expect(err.code).toBe(k.refused.code);
      expect(err.message).toMatch(k.refused.message);
      expect(existsSync('/tmp/hangar-pwned')).toBe(false);
    });
  });

  it('a foreign domain whose VNC listens on 0.0.0.0 is reached on loopback only, through a unix socket of the engine', async () => {
    const name = `foreign-any-${process.pid}`;
    startForeign(name, `<graphics type='vnc' port='-1' autoport='yes'><listen type='address' address='0.0.0.0'/></graphics>`);
    const c = clientOn(e, 'sys');
    try {
      const warned = new Promise<string>((resolve) => {
        const off = e.client.onEvent((ev) => {
          if (ev.type !== 'engine.log' || !ev.message.includes(name)) return;
          off();
          resolve(ev.message);
        });
      });
      const { path } = await c.call('vm.displaySocket', { vm: name });
      // Hangar opens no TCP port: the display is a unix socket in its own runtime folder, piped to 127.0.0.1.
      expect(path.startsWith(t.runtimeBase)).toBe(true);
      expect(lstatSync(path).isSocket()).toBe(true);
      expect(await warned).toMatch(/listens on every address of its host; Hangar reaches it on loopback only/);
      const sock = connect(path);
      const hello = await new Promise<string>((resolve, reject) => sock.once('data', (b: Buffer) => resolve(b.toString('latin1'))).once('error', reject));
      sock.destroy();
      expect(hello).toBe('RFB 003.008\n');
    } finally {
      removeDomain(name);
    }
  }, 120_000);

  it('a connection dropped mid-display closes the display with a clear message and leaves no ssh behind', async () => {
    x.useSsh(sshd.goodSsh);
    // Not through "sys" (the loopback host's libvirt is this computer's): the display must come over SSH.
    await e.client.call('connection.remove', { name: 'sys' });
    await e.client.call('connection.add', { name: 'far', uri: sshd.uri });
    const name = `foreign-far-${process.pid}`;
    startForeign(name, `<graphics type='vnc'><listen type='socket'/></graphics>`);
    try {
      const { port1, port2 } = fakeChannel();
      const client = new RfbClipboardClient((bytes) => port2.postMessage(new Uint8Array(bytes)), false);
      const closed = new Promise<{ code: number; reason: string }>((resolve) => {
        port2.on('message', (ev: { data: unknown }) => {
          if (ev.data instanceof Uint8Array) client.feed(ev.data);
          else if ((ev.data as { type?: string }).type === 'closed') resolve(ev.data as { code: number; reason: string });
        });
      });
      port2.start();
      await e.engine.services.displays.attach(uuidOf(name), port1);
      await client.ready;
      const ssh = pidsWithArg(t.runtimeBase);
      expect(ssh.length).toBeGreaterThan(0); // the connection's SSH master
      sshd.dropServerSide();
      expect((await closed).reason).toMatch(/the SSH connection to 127\.0\.0\.1:\d+ was lost/);
      for (const pid of ssh) {
        let alive = true;
        for (const start = Date.now(); alive && Date.now() - start < 30_000; await new Promise((r) => setTimeout(r, 100))) alive = existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
        expect(alive, `ssh ${pid} still runs after the link dropped`).toBe(false);
      }
    } finally {
      removeDomain(name);
      await e.client.call('connection.remove', { name: 'far' }).catch(() => undefined);
      await e.client.call('connection.add', { name: 'sys', uri: SYSTEM_URI });
      x.useSsh(undefined);
    }
  }, 120_000);

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
