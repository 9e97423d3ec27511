import { StartPlans } from './session/start-plan.js';
import type { VmDocument } from '../../src-shared/vm-document/index.js';
import { ArchiveService } from './archive/archive-service.js';
import { archiveCommands } from './commands/archive.js';
import { consoleCommands } from './commands/console.js';
import { diskCommands } from './commands/disks.js';
import { displayCommands } from './commands/display.js';
import { hostCommands } from './commands/host.js';
import { libraryCommands } from './commands/library.js';
import { lifecycleCommands } from './commands/lifecycle.js';
import { mediaCommands } from './commands/media.js';
import { networkCommands } from './commands/network.js';
import { usbCommands } from './commands/usb.js';
import { UsbService } from './usb/usb-service.js';
import { fileDropCommands } from './commands/file-drop.js';
import { FileDropService } from './guest-agent/file-drop-service.js';
import { snapshotCommands } from './commands/snapshots.js';
import { vmCommands } from './commands/vm.js';
import { downloadCommands } from './commands/downloads.js';
import { DownloadService } from './downloads/download-service.js';
import { mediaDirFor } from './downloads/download-settings.js';
import { DiskService } from './disks/disk-service.js';
import type { DisplayService } from './display/display-service.js';
import { makeDisplayService } from './display/engine-displays.js';
import { makeThumbnailService } from './display/engine-thumbnails.js';
import type { ThumbnailService } from './display/thumbnails.js';
import type { EngineContext } from './engine-context.js';
import { localPathGuard, withFileBrowser } from './file-browser.js';
import { GuestAgentService } from './guest-agent/guest-agent-service.js';
import { InstallService } from './install/install-service.js';
import { ConnectionService } from './libvirt/connection-service.js';
import { JobRegistry } from './jobs/job-registry.js';
import { MediaService } from './media/media-service.js';
import { ForwardService } from './network/forward-service.js';
import type { Handlers } from './rpc/engine-server.js';
import { SnapshotService, type SnapshotHost } from './snapshots/snapshot-service.js';
import { readProcSample } from './stats/proc-stats.js';
import { StatsService } from './stats/stats-service.js';
import { restartVm } from './vm-lifecycle.js';
import { filesMachinesUse } from './downloads/files-in-use.js';

/** Every service of one engine, each built once. */
export interface EngineServices {
  /** Every running job of any kind (disk, clone, import, archive, snapshot): `job.cancel` and the idle check ask it. */
  readonly jobs: JobRegistry;
  readonly disks: DiskService;
  readonly media: MediaService;
  readonly usb: UsbService;
  readonly install: InstallService;
  readonly forwards: ForwardService;
  readonly archive: ArchiveService;
  readonly snapshots: SnapshotService;
  readonly stats: StatsService;
  readonly thumbnails: ThumbnailService;
  readonly displays: DisplayService;
  /** The QEMU guest agent of each running machine with the channel. */
  readonly agent: GuestAgentService;
  /** libvirt connections: their commands, and the backend a request naming a connection runs on. */
  readonly connections: ConnectionService;
  /** OS downloads into the Installation media folder; `downloads.ensureDownloaded(id)` gives other services a verified file. */
  readonly downloads: DownloadService;
  /** The plans a `hangar start` without an engine may run (session/start-plan.ts), written as sessions end. */
  readonly startPlans: StartPlans;
  /** Every contract command, by domain (commands/); not yet behind the machine lock (engine.ts adds it). */
  readonly handlers: Handlers;
}

/** The snapshot service's slice of the engine. Its jobs run inside QEMU and announce themselves by their events: the registry follows those. */
export function snapshotHost(ctx: Pick<EngineContext, 'store' | 'sessions' | 'stateOf' | 'emit' | 'log'>, jobs: Pick<JobRegistry, 'observe'>, agent?: SnapshotHost['agent'], usb?: Pick<UsbService, 'ramSnapshotRefusal'>): SnapshotHost {
  return {
    ...(agent ? { agent } : {}),
    ...(usb ? { ramRefusal: (vmId: string, doc: VmDocument) => usb.ramSnapshotRefusal(vmId, doc) } : {}),
    load: (ref) => ctx.store.load(ref),
    session: (id) => ctx.sessions.get(id),
    stateOf: (id) => ctx.stateOf(id),
    emit: (id, body) => {
      jobs.observe(id, body);
      ctx.emit(id, body);
    },
    log: (level, message) => ctx.log(level, message),
  };
}

/**
 * The composition root: the only place that knows every service. Each gets the engine's context (or the slice
 * it reads) and the peer services it uses through its constructor, and the session observers are registered
 * here, so vm-lifecycle.ts calls `ctx.hooks` without knowing who listens.
 */
export function buildEngineServices(ctx: EngineContext): EngineServices {
  const jobs = new JobRegistry();
  const media = new MediaService(ctx);
  const install = new InstallService(ctx, media, (vm) => restartVm(ctx, vm));
  const disks = new DiskService(ctx, jobs);
  const forwards = new ForwardService(ctx);
  const usb = new UsbService(ctx);
  const archive = new ArchiveService(ctx, jobs);
  const agent = new GuestAgentService({ emit: (id, body) => ctx.emit(id, body), log: (level, message) => ctx.log(level, message) });
  const drops = new FileDropService({ agent, emit: (id, body) => ctx.emit(id, body), log: (level, message) => ctx.log(level, message) });
  const snapshots = new SnapshotService(snapshotHost(ctx, jobs, agent, usb));
  const stats = new StatsService({
    liveVms: () => [...ctx.sessions.values()].filter((x) => x.state.kind !== 'stopped' && x.state.kind !== 'crashed').map((x) => ({ vmId: x.vmId, pid: x.pid })),
    read: (pid) => readProcSample(pid),
    emit: (vmId, st) => ctx.emit(vmId, { type: 'vm.stats', cpuPercent: st.cpuPercent, rssBytes: st.rssBytes, sampledAt: st.sampledAt }),
  });
  const thumbnails = makeThumbnailService(ctx);
  const env = ctx.host.env ?? process.env;
  const downloads = new DownloadService({ jobs, emit: (id, body) => ctx.emit(id, body), log: (level, message) => ctx.log(level, message), env, mediaDir: mediaDirFor(env), inUse: () => filesMachinesUse(ctx) });
  const connections = new ConnectionService(ctx.libraryDir, { env: process.env, tempDir: ctx.runtimeDir, jobs, checkLocalPaths: localPathGuard(ctx, { mediaDir: downloads.mediaDir }), emit: (id, body, connection) => ctx.emit(id, body, connection), log: (level, message) => ctx.log(level, message) });
  const displays = makeDisplayService(ctx, connections);

  // Session observers. Start hooks run in this order, all while QEMU still waits at -S: tray events first, then
  // the install's `set-action reboot=shutdown` (before the guest's first instruction), then a with-RAM snapshot
  // restored while stopped is loaded (a saved machine state resumes after these, in vm-lifecycle.ts).
  ctx.hooks.onStart('media', (vm, session) => media.watch(vm, session));
  ctx.hooks.onStart('install', (vm, session, o) => install.watch(vm, session, o));
  // The agent's monitor only listens (QMP events, its own socket) and never delays the boot.
  ctx.hooks.onStart('guest-agent', (vm, session) => agent.watch(vm.doc, session));
  ctx.hooks.onStart('snapshot', (vm, session, o) => (o.reattached ? undefined : snapshots.beforeBoot(vm, session)));
  // The install flow may finish an install and start the VM again (a guest reboot during the install).
  ctx.hooks.onEnd('install', (session) => install.sessionEnded(session));
  // Host devices plugged in by hand last only as long as the QEMU they were plugged into.
  ctx.hooks.onEnd('usb', (session) => usb.sessionEnded(session.vmId));
  ctx.hooks.onExitedUnwatched('install', (vm) => install.exitedUnwatched(vm));
  // The next start's plan, from the files as this QEMU left them.
  const startPlans = new StartPlans(ctx);
  ctx.hooks.onEnd('start-plan', (session) => startPlans.ended(session.vmId));

  const handlers = withFileBrowser(ctx, {
    ...hostCommands(ctx),
    ...libraryCommands(ctx, install),
    ...vmCommands(ctx, { jobs, media, install, displays, agent }),
    ...lifecycleCommands(ctx, { thumbnails, install, agent }),
    ...displayCommands(ctx, { thumbnails, stats }),
    ...consoleCommands(ctx),
    ...mediaCommands({ media, install }),
    ...snapshotCommands(ctx, snapshots),
    ...diskCommands(ctx, { disks, jobs }),
    ...archiveCommands(ctx, archive),
    ...networkCommands(forwards),
    ...connections.commands(),
    ...usbCommands(usb),
    ...fileDropCommands(ctx, drops),
    ...downloadCommands(downloads),
  }, { mediaDir: downloads.mediaDir });
  // The display page names a machine by id only: a libvirt domain's uuid gets its connection's (tunnelled) socket.
  const localDisplaySocket = handlers['vm.displaySocket'];
  handlers['vm.displaySocket'] = async (a, client) =>
    localDisplaySocket(a, client).catch(async (err: unknown) => {
      const conn = (err as { code?: unknown }).code === 'not-found' ? await connections.locate(a.vm) : null;
      if (!conn?.handlers['vm.displaySocket']) throw err;
      return conn.handlers['vm.displaySocket']({ vm: a.vm }, client);
    });
  return { jobs, disks, media, usb, install, forwards, archive, snapshots, stats, thumbnails, displays, agent, connections, downloads, startPlans, handlers };
}
