import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionService } from '../../../../src-main/engine/libvirt/connection-service.js';
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

  it('a damaged connections.json is reported, not replaced', async () => {
    const { svc, lib } = service();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(lib, 'connections.json'), '{"version":1,"connections":[{"name":"x","uri":"qemu+ssh://h/system?command=/bin/sh"}]}');
    await expect(svc.commands()['connection.list']({}, client)).rejects.toMatchObject({ code: 'invalid-document' });
    expect(readFileSync(join(lib, 'connections.json'), 'utf8')).toContain('command=/bin/sh');
  });
});
