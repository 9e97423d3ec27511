import { EngineError, type CommandArgs, type CommandResult, type UsbAttachment, type VmEventBody } from '../../../src-shared/contract/index.js';
import type { VmDocument, VmPatch, VmUsbImage, VmUsbRule } from '../../../src-shared/vm-document/index.js';
import type { VmRunState } from '../../../src-shared/vm-state.js';
import { hasUsbController, hostDeviceId, usbHostDeviceAdd, USB_BUS } from '../qemu/argv-usb.js';
import type { QmpCommands } from '../qmp/qmp-commands.js';
import type { LoadedVm } from '../storage/bundle-store.js';
import type { ChainLayer } from '../storage/image-chain.js';
import { KeyedQueue } from '../storage/keyed-queue.js';
import { defaultUsbSources, listHostUsb, type HostUsbSources } from './host-usb.js';
import { checkUsbImage } from './usb-image.js';

export interface UsbSession {
  readonly state: VmRunState;
  readonly qmp: QmpCommands;
}

/** The slice of the engine USB changes need (the Engine satisfies it). */
export interface UsbHost {
  readonly libraryDir: string;
  readonly store: {
    load(ref: string): Promise<LoadedVm>;
    update(id: string, patch: VmPatch | ((doc: VmDocument) => VmPatch)): Promise<VmDocument>;
  };
  readonly sessions: ReadonlyMap<string, UsbSession>;
  emit(vmId: string, body: VmEventBody): void;
}

const LIVE: ReadonlyArray<VmRunState['kind']> = ['running', 'paused'];
/** QEMU emits DEVICE_DELETED for a USB device at once (no guest handshake, unlike PCI); a stuck one is an error. */
const DELETE_TIMEOUT_MS = 15_000;

/** `046d:c52b` / `1-2.3` → a rule. The contract checked the syntax. */
export function parseRuleSpec(spec: string): VmUsbRule {
  const vp = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$/.exec(spec);
  return vp ? { vendor: vp[1]!.toLowerCase(), product: vp[2]!.toLowerCase() } : { port: spec };
}

export function describeRule(rule: VmUsbRule): string {
  return 'port' in rule ? `port ${rule.port}` : `${rule.vendor}:${rule.product}`;
}

const sameRule = (a: VmUsbRule, b: VmUsbRule): boolean => describeRule(a) === describeRule(b);

/**
 * A stick's block nodes as `blockdev-add` arguments, bottom first (the order to add them): the same nodes as the
 * argv's chainNodes (storage/image-chain.ts checked every file), so a stick plugged in live opens only those files.
 */
export function stickBlockdevs(id: string, chain: ReadonlyArray<ChainLayer>, readOnly: boolean): Array<{ driver: string; 'node-name': string; [k: string]: unknown }> {
  const out: Array<{ driver: string; 'node-name': string; [k: string]: unknown }> = [];
  for (let i = chain.length - 1; i >= 0; i--) {
    const layer = chain[i]!;
    const name = i === 0 ? id : `${id}-b${i}`;
    const ro = i === 0 ? readOnly : true;
    const common = ro ? { 'read-only': true } : {};
    out.push({ driver: 'file', filename: layer.path, 'node-name': `${name}-file`, ...common });
    const backing = layer.format === 'qcow2' || layer.format === 'vmdk' ? { backing: i + 1 < chain.length ? `${id}-b${i + 1}` : null } : {};
    out.push({ driver: layer.format, file: `${name}-file`, 'node-name': name, ...common, ...backing });
  }
  return out;
}

/** The next free `usbN` (device ids share one namespace with disks and CD drives: they are QEMU node names too). */
export function nextUsbId(doc: Pick<VmDocument, 'disks' | 'cdroms' | 'usb'>): string {
  const used = new Set([...doc.disks.map((d) => d.id), ...doc.cdroms.map((c) => c.id), ...doc.usb.images.map((u) => u.id)]);
  for (let n = 0; ; n++) if (!used.has(`usb${n}`)) return `usb${n}`;
}

/**
 * USB sticks (disk images on usb-storage) and host USB devices (usb-host): attached and detached live over QMP
 * while QEMU runs, kept in the document (sticks, rules) so every start has them. A rule becomes a usb-host device
 * at start even when the device is absent: QEMU's libusb backend attaches it when it is plugged in (QEMU polls the
 * host's USB devices every 2 s for a usb-host that waits), so hotplug needs no watcher in the engine.
 */
export class UsbService {
  private readonly queue = new KeyedQueue();
  /** vmId → host devices plugged in by hand while running (not in the document; gone when QEMU ends). */
  private readonly transient = new Map<string, Map<string, VmUsbRule>>();
  /** vmId → stick id → the node names added live, top first (what detach deletes). */
  private readonly nodes = new Map<string, Map<string, string[]>>();

  constructor(
    private readonly host: UsbHost,
    private readonly sources: () => HostUsbSources = () => defaultUsbSources(),
  ) {}

  /** A session ended: what was plugged in by hand went with it. */
  sessionEnded(vmId: string): void {
    this.transient.delete(vmId);
    this.nodes.delete(vmId);
  }

  async hostList(): Promise<CommandResult<'usb.host.list'>> {
    return { devices: await listHostUsb(this.sources()) };
  }

  private liveSession(vm: LoadedVm): UsbSession | null {
    const s = this.host.sessions.get(vm.id);
    if (!s) return null;
    if (LIVE.includes(s.state.kind)) return s;
    throw new EngineError('invalid-state', `"${vm.name}" is ${s.state.kind}; change its USB devices once it is running or stopped`);
  }

  private attachments(vmId: string, doc: VmDocument): UsbAttachment[] {
    const running = this.host.sessions.has(vmId);
    const sticks: UsbAttachment[] = doc.usb.images.map((i) => ({ id: i.id, kind: 'image', source: i.path, readOnly: i.readOnly, saved: true, live: running }));
    const rules: UsbAttachment[] = doc.usb.rules.map((r) => ({ id: hostDeviceId(r), kind: 'host', source: describeRule(r), saved: true, live: running }));
    const byHand: UsbAttachment[] = [...(this.transient.get(vmId)?.values() ?? [])]
      .filter((r) => !doc.usb.rules.some((x) => sameRule(x, r)))
      .map((r) => ({ id: hostDeviceId(r), kind: 'host', source: describeRule(r), saved: false, live: true }));
    return [...sticks, ...rules, ...byHand];
  }

  async list(a: CommandArgs<'usb.list'>): Promise<CommandResult<'usb.list'>> {
    const vm = await this.host.store.load(a.vm);
    return { attachments: this.attachments(vm.id, vm.doc), running: this.host.sessions.has(vm.id), controller: hasUsbController(vm.doc) };
  }

  /** Live devices need the controller QEMU was started with; a stopped machine gets it at its next start. */
  private refuseNoController(vm: LoadedVm): void {
    if (!hasUsbController(vm.doc)) {
      throw new EngineError(
        'invalid-state',
        `"${vm.name}" was started without a USB controller (no USB pointer, keyboard or device), so nothing can be plugged in while it runs; shut it down and attach it then (it gets the controller at the next start)`,
        { field: 'usb', reason: 'no-controller' },
      );
    }
  }

  async attach(a: CommandArgs<'usb.attach'>): Promise<CommandResult<'usb.attach'>> {
    const first = await this.host.store.load(a.vm);
    return this.queue.run(first.id, async () => {
      const vm = await this.host.store.load(first.id);
      return a.image !== undefined ? this.attachImage(vm, a.image, a.readOnly ?? false) : this.attachHost(vm, parseRuleSpec(a.device!));
    });
  }

  private async attachImage(vm: LoadedVm, given: string, readOnly: boolean): Promise<CommandResult<'usb.attach'>> {
    const checked = await checkUsbImage(given, this.host.libraryDir);
    const taken = vm.doc.usb.images.find((i) => i.path === checked.path);
    if (taken) throw new EngineError('exists', `${checked.path} is already plugged into "${vm.name}" as ${taken.id}`, { field: 'image', id: taken.id });
    const image: VmUsbImage = { id: nextUsbId(vm.doc), path: checked.path, format: checked.format, readOnly };
    const session = this.liveSession(vm);
    if (session) {
      this.refuseNoController(vm);
      await this.plugStick(vm.id, session, image, checked.chain);
    }
    let doc: VmDocument;
    try {
      doc = await this.host.store.update(vm.id, (d) => ({ usb: { ...d.usb, images: [...d.usb.images, image] } }));
    } catch (err) {
      if (session) await this.unplugStick(vm.id, session, image.id).catch(() => undefined);
      throw err;
    }
    this.host.emit(vm.id, { type: 'vm.changed' });
    const attachments = this.attachments(vm.id, doc);
    return { attachment: attachments.find((x) => x.id === image.id)!, attachments };
  }

  private async plugStick(vmId: string, session: UsbSession, image: VmUsbImage, chain: ReadonlyArray<ChainLayer>): Promise<void> {
    const added: string[] = [];
    try {
      for (const node of stickBlockdevs(image.id, chain, image.readOnly)) {
        await session.qmp.execute('blockdev-add', node);
        added.unshift(node['node-name']);
      }
      await session.qmp.execute('device_add', { driver: 'usb-storage', id: image.id, drive: image.id, bus: USB_BUS, removable: true });
    } catch (err) {
      // Nothing half-plugged stays behind: the nodes added so far go, top first.
      for (const name of added) await session.qmp.execute('blockdev-del', { 'node-name': name }).catch(() => undefined);
      throw qemuRefused(`plug in ${image.path} as a USB stick`, err);
    }
    let byVm = this.nodes.get(vmId);
    if (!byVm) this.nodes.set(vmId, (byVm = new Map()));
    byVm.set(image.id, added);
  }

  /** device_del, waiting for DEVICE_DELETED (subscribed first), then the stick's block nodes. */
  private async unplugStick(vmId: string, session: UsbSession, id: string): Promise<void> {
    await this.unplugDevice(session, id);
    const names = this.nodes.get(vmId)?.get(id) ?? (await this.stickNodeNames(session, id));
    for (const name of names) await session.qmp.execute('blockdev-del', { 'node-name': name }).catch(() => undefined);
    this.nodes.get(vmId)?.delete(id);
  }

  /** A stick QEMU got from the argv (this engine added no nodes): its nodes are `<id>`, `<id>-file`, `<id>-bN`, `<id>-bN-file`. */
  private async stickNodeNames(session: UsbSession, id: string): Promise<string[]> {
    const nodes = await session.qmp.execute('query-named-block-nodes', { flat: true }).catch(() => []);
    const mine = new RegExp(`^${id}(-b\\d+)?(-file)?$`);
    const names = nodes.map((n) => n['node-name'] ?? '').filter((n) => mine.test(n));
    // Format nodes above their file nodes, the top layer first: each is deleted before what it uses.
    const rank = (n: string): number => Number(/-b(\d+)/.exec(n)?.[1] ?? 0) * 2 + (n.endsWith('-file') ? 1 : 0);
    return [...new Set(names)].sort((x, y) => rank(x) - rank(y));
  }

  private async unplugDevice(session: UsbSession, id: string): Promise<void> {
    const deleted = session.qmp.expectEvent('DEVICE_DELETED', { timeoutMs: DELETE_TIMEOUT_MS, predicate: (d) => d['device'] === id });
    try {
      await session.qmp.execute('device_del', { id });
    } catch (err) {
      // Already gone from QEMU (unplugged by the guest or never there): the document still forgets it.
      if (/not found/i.test(errorText(err))) return;
      throw qemuRefused(`unplug ${id}`, err);
    }
    await deleted;
  }

  private async attachHost(vm: LoadedVm, rule: VmUsbRule): Promise<CommandResult<'usb.attach'>> {
    const session = this.liveSession(vm);
    const id = hostDeviceId(rule);
    if (!session) {
      // Stopped: there is nothing to plug into, so it becomes a rule applied at every start.
      const doc = await this.addRule(vm, rule);
      const attachments = this.attachments(vm.id, doc);
      return { attachment: attachments.find((x) => x.id === id)!, attachments };
    }
    this.refuseNoController(vm);
    if (vm.doc.usb.rules.some((r) => sameRule(r, rule)) || this.transient.get(vm.id)?.has(id)) {
      throw new EngineError('exists', `${describeRule(rule)} is already attached to "${vm.name}" (${id})`, { id });
    }
    await this.plugHost(session, rule);
    let byVm = this.transient.get(vm.id);
    if (!byVm) this.transient.set(vm.id, (byVm = new Map()));
    byVm.set(id, rule);
    this.host.emit(vm.id, { type: 'vm.changed' });
    const attachments = this.attachments(vm.id, vm.doc);
    return { attachment: attachments.find((x) => x.id === id)!, attachments };
  }

  private async plugHost(session: UsbSession, rule: VmUsbRule): Promise<void> {
    try {
      await session.qmp.execute('device_add', usbHostDeviceAdd(rule));
    } catch (err) {
      throw qemuRefused(`attach the host USB device ${describeRule(rule)}`, err);
    }
  }

  private async addRule(vm: LoadedVm, rule: VmUsbRule): Promise<VmDocument> {
    if (vm.doc.usb.rules.some((r) => sameRule(r, rule))) {
      throw new EngineError('exists', `"${vm.name}" already has the USB rule ${describeRule(rule)}`, { field: 'device' });
    }
    return this.host.store.update(vm.id, (d) => ({ usb: { ...d.usb, rules: [...d.usb.rules, rule] } }));
  }

  async ruleAdd(a: CommandArgs<'usb.rule.add'>): Promise<CommandResult<'usb.rule.add'>> {
    const first = await this.host.store.load(a.vm);
    return this.queue.run(first.id, async () => {
      const vm = await this.host.store.load(first.id);
      const rule = parseRuleSpec(a.device);
      const session = this.liveSession(vm);
      const id = hostDeviceId(rule);
      const byHand = this.transient.get(vm.id)?.has(id) ?? false;
      if (session && !byHand) {
        this.refuseNoController(vm);
        await this.plugHost(session, rule);
      }
      let doc: VmDocument;
      try {
        doc = await this.addRule(vm, rule);
      } catch (err) {
        if (session && !byHand) await this.unplugDevice(session, id).catch(() => undefined);
        throw err;
      }
      // Attached by hand before: the rule keeps it now.
      this.transient.get(vm.id)?.delete(id);
      this.host.emit(vm.id, { type: 'vm.changed' });
      return { attachments: this.attachments(vm.id, doc) };
    });
  }

  async ruleRemove(a: CommandArgs<'usb.rule.remove'>): Promise<CommandResult<'usb.rule.remove'>> {
    const first = await this.host.store.load(a.vm);
    return this.queue.run(first.id, async () => {
      const vm = await this.host.store.load(first.id);
      const rule = parseRuleSpec(a.device);
      if (!vm.doc.usb.rules.some((r) => sameRule(r, rule))) {
        const have = vm.doc.usb.rules.map(describeRule).join(', ') || 'none';
        throw new EngineError('not-found', `"${vm.name}" has no USB rule ${describeRule(rule)} (rules: ${have})`, { field: 'device' });
      }
      return { attachments: await this.forget(vm, hostDeviceId(rule)) };
    });
  }

  async detach(a: CommandArgs<'usb.detach'>): Promise<CommandResult<'usb.detach'>> {
    const first = await this.host.store.load(a.vm);
    return this.queue.run(first.id, async () => {
      const vm = await this.host.store.load(first.id);
      const known = this.attachments(vm.id, vm.doc);
      if (!known.some((x) => x.id === a.id)) {
        const have = known.map((x) => x.id).join(', ') || 'none';
        throw new EngineError('not-found', `"${vm.name}" has no USB device "${a.id}" attached (it has: ${have}); hangar usb list ${vm.name} shows them`, { field: 'id' });
      }
      return { attachments: await this.forget(vm, a.id) };
    });
  }

  /** Unplugs `id` (live) and drops it from the document or the hand-attached list. */
  private async forget(vm: LoadedVm, id: string): Promise<UsbAttachment[]> {
    const session = this.liveSession(vm);
    const stick = vm.doc.usb.images.find((i) => i.id === id);
    if (session) {
      if (stick) await this.unplugStick(vm.id, session, id);
      else await this.unplugDevice(session, id);
    }
    this.transient.get(vm.id)?.delete(id);
    const doc = await this.host.store.update(vm.id, (d) => ({
      usb: { images: d.usb.images.filter((i) => i.id !== id), rules: d.usb.rules.filter((r) => hostDeviceId(r) !== id) },
    }));
    this.host.emit(vm.id, { type: 'vm.changed' });
    return this.attachments(vm.id, doc);
  }

  /**
   * Why a RAM snapshot of the running machine is refused, or null. QEMU 7.2 saves and loads one without a word with
   * a stick or a host device plugged in, but a writable stick's data is not in it (a raw image holds no snapshots:
   * a restore would show the guest a disk that changed under its cached view) and a host device keeps its state in
   * the device; a restore into a QEMU without them fails. Read-only sticks cannot change, so they may stay.
   */
  ramSnapshotRefusal(vmId: string, doc: VmDocument): string | null {
    if (!this.host.sessions.has(vmId)) return null;
    const blocking = this.attachments(vmId, doc).filter((a) => a.kind === 'host' || !a.readOnly);
    if (blocking.length === 0) return null;
    const named = blocking.map((a) => (a.kind === 'image' ? `USB stick ${a.id} (${a.source})` : `host USB device ${a.id} (${a.source})`)).join(', ');
    return (
      `a RAM snapshot of "${doc.name}" cannot include ${named}: a writable stick's data stays outside the snapshot (restoring would show the guest a ` +
      `stick that changed under it) and a host device keeps its state in the device. Detach ${blocking.length === 1 ? 'it' : 'them'} first ` +
      `(hangar usb detach "${doc.name}" ${blocking[0]!.id}), or take a disk-only snapshot (no RAM)`
    );
  }
}

function errorText(err: unknown): string {
  return String((err as { desc?: unknown })?.desc ?? (err as Error)?.message ?? err);
}

function qemuRefused(what: string, err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  return new EngineError('qemu-failed', `QEMU could not ${what}: ${errorText(err)}`);
}
