// The seal on start plans: only a plan written by this user's engine (its key in the private runtime folder)
// is ever run by `hangar start`, whatever else the plan file claims (a library unpacked from someone else's archive).
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planFiles, planKey, PLAN_KEY_FILE, readStartPlan, sealPlan, START_PLAN_VERSION, START_PLANS_DIR, planEnv, type StartPlan } from '../../../../src-main/engine/session/start-plan-file.js';

const uid = process.getuid!();

describe('start plan seal', () => {
  let dir: string;
  let lib: string;
  let run: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'plan-seal-'));
    lib = join(dir, 'library');
    run = join(dir, 'run');
    mkdirSync(join(lib, START_PLANS_DIR), { recursive: true, mode: 0o700 });
    chmodSync(lib, 0o700);
    mkdirSync(run, { mode: 0o700 });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const plan = (over: Partial<StartPlan> = {}): StartPlan => ({
    version: START_PLAN_VERSION, vmId: '0b7c6f0e-1111-4222-8333-944445555666', name: 'web', uid, libraryDir: lib, bundleDir: join(lib, 'web.hangar'),
    runtimeDir: join(run, '0b7c6f0e1111'), logsDir: join(lib, 'web.hangar', 'logs'), binary: '/usr/bin/qemu-system-x86_64',
    argv: ['-nodefaults'], env: planEnv(process.env), inputs: [], ...over,
  });
  const write = (text: string): void => {
    for (const f of planFiles(lib, { name: 'web' })) writeFileSync(f, text, { mode: 0o600 });
  };

  it('makes one private 32-byte key and reads the same one back', () => {
    const key = planKey(run, uid, true);
    expect(key?.length).toBe(32);
    expect(statSync(join(run, PLAN_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(planKey(run, uid, true)?.equals(key!)).toBe(true);
    expect(planKey(run, uid)?.equals(key!)).toBe(true);
  });

  it('refuses a key others can read, a key of the wrong size, and no key', () => {
    expect(planKey(run, uid)).toBeNull();
    const key = planKey(run, uid, true)!;
    chmodSync(join(run, PLAN_KEY_FILE), 0o644);
    expect(planKey(run, uid)).toBeNull();
    writeFileSync(join(run, PLAN_KEY_FILE), key.subarray(0, 16), { mode: 0o600 });
    chmodSync(join(run, PLAN_KEY_FILE), 0o600);
    expect(planKey(run, uid)).toBeNull();
  });

  it('runs a plan sealed with the key, and nothing else', () => {
    const key = planKey(run, uid, true)!;
    write(sealPlan(key, plan()));
    expect(readStartPlan(lib, 'web', process.env, uid, key)).toMatchObject({ name: 'web', argv: ['-nodefaults'] });
    expect(readStartPlan(lib, 'web', process.env, uid, null)).toEqual({ refused: 'no plan key' });

    // Someone else's plan: sealed with another key, unsealed, or sealed and then edited.
    const other = Buffer.alloc(32, 7);
    const refusal = { refused: "the plan is not sealed by this user's engine" };
    write(sealPlan(other, plan({ binary: '/bin/sh', argv: ['-c', 'touch /tmp/owned'] })));
    expect(readStartPlan(lib, 'web', process.env, uid, key)).toEqual(refusal);
    write(`${JSON.stringify(plan({ binary: '/bin/sh' }))}\n`);
    expect(readStartPlan(lib, 'web', process.env, uid, key)).toEqual(refusal);
    const sealed = sealPlan(key, plan());
    write(sealed.replace('-nodefaults', '-sandbox=off'));
    expect(readStartPlan(lib, 'web', process.env, uid, key)).toEqual(refusal);
    write('');
    expect(readStartPlan(lib, 'web', process.env, uid, key)).toEqual(refusal);
    // The untouched file again: still good (the refusals changed nothing).
    write(sealed);
    expect(readFileSync(planFiles(lib, { name: 'web' })[0]!, 'utf8')).toBe(sealed);
    expect(readStartPlan(lib, 'web', process.env, uid, key)).toMatchObject({ name: 'web' });
  });
});
