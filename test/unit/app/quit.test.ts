// Quitting with VMs running asks; each of the three answers does what it says.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as electron from 'electron';
import { FakeUtilityProcess, type FakeElectron, type FakeMessagePortMain } from './fake-electron.js';
import { EngineHost } from '../../../src-main/app/engine-host.js';
import { setupQuitGuard } from '../../../src-main/app/quit.js';
import type { VmSummary } from '../../../src-shared/contract/commands.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).createFakeElectron());
const fake = electron as unknown as FakeElectron;

type Request = { type: 'request'; id: number; command: string; args: Record<string, unknown> };
type Reply = (args: Record<string, unknown>) => unknown;

/** Plays the engine on main's own port: answers each request from `replies` and records it. */
function fakeEngine(port: FakeMessagePortMain, replies: Record<string, Reply>): Request[] {
  const seen: Request[] = [];
  port.postMessage.mockImplementation((raw: unknown) => {
    const req = raw as Request;
    seen.push(req);
    const reply = replies[req.command];
    setTimeout(() => {
      if (!reply) return port.emit('message', { data: { type: 'response', id: req.id, ok: false, error: { code: 'unknown-command', message: 'no' } } });
      port.emit('message', { data: { type: 'response', id: req.id, ok: true, result: reply(req.args) } });
    }, 0);
  });
  return seen;
}

const vm = (id: string, kind: 'running' | 'paused' | 'stopped', disposable = false): VmSummary =>
  ({ id, name: `VM ${id}`, osId: 'debian12', bundleDir: `/lib/${id}.hangar`, state: kind === 'stopped' ? { kind } : { kind, ...(disposable ? { disposable: true as const } : {}) } });

async function setup(vms: VmSummary[], replies: Record<string, Reply> = {}) {
  const engine = new EngineHost({ modulePath: '/e.js', log: () => undefined });
  const onCancel = vi.fn();
  setupQuitGuard(engine, { onCancel, shutdownTimeoutMs: 1000, log: () => undefined });
  engine.start();
  const proc = FakeUtilityProcess.instances[0]!;
  proc.ready();
  const mainPort = proc.attachedPorts()[0]!.peer!; // main keeps the other end of its own channel
  const requests = fakeEngine(mainPort, { 'library.list': () => vms, ...replies });
  const event = { preventDefault: vi.fn() };
  fake.app.emit('before-quit', event);
  await vi.waitFor(() => expect(fake.app.quit.mock.calls.length + onCancel.mock.calls.length).toBeGreaterThan(0), { timeout: 15_000 });
  return { proc, requests, event, onCancel, commands: () => requests.map((r) => `${r.command} ${String(r.args['vm'] ?? '')}`.trim()) };
}

function choose(button: 0 | 1 | 2 | 3): void {
  fake.dialog.showMessageBox.mockResolvedValueOnce({ response: button, checkboxChecked: false });
}

describe('quit guard', () => {
  beforeEach(() => fake.reset());

  it('quits without asking when no VM runs', async () => {
    const { event, proc, commands } = await setup([vm('a', 'stopped')]);
    expect(event.preventDefault).toHaveBeenCalled(); // held until the engine answered
    expect(fake.dialog.showMessageBox).not.toHaveBeenCalled();
    expect(commands()).toEqual(['library.list']);
    expect(proc.kill).toHaveBeenCalled();
    expect(fake.app.quit).toHaveBeenCalledTimes(1);
  });

  it('asks with four buttons, naming the running VMs', async () => {
    choose(3);
    await setup([vm('a', 'running'), vm('b', 'stopped'), vm('c', 'paused')]);
    const options = fake.dialog.showMessageBox.mock.calls[0]!.at(-1) as { buttons: string[]; cancelId: number; message: string; detail: string };
    expect(options.buttons).toEqual(['Keep running in background', 'Save state of all', 'Shut down all', 'Cancel']);
    expect(options.cancelId).toBe(3);
    expect(options.message).toMatch(/2 virtual machines/);
    expect(options.detail).toMatch(/VM a/);
    expect(options.detail).not.toMatch(/VM b/);
  });

  it('"Keep running in background" quits without stopping any VM (the engine just detaches)', async () => {
    choose(0);
    const { commands, proc } = await setup([vm('a', 'running')]);
    expect(commands()).toEqual(['library.list']);
    expect(proc.kill).toHaveBeenCalled();
    expect(fake.app.quit).toHaveBeenCalledTimes(1);
  });

  it('"Save state of all" saves each VM that can be saved; a disposable run keeps running; then quits', async () => {
    choose(1);
    const { commands, proc } = await setup([vm('a', 'running'), vm('p', 'paused'), vm('tmp', 'running', true)], {
      'vm.saveState': () => ({ state: { kind: 'saved', savedAt: '2026-12-06T22:00:00.000Z' } }),
    });
    expect(commands().sort()).toEqual(['library.list', 'vm.saveState a', 'vm.saveState p']);
    expect(commands()).not.toContain('vm.saveState tmp');
    expect(commands().some((c) => c.startsWith('vm.shutdown') || c.startsWith('vm.forceOff'))).toBe(false);
    expect(proc.kill).toHaveBeenCalled();
    expect(fake.app.quit).toHaveBeenCalledTimes(1);
  });

  it('"Shut down all" shuts each VM down, forces off the one that ignores it, then quits', async () => {
    choose(2);
    const { commands, requests, proc } = await setup([vm('good', 'running'), vm('stubborn', 'running')], {
      'vm.shutdown': (args) =>
        args['vm'] === 'good' ? { state: { kind: 'stopped' }, timedOut: false } : { state: { kind: 'running' }, timedOut: true },
      'vm.forceOff': () => ({ state: { kind: 'stopped' } }),
    });
    expect(commands().sort()).toEqual(['library.list', 'vm.forceOff stubborn', 'vm.shutdown good', 'vm.shutdown stubborn']);
    expect(requests.find((r) => r.command === 'vm.shutdown')!.args).toMatchObject({ timeoutMs: 1000 });
    const shutdownAt = requests.findIndex((r) => r.command === 'vm.shutdown' && r.args['vm'] === 'stubborn');
    const forceAt = requests.findIndex((r) => r.command === 'vm.forceOff');
    expect(forceAt).toBeGreaterThan(shutdownAt);
    expect(proc.kill).toHaveBeenCalled();
    expect(fake.app.quit).toHaveBeenCalledTimes(1);
  });

  it('"Shut down all" forces off a VM whose shutdown fails (e.g. paused)', async () => {
    choose(2);
    const { commands } = await setup([vm('p', 'paused')], { 'vm.forceOff': () => ({ state: { kind: 'stopped' } }) });
    expect(commands()).toEqual(['library.list', 'vm.shutdown p', 'vm.forceOff p']);
    expect(fake.app.quit).toHaveBeenCalledTimes(1);
  });

  it('"Cancel" does not quit and leaves the engine alone', async () => {
    choose(3);
    const { event, proc, onCancel, commands } = await setup([vm('a', 'running')]);
    expect(event.preventDefault).toHaveBeenCalled();
    expect(onCancel).toHaveBeenCalled();
    expect(fake.app.quit).not.toHaveBeenCalled();
    expect(proc.kill).not.toHaveBeenCalled();
    expect(commands()).toEqual(['library.list']);
  });

  it('lets the second before-quit (its own app.quit) through', async () => {
    await setup([]);
    const again = { preventDefault: vi.fn() };
    fake.app.emit('before-quit', again);
    expect(again.preventDefault).not.toHaveBeenCalled();
  });
});
