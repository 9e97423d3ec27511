import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import type { EngineError } from '../../../../src-shared/contract/index.js';
import type { PortForward, VmDocument } from '../../../../src-shared/vm-document/index.js';
import { checkConflicts, hostfwdAddLine, hostfwdRemoveLine, parseForwardSpec, parsePort, portFree, userNetwork } from '../../../../src-main/engine/network/forward-rules.js';
import { ForwardService, type ForwardHost } from '../../../../src-main/engine/network/forward-service.js';
import type { LoadedVm } from '../../../../src-main/engine/storage/bundle-store.js';

const fwd = (hostPort: number, guestPort = 22, protocol: 'tcp' | 'udp' = 'tcp'): PortForward => ({ protocol, hostAddress: '127.0.0.1', hostPort, guestPort });

function thrown(fn: () => unknown): EngineError {
  try {
    fn();
  } catch (err) {
    return err as EngineError;
  }
  throw new Error('expected a throw');
}

describe('forward rules', () => {
  it('conflicts: the same port twice in this VM, or in another running VM, naming the port', () => {
    const own = thrown(() => checkConflicts('a', [fwd(8022)], fwd(8022, 80), []));
    expect(own.code).toBe('exists');
    expect(own.message).toBe('host tcp port 8022 on 127.0.0.1 is already forwarded by "a" (to guest port 22)');
    const other = thrown(() => checkConflicts('a', [], fwd(8080, 80), [{ name: 'b', forwards: [fwd(8080, 8000)] }]));
    expect(other.message).toBe('host tcp port 8080 on 127.0.0.1 is used by the running machine "b" (forwarded to its guest port 8000)');
    // Another protocol on the same number is no conflict.
    expect(() => checkConflicts('a', [fwd(53, 53, 'tcp')], fwd(53, 53, 'udp'), [])).not.toThrow();
  });

  it('"no network" and bridged VMs refuse with the reason', () => {
    expect(thrown(() => userNetwork({ name: 'x', network: { mode: 'none' } })).message).toMatch(/has no network/);
    expect(thrown(() => userNetwork({ name: 'x', network: { mode: 'bridge', model: 'e1000', mac: '52:54:00:00:00:01', bridge: 'br0' } })).message).toMatch(/bridged to br0/);
  });

  it('HMP lines name netdev net0', () => {
    expect(hostfwdAddLine(fwd(8022))).toBe('hostfwd_add net0 tcp:127.0.0.1:8022-:22');
    expect(hostfwdRemoveLine(fwd(8022))).toBe('hostfwd_remove net0 tcp:127.0.0.1:8022');
  });

  it('parses [tcp|udp:][ADDRESS:]PORT', () => {
    expect(parseForwardSpec('8022')).toEqual({ protocol: 'tcp', hostPort: 8022 });
    expect(parseForwardSpec('udp:5353')).toEqual({ protocol: 'udp', hostPort: 5353 });
    expect(parseForwardSpec('tcp:0.0.0.0:80')).toEqual({ protocol: 'tcp', hostAddress: '0.0.0.0', hostPort: 80 });
    for (const bad of ['', 'sctp:1', '0', '70000', 'tcp:', 'x:80']) expect(() => parseForwardSpec(bad)).toThrow(/not a host port/);
    expect(parsePort('22', 'GUESTPORT')).toBe(22);
    expect(() => parsePort('22a', 'GUESTPORT')).toThrow(/GUESTPORT must be a port number/);
  });

  it('portFree: false for a port a server holds', async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as { port: number }).port;
    expect(await portFree('127.0.0.1', port, 'tcp')).toBe(false);
    await new Promise((r) => s.close(r));
    expect(await portFree('127.0.0.1', port, 'tcp')).toBe(true);
  });
});

function freePort(): Promise<number> {
  return new Promise((r) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => r(p));
    });
  });
}

describe('ForwardService (scripted QMP)', () => {
  function setup(hmpReply: string) {
    let doc = { id: 'id-a', name: 'a', network: { mode: 'user', model: 'e1000', mac: '52:54:00:00:00:01', forwards: [] as PortForward[] } } as unknown as VmDocument;
    const lines: string[] = [];
    const qmp = {
      execute: async (_cmd: string, args?: Record<string, unknown>) => {
        lines.push(String(args?.['command-line']));
        return hmpReply;
      },
    };
    const host: ForwardHost = {
      store: {
        load: async () => ({ id: 'id-a', name: 'a', doc, bundleDir: '/b' }) as unknown as LoadedVm,
        update: async (_id, patch) => {
          doc = { ...doc, ...(typeof patch === 'function' ? patch(doc) : patch) } as VmDocument;
          return doc;
        },
      },
      sessions: new Map([['id-a', { state: { kind: 'running' }, qmp: qmp as never }]]),
      emit: () => undefined,
    };
    return { service: new ForwardService(host), lines, doc: () => doc };
  }

  it('applies live with hostfwd_add, then saves the document; remove uses hostfwd_remove', async () => {
    const s = setup('');
    const port = await freePort();
    const r = await s.service.add({ vm: 'a', protocol: 'tcp', hostPort: port, guestPort: 22 });
    expect(r).toMatchObject({ live: true, forwards: [{ hostPort: port, guestPort: 22 }] });
    expect(s.lines).toEqual([`hostfwd_add net0 tcp:127.0.0.1:${port}-:22`]);
    expect(await s.service.remove({ vm: 'a', protocol: 'tcp', hostPort: port })).toEqual({ forwards: [], live: true });
    expect(s.lines[1]).toBe(`hostfwd_remove net0 tcp:127.0.0.1:${port}`);
  });

  it('an HMP failure (printed, not raised) rejects and leaves the document alone', async () => {
    const s = setup('Could not set up host forwarding rule \'tcp:127.0.0.1:40123-:22\'\r\n');
    const port = await freePort();
    await expect(s.service.add({ vm: 'a', protocol: 'tcp', hostPort: port, guestPort: 22 })).rejects.toThrow(/Could not set up host forwarding rule/);
    expect(s.lines).toEqual([`hostfwd_add net0 tcp:127.0.0.1:${port}-:22`]);
    expect((s.doc().network as { forwards: PortForward[] }).forwards).toEqual([]);
  });
});
