import { beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { spawnHangar as hangar } from '../helpers/cli-runner.js';
import { failure, serialWait, useEngineEnv, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';

/** A port nobody listens on right now (the kernel picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Sends `text` to 127.0.0.1:port and resolves with the first `text.length` bytes that come back. */
function echo(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let got = '';
    sock.setTimeout(30_000, () => sock.destroy(new Error(`no echo from guest port 7 via host port ${port} (got ${JSON.stringify(got)})`)));
    sock.once('connect', () => sock.write(text));
    sock.on('data', (d) => {
      got += d.toString();
      if (got.length >= text.length) {
        sock.end();
        resolve(got);
      }
    });
    sock.once('error', reject);
    sock.once('close', () => reject(new Error(`connection closed after ${JSON.stringify(got)}`)));
  });
}

describe('port forwards (real QEMU): applied live through HMP, with conflict detection', () => {
  let t: TestEnv;
  let e: OpenedEngine;
  let id: string;
  let port: number;
  const usernet = async (): Promise<string> =>
    e.engine.sessions.get(id)!.qmp.execute('human-monitor-command', { 'command-line': 'info usernet' });

  useEngineEnv(
    (env, engine) => {
      t = env;
      e = engine;
    },
    { orphanMessage: 'no QEMU may outlive the suite', beforeClose: (open) => open.client.call('vm.forceOff', { vm: id }).catch(() => undefined) },
  );

  beforeAll(async () => {
    ({ id } = await e.client.call('vm.create', { name: 'fwd', iso: fixturePaths.linuxIso, memoryMiB: 256, cpus: 1 }));
    await serialWait(e.client, id, markers.linuxReady, () => e.client.call('vm.start', { vm: id }), 110_000);
    port = await freePort();
  });

  it('adds a tcp forward live: QEMU lists the rule and the document keeps it', async () => {
    const r = await e.client.call('forward.add', { vm: id, protocol: 'tcp', hostPort: port, guestPort: 22 });
    expect(r).toMatchObject({ live: true, forward: { protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: port, guestPort: 22 } });
    expect(await usernet()).toMatch(new RegExp(`TCP\\[HOST_FORWARD\\]\\s+\\d+\\s+127\\.0\\.0\\.1\\s+${port}\\s+10\\.0\\.2\\.15\\s+22\\b`));
    expect((await e.client.call('vm.get', { vm: id })).doc.network).toMatchObject({ forwards: [{ hostPort: port, guestPort: 22 }] });
  });

  it('a forward added while the VM runs reaches the echo server in the guest; removed, it stops', async () => {
    const echoPort = await freePort();
    await e.client.call('forward.add', { vm: id, protocol: 'tcp', hostPort: echoPort, guestPort: 7 });
    expect(await echo(echoPort, 'hello through hangar\n')).toBe('hello through hangar\n');
    await e.client.call('forward.remove', { vm: id, protocol: 'tcp', hostPort: echoPort });
    // Nothing listens on the host port any more: the connection is refused outright.
    await expect(echo(echoPort, 'x\n')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('refuses the same host port twice in this VM, naming the port', async () => {
    const err = await failure(e.client.call('forward.add', { vm: id, protocol: 'tcp', hostPort: port, guestPort: 80 }));
    expect(err.code).toBe('exists');
    expect(err.message).toContain(String(port));
  });

  it('refuses a host port another program holds, naming the port', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const busy = (server.address() as { port: number }).port;
    try {
      const err = await failure(e.client.call('forward.add', { vm: id, protocol: 'tcp', hostPort: busy, guestPort: 80 }));
      expect(err.code).toBe('exists');
      expect(err.message).toContain(`port ${busy}`);
      expect(err.message).toMatch(/in use/);
      expect(await usernet()).not.toContain(` ${busy} `);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses a host port another running machine of the library forwards', async () => {
    const disk = join(t.root, 'boot.img');
    copyFileSync(fixturePaths.bootImg, disk);
    const other = await e.client.call('vm.create', { name: 'neighbour', existingDisk: disk, memoryMiB: 64, cpus: 1 });
    const port2 = await freePort();
    // Stopped: only the document changes.
    expect(await e.client.call('forward.add', { vm: other.id, protocol: 'udp', hostPort: port2, guestPort: 53 })).toMatchObject({ live: false });
    await e.client.call('vm.start', { vm: other.id });
    try {
      const err = await failure(e.client.call('forward.add', { vm: id, protocol: 'udp', hostPort: port2, guestPort: 53 }));
      expect(err.code).toBe('exists');
      expect(err.message).toContain(`udp port ${port2}`);
      expect(err.message).toContain('"neighbour"');
    } finally {
      await e.client.call('vm.forceOff', { vm: other.id });
    }
  });

  it('the CLI lists the table through the running engine', async () => {
    const r = await hangar(t, 'forward', 'list', id);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`127.0.0.1:${port}  ->  guest 22`);
  });

  it('removes the forward live', async () => {
    const r = await e.client.call('forward.remove', { vm: id, protocol: 'tcp', hostPort: port });
    expect(r).toEqual({ forwards: [], live: true });
    expect(await usernet()).not.toContain('HOST_FORWARD');
    const err = await failure(e.client.call('forward.remove', { vm: id, protocol: 'tcp', hostPort: port }));
    expect(err.code).toBe('not-found');
  });

  it('a running VM refuses disk changes', async () => {
    const err = await failure(e.client.call('disk.add', { vm: id, sizeGiB: 1 }));
    expect(err.code).toBe('invalid-state');
    expect(err.message).toContain('Shut the machine down to change its disks');
  });

  it('a VM with no network refuses forwards with the reason', async () => {
    const other = await e.client.call('vm.create', { name: 'offline', memoryMiB: 64, cpus: 1 });
    await e.client.call('vm.update', { vm: other.id, patch: { network: { mode: 'none' } } });
    const err = await failure(e.client.call('forward.add', { vm: other.id, protocol: 'udp', hostPort: port, guestPort: 53 }));
    expect(err.code).toBe('invalid-state');
    expect(err.message).toMatch(/no network/);
  });
});
