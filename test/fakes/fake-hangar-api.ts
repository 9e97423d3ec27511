// The one fake HangarApi for renderer unit tests: an in-memory library with scriptable run states,
// events, connection state and errors. Pure TypeScript (no DOM, no Node), so any test can use it.
import type { CallOptions, HangarApi } from '../../src-renderer/bridge/hangar-api.js';
import { DisplayChannel } from '../../src-renderer/bridge/display-channel.js';
import {
  EngineError,
  type AppChannel,
  type AppChannels,
  type AppPrefs,
  type ConnectionInfo,
  type CommandArgs,
  type CommandName,
  type CommandResult,
  type EngineErrorCode,
  type EngineEvent,
  type GuestAgentInfo,
  type FsEntry,
  type InstallPhase,
  type MenuCommand,
  type OpenRequest,
  type QmpEventRecord,
  type VmLogKind,
  type RecentIso,
  type SnapshotNodeInfo,
  type SnapshotTree,
  type VmEvent,
  type VmEventBody,
  type VmSummary,
} from '../../src-shared/contract/index.js';
import { newVmDocument, type VmDocument } from '../../src-shared/vm-document/index.js';
import type { VmRunState } from '../../src-shared/vm-state.js';

type ConnectionState = 'connecting' | 'open' | 'closed';

export interface FakeVmInput {
  name: string;
  id?: string;
  osId?: string;
  state?: VmRunState;
  error?: string;
  /** The ISO in cd0 (default: empty). */
  iso?: string;
  /** The install flow's phase (library.list carries it). */
  install?: InstallPhase;
  /** Library tags (library.list carries them). */
  tags?: string[];
}

interface FakeVm {
  /** What the guest agent said (vm.get carries it). */
  guestAgent?: GuestAgentInfo;
  doc: VmDocument;
  state: VmRunState;
  bundleDir: string;
  error?: string;
  install?: InstallPhase;
  tags?: string[];
}

type Handler<K extends CommandName> = (args: CommandArgs<K>) => Promise<CommandResult<K>> | CommandResult<K>;

/** A plausible QEMU command line for vm.previewArgv's arguments (the real one is buildArgv's, tested in the engine). */
function fakePreviewArgv(a: CommandArgs<'vm.previewArgv'>): string[] {
  const bundle = `${a.folder ?? '/library'}/${a.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-00000000.hangar`;
  const argv = [`/usr/bin/qemu-system-${a.arch ?? 'x86_64'}`, '-name', a.name, '-machine', a.arch === 'aarch64' ? 'virt' : 'q35', '-m', `size=${a.memoryMiB ?? 2048}M`, '-smp', `cpus=${a.cpus ?? 2}`];
  if (a.diskSizeGiB !== undefined) argv.push('-blockdev', `driver=file,filename=${bundle}/disks/disk0.qcow2`);
  if (a.existingDisk !== undefined) argv.push('-blockdev', `driver=file,filename=${a.existingDiskMode === 'copy' || a.existingDiskMode === 'convert' ? `${bundle}/disks/disk0.qcow2` : a.existingDisk}`);
  if (a.iso !== undefined) argv.push('-blockdev', `driver=file,filename=${a.iso},read-only=on`);
  return argv;
}

let idCounter = 0;
const nextId = (): string => {
  idCounter++;
  return `00000000-0000-4000-8000-${idCounter.toString(16).padStart(12, '0')}`;
};

export const FAKE_PREFS: AppPrefs = { theme: 'system', lastIsoFolder: null, lastDiskFolder: null, hostKey: 'ControlRight', customKeyCombos: [] };

/**
 * Usage: `const api = new FakeHangarApi({ vms: [{ name: 'debian', state: { kind: 'running' } }] })`, then
 * `api.setState('debian', { kind: 'paused' })` (emits vm.state), `api.failNext('vm.start', 'start-refused', '…')`,
 * `api.setConnection('closed')`, `api.handle('vm.screenshot', async () => …)`, and inspect `api.calls`.
 */
export class FakeHangarApi implements HangarApi {
  readonly vms = new Map<string, FakeVm>();
  /** Every engine call, in order (`connection` when it was sent to a libvirt connection). */
  readonly calls: Array<{ command: CommandName; args: unknown; connection?: string }> = [];
  /**
   * libvirt connections (`addConnection`): connection.* answer from these, and a call with `{ connection }` runs on
   * that connection's own fake library, whose events arrive here carrying `connection`.
   */
  readonly libvirt = new Map<string, { info: ConnectionInfo; api: FakeHangarApi; version: string }>();
  /** URIs an unsaved connection.test fails for, with the engine's message. */
  readonly unreachableUris = new Map<string, string>();
  /** Every app call, in order. */
  readonly appCalls: Array<{ channel: AppChannel; args: unknown }> = [];
  prefs: AppPrefs = { ...FAKE_PREFS };
  /** What the next dialog:openFile / dialog:chooseFolder answers (null = cancelled). */
  dialogAnswer: string | null = null;
  /** A fake file tree for fs.roots / fs.list: folder path → entries. */
  files = new Map<string, FsEntry[]>([
    ['/home/user', [{ name: 'isos', kind: 'dir', size: 0 }, { name: 'notes.txt', kind: 'file', size: 10 }]],
    ['/home/user/isos', [{ name: 'debian.iso', kind: 'file', size: 1024 }]],
    ['/library', []],
  ]);
  /** Every display opened, in order: drive them with `channel.opened()`, `.received(bytes)`, `.closed(code, reason)`. */
  readonly displays: Array<{ vmId: string; channel: DisplayChannel }> = [];
  /** Each VM's snapshot tree (by VM id); seed it with `setSnapshots`. */
  readonly snapshots = new Map<string, SnapshotTree>();
  /** What media.recent answers, most recent first (media.insert puts its ISO first). */
  recentIsos: RecentIso[] = [];
  /** What vm.logs answers (by VM id); seed with `setLog`. vm.console.attach answers the serial one. */
  readonly logs = new Map<string, { qemu: string; serial: string; events: QmpEventRecord[] }>();
  /** Calls wait this long before answering (ms); 0 answers on the next microtask. */
  latencyMs = 0;
  private state: ConnectionState;
  private readonly seq = new Map<string, number>();
  private readonly failures = new Map<CommandName, Error[]>();
  private readonly handlers = new Map<CommandName, Handler<never>>();
  private readonly eventListeners = new Set<(e: VmEvent | EngineEvent) => void>();
  private readonly connListeners = new Set<(s: ConnectionState) => void>();

  constructor(options: { vms?: FakeVmInput[]; connection?: ConnectionState } = {}) {
    this.state = options.connection ?? 'open';
    for (const vm of options.vms ?? []) this.addVm(vm, { silent: true });
  }

  // ---- scripting -------------------------------------------------------------------------------

  /** Adds a VM (emits vm.added unless silent); returns its summary. */
  addVm(input: FakeVmInput, options: { silent?: boolean } = {}): VmSummary {
    const id = input.id ?? nextId();
    const doc = newVmDocument({ id, name: input.name, now: '2026-01-01T00:00:00.000Z', mac: '52:54:00:12:34:56', osId: input.osId, disk: null, iso: input.iso ?? null });
    this.vms.set(id, { doc, state: input.state ?? { kind: 'stopped' }, bundleDir: `/library/${input.name}.hangar`, error: input.error, ...(input.install ? { install: input.install } : {}), ...(input.tags ? { tags: input.tags } : {}) });
    if (!options.silent) this.emitVm(id, { type: 'vm.added', name: input.name });
    return this.summary(id);
  }

  /** Adds a libvirt connection with its own machines; returns its fake library (script it like this one). */
  addConnection(name: string, uri: string, options: { vms?: FakeVmInput[]; state?: ConnectionInfo['state']; error?: string } = {}): FakeHangarApi {
    const api = new FakeHangarApi({ vms: (options.vms ?? []).map((v) => ({ ...v })) });
    // Summaries and vm.get name the connection, as the engine's libvirt backend does.
    const list = api.builtIn.bind(api);
    api.handle('library.list', () => (list('library.list', {}) as VmSummary[]).map((v) => ({ ...v, bundleDir: '', connection: this.connectionNameOf(api) })));
    api.onEvent((e) => this.emit({ ...e, connection: this.connectionNameOf(api) } as VmEvent));
    this.libvirt.set(name, { info: { name, uri, state: options.state ?? 'unknown', ...(options.error ? { error: options.error } : {}) }, api, version: '9.0.0' });
    return api;
  }

  private connectionNameOf(api: FakeHangarApi): string {
    return [...this.libvirt.entries()].find(([, c]) => c.api === api)?.[0] ?? '?';
  }

  removeVm(ref: string): void {
    const vm = this.find(ref);
    this.vms.delete(vm.doc.id);
    this.emitVm(vm.doc.id, { type: 'vm.removed' });
  }

  /** Changes a VM's run state and emits vm.state, as the engine would. */
  setState(ref: string, state: VmRunState): void {
    const vm = this.find(ref);
    vm.state = state;
    this.emitVm(vm.doc.id, { type: 'vm.state', state });
  }

  /** Moves a VM's install flow on and emits vm.install, as the engine would (`installed`: the ISO is removed first). */
  setInstall(ref: string, phase: InstallPhase, message?: string): void {
    const vm = this.find(ref);
    if (phase === 'installed') this.finishInstall(vm);
    vm.install = phase;
    this.emitVm(vm.doc.id, { type: 'vm.install', phase, ...(message !== undefined ? { message } : {}) });
  }

  /** The guest opened or closed a tray: emits vm.media with the drive's medium. */
  setTray(ref: string, drive: string, trayOpen: boolean): void {
    const vm = this.find(ref);
    const path = vm.doc.cdroms.find((c) => c.id === drive)?.path ?? null;
    this.emitVm(vm.doc.id, { type: 'vm.media', drive, path, trayOpen });
  }

  /** Replaces a VM's snapshot tree (no event). Nodes get defaults for the fields not given. */
  setSnapshots(ref: string, nodes: Array<Partial<SnapshotNodeInfo> & { id: string; name: string }>, currentId: string | null = null): SnapshotTree {
    const vm = this.find(ref);
    const tree: SnapshotTree = {
      snapshots: nodes.map((n, i) => ({ tag: n.id, description: '', createdAt: `2026-01-01T00:${String(i).padStart(2, '0')}:00.000Z`, parentId: null, withRam: false, thumbnail: null, devices: ['disk0'], ...n })),
      currentId,
      pendingRamRestore: null,
    };
    this.snapshots.set(vm.doc.id, tree);
    return tree;
  }

  /** Seeds what vm.logs (and, for `serial`, vm.console.attach) answers. */
  setLog(ref: string, kind: 'qemu' | 'serial', text: string): void;
  setLog(ref: string, kind: 'events', events: QmpEventRecord[]): void;
  setLog(ref: string, kind: VmLogKind, value: string | QmpEventRecord[]): void {
    const id = this.find(ref).doc.id;
    const logs = this.logs.get(id) ?? { qemu: '', serial: '', events: [] };
    if (kind === 'events') logs.events = value as QmpEventRecord[];
    else logs[kind] = value as string;
    this.logs.set(id, logs);
  }

  /** The guest prints on its serial console: emits vm.serial (and appends to the serial log). */
  serial(ref: string, data: string): void {
    const vm = this.find(ref);
    const logs = this.logs.get(vm.doc.id) ?? { qemu: '', serial: '', events: [] };
    logs.serial += data;
    this.logs.set(vm.doc.id, logs);
    this.emitVm(vm.doc.id, { type: 'vm.serial', data });
  }

  /** Clients holding `vm.stats.subscribe` (the built-in subscribe/unsubscribe count up and down). */
  statsSubscribers = 0;

  /** Clients holding `vm.thumbnails.subscribe` (the library list's live thumbnails). */
  thumbnailSubscribers = 0;

  /** The engine took a live thumbnail of a running VM: emits vm.thumbnail. */
  thumbnail(ref: string, pngBase64: string, size = { width: 64, height: 48 }): void {
    const vm = this.find(ref);
    this.emitVm(vm.doc.id, { type: 'vm.thumbnail', pngBase64, ...size });
  }

  /** The engine sampled a running VM's QEMU process: emits vm.stats. */
  stats(ref: string, sample: { cpuPercent: number; rssBytes: number; sampledAt?: number }): void {
    const vm = this.find(ref);
    this.emitVm(vm.doc.id, { type: 'vm.stats', cpuPercent: sample.cpuPercent, rssBytes: sample.rssBytes, sampledAt: sample.sampledAt ?? Date.now() });
  }

  /** Emits a per-VM event with the next sequence number. */
  /** A VM's document, to change a setting before a render. */
  vmDoc(ref: string): VmDocument {
    return this.find(ref).doc;
  }

  /** The guest agent answered (or stopped answering): vm.get carries it from now on, and a vm.guestAgent event says so. */
  guestAgent(ref: string, info: GuestAgentInfo): void {
    const vm = this.find(ref);
    vm.guestAgent = info;
    this.emitVm(vm.doc.id, { type: 'vm.guestAgent', info });
  }

  emitVm(vmId: string, body: VmEventBody): VmEvent {
    const seq = (this.seq.get(vmId) ?? 0) + 1;
    this.seq.set(vmId, seq);
    const event = { ...body, vmId, seq } as VmEvent;
    this.emit(event);
    return event;
  }

  /** Delivers any event as is (e.g. out-of-order sequence numbers, engine.log). */
  emit(event: VmEvent | EngineEvent): void {
    for (const l of [...this.eventListeners]) l(event);
  }

  setConnection(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    for (const l of [...this.connListeners]) l(state);
  }

  /** The next call of `command` fails with this engine error (queue several by calling again). */
  failNext(command: CommandName, code: EngineErrorCode, message: string, details?: Record<string, unknown>): void {
    const list = this.failures.get(command) ?? [];
    list.push(new EngineError(code, message, details));
    this.failures.set(command, list);
  }

  /** Replaces the built-in behaviour of a command. */
  handle<K extends CommandName>(command: K, handler: Handler<K>): void {
    this.handlers.set(command, handler as unknown as Handler<never>);
  }

  callsOf<K extends CommandName>(command: K): Array<CommandArgs<K>> {
    return this.calls.filter((c) => c.command === command).map((c) => c.args as CommandArgs<K>);
  }

  listenerCount(): number {
    return this.eventListeners.size + this.connListeners.size;
  }

  // ---- HangarApi -----------------------------------------------------------------------------

  async call<K extends CommandName>(command: K, args: CommandArgs<K>, options?: CallOptions): Promise<CommandResult<K>> {
    this.calls.push(options?.connection === undefined ? { command, args } : { command, args, connection: options.connection });
    if (options?.connection !== undefined) {
      const remote = this.libvirt.get(options.connection);
      await Promise.resolve();
      if (!remote) throw new EngineError('not-found', `no connection "${options.connection}" (hangar connection list)`);
      if (remote.info.state === 'error') throw new EngineError('io', remote.info.error ?? 'cannot reach the host');
      return remote.api.call(command, args);
    }
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    else await Promise.resolve();
    if (this.state !== 'open') throw new EngineError('io', 'not connected to the Hangar engine');
    const failure = this.failures.get(command)?.shift();
    if (failure) throw failure;
    const custom = this.handlers.get(command) as Handler<K> | undefined;
    if (custom) return custom(args);
    return this.builtIn(command, args);
  }

  onEvent(listener: (event: VmEvent | EngineEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  async app<C extends AppChannel>(channel: C, args: AppChannels[C]['args']): Promise<AppChannels[C]['result']> {
    this.appCalls.push({ channel, args });
    type R = AppChannels[C]['result'];
    switch (channel) {
      case 'app:info':
        return { version: '0.0.0-test', platform: 'linux', host: 'browser' } as R;
      case 'prefs:get':
        return { ...this.prefs } as R;
      case 'prefs:set':
        this.prefs = { ...this.prefs, ...(args as Partial<AppPrefs>) };
        return { ...this.prefs } as R;
      case 'dialog:openFile':
      case 'dialog:chooseFolder':
        return this.dialogAnswer as R;
      default:
        throw new Error(`unknown app channel ${String(channel)}`);
    }
  }

  connection(): ConnectionState {
    return this.state;
  }

  onConnectionChange(listener: (state: ConnectionState) => void): () => void {
    this.connListeners.add(listener);
    return () => this.connListeners.delete(listener);
  }

  readonly menuListeners = new Set<(command: MenuCommand) => void>();

  onMenuCommand(listener: (command: MenuCommand) => void): () => void {
    this.menuListeners.add(listener);
    return () => this.menuListeners.delete(listener);
  }

  /** Test helper: the application menu sends a command. */
  menu(command: MenuCommand): void {
    for (const l of this.menuListeners) l(command);
  }

  readonly openListeners = new Set<(request: OpenRequest) => void>();

  onOpenRequest(listener: (request: OpenRequest) => void): () => void {
    this.openListeners.add(listener);
    return () => void this.openListeners.delete(listener);
  }

  /** Test helper: a file or folder was opened with Hangar (what main sends on `open:request`). */
  openFile(request: OpenRequest): void {
    for (const l of this.openListeners) l(request);
  }

  openDisplay(vmId: string): DisplayChannel {
    const channel = new DisplayChannel();
    this.displays.push({ vmId, channel });
    return channel;
  }

  // ---- the in-memory engine ------------------------------------------------------------------

  private find(ref: string): FakeVm {
    const byId = this.vms.get(ref);
    if (byId) return byId;
    const matches = [...this.vms.values()].filter((v) => v.doc.name === ref || (ref.length >= 4 && v.doc.id.startsWith(ref)));
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) throw new EngineError('ambiguous', `"${ref}" matches ${matches.length} machines`);
    throw new EngineError('not-found', `no machine "${ref}"`);
  }

  /** The NAT network of a VM, as forward.* needs it (the engine refuses the other modes the same way). */
  private userNet(vm: FakeVm): Extract<VmDocument['network'], { mode: 'user' }> {
    if (vm.doc.network.mode !== 'user') throw new EngineError('invalid-state', `"${vm.doc.name}" is not on a NAT network, so port forwards do not apply`, { field: 'network.mode' });
    return vm.doc.network;
  }

  private snapshotTree(ref: string): SnapshotTree {
    const id = this.find(ref).doc.id;
    return this.snapshots.get(id) ?? { snapshots: [], currentId: null, pendingRamRestore: null };
  }

  private findSnapshot(tree: SnapshotTree, ref: string): SnapshotNodeInfo {
    const node = tree.snapshots.find((n) => n.id === ref || n.name === ref);
    if (!node) throw new EngineError('not-found', `no snapshot "${ref}"`);
    return node;
  }

  /** Stores the tree and emits what the engine does: vm.job running → concluded, then vm.snapshots. */
  private changeSnapshots(vmId: string, kind: 'snapshot-take' | 'snapshot-restore' | 'snapshot-delete', snapshotId: string, tree: SnapshotTree): SnapshotTree {
    const jobId = `job-${nextId()}`;
    this.emitVm(vmId, { type: 'vm.job', jobId, kind, status: 'running', percent: 0, snapshotId });
    this.snapshots.set(vmId, tree);
    this.emitVm(vmId, { type: 'vm.job', jobId, kind, status: 'concluded', percent: 100, snapshotId });
    this.emitVm(vmId, { type: 'vm.snapshots', currentId: tree.currentId });
    return tree;
  }

  private summary(id: string): VmSummary {
    const vm = this.vms.get(id)!;
    return { id, name: vm.doc.name, osId: vm.doc.osId, bundleDir: vm.bundleDir, state: vm.state, ...(vm.error ? { error: vm.error } : {}), ...(vm.install ? { install: vm.install } : {}), ...(vm.tags ? { tags: vm.tags } : {}) };
  }

  /** Puts `path` (null: nothing) into a drive as the engine does: document, vm.changed, vm.media. */
  private changeMedium(vm: FakeVm, driveRef: string | undefined, path: string | null) {
    const drive = driveRef ?? vm.doc.cdroms[0]?.id;
    if (!drive) throw new EngineError('invalid-state', `"${vm.doc.name}" has no CD drive; add one in its settings first`);
    if (!vm.doc.cdroms.some((c) => c.id === drive)) throw new EngineError('not-found', `"${vm.doc.name}" has no CD drive "${drive}"`);
    const kind = vm.state.kind;
    if (!['running', 'paused', 'stopped', 'crashed'].includes(kind)) throw new EngineError('invalid-state', `cannot change the media of "${vm.doc.name}" while it is ${kind}`);
    const live = kind === 'running' || kind === 'paused';
    vm.doc = { ...vm.doc, cdroms: vm.doc.cdroms.map((c) => (c.id === drive ? { ...c, path } : c)) };
    this.emitVm(vm.doc.id, { type: 'vm.changed' });
    this.emitVm(vm.doc.id, { type: 'vm.media', drive, path, trayOpen: false });
    return { drive, path, live, trayOpen: false };
  }

  private finishInstall(vm: FakeVm): void {
    const cd = vm.doc.cdroms.find((c) => c.path !== null);
    if (cd) this.changeMedium(vm, cd.id, null);
    vm.doc = { ...vm.doc, bootOrder: [...vm.doc.disks.map((d) => d.id), ...vm.doc.cdroms.map((c) => c.id)] };
    this.emitVm(vm.doc.id, { type: 'vm.changed' });
  }

  private transition(ref: string, allowed: VmRunState['kind'][], to: VmRunState, verb: string): { state: VmRunState } {
    const vm = this.find(ref);
    if (!allowed.includes(vm.state.kind)) throw new EngineError('invalid-state', `cannot ${verb} "${vm.doc.name}" while it is ${vm.state.kind}`);
    this.setState(vm.doc.id, to);
    return { state: to };
  }

  /** Disk sizes in bytes by `<vmId>/<disk>` (disk.info answers from here; seed with `addDisk`). */
  readonly diskSizes = new Map<string, { virtualSize: number; actualSize: number; backing?: string }>();
  /** What vm.import reports as warnings. */
  importWarnings: string[] = [];

  /** Gives a VM a disk (no event), as if it had been created with it. */
  addDisk(ref: string, disk: { id: string; sizeGiB: number; format?: VmDocument['disks'][number]['format']; path?: string; actualBytes?: number; backing?: string }): void {
    const vm = this.find(ref);
    const format = disk.format ?? 'qcow2';
    vm.doc = { ...vm.doc, disks: [...vm.doc.disks, { id: disk.id, path: disk.path ?? `disks/${disk.id}.${format === 'raw' ? 'img' : format}`, format, bus: 'virtio', readOnly: false, discard: true }], bootOrder: [...vm.doc.bootOrder, disk.id] };
    this.diskSizes.set(`${vm.doc.id}/${disk.id}`, { virtualSize: disk.sizeGiB * 2 ** 30, actualSize: disk.actualBytes ?? 196_608, ...(disk.backing ? { backing: disk.backing } : {}) });
  }

  /** A job as the engine runs it: vm.job running, then concluded. */
  private fakeJob(vmId: string, kind: 'disk-convert' | 'disk-compact' | 'vm-export' | 'vm-import' | 'vm-clone', jobId: string | undefined, disk?: string): string {
    const id = jobId ?? `job-${nextId()}`;
    this.emitVm(vmId, { type: 'vm.job', jobId: id, kind, status: 'running', percent: 50, ...(disk ? { disk } : {}) });
    this.emitVm(vmId, { type: 'vm.job', jobId: id, kind, status: 'concluded', percent: 100, ...(disk ? { disk } : {}) });
    return id;
  }

  private stoppedVm(ref: string): FakeVm {
    const vm = this.find(ref);
    if (!['stopped', 'crashed'].includes(vm.state.kind)) throw new EngineError('invalid-state', `Shut the machine down to change its disks ("${vm.doc.name}" is ${vm.state.kind})`);
    return vm;
  }

  private fakeDisk(vm: FakeVm, ref: string) {
    const disk = vm.doc.disks.find((d) => d.id === ref);
    if (!disk) throw new EngineError('not-found', `"${vm.doc.name}" has no disk "${ref}"`);
    return disk;
  }

  /** disk.*, vm.clone, vm.export, vm.import, job.cancel. */
  private storage(command: CommandName, a: Record<string, unknown>): unknown {
    const ref = a['vm'] as string;
    const jobId = a['jobId'] as string | undefined;
    switch (command) {
      case 'disk.add': {
        const vm = this.stoppedVm(ref);
        let n = 0;
        while (vm.doc.disks.some((d) => d.id === `disk${n}`)) n++;
        const id = `disk${n}`;
        const path = a['path'] as string | undefined;
        if (path) this.addDisk(vm.doc.id, { id, sizeGiB: 1, path, format: (a['format'] as 'raw' | undefined) ?? (path.endsWith('.qcow2') ? 'qcow2' : 'raw') });
        else this.addDisk(vm.doc.id, { id, sizeGiB: a['sizeGiB'] as number });
        this.emitVm(vm.doc.id, { type: 'vm.changed' });
        return { disk: vm.doc.disks.find((d) => d.id === id), doc: vm.doc };
      }
      case 'disk.remove': {
        const vm = this.stoppedVm(ref);
        const disk = this.fakeDisk(vm, a['disk'] as string);
        vm.doc = { ...vm.doc, disks: vm.doc.disks.filter((d) => d.id !== disk.id), bootOrder: vm.doc.bootOrder.filter((b) => b !== disk.id) };
        this.emitVm(vm.doc.id, { type: 'vm.changed' });
        return { doc: vm.doc, deletedFile: a['deleteFile'] === true ? `${vm.bundleDir}/${disk.path}` : null };
      }
      case 'disk.resize': {
        const vm = this.stoppedVm(ref);
        const disk = this.fakeDisk(vm, a['disk'] as string);
        const size = this.diskSizes.get(`${vm.doc.id}/${disk.id}`) ?? { virtualSize: 0, actualSize: 0 };
        const bytes = Math.ceil((a['sizeGiB'] as number) * 1024) * 2 ** 20;
        if (bytes < size.virtualSize) {
          throw new EngineError('invalid-args', `cannot resize ${disk.id} from ${size.virtualSize / 2 ** 30} GiB to ${a['sizeGiB'] as number} GiB: shrinking would destroy data at the end of the disk; Hangar only grows disks`, { field: 'sizeGiB' });
        }
        this.diskSizes.set(`${vm.doc.id}/${disk.id}`, { ...size, virtualSize: bytes });
        this.emitVm(vm.doc.id, { type: 'vm.changed' });
        return { disk: disk.id, virtualSize: bytes };
      }
      case 'disk.convert': {
        const vm = this.stoppedVm(ref);
        const disk = this.fakeDisk(vm, a['disk'] as string);
        if (disk.format === 'qcow2') throw new EngineError('invalid-state', `disk ${disk.id} of "${vm.doc.name}" is already qcow2`, { field: 'disk' });
        const id = this.fakeJob(vm.doc.id, 'disk-convert', jobId, disk.id);
        const converted = { ...disk, format: 'qcow2' as const, path: `disks/${disk.id}.qcow2` };
        vm.doc = { ...vm.doc, disks: vm.doc.disks.map((d) => (d.id === disk.id ? converted : d)) };
        this.emitVm(vm.doc.id, { type: 'vm.changed' });
        return { jobId: id, disk: converted, doc: vm.doc, oldPath: disk.path, oldDeleted: a['deleteOld'] === true };
      }
      case 'disk.compact': {
        const vm = this.stoppedVm(ref);
        const disk = this.fakeDisk(vm, a['disk'] as string);
        const size = this.diskSizes.get(`${vm.doc.id}/${disk.id}`) ?? { virtualSize: 0, actualSize: 0 };
        const id = this.fakeJob(vm.doc.id, 'disk-compact', jobId, disk.id);
        this.diskSizes.set(`${vm.doc.id}/${disk.id}`, { ...size, actualSize: Math.floor(size.actualSize / 2) });
        return { jobId: id, disk: disk.id, actualSizeBefore: size.actualSize, actualSizeAfter: Math.floor(size.actualSize / 2) };
      }
      case 'disk.info': {
        const vm = this.find(ref);
        const disk = this.fakeDisk(vm, a['disk'] as string);
        const size = this.diskSizes.get(`${vm.doc.id}/${disk.id}`) ?? { virtualSize: 0, actualSize: 0 };
        const top = { filename: `${vm.bundleDir}/${disk.path}`, format: disk.format, virtualSize: size.virtualSize, actualSize: size.actualSize };
        const base = size.backing ? [{ filename: size.backing, format: 'qcow2', virtualSize: size.virtualSize, actualSize: size.actualSize }] : [];
        return { disk: disk.id, ...top, backingChain: [top, ...base] };
      }
      case 'vm.clone': {
        const source = this.stoppedVm(ref);
        const id = this.fakeJob(source.doc.id, 'vm-clone', jobId);
        const s = this.addVm({ name: a['name'] as string, osId: source.doc.osId });
        const clone = this.vms.get(s.id)!;
        return { id: s.id, doc: clone.doc, bundleDir: clone.bundleDir, jobId: id, linked: a['linked'] === true, snapshotsCopied: false, source: source.doc };
      }
      case 'vm.export': {
        const vm = this.stoppedVm(ref);
        return { jobId: this.fakeJob(vm.doc.id, 'vm-export', jobId), path: a['path'] as string, bytes: 4096 };
      }
      case 'vm.import': {
        const path = a['path'] as string;
        const name = (a['name'] as string | undefined) ?? (path.split('/').pop() ?? 'imported').replace(/\.tar(\.gz)?$|\.tgz$/, '');
        const s = this.addVm({ name });
        const vm = this.vms.get(s.id)!;
        return { jobId: this.fakeJob(s.id, 'vm-import', jobId), id: s.id, doc: vm.doc, bundleDir: vm.bundleDir, newId: false, warnings: [...this.importWarnings] };
      }
      default:
        return { ok: true };
    }
  }

  builtIn<K extends CommandName>(command: K, args: CommandArgs<K>): CommandResult<K> {
    const a = args as Record<string, unknown>;
    const ref = a['vm'] as string;
    const r = (v: unknown) => v as CommandResult<K>;
    switch (command) {
      case 'engine.hello':
        return r({ engineVersion: '0.0.0-test', pid: 1, libraryDir: '/library' });
      case 'host.info':
        return r({ qemuVersion: '7.2.0', qemuBinary: '/usr/bin/qemu-system-x86_64', accelerators: ['tcg'], kvm: { usable: false, reason: 'test' }, uefiAvailable: true, swtpmAvailable: true, hostMemoryMiB: 8192, hostCpus: 4, libraryDir: '/library' });
      case 'library.list':
        return r([...this.vms.keys()].map((id) => this.summary(id)));
      case 'connection.list':
        return r({ connections: [...this.libvirt.values()].map((c) => ({ ...c.info })) });
      case 'connection.add': {
        const name = a['name'] as string;
        if (this.libvirt.has(name)) throw new EngineError('name-taken', `a connection named "${name}" exists already`);
        this.addConnection(name, a['uri'] as string);
        return r({ connection: { ...this.libvirt.get(name)!.info } });
      }
      case 'connection.remove':
        if (!this.libvirt.delete(a['name'] as string)) throw new EngineError('not-found', `no connection "${a['name'] as string}" (hangar connection list)`);
        return r({ ok: true });
      case 'connection.rename': {
        const c = this.libvirt.get(a['name'] as string);
        if (!c) throw new EngineError('not-found', `no connection "${a['name'] as string}" (hangar connection list)`);
        if (this.libvirt.has(a['newName'] as string)) throw new EngineError('name-taken', `a connection named "${a['newName'] as string}" exists already`);
        this.libvirt.delete(a['name'] as string);
        c.info = { ...c.info, name: a['newName'] as string };
        this.libvirt.set(a['newName'] as string, c);
        return r({ connection: { ...c.info } });
      }
      case 'connection.test': {
        const uri = a['uri'] as string | undefined;
        if (uri !== undefined) {
          const why = this.unreachableUris.get(uri);
          if (why) throw new EngineError('io', why);
          return r({ connection: { name: '', uri, state: 'connected' }, libvirtVersion: '9.0.0' });
        }
        const c = this.libvirt.get(a['name'] as string);
        if (!c) throw new EngineError('not-found', `no connection "${a['name'] as string}" (hangar connection list)`);
        if (c.info.state === 'error') throw new EngineError('io', c.info.error ?? 'cannot reach the host');
        c.info = { name: c.info.name, uri: c.info.uri, state: 'connected' };
        return r({ connection: { ...c.info }, libvirtVersion: c.version });
      }
      case 'vm.get': {
        const vm = this.find(ref);
        return r({ doc: vm.doc, state: vm.state, bundleDir: vm.bundleDir, tags: vm.tags ?? [], ...(vm.guestAgent ? { guestAgent: vm.guestAgent } : {}) });
      }
      case 'vm.create': {
        const s = this.addVm({ name: a['name'] as string, osId: a['osId'] as string | undefined });
        const vm = this.vms.get(s.id)!;
        if (typeof a['folder'] === 'string') vm.bundleDir = `${a['folder']}/${a['name'] as string}.hangar`;
        return r({ id: s.id, doc: vm.doc, bundleDir: vm.bundleDir });
      }
      case 'vm.previewArgv':
        return r({ argv: fakePreviewArgv(args as CommandArgs<'vm.previewArgv'>) });
      case 'vm.rename': {
        const vm = this.find(ref);
        vm.doc = { ...vm.doc, name: a['name'] as string };
        this.emitVm(vm.doc.id, { type: 'vm.changed' });
        return r({ doc: vm.doc, bundleDir: vm.bundleDir });
      }
      case 'vm.tags.set': {
        const vm = this.find(ref);
        vm.tags = [...new Set(a['tags'] as string[])];
        this.emitVm(vm.doc.id, { type: 'vm.changed' });
        return r({ tags: vm.tags });
      }
      case 'vm.update': {
        const vm = this.find(ref);
        vm.doc = { ...vm.doc, ...(a['patch'] as object) };
        this.emitVm(vm.doc.id, { type: 'vm.changed' });
        return r({ doc: vm.doc });
      }
      case 'vm.delete': {
        const vm = this.find(ref);
        this.removeVm(vm.doc.id);
        return r({ id: vm.doc.id });
      }
      case 'vm.start':
        return r(this.transition(ref, ['stopped', 'crashed'], { kind: 'running' }, 'start'));
      case 'vm.pause':
        return r(this.transition(ref, ['running'], { kind: 'paused' }, 'pause'));
      case 'vm.resume':
        return r(this.transition(ref, ['paused'], { kind: 'running' }, 'resume'));
      case 'vm.reset':
        return r(this.transition(ref, ['running', 'paused'], this.find(ref).state, 'reset'));
      case 'vm.shutdown':
        return r({ ...this.transition(ref, ['running'], { kind: 'stopped' }, 'shut down'), timedOut: false });
      case 'vm.forceOff':
        return r(this.transition(ref, ['running', 'paused', 'stopping', 'starting'], { kind: 'stopped' }, 'power off'));
      case 'vm.console.attach': {
        const serial = this.logs.get(this.find(ref).doc.id)?.serial ?? '';
        const tail = (a['tailBytes'] as number | undefined) ?? 64 * 1024;
        return r({ log: tail === 0 ? '' : serial.slice(-tail) });
      }
      case 'vm.logs': {
        const vm = this.find(ref);
        const logs = this.logs.get(vm.doc.id) ?? { qemu: '', serial: '', events: [] };
        const max = (a['maxBytes'] as number | undefined) ?? 256 * 1024;
        const kind = a['kind'] as VmLogKind;
        if (kind === 'events') {
          const text = logs.events.map((e) => `${e.at} ${e.event} ${JSON.stringify(e.data)}\n`).join('');
          return r({ kind, text, truncated: false, events: logs.events });
        }
        const text = logs[kind];
        return r({ kind, text: text.slice(-max), truncated: text.length > max });
      }
      case 'forward.list': {
        const vm = this.find(ref);
        return r({ forwards: this.userNet(vm).forwards, live: vm.state.kind === 'running' || vm.state.kind === 'paused' });
      }
      case 'forward.add': {
        const vm = this.find(ref);
        const net = this.userNet(vm);
        const f = { protocol: a['protocol'] as 'tcp' | 'udp', hostAddress: (a['hostAddress'] as string | undefined) ?? '127.0.0.1', hostPort: a['hostPort'] as number, guestPort: a['guestPort'] as number };
        const mine = net.forwards.find((x) => x.protocol === f.protocol && x.hostPort === f.hostPort);
        if (mine) throw new EngineError('exists', `host ${f.protocol} port ${f.hostPort} on ${f.hostAddress} is already forwarded by "${vm.doc.name}" (to guest port ${mine.guestPort})`, { field: 'hostPort', hostPort: f.hostPort });
        const forwards = [...net.forwards, f];
        vm.doc = { ...vm.doc, network: { ...net, forwards } };
        this.emitVm(vm.doc.id, { type: 'vm.changed' });
        return r({ forward: f, forwards, live: vm.state.kind === 'running' || vm.state.kind === 'paused' });
      }
      case 'forward.remove': {
        const vm = this.find(ref);
        const net = this.userNet(vm);
        const same = (x: { protocol: string; hostPort: number }) => x.protocol === a['protocol'] && x.hostPort === a['hostPort'];
        if (!net.forwards.some(same)) throw new EngineError('not-found', `"${vm.doc.name}" forwards no ${a['protocol'] as string} host port ${a['hostPort'] as number}`, { field: 'hostPort' });
        const forwards = net.forwards.filter((x) => !same(x));
        vm.doc = { ...vm.doc, network: { ...net, forwards } };
        this.emitVm(vm.doc.id, { type: 'vm.changed' });
        return r({ forwards, live: vm.state.kind === 'running' || vm.state.kind === 'paused' });
      }
      case 'vm.console.detach':
      case 'vm.console.write':
        return r({ ok: true });
      case 'fs.roots':
        return r({ roots: [{ path: '/home/user', label: 'Home' }, { path: '/library', label: 'Library' }] });
      case 'fs.list': {
        const dir = (a['dir'] as string).replace(/\/+$/, '') || '/';
        const entries = this.files.get(dir);
        if (!entries) throw new EngineError('invalid-args', `${dir} is outside the folders the browser host may use; restart \`hangar serve\` with --allow-dir`);
        return r({ dir, parent: dir === '/home/user' || dir === '/library' ? null : dir.slice(0, dir.lastIndexOf('/')) || '/', entries });
      }
      case 'media.insert': {
        const path = a['path'] as string;
        const result = this.changeMedium(this.find(ref), a['drive'] as string | undefined, path);
        const name = path.split('/').pop() ?? path;
        this.recentIsos = [{ path, name, sizeBytes: 1024, usedAt: '2026-01-02T00:00:00.000Z' }, ...this.recentIsos.filter((i) => i.path !== path)];
        return r(result);
      }
      case 'media.eject':
        return r(this.changeMedium(this.find(ref), a['drive'] as string | undefined, null));
      case 'media.recent':
        return r({ isos: this.recentIsos.map((i) => ({ ...i })) });
      case 'install.finish': {
        const vm = this.find(ref);
        this.setInstall(vm.doc.id, 'installed', `Installation on "${vm.doc.name}" finished (by hand)`);
        return r({ phase: 'installed', doc: vm.doc });
      }
      case 'snapshot.list':
        return r(this.snapshotTree(ref));
      case 'snapshot.take': {
        const vm = this.find(ref);
        const tree = this.snapshotTree(ref);
        const live = vm.state.kind === 'running' || vm.state.kind === 'paused';
        if (tree.snapshots.some((n) => n.name === a['name'])) throw new EngineError('exists', `"${vm.doc.name}" already has a snapshot named "${a['name'] as string}"`);
        if (!live && a['withRam'] === true) throw new EngineError('invalid-state', `"${vm.doc.name}" is not running, so there is no RAM to include`);
        const id = nextId();
        const node: SnapshotNodeInfo = {
          id, tag: id, name: a['name'] as string, description: (a['description'] as string | undefined) ?? '', createdAt: new Date(Date.UTC(2026, 0, 2, 0, 0, tree.snapshots.length)).toISOString(),
          parentId: tree.currentId, withRam: live && a['withRam'] !== false, thumbnail: live ? `thumbs/snap-${id}.png` : null, devices: ['disk0'],
        };
        return r({ snapshot: node, tree: this.changeSnapshots(vm.doc.id, 'snapshot-take', id, { ...tree, snapshots: [...tree.snapshots, node], currentId: id }) });
      }
      case 'snapshot.restore': {
        const vm = this.find(ref);
        const tree = this.snapshotTree(ref);
        const node = this.findSnapshot(tree, a['snapshot'] as string);
        const next = this.changeSnapshots(vm.doc.id, 'snapshot-restore', node.id, { ...tree, currentId: node.id });
        return r({ snapshot: node, tree: next, state: vm.state, pendingRamRestore: vm.state.kind === 'stopped' && node.withRam });
      }
      case 'snapshot.delete': {
        const vm = this.find(ref);
        const tree = this.snapshotTree(ref);
        const node = this.findSnapshot(tree, a['snapshot'] as string);
        const snapshots = tree.snapshots.filter((n) => n.id !== node.id).map((n) => (n.parentId === node.id ? { ...n, parentId: node.parentId } : n));
        return r({ tree: this.changeSnapshots(vm.doc.id, 'snapshot-delete', node.id, { ...tree, snapshots, currentId: tree.currentId === node.id ? node.parentId : tree.currentId }) });
      }
      case 'snapshot.rename': {
        const vm = this.find(ref);
        const tree = this.snapshotTree(ref);
        const node = this.findSnapshot(tree, a['snapshot'] as string);
        const renamed = { ...node, ...(a['name'] !== undefined ? { name: a['name'] as string } : {}), ...(a['description'] !== undefined ? { description: a['description'] as string } : {}) };
        const next = { ...tree, snapshots: tree.snapshots.map((n) => (n.id === node.id ? renamed : n)) };
        this.snapshots.set(vm.doc.id, next);
        this.emitVm(vm.doc.id, { type: 'vm.snapshots', currentId: next.currentId });
        return r({ snapshot: renamed, tree: next });
      }
      case 'vm.stats.subscribe':
        this.statsSubscribers++;
        return r({ intervalMs: 1000, leaseMs: 30_000 });
      case 'vm.stats.unsubscribe':
        this.statsSubscribers = Math.max(0, this.statsSubscribers - 1);
        return r({ ok: true });
      case 'vm.thumbnails.subscribe':
        // One page is one engine client: a renewal or a new set of rows in view is not a second subscriber.
        this.thumbnailSubscribers = 1;
        return r({ intervalMs: 5000, leaseMs: 30_000 });
      case 'vm.thumbnails.unsubscribe':
        this.thumbnailSubscribers = Math.max(0, this.thumbnailSubscribers - 1);
        return r({ ok: true });
      case 'snapshot.thumbnail': {
        const node = this.findSnapshot(this.snapshotTree(ref), a['snapshot'] as string);
        if (!node.thumbnail) throw new EngineError('not-found', `snapshot "${node.name}" has no screenshot`);
        return r({ pngBase64: 'iVBORw0KGgo=' });
      }
      case 'disk.add':
      case 'disk.remove':
      case 'disk.resize':
      case 'disk.convert':
      case 'disk.compact':
      case 'disk.info':
      case 'vm.clone':
      case 'vm.export':
      case 'vm.import':
      case 'job.cancel':
        return r(this.storage(command, a));
      default:
        throw new EngineError('unknown-command', `FakeHangarApi does not fake "${command}"; script it with handle()`);
    }
  }
}
