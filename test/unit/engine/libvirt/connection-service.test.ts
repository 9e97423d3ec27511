import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConnectionService } from '../../../../src-main/engine/libvirt/connection-service.js';
import { commandArgs } from '../../../../src-shared/contract/commands.js';
import type { ClientContext } from '../../../../src-main/engine/rpc/engine-server.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function service(): { svc: ConnectionService; lib: string } {
  const lib = mkdtempSync(join(tmpdir(), 'hangar-conn-'));
  dirs.push(lib);
  const svc = new ConnectionService(lib, { env: {}, tempDir: lib, emit: () => undefined, log: () => undefined });
  return { svc, lib };
}

const client = {} as ClientContext;

describe('ConnectionService', () => {
  it('keeps names and URIs in connections.json, nothing else', async () => {
    const { svc, lib } = service();
    const c = svc.commands();
    await c['connection.add']({ name: 'lab', uri: 'qemu+ssh://root@lab.example/system' }, client);
    expect(JSON.parse(readFileSync(join(lib, 'connections.json'), 'utf8'))).toEqual({ version: 1, connections: [{ name: 'lab', uri: 'qemu+ssh://root@lab.example/system' }] });
  });

  it('a rename or add that cannot be saved changes nothing', async () => {
    const { svc, lib } = service();
    const c = svc.commands();
    await c['connection.add']({ name: 'lab', uri: 'qemu:///system' }, client);
    // The file cannot be replaced: its name is taken by a folder.
    rmSync(join(lib, 'connections.json'));
    mkdirSync(join(lib, 'connections.json'));
    await expect(c['connection.rename']({ name: 'lab', newName: 'lab2' }, client)).rejects.toThrow();
    await expect(c['connection.add']({ name: 'other', uri: 'qemu:///session' }, client)).rejects.toThrow();
    expect((await c['connection.list']({}, client)).connections.map((k) => k.name)).toEqual(['lab']);
  });

  it('refuses a second name for one URI and a taken name; a command on an unknown connection is not-found', async () => {
    const { svc } = service();
    const c = svc.commands();
    await c['connection.add']({ name: 'lab', uri: 'qemu:///system' }, client);
    await expect(c['connection.add']({ name: 'lab', uri: 'qemu:///session' }, client)).rejects.toMatchObject({ code: 'name-taken' });
    await expect(c['connection.add']({ name: 'again', uri: 'qemu:///system' }, client)).rejects.toMatchObject({ code: 'exists' });
    await expect(svc.dispatch('nope', 'library.list', {}, client)).rejects.toMatchObject({ code: 'not-found' });
    await expect(svc.dispatch('lab', 'vm.export', { vm: 'x', path: '/tmp/x.tar' }, client)).rejects.toMatchObject({ code: 'unsupported', message: expect.stringMatching(/exporting a bundle/) });
    await expect(svc.dispatch('lab', 'connection.list', {}, client)).rejects.toMatchObject({ code: 'invalid-args' });
  });

  it("a connection's events name it, by its name at the time (a rename applies at once)", async () => {
    const { lib } = service();
    // A stand-in virsh (one layer's fake): its event child prints a lifecycle line, then waits for a line on a fifo to print another.
    const bin = join(lib, 'bin');
    mkdirSync(bin);
    const fifo = join(lib, 'more');
    execFileSync('mkfifo', [fifo]);
    writeFileSync(join(bin, 'virsh'), [
      '#!/bin/sh',
      'case "$*" in',
      `  *" event "*) echo "event 'lifecycle' for domain 'web': Started Booted"; read x < ${fifo}; echo "event 'lifecycle' for domain 'web': Stopped Destroyed"; exec sleep 30 ;;`,
      '  *domuuid*) echo 11111111-2222-4333-8444-555555555555 ;;',
      '  *) echo "Running against daemon: 9.0.0" ;;',
      'esac',
    ].join('\n'), { mode: 0o755 });
    const events: Array<{ id: string; type: string; connection: string }> = [];
    const svc = new ConnectionService(lib, { env: { PATH: `${bin}:/usr/bin:/bin` }, tempDir: lib, emit: (id, body, connection) => void events.push({ id, type: body.type, connection }), log: () => undefined });
    const c = svc.commands();
    await c['connection.add']({ name: 'lab', uri: 'qemu:///system' }, client);
    await c['connection.test']({ name: 'lab' }, client);
    await vi.waitFor(() => expect(events).toEqual([{ id: '11111111-2222-4333-8444-555555555555', type: 'vm.state', connection: 'lab' }]), { timeout: 10_000 });
    await c['connection.rename']({ name: 'lab', newName: 'lab2' }, client);
    writeFileSync(fifo, 'go\n');
    await vi.waitFor(() => expect(events.at(-1)).toEqual({ id: '11111111-2222-4333-8444-555555555555', type: 'vm.state', connection: 'lab2' }), { timeout: 10_000 });
    svc.close();
  });

  it('tests a URI before it is saved: nothing stored, no event child left; the contract wants a name or a URI, not both', async () => {
    const { lib } = service();
    const bin = join(lib, 'bin');
    mkdirSync(bin);
    const log = join(lib, 'virsh.log');
    writeFileSync(join(bin, 'virsh'), `#!/bin/sh\necho "$*" >> ${log}\necho "Running against daemon: 9.0.0"\n`, { mode: 0o755 });
    const svc = new ConnectionService(lib, { env: { PATH: `${bin}:/usr/bin:/bin` }, tempDir: lib, emit: () => undefined, log: () => undefined });
    const got = await svc.commands()['connection.test']({ uri: 'qemu:///system' }, client);
    expect(got).toEqual({ connection: { name: '', uri: 'qemu:///system', state: 'connected' }, libvirtVersion: '9.0.0' });
    expect(readFileSync(log, 'utf8')).toBe('-q -c qemu:///system version --daemon\n');
    expect(existsSync(join(lib, 'connections.json'))).toBe(false);
    const schema = commandArgs['connection.test'];
    expect(schema.safeParse({}).success).toBe(false);
    expect(schema.safeParse({ name: 'lab', uri: 'qemu:///system' }).success).toBe(false);
    expect(schema.safeParse({ uri: 'qemu+ssh://h/system?command=/bin/sh' }).success).toBe(false);
  });

  it('a damaged connections.json is reported, not replaced', async () => {
    const { svc, lib } = service();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(lib, 'connections.json'), '{"version":1,"connections":[{"name":"x","uri":"qemu+ssh://h/system?command=/bin/sh"}]}');
    await expect(svc.commands()['connection.list']({}, client)).rejects.toMatchObject({ code: 'invalid-document' });
    expect(readFileSync(join(lib, 'connections.json'), 'utf8')).toContain('command=/bin/sh');
  });
});
