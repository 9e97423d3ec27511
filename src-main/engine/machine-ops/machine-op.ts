import type { CommandArgs, CommandName } from '../../../src-shared/contract/index.js';

/**
 * What an operation does to one machine, for the per-machine lock (machine-lock.ts):
 * - `start`: a QEMU process is being made (vm.start, the install flow's restarts);
 * - `delete`: the machine is going away;
 * - `job`: a long rewrite of its files with progress and cancel (clone, export, disk convert/compact);
 * - `edit`: a short change of its document, images or live QEMU (settings, rename, snapshots, disks, media…).
 */
export type OpClass = 'start' | 'delete' | 'job' | 'edit';

export interface MachineOp {
  /** The command (or internal operation) name; reported as `details.operation` of a refusal. */
  readonly kind: string;
  readonly class: OpClass;
  /** For "cannot <verb> "name" while …". */
  readonly verb: string;
  /** For "… while <doing>". */
  readonly doing: string;
  /** For ""name" is already <already>" when the same operation is asked for twice. */
  readonly already?: string;
  /** Needs a stopped machine: refused at once while a start is under way (it would find the machine running). */
  readonly needsStopped: boolean;
}

/** A disk reference as typed by the client, shown in a message only when it looks like a disk id. */
const diskName = (ref: string): string => (/^[A-Za-z0-9_-]{1,31}$/.test(ref) ? `its disk ${ref}` : 'one of its disks');

export const START_OP: MachineOp = { kind: 'vm.start', class: 'start', verb: 'start', doing: 'it is starting', already: 'starting', needsStopped: true };
/** The install flow starting a machine again after its installer rebooted (or the reset button while installing). */
export const RESTART_OP: MachineOp = { ...START_OP, kind: 'restart' };

const edit = (kind: string, verb: string, doing: string, needsStopped: boolean): MachineOp => ({ kind, class: 'edit', verb, doing, needsStopped });

/**
 * The commands that change one machine, and what each one is. Everything else (reads, run-time controls such
 * as pause, shutdown and force-off, which must never wait behind anything) runs without the lock.
 */
export const MACHINE_OPS: { readonly [K in CommandName]?: (a: CommandArgs<K>) => MachineOp } = {
  'vm.start': () => START_OP,
  'vm.delete': () => ({ kind: 'vm.delete', class: 'delete', verb: 'delete', doing: 'it is being deleted', already: 'being deleted', needsStopped: true }),
  'vm.clone': () => ({ kind: 'vm.clone', class: 'job', verb: 'clone', doing: 'it is being cloned', already: 'being cloned', needsStopped: true }),
  'vm.export': () => ({ kind: 'vm.export', class: 'job', verb: 'export', doing: 'it is being exported', already: 'being exported', needsStopped: true }),
  'disk.convert': (a) => ({ kind: 'disk.convert', class: 'job', verb: 'convert a disk of', doing: `${diskName(a.disk)} is being converted`, needsStopped: true }),
  'disk.compact': (a) => ({ kind: 'disk.compact', class: 'job', verb: 'compact a disk of', doing: `${diskName(a.disk)} is being compacted`, needsStopped: true }),
  'vm.update': () => edit('vm.update', 'change the settings of', 'its settings are being changed', true),
  'vm.rename': () => edit('vm.rename', 'rename', 'it is being renamed', true),
  'disk.add': () => edit('disk.add', 'add a disk to', 'a disk is being added to it', true),
  'disk.remove': (a) => edit('disk.remove', 'remove a disk of', `${diskName(a.disk)} is being removed`, true),
  'disk.resize': (a) => edit('disk.resize', 'grow a disk of', `${diskName(a.disk)} is being grown`, true),
  'snapshot.take': () => edit('snapshot.take', 'take a snapshot of', 'a snapshot of it is being taken', false),
  'snapshot.restore': () => edit('snapshot.restore', 'restore a snapshot of', 'a snapshot of it is being restored', false),
  'snapshot.delete': () => edit('snapshot.delete', 'delete a snapshot of', 'a snapshot of it is being deleted', false),
  'snapshot.rename': () => edit('snapshot.rename', 'rename a snapshot of', 'a snapshot of it is being renamed', false),
  'media.insert': () => edit('media.insert', 'change the CD/DVD of', 'its CD/DVD is being changed', false),
  'media.eject': () => edit('media.eject', 'change the CD/DVD of', 'its CD/DVD is being changed', false),
  'forward.add': () => edit('forward.add', 'change the port forwards of', 'its port forwards are being changed', false),
  'forward.remove': () => edit('forward.remove', 'change the port forwards of', 'its port forwards are being changed', false),
  'usb.attach': () => edit('usb.attach', 'change the USB devices of', 'its USB devices are being changed', false),
  'usb.detach': () => edit('usb.detach', 'change the USB devices of', 'its USB devices are being changed', false),
  'usb.rule.add': () => edit('usb.rule.add', 'change the USB devices of', 'its USB devices are being changed', false),
  'usb.rule.remove': () => edit('usb.rule.remove', 'change the USB devices of', 'its USB devices are being changed', false),
  'install.finish': () => edit('install.finish', 'finish the install of', 'its install is being finished', false),
  // A save runs on the running machine; what comes after it (a start resumes the state) waits for it.
  'vm.saveState': () => edit('vm.saveState', 'save the state of', 'its state is being saved', false),
  'vm.discardState': () => edit('vm.discardState', 'discard the saved state of', 'its saved state is being discarded', true),
};

/**
 * The commands naming a machine that run without its lock: reads, and run-time controls of a running QEMU
 * (pause, shutdown, force off… must reach it whatever else is under way; its session orders them). A test
 * requires every command with a `vm` argument to be in exactly one of this list and MACHINE_OPS.
 */
export const UNLOCKED_VM_COMMANDS: readonly CommandName[] = [
  'vm.get', 'vm.argv', 'vm.tags.set', 'vm.pause', 'vm.resume', 'vm.reset', 'vm.shutdown', 'vm.forceOff', 'vm.screenshot',
  'vm.sendKey', 'vm.typeText', 'vm.console.attach', 'vm.console.detach', 'vm.console.write', 'vm.logs', 'vm.displaySocket',
  'vm.thumbnail', 'snapshot.list', 'snapshot.thumbnail', 'disk.info', 'forward.list', 'usb.list',
  // Copies into the running guest through its agent (like typing text); changes no setting or file of the machine.
  'file.drop.begin',
];

export type Verdict = { wait: true } | { wait: false; message: string };

/**
 * Whether `incoming` may queue behind `ahead` (an operation holding or waiting for the same machine), or is
 * refused at once. Refused: anything behind a delete or a long job (waiting minutes unseen would surprise, and
 * the job holds the files); a second start; behind a start, whatever needs a stopped machine. Queued: anything
 * behind a short edit, and live-capable edits (snapshots, media, forwards) behind a start, which they then
 * apply to the running machine.
 */
export function verdict(ahead: MachineOp, incoming: MachineOp, name: string): Verdict {
  const refuse = (hint = ''): Verdict => {
    const same = incoming.kind === ahead.kind || (incoming.class === 'start' && ahead.class === 'start');
    if (same && ahead.already) return { wait: false, message: `"${name}" is already ${ahead.already}` };
    return { wait: false, message: `cannot ${incoming.verb} "${name}" while ${ahead.doing}${hint}` };
  };
  switch (ahead.class) {
    case 'delete':
      return refuse();
    case 'job':
      return refuse('; wait for it to finish or cancel its job');
    case 'start':
      return incoming.class === 'start' || incoming.needsStopped ? refuse() : { wait: true };
    case 'edit':
      return { wait: true };
  }
}
