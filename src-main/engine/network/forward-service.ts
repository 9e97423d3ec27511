import { EngineError, type CommandArgs, type CommandResult, type VmEventBody } from '../../../src-shared/contract/index.js';
import type { PortForward, VmDocument, VmPatch } from '../../../src-shared/vm-document/index.js';
import type { VmRunState } from '../../../src-shared/vm-state.js';
import { hmp } from '../qmp/qmp-hmp.js';
import type { QmpCommands } from '../qmp/qmp-commands.js';
import type { LoadedVm } from '../storage/bundle-store.js';
import { KeyedQueue } from '../storage/keyed-queue.js';
import { bindError, checkConflicts, DEFAULT_HOST_ADDRESS, describeForward, hostfwdAddLine, hostfwdRemoveLine, samePort, userNetwork } from './forward-rules.js';

export interface ForwardSession {
  readonly state: VmRunState;
  readonly qmp: QmpCommands;
}

/** The slice of the engine forwards need (the Engine satisfies it). */
export interface ForwardHost {
  readonly store: {
    load(ref: string): Promise<LoadedVm>;
    update(id: string, patch: VmPatch | ((doc: VmDocument) => VmPatch)): Promise<VmDocument>;
  };
  readonly sessions: ReadonlyMap<string, ForwardSession>;
  emit(vmId: string, body: VmEventBody): void;
}

const LIVE: ReadonlyArray<VmRunState['kind']> = ['running', 'paused'];

/** The port-forward table of user-mode networks, applied live (HMP hostfwd_add/remove) while QEMU runs. */
export class ForwardService {
  private readonly queue = new KeyedQueue();

  constructor(private readonly host: ForwardHost) {}

  /** The live session of a VM, null when stopped; refuses the in-between states. */
  private live(vm: LoadedVm): ForwardSession | null {
    const s = this.host.sessions.get(vm.id);
    if (!s) return null;
    if (LIVE.includes(s.state.kind)) return s;
    throw new EngineError('invalid-state', `"${vm.name}" is ${s.state.kind}; change its port forwards once it is running or stopped`);
  }

  async list(a: CommandArgs<'forward.list'>): Promise<CommandResult<'forward.list'>> {
    const vm = await this.host.store.load(a.vm);
    return { forwards: userNetwork(vm.doc).forwards, live: this.host.sessions.has(vm.id) };
  }

  async add(a: CommandArgs<'forward.add'>): Promise<CommandResult<'forward.add'>> {
    const first = await this.host.store.load(a.vm);
    return this.queue.run('forwards', async () => {
      const vm = await this.host.store.load(first.id);
      const net = userNetwork(vm.doc);
      const wanted: PortForward = { protocol: a.protocol, hostAddress: a.hostAddress ?? DEFAULT_HOST_ADDRESS, hostPort: a.hostPort, guestPort: a.guestPort };
      const others: Array<{ name: string; forwards: PortForward[] }> = [];
      for (const id of this.host.sessions.keys()) {
        if (id === vm.id) continue;
        const o = await this.host.store.load(id).catch(() => null);
        if (o && o.doc.network.mode === 'user') others.push({ name: o.name, forwards: o.doc.network.forwards });
      }
      checkConflicts(vm.name, net.forwards, wanted, others);
      const bind = await bindError(wanted.hostAddress, wanted.hostPort, wanted.protocol);
      if (bind === 'EADDRNOTAVAIL') {
        throw new EngineError('invalid-args', `${wanted.hostAddress} is not an address of this computer; forward on 127.0.0.1 (this computer only) or 0.0.0.0 (every network)`, { field: 'hostAddress' });
      }
      if (bind !== null) {
        throw new EngineError('exists', `host ${describeForward(wanted)} is already in use by another program on this computer; pick another host port`, { field: 'hostPort', hostPort: wanted.hostPort });
      }
      const session = this.live(vm);
      if (session) await hmp(session.qmp, hostfwdAddLine(wanted));
      let doc: VmDocument;
      try {
        doc = await this.host.store.update(vm.id, (d) => (d.network.mode === 'user' ? { network: { ...d.network, forwards: [...d.network.forwards, wanted] } } : {}));
      } catch (err) {
        if (session) await hmp(session.qmp, hostfwdRemoveLine(wanted)).catch(() => undefined);
        throw err;
      }
      this.host.emit(vm.id, { type: 'vm.changed' });
      return { forward: wanted, forwards: userNetwork(doc).forwards, live: session !== null };
    });
  }

  async remove(a: CommandArgs<'forward.remove'>): Promise<CommandResult<'forward.remove'>> {
    const first = await this.host.store.load(a.vm);
    return this.queue.run('forwards', async () => {
      const vm = await this.host.store.load(first.id);
      const net = userNetwork(vm.doc);
      const f = net.forwards.find((x) => samePort(x, a));
      if (!f) {
        const have = net.forwards.map((x) => `${x.protocol}:${x.hostPort}`).join(', ') || 'none';
        throw new EngineError('not-found', `"${vm.name}" forwards no ${a.protocol} host port ${a.hostPort} (forwards: ${have})`, { field: 'hostPort' });
      }
      const session = this.live(vm);
      // The document is the truth: a rule QEMU no longer has is simply gone.
      if (session) await hmp(session.qmp, hostfwdRemoveLine(f), { tolerate: [/^host forwarding rule for .* not found/] });
      const doc = await this.host.store.update(vm.id, (d) => (d.network.mode === 'user' ? { network: { ...d.network, forwards: d.network.forwards.filter((x) => !samePort(x, f)) } } : {}));
      this.host.emit(vm.id, { type: 'vm.changed' });
      return { forwards: userNetwork(doc).forwards, live: session !== null };
    });
  }
}
