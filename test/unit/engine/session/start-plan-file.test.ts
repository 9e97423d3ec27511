// readStartPlan on real files in a temp library (no QEMU): a plan whose folders are private and whose stamps all
// hold is returned as written; everything else is refused with its own reason (the CLI then starts through the engine).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planEnv, planFiles, readStartPlan, sealText, stampOf, START_PLAN_VERSION, START_PLANS_DIR, type StartPlan } from '../../../../src-main/engine/session/start-plan-file.js';

const ID = '0b7f1c9e-8a4d-4a43-9f3e-2d6f0c1a5b7e';
const OTHER_ID = '9a1e2d3c-4b5a-4f6e-8d7c-0b1a2c3d4e5f';
const uid = process.getuid!();
/** The engine's key (start-plan-seal.test.ts covers the seal itself): every plan file here is sealed with it. */
const KEY = Buffer.alloc(32, 3);
const seal = (text: string): string => sealText(KEY, text);

describe('readStartPlan', () => {
  let lib: string;
  let plans: string;
  let disk: string;
  let iso: string;
  /** "must not exist" when the plan was made (a saved state, say). */
  let absent: string;
  let env: NodeJS.ProcessEnv;
  let plan: StartPlan;

  /** Writes `p` as the plan file(s) of `key`, 0600 like the engine. */
  const writePlan = (p: StartPlan, key: { id?: string; name?: string } = { id: p.vmId, name: p.name }): string[] => {
    const files = planFiles(lib, key);
    for (const f of files) writeFileSync(f, seal(JSON.stringify(p)), { mode: 0o600 });
    return files;
  };

  beforeEach(() => {
    lib = mkdtempSync(join(tmpdir(), 'hangar-plan-'));
    plans = join(lib, START_PLANS_DIR);
    mkdirSync(plans, { mode: 0o700 });
    const bundle = join(lib, 'web.hangar');
    mkdirSync(join(bundle, 'disks'), { recursive: true });
    disk = join(bundle, 'disks', 'disk0.qcow2');
    iso = join(lib, 'installer.iso');
    absent = join(bundle, 'saved-state.json');
    writeFileSync(disk, 'disk bytes');
    writeFileSync(iso, 'iso bytes');
    env = { PATH: '/usr/bin:/bin', HOME: '/home/me', XDG_RUNTIME_DIR: '/run/user/1000', HANGAR_LIBRARY: lib, UNRELATED: 'x' };
    plan = {
      version: START_PLAN_VERSION,
      vmId: ID,
      name: 'web',
      uid,
      libraryDir: lib,
      bundleDir: bundle,
      runtimeDir: '/run/user/1000/hangar/0b7f1c9e8a4d',
      logsDir: join(bundle, 'logs'),
      binary: '/usr/bin/qemu-system-x86_64',
      argv: ['-name', 'web'],
      env: planEnv(env),
      inputs: [disk, iso, absent].map((path) => ({ path, stamp: stampOf(path) })),
    };
    writePlan(plan);
  });

  afterEach(() => rmSync(lib, { recursive: true, force: true }));

  const read = (query = 'web', e: NodeJS.ProcessEnv = env, u = uid) => readStartPlan(lib, query, e, u, KEY);

  it('returns a plan whose stamps all hold, by exact name and by id in any case', () => {
    expect(read()).toEqual(plan);
    expect(read(ID)).toEqual(plan);
    expect(read(ID.toUpperCase())).toEqual(plan);
  });

  it('stamps a missing file as null and a symlink as itself', () => {
    expect(stampOf(absent)).toBeNull();
    const link = join(lib, 'link.iso');
    symlinkSync(iso, link);
    expect(stampOf(link)).not.toBe(stampOf(iso));
  });

  it('ignores environment variables the argv does not depend on', () => {
    expect(read('web', { ...env, UNRELATED: 'changed', TERM: 'dumb' })).toEqual(plan);
  });

  it('refuses when there is no plan (another name, a name differing in case, an id prefix)', () => {
    expect(read('db')).toEqual({ refused: 'no plan' });
    expect(read('WEB')).toEqual({ refused: 'no plan' });
    expect(read(ID.slice(0, 8))).toEqual({ refused: 'no plan' });
  });

  it('refuses when the plans folder is missing', () => {
    rmSync(plans, { recursive: true });
    expect(read()).toEqual({ refused: 'no plan' });
  });

  it.each([
    ['the plans folder is group-writable', 'plans', 0o770],
    ['the plans folder is world-writable', 'plans', 0o777],
    ['the plans folder is world-writable and sticky', 'plans', 0o1777],
    ['the library is group-writable', 'lib', 0o770],
    ['the library is world-writable', 'lib', 0o707],
  ] as const)('refuses when %s', (_what, which, mode) => {
    chmodSync(which === 'plans' ? plans : lib, mode);
    expect(read()).toEqual({ refused: 'the plans folder is not private' });
  });

  it('refuses a plans folder that is a symlink to a private folder', () => {
    const real = join(lib, 'elsewhere');
    renameSync(plans, real);
    symlinkSync(real, plans);
    expect(read()).toEqual({ refused: 'the plans folder is not private' });
  });

  it.each([
    ['group-writable', 0o620],
    ['world-writable', 0o606],
    ['0666', 0o666],
  ])('refuses a plan file that is %s', (_what, mode) => {
    const [, byName] = planFiles(lib, { id: ID, name: 'web' });
    chmodSync(byName!, mode);
    expect(read()).toEqual({ refused: 'no plan' });
  });

  it('refuses a plan file that is a symlink to a good copy', () => {
    const [, byName] = planFiles(lib, { id: ID, name: 'web' });
    const copy = join(plans, 'copy.json');
    copyFileSync(byName!, copy);
    rmSync(byName!);
    symlinkSync(copy, byName!);
    expect(read()).toEqual({ refused: 'no plan' });
  });

  it('refuses a plan file that is a folder', () => {
    const [, byName] = planFiles(lib, { id: ID, name: 'web' });
    rmSync(byName!);
    mkdirSync(byName!, { mode: 0o700 });
    expect(read()).toEqual({ refused: 'no plan' });
  });

  it("refuses folders and a plan owned by another user (this user's uid differs)", () => {
    // The files are this process's; read as another uid, nothing is that user's own.
    expect(read('web', env, uid + 1)).toEqual({ refused: 'the plans folder is not private' });
  });

  it.each([
    ['garbage', 'not json at all {'],
    ['a truncated plan', '{"version":1,"vmId":"'],
    ['an empty file', ''],
  ])('refuses %s as not parsing', (_what, text) => {
    const [, byName] = planFiles(lib, { id: ID, name: 'web' });
    writeFileSync(byName!, seal(text));
    expect(read()).toEqual({ refused: 'the plan does not parse' });
  });

  it.each([
    ['another version', { version: START_PLAN_VERSION + 1 }],
    ['another uid', { uid: uid + 1 }],
    ['no argv', { argv: 'qemu -name web' }],
    ['no inputs', { inputs: null }],
  ])('refuses a plan of %s as another format', (_what, change) => {
    writePlan({ ...plan, ...change } as unknown as StartPlan);
    expect(read()).toEqual({ refused: 'another plan format' });
    expect(read(ID)).toEqual({ refused: 'another plan format' });
  });

  // Built from the test's own plan (the table is made before beforeEach runs).
  it.each<[string, (p: StartPlan) => unknown]>([
    ['null', () => null],
    ['a number', () => 42],
    ['an array', () => [1, 2]],
    ['a plan without vmId', (p) => ({ ...p, vmId: undefined })],
    ['a plan whose vmId is a number', (p) => ({ ...p, vmId: 7 })],
    ['a plan whose vmId is not an id', (p) => ({ ...p, vmId: '../../etc' })],
    ['a plan whose name is a number', (p) => ({ ...p, name: 7 })],
    ['a plan without env', (p) => ({ ...p, env: undefined })],
    ['a plan whose env holds a number', (p) => ({ ...p, env: { ...p.env, PATH: 1 } })],
    ['a plan whose input has no path', (p) => ({ ...p, inputs: [{ stamp: null }] })],
    ['a plan whose input is null', (p) => ({ ...p, inputs: [null] })],
    ['a plan whose argv holds a number', (p) => ({ ...p, argv: ['-m', 64] })],
    ['a plan whose binary is missing', (p) => ({ ...p, binary: undefined })],
    ['a plan without its library (version 1)', (p) => ({ ...p, libraryDir: undefined })],
    ['a plan whose runtimeDir is a number', (p) => ({ ...p, runtimeDir: 1 })],
    ['a plan whose logsDir is relative', (p) => ({ ...p, logsDir: 'logs' })],
  ])('refuses %s as another format (never throws)', (_what, make) => {
    for (const f of planFiles(lib, { id: ID, name: 'web' })) writeFileSync(f, seal(JSON.stringify(make(plan))));
    expect(read()).toEqual({ refused: 'another plan format' });
    expect(read(ID)).toEqual({ refused: 'another plan format' });
  });

  it("refuses another machine's plan copied under this name's and this id's file", () => {
    const other = { ...plan, vmId: OTHER_ID, name: 'db' };
    writePlan(other, { id: ID, name: 'web' });
    expect(read()).toEqual({ refused: 'a plan of another machine' });
    expect(read(ID)).toEqual({ refused: 'a plan of another machine' });
  });

  it("refuses a plan of another library (a library copied along with its plans folder: the copy's plan names the original)", () => {
    const copy = mkdtempSync(join(tmpdir(), 'hangar-plan-copy-'));
    try {
      mkdirSync(join(copy, START_PLANS_DIR), { mode: 0o700 });
      copyFileSync(planFiles(lib, { name: 'web' })[0]!, planFiles(copy, { name: 'web' })[0]!);
      expect(readStartPlan(copy, 'web', env, uid, KEY)).toEqual({ refused: 'a plan of another library' });
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it.each([
    ['PATH', { PATH: '/tmp/evil:/usr/bin:/bin' }],
    ['PATH', { PATH: undefined }],
    ['HOME', { HOME: '/home/other' }],
    ['XDG_RUNTIME_DIR', { XDG_RUNTIME_DIR: '/tmp/rt' }],
    ['PULSE_SERVER', { PULSE_SERVER: 'tcp:evil' }],
    ['HANGAR_LIBRARY', { HANGAR_LIBRARY: undefined }],
  ])('refuses when %s changed (%j)', (key, change) => {
    expect(read('web', { ...env, ...change })).toEqual({ refused: `${key} changed` });
  });

  it('refuses when an input was touched (mtime set back to itself still changes ctime)', () => {
    utimesSync(disk, new Date(Date.now() + 60_000), new Date(Date.now() + 60_000));
    expect(read()).toEqual({ refused: `${disk} changed` });
  });

  it('refuses when an input was replaced by a new file with the same bytes and times', () => {
    const tmp = `${iso}.new`;
    copyFileSync(iso, tmp);
    renameSync(tmp, iso);
    expect(read()).toEqual({ refused: `${iso} changed` });
  });

  it('refuses when an input was replaced by a symlink to itself', () => {
    const real = `${iso}.real`;
    renameSync(iso, real);
    symlinkSync(real, iso);
    expect(read()).toEqual({ refused: `${iso} changed` });
  });

  it('refuses when an input was removed', () => {
    rmSync(disk);
    expect(read()).toEqual({ refused: `${disk} changed` });
  });

  it('refuses when a file that was absent now exists', () => {
    writeFileSync(absent, '{}');
    expect(read()).toEqual({ refused: `${absent} changed` });
  });

  it('refuses when an input was chmod-ed', () => {
    chmodSync(iso, 0o600);
    expect(read()).toEqual({ refused: `${iso} changed` });
  });

  it('refuses on the first input that changed, in plan order', () => {
    rmSync(iso);
    writeFileSync(disk, 'other bytes');
    expect(read()).toEqual({ refused: `${disk} changed` });
  });
});
