import { stat } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import { EngineError, type InstallPhase, type VmEventBody, type VmSummary } from '../../../src-shared/contract/index.js';
import type { VmDocument, VmPatch } from '../../../src-shared/vm-document/index.js';
import type { VmRunState } from '../../../src-shared/vm-state.js';
import type { QmpCommands } from '../qmp/qmp-commands.js';
import type { BundleStore, LoadedVm } from '../storage/bundle-store.js';
import type { MediaHost, MediaService } from '../media/media-service.js';
import { decideOnEnd, finishPatch } from './install-plan.js';
import { INSTALL_FILE, parseInstallState, readInstallState, removeInstallState, writeInstallState, type InstallState, type UnattendedInstall } from './install-state.js';

/** The slice of a VmSession the install flow needs. */
export interface InstallSession {
  readonly vmId: string;
  readonly state: VmRunState;
  readonly qmp: QmpCommands;
  readonly lastShutdown: { guest: boolean; reason: string } | null;
  forceOff(): Promise<void>;
}

/** The slice of the engine the install flow needs (the Engine satisfies it). */
export interface InstallHost extends MediaHost {
  readonly store: MediaHost['store'] & Pick<BundleStore, 'bundleFileText' | 'peekBundleFile' | 'forgetBundleFile'>;
  readonly sessions: ReadonlyMap<string, InstallSession>;
  emit(vmId: string, body: VmEventBody): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  assertOpen(): void;
}

function diskPath(vm: LoadedVm, diskId: string): string | null {
  const d = vm.doc.disks.find((x) => x.id === diskId);
  if (!d) return null;
  return isAbsolute(d.path) ? d.path : join(vm.bundleDir, d.path);
}

async function sizeOf(path: string | null): Promise<number | null> {
  if (path === null) return null;
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}

/**
 * The OS install flow, in the engine so the CLI and the UI behave alike:
 * - `vm.create` with an ISO and a new blank disk records phase `installing` (install.json).
 * - While installing, QEMU runs with `set-action reboot=shutdown` (set before the guest's first
 *   instruction), so every guest reboot ends QEMU and comes back here.
 * - When QEMU ends after the guest powered off or rebooted having written to the disk, Hangar empties the
 *   installer's drive, makes the disk boot first, records `installed`, tells the user, and (for a reboot)
 *   starts the VM again from its disk.
 * - When no engine watched (the CLI's engine had exited), the next engine finishes it on open.
 * - `install.finish` does the same by hand ("Remove installation medium"), live or offline.
 */
export class InstallService {
  private readonly userPowerdown = new WeakSet<object>();

  constructor(
    private readonly host: InstallHost,
    /** Empties the installer's drive when the install is done. */
    private readonly media: Pick<MediaService, 'removeMedium'>,
    /** Starts the VM again from its disk after the installer rebooted (vm-lifecycle's restartVm, given at composition). */
    private readonly restart: (vm: LoadedVm) => Promise<{ readonly state: VmRunState }>,
  ) {}

  phaseOf(bundleDir: string): Promise<InstallPhase | null> {
    return readInstallState(bundleDir).then((s) => s?.phase ?? null);
  }

  /** library.list summaries with their install phase. */
  async withPhases(summaries: VmSummary[]): Promise<VmSummary[]> {
    const withPhase = (s: VmSummary, text: string | null): VmSummary => {
      const phase = text === null ? null : (parseInstallState(text)?.phase ?? null);
      return phase ? { ...s, install: phase } : s;
    };
    // Through the store's watched cache: 1,000 bundles, no file read (nor await) once they are known.
    const out = summaries.map((s) => {
      if (s.error) return s;
      const text = this.host.store.peekBundleFile(s.bundleDir, INSTALL_FILE);
      return text === undefined ? null : withPhase(s, text);
    });
    await Promise.all(
      summaries.map(async (s, i) => {
        if (out[i] === null) out[i] = withPhase(s, await this.host.store.bundleFileText(s.bundleDir, INSTALL_FILE));
      }),
    );
    return out as VmSummary[];
  }

  /** Called by vm.create: an ISO plus a new blank disk means an OS is about to be installed. */
  async markInstalling(vm: LoadedVm, unattended?: UnattendedInstall): Promise<void> {
    const disk = vm.doc.disks[0];
    const cd = vm.doc.cdroms.find((c) => c.path !== null);
    if (!disk || !cd) return;
    const baseline = (await sizeOf(diskPath(vm, disk.id))) ?? 0;
    await writeInstallState(vm.bundleDir, { version: 1, phase: 'installing', disk: disk.id, cdrom: cd.id, iso: cd.path, baselineBytes: baseline, startedAt: new Date().toISOString(), ...(unattended ? { unattended } : {}) });
    this.host.store.forgetBundleFile(vm.bundleDir, INSTALL_FILE);
    this.host.emit(vm.id, { type: 'vm.install', phase: 'installing', message: `"${vm.name}" will boot ${basename(cd.path!)} to install an OS onto ${disk.id}` });
  }

  /**
   * A session starts (before `cont`) or is reattached: while installing, guest reboots become shutdowns,
   * and the user's power-button presses are noted (they never finish an install on their own).
   */
  async watch(vm: LoadedVm, session: InstallSession, opts: { reattached: boolean }): Promise<void> {
    session.qmp.onEvent((e) => {
      if (e.event === 'POWERDOWN') this.userPowerdown.add(session);
    });
    const state = await readInstallState(vm.bundleDir);
    if (state?.phase !== 'installing') return;
    await session.qmp.execute('set-action', { reboot: 'shutdown' });
    if (!opts.reattached) this.host.log('info', `"${vm.name}" is installing from ${state.iso ? basename(state.iso) : 'its CD'}; when the installer powers off or reboots, Hangar removes the medium and boots ${state.disk}`);
  }

  /**
   * vm.reset. While installing, QEMU turns every reset request into a shutdown (reboot=shutdown), and
   * SeaBIOS answers each reset of a machine it already ran on with a reset of its own, so a host reset
   * cannot be told apart from the guest rebooting. The reset button then restarts QEMU instead: a cold
   * boot, which is what a reset is for, with no guest reboot for the install flow to misread.
   */
  async hostReset(session: InstallSession, reset: () => Promise<{ readonly state: VmRunState }>): Promise<{ readonly state: VmRunState }> {
    const vm = await this.host.store.load(session.vmId).catch(() => null);
    const installing = vm !== null && (await this.phaseOf(vm.bundleDir)) === 'installing';
    if (!installing) return reset();
    await session.forceOff();
    return this.restart(vm);
  }

  /** QEMU ended while this engine watched (a session-end hook registered in engine-services.ts). */
  async sessionEnded(session: InstallSession): Promise<void> {
    let vm: LoadedVm;
    try {
      vm = await this.host.store.load(session.vmId);
    } catch {
      return; // deleted meanwhile
    }
    const state = await readInstallState(vm.bundleDir);
    if (state?.phase !== 'installing') return;
    const final = session.state.kind === 'crashed' ? 'crashed' : 'stopped';
    const wrote = await this.diskWritten(vm, state);
    const decision = decideOnEnd({ phase: state.phase, final, shutdown: session.lastShutdown, userPowerdown: this.userPowerdown.has(session), wrote });
    const rebooted = session.lastShutdown?.reason === 'guest-reset';
    if (decision.drop) {
      await removeInstallState(vm.bundleDir);
      this.host.store.forgetBundleFile(vm.bundleDir, INSTALL_FILE);
      const message = `"${vm.name}" powered off without writing to ${state.disk}, so Hangar no longer treats it as an OS install; the medium stays in (eject it from the details pane when you no longer need it).`;
      this.host.emit(vm.id, { type: 'vm.install', phase: 'none', message });
      this.host.log('info', message);
      return;
    }
    if (decision.finish) {
      vm = await this.finish(vm, state, rebooted ? 'the installer rebooted' : 'the installer powered off', { restarting: decision.restart });
    }
    if (!decision.restart) return;
    try {
      this.host.assertOpen();
    } catch {
      return;
    }
    try {
      await this.restart(vm);
    } catch (err) {
      this.host.log('error', `could not start "${vm.name}" again after its reboot: ${(err as Error).message}`);
    }
  }

  /**
   * A VM whose QEMU exited cleanly while no engine watched (found by the next engine's reattach): finish
   * an install the guest completed meanwhile. QEMU removes its pidfile only on a clean exit, so this never
   * runs after a crash or a kill. The guest's reboot request (if it was one) is lost: the VM stays stopped.
   */
  async exitedUnwatched(vm: LoadedVm): Promise<void> {
    const state = await readInstallState(vm.bundleDir);
    if (state?.phase !== 'installing') return;
    if (!(await this.diskWritten(vm, state))) return;
    await this.finish(vm, state, 'the installer ended while Hangar was not running', { restarting: false });
  }

  /** install.finish: "Remove installation medium", by hand, whether or not the VM runs. */
  async finishByHand(ref: string): Promise<{ phase: InstallPhase; doc: VmDocument }> {
    const vm = await this.host.store.load(ref);
    const state = await readInstallState(vm.bundleDir);
    const disk = state?.disk ?? vm.doc.disks[0]?.id;
    const cdrom = state?.cdrom ?? vm.doc.cdroms.find((c) => c.path !== null)?.id ?? vm.doc.cdroms[0]?.id;
    if (!disk) throw new EngineError('invalid-state', `"${vm.name}" has no disk to boot from`);
    if (!cdrom) throw new EngineError('invalid-state', `"${vm.name}" has no CD drive`);
    const kind = this.host.sessions.get(vm.id)?.state.kind ?? 'stopped';
    if (!['running', 'paused', 'stopped', 'crashed'].includes(kind)) {
      throw new EngineError('invalid-state', `cannot remove the installation medium of "${vm.name}" while it is ${kind}`);
    }
    const full: InstallState = state ?? { version: 1, phase: 'installing', disk, cdrom, iso: vm.doc.cdroms.find((c) => c.id === cdrom)?.path ?? null, baselineBytes: 0, startedAt: new Date().toISOString() };
    const done = await this.finish(vm, full, 'by hand', { restarting: false });
    return { phase: 'installed', doc: done.doc };
  }

  private async diskWritten(vm: LoadedVm, state: InstallState): Promise<boolean> {
    const now = await sizeOf(diskPath(vm, state.disk));
    return now !== null && now > state.baselineBytes;
  }

  private async finish(vm: LoadedVm, state: InstallState, how: string, opts: { restarting: boolean }): Promise<LoadedVm> {
    const session = this.host.sessions.get(vm.id);
    const live = session !== undefined && (session.state.kind === 'running' || session.state.kind === 'paused');
    const iso = vm.doc.cdroms.find((c) => c.id === state.cdrom)?.path ?? state.iso;
    if (vm.doc.cdroms.some((c) => c.id === state.cdrom)) {
      // Live: QMP eject (the next guest reboot then falls through the empty drive to the disk); offline: the document.
      await this.media.removeMedium(vm, state.cdrom);
    }
    // An unattended install's answer media (seed CDs) go with the installer: the installed system must not read them again.
    for (const seed of state.unattended?.seedCdroms ?? []) {
      const drive = (await this.host.store.load(vm.id)).doc.cdroms.find((c) => c.id === seed);
      if (drive?.path) await this.media.removeMedium(vm, seed);
    }
    let doc = await this.host.store.update(vm.id, (d) => {
      if (!d.disks.some((x) => x.id === state.disk)) throw new EngineError('invalid-state', `"${d.name}" no longer has disk ${state.disk}`);
      return finishPatch(d, { disk: state.disk, cdrom: state.cdrom }) as VmPatch;
    });
    if (live) await session.qmp.execute('set-action', { reboot: 'reset' }).catch(() => undefined);
    await writeInstallState(vm.bundleDir, { ...state, phase: 'installed', finishedAt: new Date().toISOString(), how });
    this.host.store.forgetBundleFile(vm.bundleDir, INSTALL_FILE);
    const next = opts.restarting ? 'Starting it again from its disk.' : live ? 'It boots from its disk from the next restart.' : 'Start it to boot the installed system.';
    const message = `Installation on "${doc.name}" finished (${how}): Hangar removed the installation medium${iso ? ` (${basename(iso)})` : ''} and made ${state.disk} the first boot device. ${next}`;
    this.host.emit(vm.id, { type: 'vm.changed' });
    this.host.emit(vm.id, { type: 'vm.install', phase: 'installed', message });
    this.host.log('info', message);
    doc = (await this.host.store.load(vm.id)).doc;
    return { ...vm, doc };
  }
}
