// A start plan tampered with, or a world in which it no longer holds: `hangar start` with no engine running must
// then say why it did not use the plan (HANGAR_FAST_START=explain) and start through the engine, which either
// starts the machine as the files now say or refuses with its own specific error. One untouched row shows
// that the plan is used at all, so the others prove something. Real QEMU (boot.img), real files, the built CLI.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnHangar, type CliRun } from '../helpers/cli-runner.js';
import { builtEntry, connectClient, qemuPidsUnder, repoRoot, useTestEnv, type TestEnv } from '../helpers/engine-harness.js';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { backgroundEnginePids, waitForNoBackgroundEngine } from '../helpers/background-engines.js';
import { PLAN_KEY_FILE, planFiles, hangarCacheDir, sealText, START_PLANS_DIR } from '../../src-main/engine/session/start-plan-file.js';
import { LOCK_FILE_NAME } from '../../src-main/engine/storage/library-lock.js';
import { engineSocketPath } from '../../src-main/engine/storage/library-paths.js';
import { waitForFile } from '../helpers/file-text.js';
import { EXIT } from '../../src-main/cli/exit-codes.js';

interface Vm {
  id: string;
  name: string;
  disk: string;
  bundleDir: string;
}

interface SessionRecord {
  vmId: string;
  pid: number;
  fastStart?: boolean;
}

describe('hostile: hangar start from a start plan (no engine running)', () => {
  let t: TestEnv;
  let a: Vm;
  let b: Vm;
  const engines: ChildProcess[] = [];
  useTestEnv((env) => {
    t = env;
    // Each command's background engine leaves as soon as it is done: the plan is written before it goes.
    t.env['HANGAR_ENGINE_IDLE_TIMEOUT'] = '0';
    t.env['HANGAR_FAST_START'] = 'explain';
  });

  const runtimeOf = (vm: Vm): string => join(t.runtimeBase, 'hangar', vm.id.replace(/-/g, '').slice(0, 12));
  const plansDir = (): string => join(t.libraryDir, START_PLANS_DIR);
  const planOf = (vm: Vm, by: 'id' | 'name' = 'name'): string => planFiles(t.libraryDir, by === 'id' ? { id: vm.id } : { name: vm.name })[0]!;
  const sessionOf = (vm: Vm): SessionRecord => JSON.parse(readFileSync(join(runtimeOf(vm), 'session.json'), 'utf8')) as SessionRecord;

  /** `hangar start VM` waiting for boot.img's marker, with `env` over the test's. */
  const start = (vm: Vm | string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> =>
    spawnHangar({ ...t, env: { ...t.env, ...env } }, 'start', typeof vm === 'string' ? vm : vm.name, '--wait-for-serial', markers.bootOk, '--timeout', '60');

  /** Force off through the engine; no QEMU of the VM and no background engine left. */
  const stop = async (vm: Vm): Promise<void> => {
    expect(await spawnHangar(t, 'stop', vm.id, '--force'), `stopping ${vm.name}`).toMatchObject({ code: 0 });
    expect(await waitForNoBackgroundEngine([t.root]), 'the background engine exits once idle (after writing the plan)').toEqual([]);
    expect(qemuPidsUnder(runtimeOf(vm)), `no QEMU of ${vm.name} left`).toEqual([]);
    expect(existsSync(runtimeOf(vm)), `the runtime folder of ${vm.name} is gone`).toBe(false);
  };

  /** Started and stopped through the engine: its plan is written afresh as the session ends. */
  const prime = async (vm: Vm): Promise<void> => {
    expect(await start(vm, { HANGAR_FAST_START: '0' }), `starting ${vm.name} through the engine`).toMatchObject({ code: 0, stderr: '' });
    expect(sessionOf(vm).fastStart).toBeUndefined();
    await stop(vm);
    expect(existsSync(planOf(vm, 'id')) && existsSync(planOf(vm, 'name')), `the plans of ${vm.name} exist`).toBe(true);
  };

  /** The start fell back to the engine for `reason` and the machine runs from the engine's own start. */
  const expectEngineStart = (r: CliRun, vm: Vm, reason: string | RegExp): void => {
    const got = `exit ${r.code}, stderr ${JSON.stringify(r.stderr)}`;
    expect(r.code, got).toBe(0);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines, got).toHaveLength(1);
    if (typeof reason === 'string') expect(lines[0]).toBe(`hangar: fast start: ${reason}`);
    else expect(lines[0]).toMatch(reason);
    const session = sessionOf(vm);
    expect(session.fastStart, 'the engine started it, not the plan').toBeUndefined();
    expect(qemuPidsUnder(runtimeOf(vm))).toEqual([session.pid]);
  };

  /** `hangar engine` in the foreground (as the app or `hangar serve` would hold the library), once it serves. */
  const foregroundEngine = async (): Promise<ChildProcess> => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'hangar.js'), '--library', t.libraryDir, 'engine'], { env: t.env, stdio: ['ignore', 'pipe', 'pipe'] });
    engines.push(child);
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Hangar engine serving')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`hangar engine exited early (${code}): ${out}`)));
    });
    return child;
  };

  const makeVm = async (name: string): Promise<Vm> => {
    // Each machine its own copy: the rows replace disks, and QEMU locks an image to one machine.
    const disk = join(t.root, `${name}.img`);
    copyFileSync(fixturePaths.bootImg, disk);
    const created = await spawnHangar(t, 'create', name, '--disk', disk, '--memory', '64', '--cpus', '1');
    expect(created, `creating ${name}`).toMatchObject({ code: 0 });
    const id = created.stdout.trim();
    const bundleDir = readdirSync(t.libraryDir).map((f) => join(t.libraryDir, f)).find((f) => f.endsWith(`-${id.slice(0, 8)}.hangar`));
    expect(bundleDir, `the bundle of ${name}`).toBeDefined();
    const vm = { id, name, disk, bundleDir: bundleDir! };
    expect(await waitForNoBackgroundEngine([t.root])).toEqual([]);
    return vm;
  };

  beforeAll(async () => {
    builtEntry('cli');
    a = await makeVm('plan-a');
    b = await makeVm('plan-b');
    // After both exist: a new machine changes the library's list, which every plan depends on.
    await prime(a);
    await prime(b);
  }, 120_000);

  // A failed row must not leave its machine running for the next: force off whatever still runs.
  afterEach(async () => {
    for (const vm of [a, b]) if (existsSync(runtimeOf(vm))) await spawnHangar(t, 'stop', vm.id, '--force');
    await waitForNoBackgroundEngine([t.root]);
  });

  afterAll(() => {
    for (const e of engines) e.kill('SIGTERM');
  });

  it('untouched plan: the start is fast, by name and by id, and the next engine reattaches and stops it', async () => {
    for (const query of [a.name, a.id]) {
      const r = await start(query);
      expect(r, 'nothing to explain').toMatchObject({ code: 0, stderr: '', stdout: '' });
      const session = sessionOf(a);
      expect(session.fastStart).toBe(true);
      expect(qemuPidsUnder(runtimeOf(a))).toEqual([session.pid]);
      expect(backgroundEnginePids([t.root]), 'no engine ran for it').toEqual([]);
      expect(existsSync(join(t.libraryDir, LOCK_FILE_NAME)), 'the lock taken for the spawn is gone').toBe(false);
      await stop(a);
    }
  });

  it('HANGAR_FAST_START=0: the engine starts it, without a word', async () => {
    const r = await start(a, { HANGAR_FAST_START: '0' });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(sessionOf(a).fastStart).toBeUndefined();
    await stop(a);
  });

  it('a plan file anyone may write (0666) is not used', async () => {
    chmodSync(planOf(a), 0o666);
    expectEngineStart(await start(a), a, 'no plan');
    await stop(a);
    expect(lstatSync(planOf(a)).mode & 0o777, 'the engine wrote it afresh').toBe(0o600);
  });

  it('a plans folder anyone may write (0777) is not used', async () => {
    chmodSync(plansDir(), 0o777);
    try {
      expectEngineStart(await start(a), a, 'the plans folder is not private');
      await stop(a);
    } finally {
      chmodSync(plansDir(), 0o700);
    }
  });

  it('a library anyone may write (0777) is not used', async () => {
    chmodSync(t.libraryDir, 0o777);
    try {
      expectEngineStart(await start(a), a, 'the library is not a private folder of yours');
      await stop(a);
    } finally {
      chmodSync(t.libraryDir, 0o700);
    }
  });

  it('a plan replaced by a symlink to a good copy of itself is not used', async () => {
    const copy = join(t.root, 'plan-copy.json');
    copyFileSync(planOf(a), copy);
    rmSync(planOf(a));
    symlinkSync(copy, planOf(a));
    expectEngineStart(await start(a), a, 'no plan');
    await stop(a);
    expect(lstatSync(planOf(a)).isFile(), 'the engine replaced the symlink with its own plan').toBe(true);
  });

  it('a plan owned by another user (nobody, uid 65534) is not used', async () => {
    chownSync(planOf(a), 65534, 65534);
    expectEngineStart(await start(a), a, 'no plan');
    await stop(a);
  });

  it('a plans folder owned by another user is not used', async () => {
    chownSync(plansDir(), 65534, 65534);
    try {
      expectEngineStart(await start(a), a, 'the plans folder is not private');
      await stop(a);
    } finally {
      chownSync(plansDir(), process.getuid!(), process.getgid!());
    }
  });

  it("machine A's plan copied over machine B's name file is not used for B", async () => {
    copyFileSync(planOf(a), planOf(b));
    expectEngineStart(await start(b), b, 'a plan of another machine');
    expect(qemuPidsUnder(runtimeOf(a)), 'A was not started').toEqual([]);
    await stop(b);
  });

  it.each([
    ['garbage', 'hangar was here {', 'the plan does not parse'],
    ['JSON null', 'null', 'another plan format'],
    ['a plan of no known shape', '{"version":1,"argv":[],"inputs":[]}', 'another plan format'],
  ])('a plan file holding %s is not used (and does not crash the CLI), sealed or not', async (_what, text, reason) => {
    // Not sealed (anyone's file): refused before it is even parsed.
    writeFileSync(planOf(a), text);
    expectEngineStart(await start(a), a, "the plan is not sealed by this user's engine");
    await stop(a);
    // Sealed with this user's own key (as if the engine had written it): still refused, and no crash.
    writeFileSync(planOf(a), sealText(readFileSync(join(hangarCacheDir(t.env), PLAN_KEY_FILE)), text));
    expectEngineStart(await start(a), a, reason);
    await stop(a);
  });

  it("a plan sealed with someone else's key (a library folder made elsewhere) is not used", async () => {
    const good = readFileSync(planOf(a), 'utf8');
    writeFileSync(planOf(a), sealText(Buffer.alloc(32, 9), good.slice(good.indexOf('\n') + 1).trimEnd()));
    expectEngineStart(await start(a), a, "the plan is not sealed by this user's engine");
    await stop(a);
  });

  it('the disk replaced by a symlink to /etc/shadow: no fast start, and the engine refuses the system file', async () => {
    const kept = `${a.disk}.kept`;
    renameSync(a.disk, kept);
    symlinkSync('/etc/shadow', a.disk);
    try {
      const r = await start(a);
      const got = `exit ${r.code}, stderr ${JSON.stringify(r.stderr)}`;
      expect(r.code, got).toBe(EXIT.qemu);
      expect(r.stderr, got).toContain(`hangar: fast start: ${a.disk} changed\n`);
      expect(r.stderr, got).toContain(`${a.disk} resolves to /etc/shadow, a system file (under /etc)`);
      expect(existsSync(join(runtimeOf(a), 'session.json')), 'nothing started').toBe(false);
      expect(await waitForNoBackgroundEngine([t.root])).toEqual([]);
      expect(qemuPidsUnder(runtimeOf(a))).toEqual([]);
    } finally {
      rmSync(a.disk);
      renameSync(kept, a.disk);
    }
    // The plan still names the old stamps (the rename changed the disk's ctime): refused until an engine writes it.
    expectEngineStart(await start(a), a, `${a.disk} changed`);
    await stop(a);
  });

  it('memory changed by hangar set: the engine starts it, and QEMU gets the new size', async () => {
    expect(await spawnHangar(t, 'set', a.id, 'memory=96'), 'hangar set memory=96').toMatchObject({ code: 0 });
    expect(await waitForNoBackgroundEngine([t.root])).toEqual([]);
    // vm.json is replaced atomically, which changes its folder first (inputs are checked in order).
    expectEngineStart(await start(a), a, `${a.bundleDir} changed`);
    const argv = readFileSync(`/proc/${sessionOf(a).pid}/cmdline`, 'utf8').split('\0');
    expect(argv[argv.indexOf('-m') + 1]).toBe('size=96M');
    await stop(a);
    // The plan written at that stop holds the new size, and is used.
    expect(await start(a)).toMatchObject({ code: 0, stderr: '' });
    const fast = sessionOf(a);
    expect(fast.fastStart).toBe(true);
    const fastArgv = readFileSync(`/proc/${fast.pid}/cmdline`, 'utf8').split('\0');
    expect(fastArgv[fastArgv.indexOf('-m') + 1]).toBe('size=96M');
    await stop(a);
  });

  it("vm.json swapped for a hand-edited one with the old one's size and times is not used", async () => {
    const json = join(a.bundleDir, 'vm.json');
    const before = lstatSync(json);
    const text = readFileSync(json, 'utf8');
    // Same length: "plan-a" renamed "plan-x" is the smallest edit; times set back to the old ones.
    const edited = text.replace('"name": "plan-a"', '"name": "plan-x"');
    expect(edited.length).toBe(text.length);
    expect(edited).not.toBe(text);
    writeFileSync(`${json}.tmp`, edited);
    renameSync(`${json}.tmp`, json);
    utimesSync(json, before.atime, before.mtime);
    try {
      const r = await start(a.id);
      expectEngineStart(r, a, `${a.bundleDir} changed`);
      await stop(a);
    } finally {
      const back = readFileSync(json, 'utf8').replace('"name": "plan-x"', '"name": "plan-a"');
      writeFileSync(`${json}.tmp`, back);
      renameSync(`${json}.tmp`, json);
    }
    await prime(a);
  });

  it('PATH changed (another QEMU could come first): the engine starts it', async () => {
    const bin = join(t.root, 'bin');
    mkdirSync(bin, { recursive: true });
    expectEngineStart(await start(a, { PATH: `${bin}:${t.env['PATH'] ?? ''}` }), a, 'PATH changed');
    await stop(a);
  });

  it('a runtime folder anyone may enter (0777): no fast start (another user could plant sockets there)', async () => {
    const base = join(t.runtimeBase, 'hangar');
    chmodSync(base, 0o777);
    try {
      expectEngineStart(await start(a), a, 'the runtime folder is not private');
      expect(lstatSync(base).mode & 0o777, 'the engine tightened it').toBe(0o700);
      await stop(a);
    } finally {
      chmodSync(base, 0o700);
    }
  });

  it('a leftover runtime folder (a session.json of a QEMU long gone): the engine judges it', async () => {
    mkdirSync(runtimeOf(a), { mode: 0o700 });
    writeFileSync(join(runtimeOf(a), 'session.json'), JSON.stringify({ vmId: a.id, pid: 2 ** 22 + 1, startedAt: new Date(0).toISOString(), bundleDir: a.bundleDir }));
    expectEngineStart(await start(a), a, 'the runtime folder is not free');
    await stop(a);
  });

  it('a lock file left by an engine that died: the engine takes over and starts it', async () => {
    writeFileSync(join(t.libraryDir, LOCK_FILE_NAME), JSON.stringify({ pid: 2 ** 22 + 1, startedAt: new Date(0).toISOString(), controlSocket: join(t.runtimeBase, 'gone.sock') }), { mode: 0o600 });
    expectEngineStart(await start(a), a, 'an engine owns the library');
    await stop(a);
  });

  it("a machine whose screen a client watched (the engine keeps thumbs/last.png at the stop): its plan still holds", async () => {
    const child = await foregroundEngine();
    const client = await connectClient(engineSocketPath(join(t.runtimeBase, 'hangar'), t.libraryDir));
    try {
      await client.call('vm.thumbnails.subscribe', { vms: [a.id] });
      const seen = new Promise<void>((resolve) => client.onEvent((e) => e.type === 'vm.thumbnail' && e.vmId === a.id && resolve()));
      expect(await start(a)).toMatchObject({ code: 0, stderr: 'hangar: fast start: an engine owns the library\n' });
      await seen;
      expect(await spawnHangar(t, 'stop', a.id, '--force')).toMatchObject({ code: 0 });
      // The stop's thumbnail is written as the session ends, beside the plan.
      await waitForFile(join(a.bundleDir, 'thumbs', 'last.png'), (body) => body.length > 0, 'the kept thumbnail', 30_000, 'latin1');
    } finally {
      client.close();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    expect(qemuPidsUnder(runtimeOf(a))).toEqual([]);
    const r = await start(a);
    expect(r, 'the plan written at that stop is used').toMatchObject({ code: 0, stderr: '' });
    expect(sessionOf(a).fastStart).toBe(true);
    await stop(a);
  });

  it("a library copied with its plans (cp -a): a start in the copy does not run the original's machine", async () => {
    const copy = join(t.root, 'library-copy');
    execFileSync('cp', ['-a', t.libraryDir, copy]);
    const inCopy = { ...t, libraryDir: copy };
    const copyBundle = join(copy, basename(a.bundleDir));
    try {
      // HANGAR_LIBRARY (in the plan's environment) still names the original: only --library differs.
      const r = await spawnHangar(inCopy, 'start', a.name, '--wait-for-serial', markers.bootOk, '--timeout', '60');
      expect(r, 'through the engine of the copy').toMatchObject({ code: 0, stderr: 'hangar: fast start: a plan of another library\n' });
      const session = JSON.parse(readFileSync(join(runtimeOf(a), 'session.json'), 'utf8')) as SessionRecord & { bundleDir: string };
      expect(session.fastStart).toBeUndefined();
      expect(session.bundleDir, "the copy's own bundle runs").toBe(copyBundle);
      const argv = readFileSync(`/proc/${session.pid}/cmdline`, 'utf8');
      expect(argv).toContain(join(copyBundle, 'logs', 'serial.log'));
      expect(argv).not.toContain(a.bundleDir + '/');
      expect(await spawnHangar(inCopy, 'stop', a.id, '--force')).toMatchObject({ code: 0 });
      expect(await waitForNoBackgroundEngine([t.root])).toEqual([]);
      expect(qemuPidsUnder(runtimeOf(a))).toEqual([]);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
    // The original's plan still holds for the original.
    expect(await start(a)).toMatchObject({ code: 0, stderr: '' });
    expect(sessionOf(a).fastStart).toBe(true);
    await stop(a);
  });

  it('another engine running (hangar engine): the start goes through it', async () => {
    const child = await foregroundEngine();
    const r = await start(a);
    expect(r.stderr).toBe('hangar: fast start: an engine owns the library\n');
    expect(r.code).toBe(0);
    const session = sessionOf(a);
    expect(session.fastStart).toBeUndefined();
    expect(await spawnHangar(t, 'stop', a.id, '--force')).toMatchObject({ code: 0 });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    expect(qemuPidsUnder(runtimeOf(a))).toEqual([]);
    // That engine wrote the plan as the session ended: the next start is fast again.
    expect(await start(a)).toMatchObject({ code: 0, stderr: '' });
    expect(sessionOf(a).fastStart).toBe(true);
    await stop(a);
  });
});
