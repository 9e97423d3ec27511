import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GuestAgentInfo, VmEventBody } from '../../../../src-shared/contract/index.js';
import { GuestAgentService, type AgentSession } from '../../../../src-main/engine/guest-agent/guest-agent-service.js';
import type { QmpEventMessage } from '../../../../src-main/engine/qmp/qmp-commands.js';

type Msg = { execute: string; arguments?: Record<string, unknown> };

/** A fake qemu-ga on the runtime folder's qga.sock; `answering` off plays a guest without an agent. */
class FakeAgent {
  seen: Msg[] = [];
  answering = true;
  frozen = false;
  private server!: Server;
  replies: Record<string, unknown> = {
    'guest-info': { version: '7.2.0', supported_commands: [] },
    'guest-get-host-name': { 'host-name': 'fixture-guest' },
    'guest-get-osinfo': { 'pretty-name': 'Hangar test guest', 'kernel-release': '6.1.0' },
    'guest-network-get-interfaces': [
      { name: 'lo', 'ip-addresses': [{ 'ip-address-type': 'ipv4', 'ip-address': '127.0.0.1', prefix: 8 }] },
      { name: 'eth0', 'hardware-address': '52:54:00:12:34:56', 'ip-addresses': [{ 'ip-address-type': 'ipv4', 'ip-address': '10.0.2.15', prefix: 24 }] },
    ],
    'guest-set-time': {},
  };
  listen(path: string): Promise<void> {
    this.server = createServer((sock: Socket) => {
      let buf = '';
      sock.on('data', (d) => {
        buf += d.toString();
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const msg = JSON.parse(buf.slice(0, nl)) as Msg;
          buf = buf.slice(nl + 1);
          this.seen.push(msg);
          if (this.answering) this.answer(msg, sock);
        }
      });
    });
    return new Promise((r) => this.server.listen(path, () => r()));
  }
  private answer(msg: Msg, sock: Socket): void {
    if (msg.execute === 'guest-sync-delimited') sock.write(Buffer.concat([Buffer.from([0xff]), Buffer.from(`${JSON.stringify({ return: msg.arguments?.['id'] })}\n`)]));
    else if (msg.execute === 'guest-fsfreeze-freeze') { this.frozen = true; sock.write('{"return": 1}\n'); }
    else if (msg.execute === 'guest-fsfreeze-thaw') { this.frozen = false; sock.write('{"return": 1}\n'); }
    else if (msg.execute in this.replies) sock.write(`${JSON.stringify({ return: this.replies[msg.execute] })}\n`);
  }
  commands(): string[] {
    return this.seen.map((m) => m.execute).filter((c) => c !== 'guest-sync-delimited');
  }
  close(): void {
    this.server.close();
  }
}

class FakeSession implements AgentSession {
  readonly vmId = 'vm-1';
  state = { kind: 'running' };
  private listeners = new Set<(e: QmpEventMessage) => void>();
  private end!: () => void;
  private readonly ended = new Promise<void>((r) => (this.end = r));
  constructor(readonly runtimeDir: string) {}
  readonly qmp = { onEvent: (l: (e: QmpEventMessage) => void) => { this.listeners.add(l); return () => this.listeners.delete(l); } };
  whenEnded(): Promise<unknown> { return this.ended; }
  event(event: string, data: Record<string, unknown> = {}): void { for (const l of this.listeners) l({ event, data }); }
  finish(): void { this.end(); }
}

let dir: string;
let agent: FakeAgent;
let session: FakeSession;
let events: GuestAgentInfo[];
let clock: number;
let service: GuestAgentService;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qga-svc-'));
  agent = new FakeAgent();
  await agent.listen(join(dir, 'qga.sock'));
  session = new FakeSession(dir);
  events = [];
  clock = 1_700_000_000_000;
  service = new GuestAgentService({
    emit: (_id, body: VmEventBody) => { if (body.type === 'vm.guestAgent') events.push(body.info); },
    log: () => undefined,
    pollMs: 60_000,
    timeoutMs: 300,
    longPauseMs: 60_000,
    now: () => clock,
  });
});
afterEach(() => { session.finish(); agent.close(); rmSync(dir, { recursive: true, force: true }); });

describe('GuestAgentService', () => {
  it('does nothing for a machine without the agent channel', () => {
    service.watch({ guestAgent: false }, session);
    expect(service.info('vm-1')).toBeUndefined();
  });

  it('reads hostname, OS and addresses (no loopback) once the agent answers, and announces them', async () => {
    service.watch({ guestAgent: true }, session);
    await vi.waitFor(() => expect(service.info('vm-1')?.status).toBe('running'));
    expect(service.info('vm-1')).toEqual({
      status: 'running', version: '7.2.0', hostname: 'fixture-guest', os: { name: 'Hangar test guest', kernel: '6.1.0' },
      addresses: [{ interface: 'eth0', family: 'ipv4', address: '10.0.2.15', prefix: 24 }], updatedAt: clock,
    });
    expect(events.map((e) => e.status)).toEqual(['waiting', 'running']);
  });

  it('waits without an agent, then reads at once when the guest opens the port (VSERPORT_CHANGE), and forgets on close', async () => {
    agent.answering = false;
    service.watch({ guestAgent: true }, session);
    await vi.waitFor(() => expect(agent.seen.length).toBeGreaterThan(0));
    expect(service.info('vm-1')?.status).toBe('waiting');
    agent.answering = true;
    session.event('VSERPORT_CHANGE', { id: 'qga-port0', open: true });
    await vi.waitFor(() => expect(service.info('vm-1')?.hostname).toBe('fixture-guest'), { timeout: 5_000 });
    session.event('VSERPORT_CHANGE', { id: 'qga-port0', open: false });
    expect(service.info('vm-1')).toEqual({ status: 'waiting', addresses: [] });
    session.finish();
    await vi.waitFor(() => expect(events.at(-1)).toEqual({ status: 'off', addresses: [] }));
    expect(service.info('vm-1')).toBeUndefined();
  });

  it('freezes and thaws around a disk snapshot; without an agent the freeze is skipped (null), quickly', async () => {
    service.watch({ guestAgent: true }, session);
    await vi.waitFor(() => expect(service.info('vm-1')?.status).toBe('running'));
    const thaw = await service.freeze('vm-1');
    expect(agent.frozen).toBe(true);
    await thaw!();
    expect(agent.frozen).toBe(false);
    agent.answering = false;
    await expect(service.freeze('vm-1')).resolves.toBeNull();
    expect(agent.commands().filter((c) => c === 'guest-fsfreeze-freeze')).toHaveLength(1);
  });

  it('sets the guest clock from the host after a RAM state was loaded, and after a long pause only', async () => {
    service.watch({ guestAgent: true }, session);
    await vi.waitFor(() => expect(service.info('vm-1')?.status).toBe('running'));
    service.clockJumped('vm-1');
    await vi.waitFor(() => expect(agent.commands()).toContain('guest-set-time'));
    expect(agent.seen.find((m) => m.execute === 'guest-set-time')?.arguments).toEqual({ time: clock * 1_000_000 });
    const count = () => agent.commands().filter((c) => c === 'guest-set-time').length;
    // A short pause: no clock change.
    session.event('STOP');
    clock += 5_000;
    session.event('RESUME');
    await vi.waitFor(() => expect(agent.commands().filter((c) => c === 'guest-info').length).toBeGreaterThanOrEqual(3));
    expect(count()).toBe(1);
    session.event('STOP');
    clock += 120_000;
    session.event('RESUME');
    await vi.waitFor(() => expect(count()).toBe(2));
  });

  it('refuses an agent shutdown when no agent answers, naming qemu-ga', async () => {
    agent.answering = false;
    service.watch({ guestAgent: true }, session);
    await expect(service.shutdown('vm-1')).rejects.toThrow(/guest agent does not answer.*qemu-ga/);
    await expect(service.shutdown('vm-2')).rejects.toThrow(/no guest agent channel/);
  });
});
