import { afterAll, beforeAll, expect } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync, rmSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { jsonLinesTransport } from '../../src-main/engine/transport/json-lines.js';
import { EngineClient, type EngineError, type VmEvent, type EngineEvent } from '../../src-shared/contract/index.js';
import { Engine } from '../../src-main/engine/engine.js';
import { countKeyRowGlyphs, parsePpm } from './fixtures.js';
import { inProcessPair } from '../../src-main/engine/transport/in-process.js';
import { stopBackgroundEngines } from './background-engines.js';

/** No test reaches the internet: catalog downloads go to a closed loopback port unless a test serves a mirror. */
const NO_NETWORK = 'http://127.0.0.1:9';

export interface TestEnv {
  root: string;
  libraryDir: string;
  /** Short, so unix socket paths stay under the limit. */
  runtimeBase: string;
  env: NodeJS.ProcessEnv;
  cleanup(): void;
}

/** A temp library and a temp runtime folder (XDG_RUNTIME_DIR), both removed by cleanup(). */
export function makeTestEnv(): TestEnv {
  const root = mkdtempSync(join(tmpdir(), 'hangar-test-'));
  const runtimeBase = mkdtempSync('/tmp/hgr-');
  const libraryDir = join(root, 'library');
  // The Installation media folder too, so no test downloads into (or cleans) the user's own.
  const env = { ...process.env, XDG_RUNTIME_DIR: runtimeBase, HANGAR_LIBRARY: libraryDir, HANGAR_MEDIA_DIR: join(root, 'installation-media'), HANGAR_DOWNLOAD_MIRROR: NO_NETWORK };
  return {
    root,
    libraryDir,
    runtimeBase,
    env,
    cleanup() {
      // A CLI run in this env left its background engine serving the library for the idle timeout.
      stopBackgroundEngines([root]);
      killQemuUnder(runtimeBase);
      rmSync(root, { recursive: true, force: true });
      rmSync(runtimeBase, { recursive: true, force: true });
    },
  };
}

/** QEMU processes whose command line names a path under `dir` (our runtime folders). */
export function qemuPidsUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmd.startsWith('qemu-system') || cmd.includes('/qemu-system')) {
        if (cmd.includes(dir)) pids.push(Number(name));
      }
    } catch {
      // process went away
    }
  }
  return pids;
}

export function killQemuUnder(dir: string): number {
  const pids = qemuPidsUnder(dir);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  return pids.length;
}

export interface OpenedEngine {
  engine: Engine;
  client: EngineClient;
  events: Array<VmEvent | EngineEvent>;
  close(): Promise<void>;
}

export async function openEngine(t: TestEnv): Promise<OpenedEngine> {
  const engine = await Engine.open({ libraryDir: t.libraryDir, env: t.env });
  const [a, b] = inProcessPair();
  engine.server.attach(b);
  const client = new EngineClient(a);
  const events: Array<VmEvent | EngineEvent> = [];
  client.onEvent((e) => events.push(e));
  return {
    engine,
    client,
    events,
    async close() {
      client.close();
      await engine.close();
    },
  };
}

/** Resolves when `text` appears in the VM's serial output (subscribed before `trigger` runs). */
export async function serialWait(client: EngineClient, vmId: string, text: string, trigger?: () => Promise<unknown>, timeoutMs = 60_000): Promise<string> {
  let seen = '';
  let off = (): void => undefined;
  const found = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`"${text}" not seen on serial within ${timeoutMs} ms; got: ${seen.slice(-500)}`)), timeoutMs);
    off = client.onEvent((e) => {
      if (e.type === 'vm.serial' && e.vmId === vmId) {
        seen += e.data;
        if (seen.includes(text)) {
          clearTimeout(timer);
          resolve(seen);
        }
      }
    });
  });
  await client.call('vm.console.attach', { vm: vmId, tailBytes: 0 });
  try {
    if (trigger) await trigger();
    return await found;
  } finally {
    off();
  }
}

/** Resolves when the VM reaches a run state of this kind. */
export function stateWait(client: EngineClient, vmId: string, kind: string, timeoutMs = 30_000): Promise<VmEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`VM ${vmId} did not reach ${kind} within ${timeoutMs} ms`)), timeoutMs);
    const off = client.onEvent((e) => {
      if (e.type === 'vm.state' && e.vmId === vmId && e.state.kind === kind) {
        clearTimeout(timer);
        off();
        resolve(e);
      }
    });
  });
}

/** The error a call that must fail rejects with. */
export async function failure(p: Promise<unknown>): Promise<EngineError> {
  try {
    await p;
  } catch (err) {
    return err as EngineError;
  }
  throw new Error('expected the call to fail');
}

type JobEvent = Extract<VmEvent, { type: 'vm.job' }>;

/** The `vm.job` events of one job, in order. */
export function jobEventsOf(events: ReadonlyArray<VmEvent | EngineEvent>, jobId: string): JobEvent[] {
  return events.filter((x): x is JobEvent => x.type === 'vm.job' && x.jobId === jobId);
}

export const repoRoot = join(import.meta.dirname, '..', '..');

/** The built bundles (npm test builds before running integration tests). */
export function builtEntry(name: 'engine' | 'cli' | 'serve'): string {
  const p = join(repoRoot, 'out', 'main', `${name}.js`);
  if (!existsSync(p)) throw new Error(`${p} is missing: run \`npm run build\` first`);
  return p;
}

export function hasQemu(): boolean {
  execFileSync('qemu-system-x86_64', ['--version']);
  return true;
}

/**
 * Registers beforeAll/afterAll for a suite with its own test env: `use` receives it; afterAll cleans up and
 * asserts that no QEMU process outlived the suite (with `orphanMessage`, when given).
 */
export function useTestEnv(use: (t: TestEnv) => void, options: { orphanMessage?: string } = {}): void {
  let t: TestEnv | undefined;
  beforeAll(() => {
    t = makeTestEnv();
    use(t);
  });
  afterAll(() => {
    if (!t) return;
    const orphans = qemuPidsUnder(t.runtimeBase);
    t.cleanup();
    expect(orphans, options.orphanMessage).toEqual([]);
  });
}

/**
 * Like useTestEnv, plus an in-process engine on that env, closed before cleanup. `checkOrphans: false`
 * skips the no-orphan assertion; `afterCleanup` runs after cleanup, before the assertion; `current` names the
 * engine to close when the suite reopens its own; `beforeClose` runs first (e.g. to power VMs off).
 */
export function useEngineEnv(
  use: (t: TestEnv, e: OpenedEngine) => void,
  options: { orphanMessage?: string; checkOrphans?: boolean; afterCleanup?: () => void; current?: () => OpenedEngine | undefined; beforeClose?: (e: OpenedEngine) => Promise<unknown> } = {},
): void {
  let t: TestEnv | undefined;
  let e: OpenedEngine | undefined;
  beforeAll(async () => {
    t = makeTestEnv();
    e = await openEngine(t);
    use(t, e);
  });
  afterAll(async () => {
    const open = options.current ? options.current() : e;
    if (open && options.beforeClose) await options.beforeClose(open);
    await open?.close();
    if (!t) return;
    const orphans = qemuPidsUnder(t.runtimeBase);
    t.cleanup();
    options.afterCleanup?.();
    if (options.checkOrphans !== false) expect(orphans, options.orphanMessage).toEqual([]);
  });
}

/** useEngineEnv asserting that no QEMU outlives the suite; `t` and `e` are set on the result by beforeAll. */
export function useEngineSuite(): { t: TestEnv; e: OpenedEngine } {
  const suite = {} as { t: TestEnv; e: OpenedEngine };
  useEngineEnv((t, e) => Object.assign(suite, { t, e }), { orphanMessage: 'no QEMU process may outlive the suite' });
  return suite;
}

/** Spawns the built engine bundle; resolves once it prints its control socket path. */
export function startEngineProcess(t: TestEnv): Promise<{ child: ChildProcess; socket: string }> {
  const child = spawn(process.execPath, [builtEntry('engine'), '--library', t.libraryDir], { env: t.env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /control socket (\S+)/.exec(out);
      if (m) resolve({ child, socket: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`engine exited early (${code}): ${out}`)));
  });
}

/** An EngineClient over an engine process's control socket. */
export function connectClient(socketPath: string): Promise<EngineClient> {
  return new Promise((resolve, reject) => {
    const s = connect(socketPath);
    s.once('connect', () => resolve(new EngineClient(jsonLinesTransport(s))));
    s.once('error', reject);
  });
}

/** Columns of boot.img's key row that show a glyph, from a PPM screendump of the running VM (written into `dir`). */
export async function keyRowGlyphs(e: OpenedEngine, vmId: string, dir: string): Promise<number> {
  const file = join(dir, `screen-${Date.now()}.ppm`);
  await e.engine.sessions.get(vmId)!.qmp.execute('screendump', { filename: file, format: 'ppm' });
  const img = parsePpm(readFileSync(file));
  rmSync(file);
  return countKeyRowGlyphs(img);
}
