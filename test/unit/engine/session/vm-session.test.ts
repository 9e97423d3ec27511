import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { VmEventBody } from '../../../../src-shared/contract/index.js';
import { VmSession, cleanRuntimeDir, writeSessionRecord } from '../../../../src-main/engine/session/vm-session.js';
import type { QmpCommands, QmpEventMessage } from '../../../../src-main/engine/qmp/qmp-commands.js';
import type { QKeyCode } from '../../../../src-main/engine/qmp/qcodes.js';
import { toEngineError } from '../../../../src-main/engine/rpc/to-engine-error.js';
import { IllegalTransitionError } from '../../../../src-shared/vm-state.js';
import { probeLeftover } from '../../../../src-main/engine/session/reattach.js';

type Data = Record<string, unknown>;

/** A QmpCommands played by the test: records the order of expectEvent/execute, answers by script. */
class ScriptedQmp implements QmpCommands {
  readonly log: string[] = [];
  closed = false;
  /** Per command: what to do when it is executed (e.g. emit the event QEMU would send). */
  script: Record<string, (args?: Data) => unknown> = {};
  private readonly events = new Set<(e: QmpEventMessage) => void>();
  private readonly disconnects = new Set<(reason: string) => void>();
  private expectations: Array<{ name: string; resolve: (e: QmpEventMessage) => void }> = [];

  async execute<T>(command: string, argsObject?: object, _options?: unknown): Promise<T> {
    const args = argsObject as Data | undefined;
    this.log.push(`execute ${command}`);
    const step = this.script[command];
    return (step ? await step(args) : {}) as T;
  }
  expectEvent(name: string): Promise<QmpEventMessage> {
    this.log.push(`expect ${name}`);
    return new Promise((resolve) => this.expectations.push({ name, resolve }));
  }
  onEvent(listener: (e: QmpEventMessage) => void): () => void {
    this.events.add(listener);
    return () => this.events.delete(listener);
  }
  onDisconnected(listener: (reason: string) => void): () => void {
    this.disconnects.add(listener);
    return () => this.disconnects.delete(listener);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  /** QEMU sends an event (asynchronously, like a socket). */
  event(event: string, data: Data = {}): void {
    queueMicrotask(() => {
      for (const l of this.events) l({ event, data });
      const matching = this.expectations.filter((x) => x.name === event);
      this.expectations = this.expectations.filter((x) => x.name !== event);
      for (const x of matching) x.resolve({ event, data });
    });
  }
  disconnect(reason = 'socket closed'): void {
    for (const l of this.disconnects) l(reason);
  }
}

class FakeChild extends EventEmitter {
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  exit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exitCode = code;
    this.signalCode = signal;
    this.emit('exit', code, signal);
  }
}

const keys = {
  comboToQcodes: (combo: string) => {
    if (combo === 'bogus') throw new Error('unknown key "bogus"');
    return combo.split('-') as QKeyCode[];
  },
  typeText: async (_q: QmpCommands, text: string) => {
    if (text.includes('\u0001')) throw Object.assign(new Error('character U+0001 cannot be typed'), { name: 'QmpKeyError' });
    return text.length;
  },
};

describe('VmSession (scripted QMP link)', () => {
  let dir: string;
  let runtimeDir: string;
  let logsDir: string;
  let qmp: ScriptedQmp;
  let events: VmEventBody[];
  let ended: VmSession[];

  beforeEach(() => {
    dir = mkdtempSync('/tmp/hgr-sess-');
    runtimeDir = join(dir, 'run');
    logsDir = join(dir, 'logs');
    mkdirSync(runtimeDir, { recursive: true });
    mkdirSync(logsDir, { recursive: true });
    qmp = new ScriptedQmp();
    qmp.script = {
      stop: () => qmp.event('STOP'),
      cont: () => qmp.event('RESUME'),
      system_reset: () => qmp.event('RESET', { reason: 'host-qmp-system-reset' }),
    };
    events = [];
    ended = [];
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function session(initial: VmSession['state'] = { kind: 'running' }, extra: { child?: ChildProcess; pid?: number } = {}): VmSession {
    return new VmSession(
      { vmId: 'vm-1', runtimeDir, logsDir, pid: extra.pid ?? 999_999_999, child: extra.child, qmp, emit: (e) => events.push(e), keys, onEnded: (s) => ended.push(s) },
      initial,
    );
  }
  const stateKinds = () => events.flatMap((e) => (e.type === 'vm.state' ? [e.state.kind] : []));

  it('boot: waits for RESUME registered before cont; starting → running', async () => {
    const s = session({ kind: 'starting' });
    await s.boot();
    expect(qmp.log).toEqual(['expect RESUME', 'execute cont']);
    expect(s.state.kind).toBe('running');
    expect(stateKinds()).toEqual(['running']);
  });

  it('pause/resume/reset register the event before the command and move the state', async () => {
    const s = session();
    await s.pause();
    expect(s.state.kind).toBe('paused');
    await s.resume();
    expect(s.state.kind).toBe('running');
    await s.reset();
    expect(qmp.log).toEqual(['expect STOP', 'execute stop', 'expect RESUME', 'execute cont', 'expect RESET', 'execute system_reset']);
    expect(stateKinds()).toEqual(['paused', 'running']);
    expect(events.at(-1)).toEqual({ type: 'vm.guest', what: 'reset', detail: 'host-qmp-system-reset' });
  });

  it('refuses commands in the wrong state with invalid-state', async () => {
    const s = session({ kind: 'paused' });
    await expect(s.pause()).rejects.toMatchObject({ code: 'invalid-state' });
    await expect(s.typeText('x')).rejects.toMatchObject({ code: 'invalid-state' });
    await expect(s.shutdown(1000)).rejects.toMatchObject({ code: 'invalid-state' });
    expect(qmp.log).toEqual([]);
  });

  it('an illegal transition maps to invalid-state at the edge', () => {
    const s = session({ kind: 'stopped' });
    let caught: unknown;
    try {
      s.transition({ kind: 'paused' });
    } catch (err) {
      caught = err;
    }
    expect(toEngineError(caught).code).toBe('invalid-state');
  });

  it('bad key combos and untypable text are invalid-args; nothing is sent', async () => {
    const s = session();
    await expect(s.sendKey('bogus')).rejects.toMatchObject({ code: 'invalid-args' });
    await expect(s.typeText('a\u0001b')).rejects.toMatchObject({ code: 'invalid-args' });
    expect(qmp.log).toEqual([]);
    expect(await s.sendKey('ctrl-alt-delete')).toEqual(['ctrl', 'alt', 'delete']);
  });

  it('a guest shutdown (SHUTDOWN, then QMP gone) ends stopped; runtime folder removed before whenEnded resolves', async () => {
    const child = new FakeChild();
    const s = session({ kind: 'running' }, { child: child as unknown as ChildProcess });
    await writeSessionRecord(runtimeDir, { vmId: 'vm-1', pid: 1, startedAt: 'now', bundleDir: dir });
    writeFileSync(join(runtimeDir, 'qemu.pid'), '1');
    qmp.event('SHUTDOWN', { guest: true, reason: 'guest-shutdown' });
    await new Promise((r) => setImmediate(r));
    child.exit(0, null);
    qmp.disconnect();
    const final = await s.whenEnded();
    expect(final).toEqual({ kind: 'stopped' });
    expect(existsSync(runtimeDir)).toBe(false);
    expect(ended).toEqual([s]);
    expect(events).toEqual([
      { type: 'vm.guest', what: 'shutdown', detail: 'guest-shutdown' },
      { type: 'vm.state', state: { kind: 'stopped' } },
    ]);
  });

  it('QMP gone without SHUTDOWN is a crash, with exit signal and the log tail', async () => {
    writeFileSync(join(logsDir, 'qemu.log'), 'line one\nqemu-system-x86_64: something broke\n');
    const child = new FakeChild();
    const s = session({ kind: 'running' }, { child: child as unknown as ChildProcess });
    child.exit(null, 'SIGKILL');
    qmp.disconnect();
    const final = await s.whenEnded();
    expect(final).toMatchObject({ kind: 'crashed', signal: 'SIGKILL', exitCode: null, reason: 'QEMU killed by SIGKILL' });
    expect(final.kind === 'crashed' && final.logTail).toContain('something broke');
    expect(stateKinds()).toEqual(['crashed']);
    // Only one final event even if the link reports the loss twice.
    qmp.disconnect('again');
    await new Promise((r) => setImmediate(r));
    expect(stateKinds()).toEqual(['crashed']);
  });

  it('force off: stopping(force), quit, then stopped when QMP goes', async () => {
    const child = new FakeChild();
    qmp.script['quit'] = () => {
      queueMicrotask(() => {
        child.exit(0, null);
        qmp.disconnect();
      });
    };
    const s = session({ kind: 'running' }, { child: child as unknown as ChildProcess });
    await s.forceOff();
    expect(s.state).toEqual({ kind: 'stopped' });
    expect(stateKinds()).toEqual(['stopping', 'stopped']);
    expect(events[0]).toEqual({ type: 'vm.state', state: { kind: 'stopping', how: 'force' } });
    await s.forceOff(); // a second force-off of an ended session is a no-op
    expect(stateKinds()).toEqual(['stopping', 'stopped']);
  });

  it('force off: SIGKILL after the grace period when QEMU ignores quit', async () => {
    const victim = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await new Promise((r) => victim.once('spawn', r));
    victim.once('exit', () => qmp.disconnect());
    const s = session({ kind: 'running' }, { child: victim, pid: victim.pid! });
    await s.forceOff(50);
    expect(victim.signalCode).toBe('SIGKILL');
    expect(s.state).toEqual({ kind: 'stopped' });
  });

  it('ACPI shutdown that the guest ignores: back to running with a shutdown-timeout event', async () => {
    const s = session();
    const r = await s.shutdown(30);
    expect(r).toEqual({ timedOut: true });
    expect(s.state.kind).toBe('running');
    expect(stateKinds()).toEqual(['stopping', 'running']);
    expect(events.at(-1)).toMatchObject({ type: 'vm.shutdown-timeout' });
  });

  it('a guest that ignores the power button is asked through its agent and powers off: method agent', async () => {
    const child = new FakeChild();
    const s = session({ kind: 'running' }, { child: child as unknown as ChildProcess });
    const asked: string[] = [];
    const r = await s.shutdown(50, {
      agent: async () => {
        asked.push('agent');
        qmp.event('SHUTDOWN', { guest: true, reason: 'guest-shutdown' });
        setImmediate(() => { child.exit(0, null); qmp.disconnect(); });
      },
    });
    expect(r).toEqual({ timedOut: false, method: 'agent' });
    expect(asked).toEqual(['agent']);
    expect(qmp.log).toContain('execute system_powerdown');
    expect(events.some((e) => e.type === 'vm.shutdown-timeout')).toBe(false);
  });

  it('agentFirst skips the power button; an agent that cannot be asked puts the machine back to running and says why', async () => {
    const s = session();
    await expect(s.shutdown(50, { agentFirst: true, agent: () => Promise.reject(new Error('the guest agent does not answer')) })).rejects.toThrow(/does not answer/);
    expect(qmp.log).not.toContain('execute system_powerdown');
    expect(s.state.kind).toBe('running');
    // Button ignored and no agent answering: the plain timeout, as without an agent.
    const r = await s.shutdown(30, { agent: () => Promise.reject(new Error('no agent')) });
    expect(r).toEqual({ timedOut: true });
    expect(stateKinds()).toEqual(['stopping', 'running', 'stopping', 'running']);
  });

  it('detach leaves the guest alone: no events, QMP closed, later disconnects ignored', async () => {
    const s = session();
    await s.detach();
    expect(qmp.closed).toBe(true);
    qmp.disconnect();
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual([]);
    expect(ended).toEqual([]);
    expect(existsSync(runtimeDir)).toBe(true);
  });

  it('transition() refuses an illegal move: the state stays and nothing is announced', () => {
    const s = session({ kind: 'running' });
    expect(() => s.transition({ kind: 'starting' })).toThrow(IllegalTransitionError);
    expect(() => s.transition({ kind: 'saved', savedAt: 'now' })).toThrow('illegal run-state transition running → saved');
    expect(s.state).toEqual({ kind: 'running' });
    expect(events).toEqual([]);
  });

  it('a saved machine state ends through the table too: stopping(force) → saved', async () => {
    const child = new FakeChild();
    qmp.script['quit'] = () => queueMicrotask(() => (child.exit(0, null), qmp.disconnect()));
    const s = session({ kind: 'paused' }, { child: child as unknown as ChildProcess });
    s.endAs({ kind: 'saved', savedAt: '2026-12-07T00:00:00.000Z' });
    await s.forceOff();
    expect(stateKinds()).toEqual(['stopping', 'saved']);
    expect(await s.whenEnded()).toEqual({ kind: 'saved', savedAt: '2026-12-07T00:00:00.000Z' });
  });

  describe('snapshot jobs', () => {
    /** QEMU's job engine in short: the start command concludes the job at once; `error` is what query-jobs reports. */
    function jobs(error?: string, runningAfter = true): void {
      let last: Data | null = null;
      let running = true;
      const start = (type: string) => (args?: Data) => {
        const id = args?.['job-id'] as string;
        last = { id, type, status: 'concluded', 'current-progress': 1, 'total-progress': 1, ...(error ? { error } : {}) };
        if (type !== 'snapshot-delete') running = runningAfter;
        qmp.event('JOB_STATUS_CHANGE', { id, status: 'concluded' });
        return {};
      };
      qmp.script['snapshot-save'] = start('snapshot-save');
      qmp.script['snapshot-load'] = start('snapshot-load');
      qmp.script['snapshot-delete'] = start('snapshot-delete');
      qmp.script['query-jobs'] = () => (last ? [last] : []);
      qmp.script['query-status'] = () => ({ running, singlestep: false, status: running ? 'running' : 'restore-vm' });
      qmp.script['cont'] = () => ((running = true), qmp.event('RESUME'));
    }
    const args = { 'job-id': 'j1', tag: 't', vmstate: 'disk0', devices: ['disk0'] };

    it('saveSnapshot: saving while QEMU writes, then the state it had; replace clears the tag first', async () => {
      jobs();
      const s = session({ kind: 'paused' });
      await s.saveSnapshot(args, { replace: true });
      expect(stateKinds()).toEqual(['saving', 'paused']);
      expect(qmp.log.filter((l) => l.startsWith('execute snapshot'))).toEqual(['execute snapshot-delete', 'execute snapshot-save']);
    });

    it('a failed save is worded by the caller at once, then the state is read back from QEMU', async () => {
      jobs('No space left on device');
      const s = session({ kind: 'running' });
      const order: string[] = [];
      const err = await s.saveSnapshot(args, { onFailure: (e) => (order.push(`failed ${stateKinds().join(',')}`), new Error(`worded: ${(e as Error).message}`)) }).catch((e: Error) => e);
      expect((err as Error).message).toMatch(/^worded: job j1 \(snapshot-save\) failed: No space left on device/);
      expect(order).toEqual(['failed saving']);
      expect(stateKinds()).toEqual(['saving', 'running']);
    });

    it('loadSnapshot that QEMU refused in its own checks: back as it was, resumed', async () => {
      jobs("Snapshot 't' does not exist in one or more devices", false);
      const s = session({ kind: 'running' });
      const r = await s.loadSnapshot(args);
      expect(r).toMatchObject({ ok: false, after: 'unchanged', state: 'running' });
      expect(stateKinds()).toEqual(['restoring', 'paused', 'running']);
    });

    it('jobs are refused in the wrong state before anything reaches QEMU', async () => {
      jobs();
      const stopped = session({ kind: 'stopped' });
      await expect(stopped.saveSnapshot(args)).rejects.toMatchObject({ code: 'invalid-state' });
      await expect(stopped.loadSnapshot(args)).rejects.toMatchObject({ code: 'invalid-state' });
      await expect(session({ kind: 'running' }).loadAtStart(args)).rejects.toMatchObject({ code: 'invalid-state' });
      await expect(stopped.snapshotDisks(['disk0'], 't')).rejects.toMatchObject({ code: 'invalid-state' });
      expect(qmp.log).toEqual([]);
      expect(events).toEqual([]);
    });
  });

  describe('serial console', () => {
    let server: Server;
    let peer: Promise<Socket>;
    beforeEach(async () => {
      server = createServer();
      peer = new Promise((r) => server.once('connection', r));
      await new Promise<void>((r) => server.listen(join(runtimeDir, 'serial.sock'), () => r()));
    });
    afterEach(async () => {
      await new Promise<void>((r) => server.close(() => r()));
    });

    it('emits vm.serial for output, keeps a bounded buffer, and writes input', async () => {
      const s = session();
      await s.attachSerial();
      const sock = await peer;
      const got = new Promise<void>((resolve) => {
        const check = () => (events.some((e) => e.type === 'vm.serial' && e.data.includes('ready')) ? resolve() : setImmediate(check));
        check();
      });
      sock.write('héllo ready\r\n');
      await got;
      expect(s.serialLog()).toContain('héllo ready');
      const input = new Promise<string>((r) => sock.once('data', (d) => r(d.toString())));
      s.writeSerial('ls\n');
      expect(await input).toBe('ls\n');
      await s.detach();
      expect(() => s.writeSerial('x')).toThrow(/not connected/);
    });
  });
});

describe('runtime folder helpers', () => {
  it('cleanRuntimeDir removes the folder and everything in it; probeLeftover sees nothing afterwards', async () => {
    const dir = mkdtempSync('/tmp/hgr-rt-');
    writeFileSync(join(dir, 'qemu.pid'), '1');
    writeFileSync(join(dir, 'stray'), 'x');
    await writeSessionRecord(dir, { vmId: 'v', pid: 999_999_999, startedAt: 'now', bundleDir: dir });
    expect((await probeLeftover(dir)).kind).toBe('died');
    await cleanRuntimeDir(dir);
    expect(existsSync(dir)).toBe(false);
    expect((await probeLeftover(dir)).kind).toBe('none');
  });

  it('probeLeftover: a recorded pid that is alive but not our QEMU is not taken over', async () => {
    const dir = mkdtempSync('/tmp/hgr-rt-');
    try {
      await writeSessionRecord(dir, { vmId: 'v', pid: process.pid, startedAt: 'now', bundleDir: dir });
      const probe = await probeLeftover(dir);
      expect(probe.kind).toBe('exited'); // no pidfile: treated as a clean exit, never reattached
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
