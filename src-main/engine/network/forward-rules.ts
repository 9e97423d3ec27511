import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { EngineError } from '../../../src-shared/contract/index.js';
import type { PortForward, VmDocument, VmNetwork } from '../../../src-shared/vm-document/index.js';

export const DEFAULT_HOST_ADDRESS = '127.0.0.1';
/** The user-mode netdev's id in the argv (see qemu/argv-devices.ts). */
export const NETDEV_ID = 'net0';

/** The user-mode network of a VM, or the reason it has no forward table. */
export function userNetwork(doc: Pick<VmDocument, 'name' | 'network'>): Extract<VmNetwork, { mode: 'user' }> {
  const net = doc.network;
  if (net.mode === 'user') return net;
  if (net.mode === 'none') {
    throw new EngineError('invalid-state', `"${doc.name}" has no network ("no network" is selected), so there is nothing to forward ports to; switch it to NAT first`, { field: 'network.mode' });
  }
  throw new EngineError('invalid-state', `"${doc.name}" is bridged to ${net.bridge}: the guest has its own address on that network, so port forwards (a NAT feature) do not apply`, { field: 'network.mode' });
}

export function describeForward(f: Pick<PortForward, 'protocol' | 'hostAddress' | 'hostPort'>): string {
  return `${f.protocol} port ${f.hostPort} on ${f.hostAddress}`;
}

/** Same protocol and host port (addresses may differ: 0.0.0.0 covers 127.0.0.1, so any overlap counts). */
export function samePort(a: Pick<PortForward, 'protocol' | 'hostPort'>, b: Pick<PortForward, 'protocol' | 'hostPort'>): boolean {
  return a.protocol === b.protocol && a.hostPort === b.hostPort;
}

/** Refuses a forward whose host port this VM or another running VM already forwards. */
export function checkConflicts(vmName: string, own: readonly PortForward[], wanted: PortForward, others: ReadonlyArray<{ name: string; forwards: readonly PortForward[] }>): void {
  const mine = own.find((f) => samePort(f, wanted));
  if (mine) {
    throw new EngineError('exists', `host ${describeForward(wanted)} is already forwarded by "${vmName}" (to guest port ${mine.guestPort})`, { field: 'hostPort', hostPort: wanted.hostPort });
  }
  for (const o of others) {
    const f = o.forwards.find((x) => samePort(x, wanted));
    if (f) {
      throw new EngineError('exists', `host ${describeForward(wanted)} is used by the running machine "${o.name}" (forwarded to its guest port ${f.guestPort})`, { field: 'hostPort', hostPort: wanted.hostPort, vm: o.name });
    }
  }
}

/** Can we bind this port now? Used by forward-service and vm-lifecycle's pre-flight check. */
export async function portFree(host: string, port: number, protocol: 'tcp' | 'udp'): Promise<boolean> {
  return (await bindError(host, port, protocol)) === null;
}

/** Why this port cannot be bound now (`EADDRINUSE`, `EADDRNOTAVAIL` for an address the host lacks...), or null. */
export function bindError(host: string, port: number, protocol: 'tcp' | 'udp'): Promise<string | null> {
  const codeOf = (err: NodeJS.ErrnoException): string => err.code ?? 'EUNKNOWN';
  if (protocol === 'udp') {
    return new Promise((resolve) => {
      const s = createSocket('udp4');
      s.once('error', (err: NodeJS.ErrnoException) => {
        s.close();
        resolve(codeOf(err));
      });
      s.bind(port, host, () => s.close(() => resolve(null)));
    });
  }
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', (err: NodeJS.ErrnoException) => resolve(codeOf(err)));
    s.listen({ host, port, exclusive: true }, () => s.close(() => resolve(null)));
  });
}

/** HMP rule text: `tcp:127.0.0.1:8022-:22` for hostfwd_add, `tcp:127.0.0.1:8022` for hostfwd_remove. */
export function hostfwdAddLine(f: PortForward): string {
  return `hostfwd_add ${NETDEV_ID} ${f.protocol}:${f.hostAddress}:${f.hostPort}-:${f.guestPort}`;
}
export function hostfwdRemoveLine(f: Pick<PortForward, 'protocol' | 'hostAddress' | 'hostPort'>): string {
  return `hostfwd_remove ${NETDEV_ID} ${f.protocol}:${f.hostAddress}:${f.hostPort}`;
}

/** `[tcp|udp:][ADDRESS:]PORT` from the command line. */
export function parseForwardSpec(spec: string): { protocol: 'tcp' | 'udp'; hostAddress?: string; hostPort: number } {
  const m = /^(?:(tcp|udp):)?(?:((?:\d{1,3}\.){3}\d{1,3}):)?(\d{1,5})$/i.exec(spec.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535) throw new EngineError('invalid-args', `"${spec}" is not a host port: use [tcp|udp:][ADDRESS:]PORT, e.g. 8022, udp:5353 or tcp:127.0.0.1:8022`);
  return { protocol: (m[1]?.toLowerCase() ?? 'tcp') as 'tcp' | 'udp', ...(m[2] ? { hostAddress: m[2] } : {}), hostPort: port };
}

export function parsePort(text: string, what: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new EngineError('invalid-args', `${what} must be a port number from 1 to 65535 (got "${text}")`);
  return n;
}
