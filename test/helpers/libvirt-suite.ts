// What the libvirt test files (integration, hostile) share: the suite's set-up (libvirtd ready, a loopback sshd, a
// temp library with an in-process engine and its connections), a client bound to one connection, the fixture
// guest created or booted on a connection, foreign domains defined with virsh, and the default pool's volumes.
// Kept apart from libvirt-host.ts, which prepares the host itself: this file only calls ensureLibvirt.
import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdirSync, openSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { EngineClient, type CommandArgs } from '../../src-shared/contract/index.js';
import { inProcessPair } from '../../src-main/engine/transport/in-process.js';
import { fixturePaths, markers } from './fixtures.js';
import { makeTestEnv, openEngine, serialWait, type OpenedEngine, type TestEnv } from './engine-harness.js';
import { ensureLibvirt, startLoopbackSshd, SYSTEM_URI, type LoopbackSshd } from './libvirt-host.js';

export interface LibvirtSuite {
  t: TestEnv;
  e: OpenedEngine;
  sshd: LoopbackSshd;
}

/** The connections a suite can have added at the start: `sys` is qemu:///system, `loop` the same host over the loopback sshd. */
export type SuiteConnection = 'sys' | 'loop';

/** Sets the engine's ssh program for qemu+ssh:// (HANGAR_LIBVIRT_SSH), or unsets it. */
export function useSsh(path: string | undefined): void {
  if (path === undefined) delete process.env['HANGAR_LIBVIRT_SSH'];
  else process.env['HANGAR_LIBVIRT_SSH'] = path;
}

/**
 * Registers the beforeAll/afterAll of a libvirt suite: libvirtd ready (ensureLibvirt), an sshd on loopback, a temp
 * library and an engine on it, then `connections` added; `use` receives them. `sshFromStart` sets the good ssh
 * program before anything (a suite whose `loop` connection is there from the start). afterAll unsets the ssh
 * program, closes the engine, removes the library and stops sshd, whatever got started.
 */
export function useLibvirtSuite(use: (s: LibvirtSuite) => void, opts: { connections?: readonly SuiteConnection[]; sshFromStart?: boolean } = {}): void {
  const s: Partial<LibvirtSuite> = {};
  beforeAll(async () => {
    await ensureLibvirt();
    const sshd = (s.sshd = await startLoopbackSshd());
    if (opts.sshFromStart) useSsh(sshd.goodSsh);
    const t = (s.t = makeTestEnv());
    const e = (s.e = await openEngine(t));
    for (const name of opts.connections ?? []) await e.client.call('connection.add', { name, uri: name === 'sys' ? SYSTEM_URI : sshd.uri });
    use({ t, e, sshd });
  });
  afterAll(async () => {
    useSsh(undefined);
    await s.e?.close();
    s.t?.cleanup();
    s.sshd?.stop();
  });
}

/** A second client of the same engine whose calls all go to `connection` (what `hangar --connection NAME` does); none: this computer. */
export function clientOn(e: OpenedEngine, connection?: string): EngineClient {
  const [a, b] = inProcessPair();
  e.engine.server.attach(b);
  const c = new EngineClient(a);
  c.connection = connection;
  return c;
}

/** The fixture Linux guest's machine on the client's connection (256 MiB, BIOS, a small disk); `over` changes any of it. */
export function createFixture(c: EngineClient, name: string, over: Partial<CommandArgs<'vm.create'>> = {}) {
  return c.call('vm.create', { name, iso: fixturePaths.linuxIso, diskSizeGiB: 0.05, memoryMiB: 256, cpus: 1, firmware: 'bios', ...over });
}

/** Creates and boots the fixture guest on the client's connection; resolves to its id once it printed READY on serial. */
export async function bootFixture(c: EngineClient, name: string, over: Partial<CommandArgs<'vm.create'>> = {}): Promise<string> {
  const { id } = await createFixture(c, name, over);
  await serialWait(c, id, markers.linuxReady, () => c.call('vm.start', { vm: name }), 180_000);
  return id;
}

/** virsh on qemu:///system, quiet; its output (throws with its complaint when it fails). */
export function virsh(...args: string[]): string {
  return execFileSync('virsh', ['-q', '-c', SYSTEM_URI, ...args], { encoding: 'utf8' });
}

/**
 * Defines a domain Hangar did not write (x86_64 `pc`, one vCPU, `devices` as given) from an XML file in `dir`, on
 * qemu:///system; `start` starts it too.
 */
export function defineDomain(dir: string, name: string, memoryMiB: number, devices: string, { start = false } = {}): void {
  const file = join(dir, `${name}.xml`);
  writeFileSync(file, `<domain type='qemu'><name>${name}</name><memory unit='MiB'>${memoryMiB}</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os><devices>${devices}</devices></domain>`);
  execFileSync('virsh', ['-q', '-c', SYSTEM_URI, 'define', '--file', file], { stdio: 'pipe' });
  if (start) execFileSync('virsh', ['-q', '-c', SYSTEM_URI, 'start', '--domain', name], { stdio: 'pipe' });
}

/** `virsh vol-list` of qemu:///system's "default" pool. */
export function volumeList(): string {
  return virsh('vol-list', '--pool', 'default');
}

/** The names of the volumes in qemu:///system's "default" pool. */
export function volumeNames(): string[] {
  return volumeList().split('\n').map((l) => l.trim().split(/\s+/)[0]!).filter(Boolean);
}

/** Deletes a volume of the "default" pool, if it is there. */
export function dropVolume(name: string): void {
  try {
    virsh('vol-delete', '--pool', 'default', `--vol=${name}`);
  } catch {
    // not there
  }
}

/** A large, sparse ISO (the fixture's first MiB, its volume descriptors, then holes): an upload long enough to watch or cancel. */
export function sparseFixtureIso(path: string, bytes: number): void {
  const head = Buffer.alloc(1024 * 1024);
  const src = openSync(fixturePaths.linuxIso, 'r');
  readSync(src, head, 0, head.length, 0);
  closeSync(src);
  const fd = openSync(path, 'w');
  writeSync(fd, head);
  ftruncateSync(fd, bytes);
  closeSync(fd);
}

/** A library's connections.json holding `connections` (an e2e suite's, before serve starts on it). */
export function writeConnections(library: string, connections: ReadonlyArray<{ name: string; uri: string }>): void {
  mkdirSync(library, { recursive: true });
  writeFileSync(join(library, 'connections.json'), `${JSON.stringify({ version: 1, connections })}\n`);
}
