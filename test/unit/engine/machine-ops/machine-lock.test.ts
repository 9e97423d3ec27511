import { describe, expect, it } from 'vitest';
import { commandArgs, type CommandName, EngineError } from '../../../../src-shared/contract/index.js';
import { MachineLock } from '../../../../src-main/engine/machine-ops/machine-lock.js';
import { MACHINE_OPS, RESTART_OP, START_OP, UNLOCKED_VM_COMMANDS, type MachineOp } from '../../../../src-main/engine/machine-ops/machine-op.js';

/** A task the test finishes by hand, so "still under way" is a fact, not a timing. */
function held<T = string>(value?: T) {
  let finish!: () => void;
  let fail!: (err: Error) => void;
  const gate = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  let started = false;
  return {
    task: async () => {
      started = true;
      await gate;
      return value as T;
    },
    finish: () => finish(),
    fail: (err: Error) => fail(err),
    get started() {
      return started;
    },
  };
}

const op = <K extends CommandName>(command: K, args: Record<string, unknown> = {}): MachineOp => (MACHINE_OPS[command] as (a: unknown) => MachineOp)({ vm: 'x', ...args });

async function busy(p: Promise<unknown>): Promise<EngineError> {
  const err = await p.then(
    () => {
      throw new Error('expected a busy refusal, but it ran');
    },
    (e: unknown) => e as EngineError,
  );
  expect(err).toBeInstanceOf(EngineError);
  expect(err.code).toBe('busy');
  return err;
}

describe('MachineLock: one operation per machine at a time', () => {
  it('a second start while the first runs is refused "already starting"; the first goes on', async () => {
    const lock = new MachineLock();
    const first = held('first');
    const winner = lock.run('vm1', 'web', START_OP, first.task);
    const errs = await Promise.all([1, 2, 3, 4].map(() => busy(lock.run('vm1', 'web', START_OP, async () => 'loser'))));
    for (const e of errs) {
      expect(e.message).toBe('"web" is already starting');
      expect(e.details).toEqual({ operation: 'vm.start' });
    }
    expect(lock.holder('vm1')).toBe(START_OP);
    first.finish();
    await expect(winner).resolves.toBe('first');
    expect(lock.holder('vm1')).toBeNull();
    // Once it has ended, a start is decided afresh (the handler then finds the machine running).
    await expect(lock.run('vm1', 'web', START_OP, async () => 'again')).resolves.toBe('again');
  });

  it('the install flow restarting a machine counts as a start', async () => {
    const lock = new MachineLock();
    const restart = held();
    const r = lock.run('vm1', 'web', RESTART_OP, restart.task);
    expect((await busy(lock.run('vm1', 'web', START_OP, async () => 1))).message).toBe('"web" is already starting');
    restart.finish();
    await r;
  });

  it('start and delete: whichever comes second is refused, naming the first', async () => {
    const lock = new MachineLock();
    const start = held();
    const s = lock.run('vm1', 'web', START_OP, start.task);
    expect((await busy(lock.run('vm1', 'web', op('vm.delete'), async () => 1))).message).toBe('cannot delete "web" while it is starting');
    start.finish();
    await s;
    const del = held();
    const d = lock.run('vm1', 'web', op('vm.delete'), del.task);
    const refused = await busy(lock.run('vm1', 'web', START_OP, async () => 1));
    expect(refused.message).toBe('cannot start "web" while it is being deleted');
    expect(refused.details).toEqual({ operation: 'vm.delete' });
    expect((await busy(lock.run('vm1', 'web', op('vm.delete'), async () => 1))).message).toBe('"web" is already being deleted');
    expect((await busy(lock.run('vm1', 'web', op('snapshot.take'), async () => 1))).message).toBe('cannot take a snapshot of "web" while it is being deleted');
    del.finish();
    await d;
  });

  it('behind a start: what needs a stopped machine is refused, what works live waits its turn', async () => {
    const lock = new MachineLock();
    const start = held();
    const order: string[] = [];
    const s = lock.run('vm1', 'web', START_OP, async () => {
      await start.task();
      order.push('start');
    });
    for (const [command, verb] of [
      ['vm.update', 'change the settings of'],
      ['vm.rename', 'rename'],
      ['vm.clone', 'clone'],
      ['vm.export', 'export'],
      ['disk.add', 'add a disk to'],
      ['disk.convert', 'convert a disk of'],
    ] as const) {
      expect((await busy(lock.run('vm1', 'web', op(command, { disk: 'disk0' }), async () => 1))).message).toBe(`cannot ${verb} "web" while it is starting`);
    }
    const queued = (['snapshot.take', 'media.insert', 'forward.add', 'install.finish'] as const).map((c) => lock.run('vm1', 'web', op(c), async () => void order.push(c)));
    expect(order).toEqual([]);
    start.finish();
    await Promise.all([s, ...queued]);
    expect(order).toEqual(['start', 'snapshot.take', 'media.insert', 'forward.add', 'install.finish']);
  });

  it('behind a short edit everything waits, in call order; a queued start counts as under way', async () => {
    const lock = new MachineLock();
    const update = held();
    const order: string[] = [];
    const u = lock.run('vm1', 'web', op('vm.update'), async () => {
      await update.task();
      order.push('update');
    });
    const s = lock.run('vm1', 'web', START_OP, async () => void order.push('start'));
    // The start has not begun, but it is ahead: a second start and a settings change are refused already.
    expect((await busy(lock.run('vm1', 'web', START_OP, async () => 1))).message).toBe('"web" is already starting');
    expect((await busy(lock.run('vm1', 'web', op('vm.update'), async () => 1))).message).toBe('cannot change the settings of "web" while it is starting');
    const snap = lock.run('vm1', 'web', op('snapshot.take'), async () => void order.push('snapshot'));
    expect(order).toEqual([]);
    update.finish();
    await Promise.all([u, s, snap]);
    expect(order).toEqual(['update', 'start', 'snapshot']);
  });

  it('behind a long job everything is refused with a hint; a second clone or export is "already"', async () => {
    const lock = new MachineLock();
    const clone = held();
    const c = lock.run('vm1', 'web', op('vm.clone'), clone.task);
    expect((await busy(lock.run('vm1', 'web', START_OP, async () => 1))).message).toBe('cannot start "web" while it is being cloned; wait for it to finish or cancel its job');
    expect((await busy(lock.run('vm1', 'web', op('vm.clone'), async () => 1))).message).toBe('"web" is already being cloned');
    expect((await busy(lock.run('vm1', 'web', op('snapshot.take'), async () => 1))).message).toMatch(/^cannot take a snapshot of "web" while it is being cloned/);
    clone.finish();
    await c;
    const convert = held();
    const v = lock.run('vm1', 'web', op('disk.convert', { disk: 'disk1' }), convert.task);
    expect((await busy(lock.run('vm1', 'web', START_OP, async () => 1))).message).toBe('cannot start "web" while its disk disk1 is being converted; wait for it to finish or cancel its job');
    convert.finish();
    await v;
  });

  it('a disk reference that is not a disk id stays out of messages', async () => {
    const lock = new MachineLock();
    const convert = held();
    const v = lock.run('vm1', 'web', op('disk.convert', { disk: 'a\u001b[2Jb' }), convert.task);
    expect((await busy(lock.run('vm1', 'web', START_OP, async () => 1))).message).toBe('cannot start "web" while one of its disks is being converted; wait for it to finish or cancel its job');
    convert.finish();
    await v;
  });

  it('a failed operation releases the machine; the next in line runs', async () => {
    const lock = new MachineLock();
    const update = held();
    const u = lock.run('vm1', 'web', op('vm.update'), update.task);
    const next = lock.run('vm1', 'web', START_OP, async () => 'started');
    update.fail(new Error('disk full'));
    await expect(u).rejects.toThrow('disk full');
    await expect(next).resolves.toBe('started');
    expect(lock.holder('vm1')).toBeNull();
  });

  it('different machines never wait for each other', async () => {
    const lock = new MachineLock();
    const a = held();
    const first = lock.run('vm1', 'a', START_OP, a.task);
    await expect(lock.run('vm2', 'b', START_OP, async () => 'b started')).resolves.toBe('b started');
    a.finish();
    await first;
  });

  it('classifies every command that names a machine: locked (MACHINE_OPS) or deliberately not', () => {
    const withVm = (Object.keys(commandArgs) as CommandName[]).filter((c) => {
      const shape = (commandArgs[c] as unknown as { shape?: Record<string, unknown> }).shape;
      return shape !== undefined && 'vm' in shape;
    });
    expect(withVm.length).toBeGreaterThan(30);
    const locked = Object.keys(MACHINE_OPS);
    expect(locked.filter((c) => UNLOCKED_VM_COMMANDS.includes(c as CommandName))).toEqual([]);
    expect(withVm.filter((c) => !locked.includes(c) && !UNLOCKED_VM_COMMANDS.includes(c)), 'new commands must be classified in machine-op.ts').toEqual([]);
    expect(locked.filter((c) => !withVm.includes(c as CommandName))).toEqual([]);
  });
});
