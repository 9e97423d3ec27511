import { createServer, type Server } from 'node:net';
import { chmod, mkdir, realpath, rm } from 'node:fs/promises';
import { EngineError, type EngineEvent, type VmEvent, type VmEventBody } from '../../src-shared/contract/index.js';
import type { VmRunState, VmRunStateKind } from '../../src-shared/vm-state.js';
import { EngineServer } from './rpc/engine-server.js';
import { jsonLinesTransport } from './transport/json-lines.js';
import { BundleStore } from './storage/bundle-store.js';
import { acquireLibraryLock, LibraryLockedError, type LibraryLock } from './storage/library-lock.js';
import { engineSocketPath, ensureRuntimeDir, vmRuntimeDirPath } from './storage/library-paths.js';
import { HostService } from './host-service.js';
import type { VmSession } from './session/vm-session.js';
import { buildEngineServices, type EngineServices } from './engine-services.js';
import type { EngineContext } from './engine-context.js';
import { SessionHooks } from './session-hooks.js';
import { reattachAll } from './vm-lifecycle.js';
import { settleStoppedBundles } from './saved-state/save-state.js';
import { sweepLeftoverTemps } from './storage/temp-sweep.js';
import type { StartUnderWay } from './session/start-cancel.js';
import { MachineLock } from './machine-ops/machine-lock.js';
import { guardMachineOps } from './machine-ops/guard-handlers.js';
import { tightenIfOpen, usePrivateUmask } from './storage/private-modes.js';
export { ENGINE_VERSION } from './engine-version.js';

export interface EngineOptions {
  libraryDir: string;
  env?: NodeJS.ProcessEnv;
  /** Extra folders searched for qemu-system-* before PATH. */
  qemuDirs?: string[];
  /** Serve the unix control socket (default true). */
  controlSocket?: boolean;
  /**
   * Set by the browser host (`hangar serve --allow-dir …`): the extra folders its file browser may show.
   * When set (even empty), typed paths in vm.create/vm.addExisting/vm.update must lie inside the roots.
   */
  allowedDirs?: string[];
  /** Marks the lock as a background CLI engine's (the app's engine asks such an owner to hand over). */
  background?: boolean;
}



/** Creates the library folder if needed and returns its real path; a file or unusable path is a clear error. */
async function openLibraryFolder(dir: string): Promise<string> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return await realpath(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new EngineError('io', `the library ${dir} is not a folder`);
    throw new EngineError('io', `cannot use ${dir} as the library: ${code ?? (err as Error).message}`);
  }
}

/** A machine between states: work under way although no client may be waiting for it. */
const TRANSITIONAL: ReadonlySet<VmRunStateKind> = new Set(['starting', 'stopping', 'saving', 'restoring']);

/**
 * The engine: owns one library (lock file), its VM sessions, and the control socket through which
 * other clients reach it. Transports attach to `server`; nothing here knows which one they use.
 * It is the services' context (EngineContext); engine-services.ts builds the services themselves.
 */
export class Engine implements EngineContext {
  readonly server: EngineServer;
  readonly sessions = new Map<string, VmSession>();
  /** VMs whose last session crashed, so the crash report survives until the next start. */
  readonly lastStates = new Map<string, VmRunState>();
  /** One operation that changes a machine at a time (start, delete, settings, snapshots…): see machine-ops/. */
  readonly machineLock = new MachineLock();
  /** VMs whose QEMU is being launched (announced as starting, no session yet). */
  readonly launching = new Set<string>();
  /** vm.start calls under way (pre-flight to return), which vm.forceOff cancels (session/start-cancel.ts). */
  readonly startsUnderWay = new Map<string, StartUnderWay>();
  /** Session start/end observers (registered by engine-services.ts). */
  readonly hooks = new SessionHooks((level, message) => this.log(level, message));
  readonly services: EngineServices;
  private markReady!: () => void;
  /** Commands that change a machine wait for this: the reattach pass at open must see each machine first. */
  private readonly ready = new Promise<void>((resolve) => (this.markReady = resolve));
  private readonly seq = new Map<string, number>();
  private controlServer: Server | null = null;
  private closed = false;
  /** See EngineOptions.allowedDirs; null for the Electron app and the CLI (unrestricted paths). */
  browserRoots: readonly string[] | null = null;

  private constructor(
    readonly libraryDir: string,
    readonly runtimeDir: string,
    readonly controlSocketPath: string,
    readonly store: BundleStore,
    readonly host: HostService,
    private readonly lock: LibraryLock,
  ) {
    this.services = buildEngineServices(this);
    this.server = new EngineServer(guardMachineOps(this.services.handlers, { lock: this.machineLock, resolve: (ref) => this.store.load(ref), ready: this.ready }), (connection, command, args, client) =>
      this.services.connections.dispatch(connection, command, args, client),
    );
  }

  static async open(options: EngineOptions): Promise<Engine> {
    const env = options.env ?? process.env;
    usePrivateUmask();
    const libraryDir = await openLibraryFolder(options.libraryDir);
    const runtimeDir = await ensureRuntimeDir({ env, uid: process.getuid?.() ?? 0 });
    const socketPath = engineSocketPath(runtimeDir, libraryDir);
    const lock = await acquireLibraryLock(libraryDir, { controlSocket: socketPath, background: options.background }).catch((err: NodeJS.ErrnoException) => {
      if (err instanceof LibraryLockedError) throw err;
      throw new EngineError('io', `cannot use ${libraryDir} as the library: its lock file cannot be written (${err.code ?? err.message})`);
    });
    const engine = new Engine(libraryDir, runtimeDir, socketPath, new BundleStore(libraryDir, { watch: true }), new HostService({ env, extraDirs: options.qemuDirs ?? [] }), lock);
    engine.browserRoots = options.allowedDirs ?? null;
    try {
      if (options.controlSocket !== false) await engine.listenControlSocket();
      // One scan of the library serves both start-up passes.
      const entries = await engine.store.list();
      await reattachAll(engine, entries);
      // Saved machine states survive the engine; a disposable run's overlays do not (no engine, no run).
      await settleStoppedBundles(engine, entries);
      // Temp files of writes cut short by a killed engine (we hold the lock: no other writer makes them).
      await sweepLeftoverTemps(libraryDir, entries.map((e) => e.bundleDir));
      // Libraries and bundles from before folders were 0700 and files 0600 (private-modes.ts).
      for (const dir of new Set([libraryDir, ...entries.map((e) => e.bundleDir)])) await tightenIfOpen(dir);
      engine.markReady();
    } catch (err) {
      await engine.close();
      throw err;
    }
    return engine;
  }

  vmRuntimeDir(vmId: string): string {
    return vmRuntimeDirPath(this.runtimeDir, vmId);
  }

  stateOf(vmId: string): VmRunState {
    const session = this.sessions.get(vmId);
    if (session) return session.state;
    if (this.launching.has(vmId)) return { kind: 'starting' };
    return this.lastStates.get(vmId) ?? { kind: 'stopped' };
  }

  /** Work under way that no request waits on: a job of any kind, or a machine between states (the idle check). */
  hasWorkInProgress(): boolean {
    return this.services.jobs.size > 0 || [...this.sessions.values()].some((s) => TRANSITIONAL.has(s.state.kind));
  }

  emit(vmId: string, body: VmEventBody, connection?: string): void {
    const seq = (this.seq.get(vmId) ?? 0) + 1;
    this.seq.set(vmId, seq);
    this.server.broadcast({ ...body, vmId, seq, ...(connection === undefined ? {} : { connection }) } as VmEvent);
  }

  log(level: EngineEvent['level'], message: string): void {
    this.server.broadcast({ type: 'engine.log', level, message });
  }

  assertOpen(): void {
    if (this.closed) throw new EngineError('invalid-state', 'the engine is shutting down');
  }

  private async listenControlSocket(): Promise<void> {
    await rm(this.controlSocketPath, { force: true });
    const server = createServer((socket) => this.server.attach(jsonLinesTransport(socket)));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.controlSocketPath, () => resolve());
    });
    await chmod(this.controlSocketPath, 0o600);
    this.controlServer = server;
  }

  /**
   * Stops accepting control-socket connections at once (synchronously), so an idle check made in the same
   * tick cannot be overtaken by a client that connects before close() gets to the socket.
   */
  stopListening(): void {
    const server = this.controlServer;
    if (!server || !server.listening) return;
    server.close();
  }

  /** Stops serving. Running VMs keep running (detached) unless `stopVms` asks to power them off. */
  async close(options: { stopVms?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.markReady(); // commands still waiting to be admitted then meet a closed engine
    const sessions = [...this.sessions.values()];
    if (options.stopVms) await Promise.all(sessions.map((s) => s.forceOff().catch(() => undefined)));
    else await Promise.all(sessions.map((s) => s.detach()));
    this.sessions.clear();
    // Plans of sessions that just ended: written before the lock goes (the next `hangar start` may read them).
    await this.services.startPlans.settle();
    this.services.connections.close();
    this.server.closeAll();
    this.store.close();
    if (this.controlServer) {
      // Also after stopListening(): close() then only waits for the 'close' event (its error argument is ignored).
      await new Promise<void>((resolve) => this.controlServer!.close(() => resolve()));
      await rm(this.controlSocketPath, { force: true });
    }
    await this.lock.release();
  }
}
