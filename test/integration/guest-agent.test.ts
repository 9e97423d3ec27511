import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GuestAgentInfo } from '../../src-shared/contract/index.js';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { failure, serialWait, stateWait, useEngineSuite } from '../helpers/engine-harness.js';

// Debian's real qemu-ga in the Linux test guest (build-fixtures.sh copies it with its libraries; /init starts it
// when the machine has the org.qemu.guest_agent.0 port). QGA:<command> lines on serial drive the guest's side.
describe('QEMU guest agent against real QEMU and the real qemu-ga', () => {
  const s = useEngineSuite();

  /** A debian12 machine (the preset turns the agent channel on) booted from linux.iso, with a qcow2 disk for snapshots. */
  async function bootAgentGuest(name: string): Promise<string> {
    const disk = join(s.t.root, `${name.replace(/\W/g, '-')}.qcow2`);
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '16M']);
    const { id, doc } = await s.e.client.call('vm.create', { name, osId: 'debian12', iso: fixturePaths.linuxIso, existingDisk: disk, memoryMiB: 256, cpus: 1 });
    expect(doc.guestAgent, 'the debian12 preset gives the machine the agent channel').toBe(true);
    await serialWait(s.e.client, id, markers.linuxReady, () => s.e.client.call('vm.start', { vm: id }), 120_000);
    return id;
  }

  /** Resolves with the agent's info once `ok` holds for it (events, or what vm.get already says). */
  function agentInfo(id: string, ok: (i: GuestAgentInfo) => boolean, timeoutMs = 90_000): Promise<GuestAgentInfo> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { off(); reject(new Error(`the guest agent did not report the expected state within ${timeoutMs} ms`)); }, timeoutMs);
      const off = s.e.client.onEvent((ev) => {
        if (ev.type === 'vm.guestAgent' && ev.vmId === id && ok(ev.info)) { clearTimeout(timer); off(); resolve(ev.info); }
      });
      void s.e.client.call('vm.get', { vm: id }).then((r) => {
        if (r.guestAgent && ok(r.guestAgent)) { clearTimeout(timer); off(); resolve(r.guestAgent); }
      });
    });
  }

  const guestCommand = (id: string, cmd: string, reply: string) => serialWait(s.e.client, id, reply, () => s.e.client.call('vm.console.write', { vm: id, data: `QGA:${cmd}\n` }));

  it('reports the guest\'s hostname, OS and address; shuts down through the agent a guest that ignores ACPI, and says so', async () => {
    const id = await bootAgentGuest('agent shutdown');
    const t0 = Date.now();
    const info = await agentInfo(id, (i) => i.status === 'running' && i.addresses.length > 0);
    console.warn(`agent answered ${Date.now() - t0} ms after READY`);
    expect(info).toMatchObject({ status: 'running', hostname: 'hangar-linux' });
    // The static address the guest's init gives eth0 (QEMU user networking), and no loopback.
    expect(info.addresses).toContainEqual({ interface: 'eth0', family: 'ipv4', address: '10.0.2.15', prefix: 24 });
    expect(info.addresses.filter((a) => a.interface === 'lo')).toEqual([]);
    expect(info.version).toMatch(/^7\.2/);
    expect((await s.e.client.call('vm.get', { vm: id })).guestAgent).toMatchObject({ hostname: 'hangar-linux' });

    await guestCommand(id, 'ignore-acpi', 'HANGAR-QGA-OK:ignore-acpi');
    const ignored = serialWait(s.e.client, id, 'HANGAR-LINUX-ACPI-IGNORED', undefined, 120_000);
    const byAgent = serialWait(s.e.client, id, 'HANGAR-QGA-SHUTDOWN:', undefined, 120_000);
    const t1 = Date.now();
    const r = await s.e.client.call('vm.shutdown', { vm: id, timeoutMs: 20_000 });
    console.warn(`agent shutdown: ${Date.now() - t1} ms (20 s of ignored ACPI included)`);
    expect(r).toMatchObject({ timedOut: false, method: 'agent', state: { kind: 'stopped' } });
    await ignored;
    await byAgent;
    expect((await s.e.client.call('vm.get', { vm: id })).guestAgent).toBeUndefined();
  }, 300_000);

  it('freezes the guest\'s filesystems around a disk-only live snapshot and thaws them after (qemu-ga\'s freeze hook on serial)', async () => {
    const id = await bootAgentGuest('agent freeze');
    await agentInfo(id, (i) => i.status === 'running');
    let serial = '';
    const off = s.e.client.onEvent((ev) => { if (ev.type === 'vm.serial' && ev.vmId === id) serial += ev.data; });
    try {
      const thawed = serialWait(s.e.client, id, 'HANGAR-QGA-FSFREEZE:thaw', undefined, 120_000);
      const taken = await s.e.client.call('snapshot.take', { vm: id, name: 'frozen', withRam: false });
      expect(taken.snapshot.withRam).toBe(false);
      await thawed;
      const freezeAt = serial.indexOf('HANGAR-QGA-FSFREEZE:freeze');
      expect(freezeAt, 'the freeze hook ran').toBeGreaterThanOrEqual(0);
      expect(serial.indexOf('HANGAR-QGA-FSFREEZE:thaw')).toBeGreaterThan(freezeAt);
      // Thawed: the agent answers ordinary commands again, and the guest runs on.
      await agentInfo(id, (i) => i.status === 'running');
      await serialWait(s.e.client, id, 'ECHO:still here', () => s.e.client.call('vm.console.write', { vm: id, data: 'still here\n' }));
    } finally {
      off();
      await s.e.client.call('vm.forceOff', { vm: id });
    }
  }, 300_000);

  it('sets the guest clock after a RAM snapshot restore; a RAM snapshot taken with the channel is refused once it is off', async () => {
    const id = await bootAgentGuest('agent clock');
    await agentInfo(id, (i) => i.status === 'running');
    await s.e.client.call('snapshot.take', { vm: id, name: 'with ram', withRam: true });
    const takenAt = Date.now();
    // The gap the restored guest clock would lag by: a deliberate wall-clock interval, not a wait for a condition.
    await new Promise((r) => setTimeout(r, 25_000));
    expect(Date.now() - takenAt).toBeGreaterThanOrEqual(25_000);
    await s.e.client.call('snapshot.restore', { vm: id, snapshot: 'with ram' });
    // Without guest-set-time the guest's clock would be >= 25 s behind the host's.
    const deadline = Date.now() + 90_000;
    let lag = Infinity;
    while (Date.now() < deadline) {
      const out = await guestCommand(id, 'date', 'HANGAR-QGA-DATE:');
      const m = /HANGAR-QGA-DATE:(\d+)/.exec(out.slice(out.lastIndexOf('HANGAR-QGA-DATE:')));
      if (m) lag = Date.now() / 1000 - Number(m[1]);
      if (Math.abs(lag) < 8) break;
    }
    expect(Math.abs(lag), 'guest clock vs host clock after the restore (s)').toBeLessThan(8);

    // The agent channel is a device in the saved state: with it off, the RAM snapshot is refused in plain words.
    const stopped = stateWait(s.e.client, id, 'stopped', 60_000);
    await s.e.client.call('vm.forceOff', { vm: id });
    await stopped;
    await s.e.client.call('vm.update', { vm: id, patch: { guestAgent: false } });
    const refused = await failure(s.e.client.call('snapshot.restore', { vm: id, snapshot: 'with ram' }));
    expect(refused.message).toMatch(/taken with the guest agent channel on; the machine now has it off/);
  }, 300_000);
});
