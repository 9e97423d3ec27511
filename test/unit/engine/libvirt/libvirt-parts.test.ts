import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectionUriSchema, connectionNameSchema, EngineError } from '../../../../src-shared/contract/index.js';
import { parseVmDocument, validateVmDocument } from '../../../../src-shared/vm-document/index.js';
import { EngineServer } from '../../../../src-main/engine/rpc/engine-server.js';
import { parseEventLine } from '../../../../src-main/engine/libvirt/event-watch.js';
import { stateFromDomstate, stateFromEvent } from '../../../../src-main/engine/libvirt/libvirt-backend.js';
import { effectiveUri, explainVirshFailure } from '../../../../src-main/engine/libvirt/virsh.js';
import { readDomain } from '../../../../src-main/engine/libvirt/domain-read.js';
import { domainXml } from '../../../../src-main/engine/libvirt/domain-xml.js';
import { ArgvError } from '../../../../src-main/engine/qemu/index.js';
import { GOLDEN_DIR } from '../qemu/golden-cases.js';
import { inProcessPeer, stubHandlers } from '../rpc/stub-handlers.js';

describe('connection URIs and names', () => {
  it.each(['qemu:///system', 'qemu:///session', 'qemu+ssh://root@lab.example/system', 'qemu+ssh://ada@10.0.0.5:2222/system?no_tty=1', 'qemu+ssh://[::1]/system'])('accepts %s', (uri) => {
    expect(connectionUriSchema.safeParse(uri).success).toBe(true);
  });

  it.each([
    ['qemu+ssh://h/system?command=/bin/sh', /"command" is not allowed/],
    ['qemu+ssh://h/system?netcat=/tmp/nc', /"netcat" is not allowed/],
    ['qemu+ssh://h/system?socket=/tmp/s', /"socket" is not allowed/],
    ['qemu+ssh://h/system?no_verify=1', /"no_verify" is not allowed/],
    ['qemu+ssh://h/system?keyfile=/etc/shadow', /"keyfile" is not allowed/],
    ['qemu+ssh://u:pw@h/system', /password/],
    ['qemu+ssh://-oProxyCommand=touch%20x/system', /must not start with "-"/],
    ['qemu+ssh://h/', /\/system or \/session/],
    ['qemu://h/system', /needs a transport/],
    ['qemu+tcp://h/system', /not supported/],
    ['qemu+ssh://h/system#x', /fragment/],
    ['qemu:///system ', /spaces/],
    ['not a uri', /spaces|libvirt URI/],
  ])('refuses %s', (uri, why) => {
    const r = connectionUriSchema.safeParse(uri);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(why);
  });

  it('names: a safe alphabet, and never "local" (This computer)', () => {
    expect(connectionNameSchema.safeParse('lab-1').success).toBe(true);
    for (const bad of ['local', '', '-x', 'a/b', 'a b', 'x'.repeat(41), '..']) expect(connectionNameSchema.safeParse(bad).success).toBe(false);
  });
});

describe('virsh', () => {
  it('asks ssh never to prompt, and takes an ssh program only from the engine environment', () => {
    expect(effectiveUri('qemu:///system', { HANGAR_LIBVIRT_SSH: '/x/ssh' })).toBe('qemu:///system');
    const u = new URL(effectiveUri('qemu+ssh://root@h:2222/system', { HANGAR_LIBVIRT_SSH: '/x/ssh' }));
    expect(u.searchParams.get('no_tty')).toBe('1');
    expect(u.searchParams.get('command')).toBe('/x/ssh');
    expect(new URL(effectiveUri('qemu+ssh://h/system', {})).searchParams.has('command')).toBe(false);
  });

  it.each([
    ['Cannot recv data: Host key verification failed.: Connection reset by peer', 'io', /known_hosts.*ssh-keyscan -p 2222 lab/],
    ['Cannot recv data: root@lab: Permission denied (publickey).: Connection reset by peer', 'io', /ssh-copy-id -p 2222 root@lab/],
    ['Cannot recv data: ssh: connect to host lab port 2222: Connection refused: Connection reset by peer', 'io', /cannot reach lab:2222/],
    ["failed to connect to the hypervisor\nCannot recv data: sh: 1: virt-ssh-helper: not found\nsh: 1: nc: not found: Connection reset by peer", 'io', /does not run libvirt/],
    ["failed to get domain 'x'\nDomain not found: no domain with matching name 'x'", 'not-found', /Domain not found/],
    ['Requested operation is not valid: domain is not running', 'invalid-state', /not running/],
    ['unsupported configuration: internal snapshot for disk vda unsupported for storage type raw', 'unsupported', /libvirt cannot do that here/],
    ['something odd', 'qemu-failed', /libvirt \(lab:2222\): something odd/],
  ])('explains %s', (stderr, code, message) => {
    const e = explainVirshFailure('qemu+ssh://root@lab:2222/system', `error: ${stderr}\n`);
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
  });
});

describe('lifecycle events and states', () => {
  it('parses virsh event lines (with and without timestamps); other events give null', () => {
    expect(parseEventLine("2026-12-07 03:41:59.027+0000: event 'lifecycle' for domain 'try 1': Suspended Paused")).toEqual({ domain: 'try 1', event: 'Suspended', detail: 'Paused' });
    expect(parseEventLine("event 'lifecycle' for domain 'a': Undefined Removed")).toEqual({ domain: 'a', event: 'Undefined', detail: 'Removed' });
    expect(parseEventLine("event 'reboot' for domain 'a'")).toBeNull();
    expect(parseEventLine('events loop exited')).toBeNull();
  });

  it('maps libvirt states and events to run states', () => {
    expect(stateFromDomstate('running\n')).toEqual({ kind: 'running' });
    expect(stateFromDomstate('paused (user)\n')).toEqual({ kind: 'paused' });
    expect(stateFromDomstate('shut off\n')).toEqual({ kind: 'stopped' });
    expect(stateFromDomstate('in shutdown')).toEqual({ kind: 'stopping', how: 'acpi' });
    expect(stateFromDomstate('crashed').kind).toBe('crashed');
    expect(stateFromEvent({ domain: 'a', event: 'Started', detail: 'Booted' })).toEqual({ kind: 'running' });
    expect(stateFromEvent({ domain: 'a', event: 'Stopped', detail: 'Destroyed' })).toEqual({ kind: 'stopped' });
    expect(stateFromEvent({ domain: 'a', event: 'Stopped', detail: 'Failed' })?.kind).toBe('crashed');
    expect(stateFromEvent({ domain: 'a', event: 'Defined', detail: 'Added' })).toBeNull();
  });
});

describe('domain XML read back', () => {
  it('reads what domainXml wrote: Hangar metadata, device ids from aliases, the same settings', () => {
    const vm = parseVmDocument(readFileSync(join(GOLDEN_DIR, 'bios-empty-cd.vm.json'), 'utf8'));
    const xml = domainXml(vm, { disks: Object.fromEntries(vm.disks.map((d) => [d.id, `/pool/${d.id}.img`])), serialLog: '/log/s.log', kvm: false });
    const facts = readDomain(xml);
    expect(facts.hangar).toBe(true);
    expect(facts.uuid).toBe(vm.id);
    expect(facts.doc).toMatchObject({ name: vm.name, memoryMiB: vm.memoryMiB, arch: vm.arch, machine: vm.machine, firmware: vm.firmware });
    expect(facts.drives.map((d) => d.id)).toEqual([...vm.disks.map((d) => d.id), ...vm.cdroms.map((c) => c.id)]);
  });

  it('refuses malformed XML, and other documents, instead of guessing', () => {
    expect(() => readDomain('<domain><name>x</domain>')).toThrow(/not well-formed/);
    expect(() => readDomain('<network><name>x</name></network>')).toThrow(/not a libvirt domain/);
  });

  it('a foreign domain with odd values still gives a valid document', () => {
    const facts = readDomain("<domain type='kvm'><name>web</name><uuid>not-a-uuid</uuid><memory unit='KiB'>1048576</memory><vcpu>9999</vcpu><os><type arch='s390x' machine='s390-ccw'>hvm</type></os><devices><interface type='network'><mac address='52:54:00:AA:BB:CC'/></interface></devices></domain>");
    expect(facts.hangar).toBe(false);
    expect(facts.doc).toMatchObject({ name: 'web', memoryMiB: 1024, cpu: { count: 1024 }, arch: 'x86_64' });
  });

  it('a description XML cannot carry is refused naming the document', () => {
    const vm = validateVmDocument({ ...parseVmDocument(readFileSync(join(GOLDEN_DIR, 'bios-empty-cd.vm.json'), 'utf8')), description: 'bell \u0007' });
    expect(() => domainXml(vm, { disks: {}, serialLog: '/l', kvm: false })).toThrow(ArgvError);
  });
});

describe('EngineServer connection routing', () => {
  it('hands a request naming a connection to the router, validated the same, and refuses without one', async () => {
    const routed: unknown[] = [];
    const server = new EngineServer(stubHandlers(), async (connection, command, args) => {
      routed.push({ connection, command, args });
      return { routed: true };
    });
    const { serverSide, peer } = inProcessPeer();
    server.attach(serverSide);
    expect(await peer.ask({ type: 'request', id: 1, command: 'vm.start', args: { vm: 'web' }, connection: 'lab' })).toMatchObject({ ok: true, result: { routed: true } });
    expect(routed).toEqual([{ connection: 'lab', command: 'vm.start', args: { vm: 'web' } }]);
    expect(await peer.ask({ type: 'request', id: 2, command: 'vm.start', args: { vm: 3 }, connection: 'lab' })).toMatchObject({ ok: false, error: { code: 'invalid-args' } });
    expect(routed).toHaveLength(1);

    const bare = new EngineServer(stubHandlers());
    const p2 = inProcessPeer();
    bare.attach(p2.serverSide);
    expect(await p2.peer.ask({ type: 'request', id: 3, command: 'vm.start', args: { vm: 'web' }, connection: 'lab' })).toMatchObject({ ok: false, error: { code: 'not-allowed' } });
    expect(EngineError).toBeDefined();
  });
});
