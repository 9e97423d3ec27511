import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { EngineError, type CommandArgs, type CommandName, type CommandResult, type ConnectionInfo, type SnapshotNodeInfo, type SnapshotTree, type VmEventBody, type VmSummary } from '../../../src-shared/contract/index.js';
import { newVmDocument, type VmDocument } from '../../../src-shared/vm-document/index.js';
import type { VmRunState } from '../../../src-shared/vm-state.js';
import { ArgvError } from '../qemu/errors.js';
import type { ClientContext } from '../rpc/engine-server.js';
import { diskTargetsToRemove, readDomain } from './domain-read.js';
import { domainNameFor, domainXml } from './domain-xml.js';
import { vncEndpointOf } from './domain-display.js';
import { EventWatch, type LifecycleEvent } from './event-watch.js';
import { LoopbackBridge } from './loopback-bridge.js';
import { checkForwardPath, shQuote, SshMaster } from './ssh-master.js';
import type { DisplayTarget } from '../display/display-service.js';
import { encodePng, parsePpm } from '../display/image.js';
import { DomainStats, parseDomstats } from './domain-stats.js';
import { virsh } from './virsh.js';
import { firstChild, parseXml, textOf, childrenNamed } from './xml-tree.js';
import { parsePoolIsos } from './pool-volumes.js';
import { SerialInput, serialEndpointOf, serialSocketName, type SerialEndpoint } from './serial-input.js';
import { comboToQnums, sendKeyArgs, textToQnumChords } from './qnum-keys.js';
import { DomainThumbnails } from './domain-thumbnails.js';

export type BackendHandlers = { [K in CommandName]?: (args: CommandArgs<K>, client: ClientContext) => Promise<CommandResult<K>> };

export interface LibvirtDeps {
  env: NodeJS.ProcessEnv;
  /** A private folder for the XML files virsh reads (`define --file`). */
  tempDir: string;
  emit(vmId: string, body: VmEventBody): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

interface Domain {
  uuid: string;
  name: string;
}

/** libvirt's state words (`virsh domstate`) as Hangar's run state. */
export function stateFromDomstate(text: string): VmRunState {
  const s = text.trim().split('\n')[0]!.replace(/\s*\(.*\)$/, '');
  switch (s) {
    case 'running':
    case 'idle':
    case 'blocked':
      return { kind: 'running' };
    case 'paused':
    case 'pmsuspended':
      return { kind: 'paused' };
    case 'in shutdown':
      return { kind: 'stopping', how: 'acpi' };
    case 'crashed':
      return { kind: 'crashed', reason: 'libvirt reports the domain crashed', exitCode: null, signal: null, logTail: '' };
    default:
      return { kind: 'stopped' };
  }
}

/** A lifecycle event's new state; null for events that change no run state (Defined, Undefined, Shutdown Finished…). */
export function stateFromEvent(e: LifecycleEvent): VmRunState | null {
  switch (e.event) {
    case 'Started':
    case 'Resumed':
      return { kind: 'running' };
    case 'Suspended':
    case 'PMSuspended':
      return { kind: 'paused' };
    case 'Stopped':
      return e.detail === 'Failed' || e.detail === 'Crashed' ? { kind: 'crashed', reason: `libvirt: stopped (${e.detail})`, exitCode: null, signal: null, logTail: '' } : { kind: 'stopped' };
    case 'Crashed':
      return { kind: 'crashed', reason: `libvirt: crashed (${e.detail})`, exitCode: null, signal: null, logTail: '' };
    default:
      return null;
  }
}

const unsupported = (what: string): EngineError => new EngineError('unsupported', `${what} is not something Hangar can do on a libvirt connection`);

/** Commands a libvirt connection refuses, each with the reason people see (exit code 4 in the CLI). */
export const LIBVIRT_CANNOT: { readonly [K in CommandName]?: string } = {
  'vm.saveState': 'saving the machine state outside libvirt',
  'vm.discardState': 'discarding a saved state',
  'vm.update': 'changing settings (edit the domain with virsh edit)',
  'vm.rename': 'renaming a domain',
  'vm.clone': 'cloning (use virt-clone)',
  'vm.tags.set': 'tagging',
  'vm.addExisting': 'adding a Hangar bundle',
  'vm.argv': 'showing the QEMU command line (libvirt builds it: virsh domxml-to-native)',
  'vm.previewArgv': 'previewing a QEMU command line',
  'vm.export': 'exporting a bundle',
  'vm.import': 'importing a bundle',
  'install.finish': 'the install flow',
  'snapshot.rename': 'renaming a snapshot',
  'snapshot.thumbnail': 'snapshot screenshots',
  'disk.add': 'adding a disk (use virsh attach-disk)',
  'disk.remove': 'removing a disk',
  'disk.resize': 'growing a disk (use virsh blockresize)',
  'disk.convert': 'converting a disk',
  'disk.compact': 'compacting a disk',
  'disk.info': 'disk details (use virsh domblkinfo)',
  'forward.list': 'port forwards (libvirt networks do their own NAT)',
  'forward.add': 'port forwards (libvirt networks do their own NAT)',
  'forward.remove': 'port forwards (libvirt networks do their own NAT)',
  'media.recent': 'recent ISOs of another host',
  'fs.roots': 'browsing another host',
  'fs.list': 'browsing another host',
  'iso.inspect': 'inspecting an ISO on another host',
  'job.cancel': 'cancelling libvirt jobs',
  'download.start': 'downloading to another host (download here, then upload the ISO to a pool)',
};

/**
 * The local socket of a domain's display, named by a hash of its whole uuid: a prefix would let a domain whose uuid
 * someone chose to share it take over another's socket (and with it the keys typed into that display). The hash
 * keeps the name short (unix socket paths are limited to 107 bytes).
 */
export function vncSocketName(uuid: string): string {
  return `${createHash('sha256').update(uuid).digest('hex').slice(0, 16)}.vnc`;
}

/** One libvirt connection: its virsh calls, its event child, and the contract's handlers for its machines. */
export class LibvirtConnection {
  private readonly watch: EventWatch;
  private readonly byName = new Map<string, string>();
  private readonly waiters = new Set<{ uuid: string; want: (s: VmRunState) => boolean; done: (s: VmRunState) => void }>();
  /** Serial logs followed for clients that attached a console (local connections: the log is a file here). */
  private readonly serialWatches = new Map<string, FSWatcher>();
  /** Remote serial logs followed over SSH (`tail -F` on the host), one per domain. */
  private readonly remoteSerial = new Map<string, ChildProcess>();
  /** qemu+ssh://: the one ControlMaster the display tunnels and serial followers ride on (made on first use). */
  private master: SshMaster | null = null;
  /** Local foreign domains with TCP VNC on loopback: a unix socket piped to the port, per domain. */
  private readonly bridges = new Map<string, LoopbackBridge>();
  /** Per running domain, settles (with the reason) when it stops or the connection drops: open displays close then. */
  private readonly endings = new Map<string, Promise<string>>();
  /** CPU and memory graphs: one `virsh domstats` round per interval while a client holds a lease. */
  private readonly stats = new DomainStats({
    sample: async () =>
      parseDomstats(
        await this.run(['domstats', '--list-running', '--cpu-total', '--balloon']).catch((err: Error) => {
          this.deps.log('warn', `libvirt connection "${this.name}": no CPU/memory sample: ${err.message}`);
          return '';
        }),
      ),
    uuidOf: async (name) => (await this.resolve(name)).uuid,
    emit: (uuid, st) => this.deps.emit(uuid, { type: 'vm.stats', ...st }),
  });
  /** Typed serial input: one connection per domain to its console socket (here, or forwarded over SSH). */
  private readonly serialInput = new SerialInput();
  /** Live thumbnails of the library's visible rows: `virsh screenshot` rounds while a client holds a lease. */
  private readonly thumbnails = new DomainThumbnails({
    running: async () => (await this.run(['list', '--state-running', '--uuid'])).split('\n').map((l) => l.trim()).filter(Boolean),
    screenshotPng: (uuid) => this.screenshotPng(uuid),
    emit: (uuid, t) => this.deps.emit(uuid, { type: 'vm.thumbnail', ...t }),
  });
  state: ConnectionInfo['state'] = 'unknown';
  error: string | undefined;

  constructor(
    public name: string,
    readonly uri: string,
    private readonly deps: LibvirtDeps,
  ) {
    this.watch = new EventWatch(uri, deps.env, (e) => void this.onEvent(e), (reason) => this.onWatchEnd(reason));
  }

  info(): ConnectionInfo {
    return { name: this.name, uri: this.uri, state: this.state, ...(this.error ? { error: this.error } : {}) };
  }

  /** Every call: a failure that is about the connection (not the domain) marks it; success marks it connected. */
  async run(args: readonly string[], timeoutMs?: number): Promise<string> {
    try {
      const out = await virsh(this.uri, args, { env: this.deps.env, ...(timeoutMs ? { timeoutMs } : {}) });
      this.state = 'connected';
      this.error = undefined;
      return out;
    } catch (err) {
      const e = err as EngineError;
      if (e.code === 'io' || e.code === 'timeout') {
        this.state = 'error';
        this.error = e.message;
      }
      throw err;
    }
  }

  async test(): Promise<string> {
    const out = await this.run(['version', '--daemon']);
    this.watch.start();
    return /Running against daemon: (.*)/.exec(out)?.[1]?.trim() ?? /Using library: (.*)/.exec(out)?.[1]?.trim() ?? out.trim();
  }

  close(): void {
    this.watch.stop();
    this.stats.stop();
    this.thumbnails.stop();
    this.serialInput.close();
    for (const w of this.serialWatches.values()) w.close();
    this.serialWatches.clear();
    for (const c of this.remoteSerial.values()) c.kill('SIGTERM');
    this.remoteSerial.clear();
    for (const b of this.bridges.values()) b.close();
    this.bridges.clear();
    this.master?.close();
    this.master = null;
    for (const w of this.waiters) w.done({ kind: 'stopped' });
    this.waiters.clear();
  }

  private onWatchEnd(reason: string): void {
    this.byName.clear(); // events may be missed until a new child runs: names are read afresh
    this.state = 'error';
    this.error = `the connection's event stream ended: ${reason}`;
    this.deps.log('warn', `libvirt connection "${this.name}": ${this.error}`);
  }

  private async onEvent(e: LifecycleEvent): Promise<void> {
    let uuid = this.byName.get(e.domain);
    if (e.event === 'Undefined') {
      if (uuid) {
        this.byName.delete(e.domain);
        this.deps.emit(uuid, { type: 'vm.removed' });
      }
      return;
    }
    if (!uuid) {
      uuid = (await this.run(['domuuid', `--domain=${e.domain}`]).catch(() => '')).trim();
      if (!uuid) return;
      this.byName.set(e.domain, uuid);
      if (e.event === 'Defined') this.deps.emit(uuid, { type: 'vm.added', name: e.domain });
    }
    const state = stateFromEvent(e);
    if (!state) return;
    this.deps.emit(uuid, { type: 'vm.state', state });
    for (const w of [...this.waiters]) if (w.uuid === uuid && w.want(state)) w.done(state);
  }

  /** This connection has seen a domain with this uuid (listed, or named by an event). */
  knows(uuid: string): boolean {
    return [...this.byName.values()].includes(uuid);
  }

  /** Resolves a reference the way Hangar does: uuid, uuid prefix (≥ 4), or exact name. */
  async resolve(ref: string): Promise<Domain> {
    // Known names and uuids (kept current by list and the Defined/Undefined events) save a round trip, which over SSH is a login.
    if (this.watch.running) {
      const uuid = this.byName.get(ref) ?? ([...this.byName.values()].includes(ref) ? ref : undefined);
      const name = [...this.byName.entries()].find(([, u]) => u === uuid)?.[0];
      if (uuid && name) return { uuid, name };
    }
    const all = await this.domains();
    const exact = all.filter((d) => d.uuid === ref || d.name === ref);
    const hits = exact.length > 0 ? exact : ref.length >= 4 ? all.filter((d) => d.uuid.startsWith(ref)) : [];
    if (hits.length === 0) throw new EngineError('not-found', `no machine "${ref}" on connection "${this.name}"`);
    if (hits.length > 1) throw new EngineError('ambiguous', `"${ref}" matches ${hits.length} machines on connection "${this.name}"`);
    return hits[0]!;
  }

  private async domains(): Promise<Domain[]> {
    this.watch.start();
    const out = await this.run(['list', '--all', '--uuid', '--name']);
    const list = out
      .split('\n')
      .map((l) => /^([0-9a-f-]{36}) (.*)$/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ uuid: m[1]!, name: m[2]! }));
    for (const d of list) this.byName.set(d.name, d.uuid);
    return list;
  }

  private async stateOf(d: Domain): Promise<VmRunState> {
    return stateFromDomstate(await this.run(['domstate', `--domain=${d.uuid}`]));
  }

  /** Waits for a lifecycle event that gives a wanted state (subscribed before the command that causes it). */
  private waitFor(uuid: string, want: (s: VmRunState) => boolean, timeoutMs: number): { promise: Promise<VmRunState | null>; cancel: () => void } {
    let entry!: { uuid: string; want: (s: VmRunState) => boolean; done: (s: VmRunState) => void };
    let timer: NodeJS.Timeout | undefined;
    const promise = new Promise<VmRunState | null>((resolve) => {
      entry = { uuid, want, done: (s) => (clearTimeout(timer), this.waiters.delete(entry), resolve(s)) };
      this.waiters.add(entry);
      if (Number.isFinite(timeoutMs)) timer = setTimeout(() => (this.waiters.delete(entry), resolve(null)), timeoutMs);
    });
    return { promise, cancel: () => entry.done({ kind: 'stopped' }) };
  }

  private async summary(d: Domain, states: Map<string, VmRunState>): Promise<VmSummary> {
    return { id: d.uuid, name: d.name, osId: 'generic', bundleDir: '', state: states.get(d.uuid) ?? { kind: 'stopped' }, connection: this.name };
  }

  private async snapshotTree(d: Domain): Promise<SnapshotTree> {
    const names = (await this.run(['snapshot-list', `--domain=${d.uuid}`, '--name'])).split('\n').map((l) => l.trim()).filter(Boolean);
    const current = (await this.run(['snapshot-current', `--domain=${d.uuid}`, '--name']).catch(() => '')).trim() || null;
    const snapshots: SnapshotNodeInfo[] = [];
    for (const n of names) {
      const root = parseXml(await this.run(['snapshot-dumpxml', `--domain=${d.uuid}`, `--snapshotname=${n}`])).documentElement!;
      const parent = textOf(firstChild(firstChild(root, 'parent') ?? root, 'name'));
      const state = textOf(firstChild(root, 'state')) ?? '';
      const disks = firstChild(root, 'disks');
      snapshots.push({
        id: n,
        tag: n,
        name: n,
        description: textOf(firstChild(root, 'description')) ?? '',
        createdAt: new Date(Number(textOf(firstChild(root, 'creationTime')) ?? '0') * 1000).toISOString(),
        parentId: firstChild(root, 'parent') ? parent : null,
        withRam: state === 'running' || state === 'paused',
        thumbnail: null,
        devices: disks ? childrenNamed(disks, 'disk').filter((x) => x.getAttribute('snapshot') !== 'no').map((x) => x.getAttribute('name') ?? '') : [],
      });
    }
    return { snapshots, currentId: current, pendingRamRestore: null };
  }

  /** Writes XML to a private temp file for `virsh define --file` (virsh reads it on this side, also for remote hosts). */
  private async withXmlFile<T>(xml: string, fn: (path: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(this.deps.tempDir, 'libvirt-'));
    try {
      const file = join(dir, 'domain.xml');
      await writeFile(file, xml, { mode: 0o600 });
      return await fn(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Where libvirt's QEMU may write logs: the system instance's log folder, or this user's for a local session (unknown for a remote session). */
  private serialLogDir(): string | undefined {
    const u = /^qemu(\+ssh)?:\/\/([^/]*)\/(system|session)/.exec(this.uri);
    if (u?.[3] === 'system') return '/var/log/libvirt/qemu';
    return u?.[2] === '' ? join(homedir(), '.cache/libvirt/qemu/log') : undefined;
  }

  /**
   * Where a new domain's console socket goes on the libvirt host: the system instance's state folder (QEMU's user
   * can create it there), or this user's log folder for a local session; none (a pty) where the folder is unknown
   * or the path would not fit a unix socket address.
   */
  private serialSocketPath(name: string): string | undefined {
    const u = /^qemu(\+ssh)?:\/\/([^/]*)\/(system|session)/.exec(this.uri);
    const dir = u?.[3] === 'system' ? '/var/lib/libvirt/qemu' : this.serialLogDir();
    const path = dir && `${dir}/${name}-serial0.sock`;
    return path && Buffer.byteLength(path) <= 100 ? path : undefined;
  }

  private get local(): boolean {
    return this.uri.startsWith('qemu:///');
  }

  /** Emits what is appended to a domain's serial log as `vm.serial` events (watched through its folder: no polling). */
  private followSerial(uuid: string, path: string, from: number): void {
    if (this.serialWatches.has(uuid)) return;
    let offset = from;
    let reading = false;
    let changedMeanwhile = false;
    const readToEnd = async (): Promise<void> => {
      const fh = await open(path, 'r');
      try {
        for (;;) {
          const buf = Buffer.alloc(64 * 1024);
          const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
          if (bytesRead === 0) break;
          offset += bytesRead;
          this.deps.emit(uuid, { type: 'vm.serial', data: buf.subarray(0, bytesRead).toString('utf8') });
        }
      } finally {
        await fh.close();
      }
    };
    const readMore = async (): Promise<void> => {
      // A change during a read is not dropped: the read goes round again. Else a write landing after the read's last
      // chunk (a guest's last line, split by QEMU into two writes) stays unread until the guest writes again.
      if (reading) {
        changedMeanwhile = true;
        return;
      }
      reading = true;
      try {
        do {
          changedMeanwhile = false;
          await readToEnd();
        } while (changedMeanwhile);
      } catch {
        // not there yet (the domain has not started): the next change reads it
      } finally {
        reading = false;
      }
    };
    const w = watch(dirname(path), (_e, file) => {
      if (file === null || file === basename(path)) void readMore();
    });
    w.on('error', () => this.serialWatches.delete(uuid));
    this.serialWatches.set(uuid, w);
  }

  private async serialLogOf(d: Domain): Promise<string | null> {
    return (await this.serialOf(d)).log;
  }

  /** The serial console's log and its input end, from one dumpxml. */
  private async serialOf(d: Domain): Promise<{ log: string | null; input: SerialEndpoint }> {
    const xml = await this.run(['dumpxml', `--domain=${d.uuid}`]);
    const devices = firstChild(parseXml(xml).documentElement!, 'devices');
    const serial = devices ? childrenNamed(devices, 'serial')[0] : undefined;
    return { log: (serial && firstChild(serial, 'log')?.getAttribute('file')) || null, input: serialEndpointOf(xml, d.name) };
  }

  /**
   * A local unix socket that reaches a running domain's console socket: its own here, or a forward over the
   * connection's SSH master (as the display's). Read-only consoles are refused with the reason.
   */
  private async reachSerial(d: Domain): Promise<string> {
    const state = await this.stateOf(d);
    if (state.kind !== 'running' && state.kind !== 'paused') throw new EngineError('invalid-state', `"${d.name}" is not running (${state.kind})`);
    const { input } = await this.serialOf(d);
    if (input.kind === 'read-only') throw new EngineError('unsupported', `cannot type into the serial console: ${input.reason}`);
    if (this.local) return input.path;
    const master = await this.sshMaster();
    return master.forward(serialSocketName(d.uuid), checkForwardPath(input.path, `"${d.name}"'s serial socket`));
  }

  /** A private folder (0700) of the engine's runtime folder for this connection's sockets: short, so unix paths fit. */
  private async privateDir(): Promise<string> {
    const dir = join(this.deps.tempDir, `lv-${createHash('sha256').update(this.uri).digest('hex').slice(0, 10)}`);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  private async sshMaster(): Promise<SshMaster> {
    this.master ??= new SshMaster(this.uri, this.deps.env, await this.privateDir());
    return this.master;
  }

  /** Settles when the domain stops or crashes (a lifecycle event), or the connection's SSH drops: with the reason. */
  private endingOf(uuid: string): Promise<string> {
    let p = this.endings.get(uuid);
    if (p) return p;
    p = new Promise<string>((resolve) => {
      const stop = this.waitFor(uuid, (s) => s.kind === 'stopped' || s.kind === 'crashed', Infinity);
      const off = this.master?.onExit((why) => (stop.cancel(), resolve(why)));
      void stop.promise.then((s) => {
        off?.();
        resolve(s?.kind === 'crashed' ? 'the VM crashed' : 'the VM stopped');
      });
    }).finally(() => this.endings.delete(uuid));
    this.endings.set(uuid, p);
    return p;
  }

  /**
   * A local unix socket that reaches the domain's VNC: its own socket on this computer, or a forward over the
   * connection's SSH master to the host's socket (or loopback port). Never a TCP listener on either side.
   */
  async displayTarget(ref: string): Promise<DisplayTarget & { path: string }> {
    const d = await this.resolve(ref);
    const live = await this.run(['dumpxml', `--domain=${d.uuid}`]);
    const state = await this.stateOf(d);
    if (state.kind !== 'running' && state.kind !== 'paused') throw new EngineError('invalid-state', `"${d.name}" is not running (${state.kind})`);
    const vnc = vncEndpointOf(live, d.name);
    if (vnc.kind === 'tcp' && vnc.exposed) this.deps.log('warn', `libvirt connection "${this.name}": "${d.name}"'s VNC listens on every address of its host; Hangar reaches it on loopback only`);
    const facts = readDomain(live);
    let path: string;
    if (this.local) {
      if (vnc.kind === 'socket') path = vnc.path;
      else {
        const old = this.bridges.get(d.uuid);
        if (old && old.port === vnc.port) path = old.path;
        else {
          old?.close();
          const bridge = await LoopbackBridge.open(join(await this.privateDir(), vncSocketName(d.uuid)), vnc.port);
          this.bridges.set(d.uuid, bridge);
          path = bridge.path;
        }
      }
    } else {
      const master = await this.sshMaster();
      // ssh's -L splits on ':': a remote socket path carrying one is refused, never reinterpreted as host:port.
      const remote = vnc.kind === 'socket' ? checkForwardPath(vnc.path, `"${d.name}"'s VNC socket`) : `127.0.0.1:${vnc.port}`;
      try {
        path = await master.forward(vncSocketName(d.uuid), remote);
      } catch (err) {
        this.state = 'error';
        this.error = (err as Error).message;
        throw err;
      }
    }
    const master = this.master;
    return {
      vmId: d.uuid,
      path,
      socketPath: path,
      clipboard: facts.doc.clipboard,
      ended: this.endingOf(d.uuid),
      explainClose: async () => {
        if (!this.local && master && !(await master.check())) return `the SSH connection to ${master.target.label} was lost`;
        const now = await this.stateOf(d).catch(() => null);
        return now && now.kind !== 'running' && now.kind !== 'paused' ? `the VM stopped (${now.kind})` : null;
      },
    };
  }

  /** A serial log path Hangar follows on another host: the log folders libvirt writes, plain names only (it reaches a shell there). */
  private remoteLogPath(path: string): string {
    const ok = /^\/[A-Za-z0-9_.+@\/-]+\.log$/.test(path) && !path.split('/').includes('..') && (path.startsWith('/var/log/libvirt/qemu/') || /^\/(root|home\/[^/]+)\/\.cache\/libvirt\/qemu\/log\//.test(path));
    if (!ok) throw new EngineError('unsupported', `the serial log "${path}" is not in a libvirt log folder Hangar follows over SSH`);
    return path;
  }

  /** Follows a serial log on the libvirt host over the SSH master: bytes from `size` on, as vm.serial events. */
  private async followRemoteSerial(uuid: string, path: string): Promise<{ size: number; master: SshMaster }> {
    const master = await this.sshMaster();
    await master.ensure();
    const q = shQuote(path);
    const size = Number((await master.run(['stat', '-c', '%s', '--', q]).catch(() => '0')).trim()) || 0;
    if (this.remoteSerial.has(uuid)) return { size, master };
    // From the byte after `size`: nothing written between the stat and tail's start is lost, nothing is sent twice.
    const child = master.exec(['tail', '-c', `+${size + 1}`, '-F', '--', q]);
    const text = new StringDecoder('utf8');
    child.stdout!.on('data', (b: Buffer) => {
      const data = text.write(b);
      if (data) this.deps.emit(uuid, { type: 'vm.serial', data });
    });
    child.stderr!.resume();
    child.once('exit', () => {
      if (this.remoteSerial.get(uuid) === child) this.remoteSerial.delete(uuid);
    });
    this.remoteSerial.set(uuid, child);
    return { size, master };
  }

  /**
   * The domain's screen as PNG: `virsh screenshot` (libvirt asks QEMU for a screendump and streams it to this side,
   * also over SSH), written to a private temp file; a PPM (older QEMU) is converted as Hangar's own are.
   */
  async screenshotPng(ref: string): Promise<Buffer> {
    const d = await this.resolve(ref);
    const dir = await mkdtemp(join(this.deps.tempDir, 'shot-'));
    try {
      const file = join(dir, 'screen');
      await this.run(['screenshot', `--domain=${d.uuid}`, `--file=${file}`, '--screen=0'], 60_000);
      const bytes = await readFile(file);
      if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return bytes;
      return encodePng(parsePpm(bytes));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  readonly handlers: BackendHandlers = {
    'vm.screenshot': async (a) => ({ pngBase64: (await this.screenshotPng(a.vm)).toString('base64') }),
    'vm.stats.subscribe': async (_a, client) => this.stats.subscribe(client.clientId),
    'vm.stats.unsubscribe': async (_a, client) => {
      this.stats.unsubscribe(client.clientId);
      return { ok: true as const };
    },
    // Taken when asked (a libvirt machine has no bundle to keep the last one in); full size: libvirt hands over a PNG
    // and the engine has no PNG decoder to scale it with (the page scales it).
    'vm.thumbnail': async (a) => {
      const d = await this.resolve(a.vm);
      const state = await this.stateOf(d);
      if (state.kind !== 'running' && state.kind !== 'paused') return { pngBase64: null, takenAt: null };
      return { pngBase64: (await this.screenshotPng(d.uuid)).toString('base64'), takenAt: new Date().toISOString() };
    },
    'vm.displaySocket': async (a) => {
      const t = await this.displayTarget(a.vm);
      return { path: t.path, clipboard: t.clipboard ?? 'off' };
    },

    'engine.hello': async () => ({ engineVersion: `libvirt ${await this.test()}`, pid: process.pid, libraryDir: this.uri }),

    'library.list': async () => {
      const all = await this.domains();
      const [running, paused] = await Promise.all([this.run(['list', '--state-running', '--uuid']), this.run(['list', '--state-paused', '--uuid'])]);
      const states = new Map<string, VmRunState>();
      for (const u of running.split('\n').map((l) => l.trim()).filter(Boolean)) states.set(u, { kind: 'running' });
      for (const u of paused.split('\n').map((l) => l.trim()).filter(Boolean)) states.set(u, { kind: 'paused' });
      return Promise.all(all.map((d) => this.summary(d, states)));
    },

    'vm.get': async (a) => {
      const d = await this.resolve(a.vm);
      const [xml, state] = await Promise.all([this.run(['dumpxml', `--domain=${d.uuid}`]), this.stateOf(d)]);
      const facts = readDomain(xml);
      return { doc: facts.doc, state, bundleDir: '', connection: this.name, foreign: !facts.hangar, domainXml: xml };
    },

    'vm.create': async (a) => {
      if (a.existingDisk !== undefined) throw unsupported('creating from an existing disk');
      if (a.folder !== undefined) throw unsupported('choosing a folder (disks go into the storage pool "default")');
      if (a.iso !== undefined && !a.iso.startsWith('/')) throw new EngineError('invalid-args', 'vm.create: iso: must be an absolute path on the libvirt host');
      const id = randomUUID();
      const mac = `52:54:00:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
      const base = newVmDocument({
        id, name: a.name, now: new Date().toISOString(), mac,
        ...(a.arch ? { arch: a.arch } : {}), ...(a.osId ? { osId: a.osId } : {}), ...(a.memoryMiB ? { memoryMiB: a.memoryMiB } : {}),
        ...(a.cpus ? { cpus: a.cpus } : {}), ...(a.firmware ? { firmware: a.firmware } : {}),
        disk: a.diskSizeGiB ? { path: 'disk0.qcow2', format: 'qcow2' } : null,
        iso: a.iso ?? null,
      });
      const doc: VmDocument = {
        ...base,
        firmware: { ...base.firmware, ...(a.secureBoot !== undefined ? { secureBoot: a.secureBoot } : {}), ...(a.tpm !== undefined ? { tpm: a.tpm } : {}) },
        disks: base.disks.map((k) => ({ ...k, bus: a.diskBus ?? 'virtio' })),
        network: base.network.mode === 'user' && a.nicModel ? { ...base.network, model: a.nicModel } : base.network,
        display: a.display ? { device: a.display } : base.display,
      };
      const name = domainNameFor(doc);
      const paths = { disks: {} as Record<string, string>, serialLog: this.serialLogDir() && `${this.serialLogDir()}/${name}-serial0.log`, serialSocket: this.serialSocketPath(name), kvm: false };
      // Checked before any volume exists: a document libvirt cannot take leaves nothing behind.
      try {
        domainXml(doc, { ...paths, disks: Object.fromEntries(doc.disks.map((k) => [k.id, '/placeholder'])) });
      } catch (err) {
        if (err instanceof ArgvError) throw new EngineError('invalid-args', `vm.create: ${err.message}`, { field: err.field });
        throw err;
      }
      const caps = await this.run(['domcapabilities', '--virttype', 'kvm']).catch(() => '');
      paths.kvm = /<domain>kvm<\/domain>/.test(caps) && !/supported='no'/.test(caps.split('<os')[0] ?? '');
      const volumes: string[] = [];
      try {
        for (const k of doc.disks) {
          const vol = `${name}-${k.id}.qcow2`;
          await this.run(['vol-create-as', '--pool', 'default', `--name=${vol}`, '--capacity', `${Math.ceil((a.diskSizeGiB ?? 1) * 1024)}M`, '--format', 'qcow2']);
          volumes.push(vol);
          paths.disks[k.id] = (await this.run(['vol-path', '--pool', 'default', `--vol=${vol}`])).trim();
        }
        await this.withXmlFile(domainXml(doc, paths), (file) => this.run(['define', `--file=${file}`]));
        this.byName.set(name, id);
      } catch (err) {
        for (const vol of volumes) await this.run(['vol-delete', '--pool', 'default', `--vol=${vol}`]).catch(() => undefined);
        throw err;
      }
      return { id, doc, bundleDir: '' };
    },

    'vm.start': async (a) => {
      if (a.disposable) throw unsupported('a disposable start');
      const d = await this.resolve(a.vm);
      await this.run(['start', `--domain=${d.uuid}`]);
      return { state: { kind: 'running' } as VmRunState };
    },
    'vm.pause': async (a) => {
      const d = await this.resolve(a.vm);
      await this.run(['suspend', `--domain=${d.uuid}`]);
      return { state: { kind: 'paused' } as VmRunState };
    },
    'vm.resume': async (a) => {
      const d = await this.resolve(a.vm);
      await this.run(['resume', `--domain=${d.uuid}`]);
      return { state: { kind: 'running' } as VmRunState };
    },
    'vm.reset': async (a) => {
      const d = await this.resolve(a.vm);
      await this.run(['reset', `--domain=${d.uuid}`]);
      return { state: { kind: 'running' } as VmRunState };
    },
    'vm.forceOff': async (a) => {
      const d = await this.resolve(a.vm);
      await this.run(['destroy', `--domain=${d.uuid}`]);
      return { state: { kind: 'stopped' } as VmRunState };
    },
    'vm.shutdown': async (a) => {
      const d = await this.resolve(a.vm);
      const timeoutMs = a.timeoutMs ?? 60_000;
      // Subscribed before the power button is pressed; one read after covers a stop that came before the event child was ready.
      const wait = this.waitFor(d.uuid, (s) => s.kind === 'stopped' || s.kind === 'crashed', timeoutMs);
      // libvirt has the guest agent's shutdown too (`--mode agent`), when the domain has the channel.
      const method = a.via === 'agent' ? 'agent' : 'acpi';
      try {
        await this.run(['shutdown', `--domain=${d.uuid}`, '--mode', method]);
        const now = await this.stateOf(d);
        if (now.kind === 'stopped') return { state: now, timedOut: false, method };
        const state = await wait.promise;
        return state ? { state, timedOut: false, method } : { state: await this.stateOf(d), timedOut: true, method };
      } finally {
        wait.cancel();
      }
    },

    'vm.delete': async (a) => {
      const d = await this.resolve(a.vm);
      const state = await this.stateOf(d);
      if (state.kind !== 'stopped' && state.kind !== 'crashed') throw new EngineError('invalid-state', `cannot delete "${d.name}" while it is ${state.kind}; shut it down first`);
      const disks = a.files ? diskTargetsToRemove(readDomain(await this.run(['dumpxml', `--domain=${d.uuid}`]))) : [];
      await this.run(['undefine', `--domain=${d.uuid}`, '--nvram', '--managed-save', '--snapshots-metadata', ...(disks.length ? [`--storage=${disks.join(',')}`] : [])]);
      this.byName.delete(d.name);
      return { id: d.uuid };
    },

    'vm.logs': async (a) => {
      if (a.kind !== 'serial') throw unsupported(`the ${a.kind} log (libvirt keeps it on its host: /var/log/libvirt/qemu)`);
      if (new URL(this.uri).host !== '') throw unsupported('reading the serial log of a machine on another host');
      const d = await this.resolve(a.vm);
      const path = await this.serialLogOf(d);
      if (!path) throw new EngineError('not-found', `"${d.name}" has no serial log (a domain Hangar did not write)`);
      const max = a.maxBytes ?? 256 * 1024;
      const text = await readFile(path, 'utf8').catch(() => '');
      return { kind: 'serial', text: text.slice(-max), truncated: text.length > max };
    },

    'snapshot.list': async (a) => this.snapshotTree(await this.resolve(a.vm)),
    'snapshot.take': async (a) => {
      const d = await this.resolve(a.vm);
      if (a.withRam === false && (await this.stateOf(d)).kind !== 'stopped') throw unsupported('a disk-only snapshot of a running machine (libvirt internal snapshots include its RAM)');
      await this.run(['snapshot-create-as', `--domain=${d.uuid}`, `--name=${a.name}`, ...(a.description ? [`--description=${a.description}`] : [])], 300_000);
      const tree = await this.snapshotTree(d);
      this.deps.emit(d.uuid, { type: 'vm.snapshots', currentId: tree.currentId });
      return { snapshot: tree.snapshots.find((s) => s.id === a.name)!, tree };
    },
    'snapshot.restore': async (a) => {
      const d = await this.resolve(a.vm);
      await this.run(['snapshot-revert', `--domain=${d.uuid}`, `--snapshotname=${a.snapshot}`], 300_000);
      const tree = await this.snapshotTree(d);
      const snapshot = tree.snapshots.find((s) => s.id === a.snapshot);
      if (!snapshot) throw new EngineError('not-found', `no snapshot "${a.snapshot}" of "${d.name}"`);
      this.deps.emit(d.uuid, { type: 'vm.snapshots', currentId: tree.currentId });
      return { snapshot, tree, state: await this.stateOf(d), pendingRamRestore: false };
    },
    'snapshot.delete': async (a) => {
      const d = await this.resolve(a.vm);
      await this.run(['snapshot-delete', `--domain=${d.uuid}`, `--snapshotname=${a.snapshot}`], 300_000);
      const tree = await this.snapshotTree(d);
      this.deps.emit(d.uuid, { type: 'vm.snapshots', currentId: tree.currentId });
      return { tree };
    },

    'media.poolIsos': async () => {
      // Active pools only: an inactive pool's volumes cannot be listed (virsh pool-start makes it active).
      const pools = (await this.run(['-q', 'pool-list', '--name'])).split('\n').map((l) => l.trim()).filter(Boolean);
      const isos = [];
      for (const pool of pools) isos.push(...parsePoolIsos(pool, await this.run(['-q', 'vol-list', `--pool=${pool}`, '--details'])));
      return { isos };
    },
    'media.insert': async (a) => this.changeMedia(a.vm, a.drive, a.path),
    'media.eject': async (a) => this.changeMedia(a.vm, a.drive, null),

    'vm.console.attach': async (a, client) => {
      const d = await this.resolve(a.vm);
      const { log: path, input } = await this.serialOf(d);
      if (!path) throw new EngineError('not-found', `"${d.name}" has no serial log (a domain Hangar did not write)`);
      // The page shows a console it cannot type into as read-only, with the reason.
      const readOnly = input.kind === 'read-only' ? { readOnly: input.reason } : {};
      if (!this.local) {
        const tail = a.tailBytes ?? 256 * 1024;
        const q = shQuote(this.remoteLogPath(path));
        client.followSerial(d.uuid, true);
        const { size, master } = await this.followRemoteSerial(d.uuid, path);
        // What was there before `size` (the follower sends what comes after): the remote shell's own pipe.
        const log = tail === 0 || size === 0 ? '' : await master.run(['head', '-c', String(size), '--', q, '|', 'tail', '-c', String(tail)]).catch(() => '');
        return { log, ...readOnly };
      }
      const text = await readFile(path).catch(() => Buffer.alloc(0));
      const tail = a.tailBytes ?? 256 * 1024;
      client.followSerial(d.uuid, true);
      this.followSerial(d.uuid, path, text.length);
      return { log: tail === 0 ? '' : text.subarray(Math.max(0, text.length - tail)).toString('utf8'), ...readOnly };
    },
    'vm.console.write': async (a) => {
      const d = await this.resolve(a.vm);
      await this.serialInput.write(d.uuid, () => this.reachSerial(d), a.data);
      return { ok: true as const };
    },
    // virsh send-key with QEMU's key numbers from the same key tables as Hangar's own (checked before anything is sent).
    'vm.sendKey': async (a) => {
      const { keys, qnums } = comboToQnums(a.combo);
      const d = await this.resolve(a.vm);
      await this.run(sendKeyArgs(d.uuid, qnums));
      return { keys };
    },
    'vm.typeText': async (a) => {
      const chords = textToQnumChords(a.text);
      const d = await this.resolve(a.vm);
      for (const qnums of chords) await this.run(sendKeyArgs(d.uuid, qnums));
      return { sent: chords.length };
    },
    'vm.thumbnails.subscribe': async (a, client) => this.thumbnails.subscribe(client.clientId, a.vms),
    'vm.thumbnails.unsubscribe': async (_a, client) => {
      this.thumbnails.unsubscribe(client.clientId);
      return { ok: true as const };
    },
    'vm.console.detach': async (a, client) => {
      client.followSerial((await this.resolve(a.vm)).uuid, false);
      return { ok: true };
    },
  };

  private async changeMedia(ref: string, drive: string | undefined, path: string | null): Promise<CommandResult<'media.insert'>> {
    if (path !== null && !path.startsWith('/')) throw new EngineError('invalid-args', 'media.insert: path: must be an absolute path on the libvirt host');
    const d = await this.resolve(ref);
    const facts = readDomain(await this.run(['dumpxml', `--domain=${d.uuid}`]));
    const cds = facts.drives.filter((x) => x.device === 'cdrom');
    const cd = drive ? cds.find((x) => x.id === drive || x.target === drive) : cds[0];
    if (!cd) throw new EngineError('not-found', drive ? `"${d.name}" has no CD/DVD drive "${drive}"` : `"${d.name}" has no CD/DVD drive`);
    const live = (await this.stateOf(d)).kind !== 'stopped';
    await this.run(['change-media', `--domain=${d.uuid}`, `--path=${cd.target}`, ...(path === null ? ['--eject'] : ['--update', `--source=${path}`]), live ? '--live' : '--config', ...(live ? ['--config'] : []), '--force']);
    this.deps.emit(d.uuid, { type: 'vm.media', drive: cd.id, path, trayOpen: false });
    return { drive: cd.id, path, live, trayOpen: false };
  }
}
