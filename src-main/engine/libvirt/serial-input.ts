import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { EngineError } from '../../../src-shared/contract/index.js';
import { childrenNamed, firstChild, parseXml } from './xml-tree.js';

/** Where a domain's serial console takes input: QEMU's unix socket, or why Hangar can only read it. */
export type SerialEndpoint = { kind: 'socket'; path: string } | { kind: 'read-only'; reason: string };

/** Input not yet taken by the guest beyond this is refused (a console nobody drains must not grow the engine). */
export const SERIAL_BACKLOG_MAX = 4 * 1024 * 1024;

/**
 * The serial console's input end, from the domain's XML (untrusted for a foreign domain). Deny by default: only a
 * unix socket QEMU listens on (`mode='bind'`) at an absolute path without control characters; a pty (what domains
 * Hangar wrote before, and most foreign ones, have) needs a terminal on the host, so it stays read-only with the reason.
 */
export function serialEndpointOf(xml: string, domainName: string): SerialEndpoint {
  const devices = firstChild(parseXml(xml).documentElement!, 'devices');
  const serial = devices ? childrenNamed(devices, 'serial')[0] : undefined;
  if (!serial) return { kind: 'read-only', reason: `"${domainName}" has no serial port` };
  const type = serial.getAttribute('type');
  const source = firstChild(serial, 'source');
  if (type === 'unix' && source?.getAttribute('mode') === 'bind') {
    const path = source.getAttribute('path') ?? '';
    if (path.startsWith('/') && !/[\0-\x1f\x7f]/.test(path)) return { kind: 'socket', path };
    return { kind: 'read-only', reason: `"${domainName}"'s serial socket is not an absolute path` };
  }
  const why = type === 'pty'
    ? 'a pseudo-terminal (pty), which only `virsh console` in a terminal can type into (a domain Hangar did not write, or wrote before its console took input: define it again to type here)'
    : `of type "${type || 'unknown'}"${type === 'unix' ? ' that QEMU does not listen on' : ''}, which Hangar cannot type into`;
  return { kind: 'read-only', reason: `"${domainName}"'s serial console is ${why}` };
}

/** The local name of a domain's forwarded serial socket (as vncSocketName: a hash of the whole uuid, short for unix paths). */
export function serialSocketName(uuid: string): string {
  return `${createHash('sha256').update(uuid).digest('hex').slice(0, 16)}.ser`;
}

/**
 * One open connection per domain to its serial socket (QEMU takes one client at a time), opened on the first
 * write and kept while the domain runs. What QEMU sends back is read and dropped: the console's output comes
 * from the serial log, which also holds what came while nobody was connected; unread, it would stall the guest.
 */
export class SerialInput {
  private readonly sockets = new Map<string, Promise<Socket>>();

  /** Writes to the domain's console; `reach` gives the local socket path (the domain's own, or an SSH forward). */
  async write(uuid: string, reach: () => Promise<string>, data: string): Promise<void> {
    let sock = await this.open(uuid, reach);
    if (sock.destroyed) {
      this.sockets.delete(uuid);
      sock = await this.open(uuid, reach);
    }
    if (sock.writableLength + Buffer.byteLength(data) > SERIAL_BACKLOG_MAX) {
      throw new EngineError('busy', `the serial console has ${sock.writableLength} bytes the guest has not read yet: wait for it to take them`);
    }
    sock.write(data);
  }

  private open(uuid: string, reach: () => Promise<string>): Promise<Socket> {
    let p = this.sockets.get(uuid);
    if (p) return p;
    p = (async () => {
      const path = await reach();
      const sock = connect(path);
      await new Promise<void>((resolve, reject) => {
        sock.once('connect', resolve).once('error', (e: NodeJS.ErrnoException) => reject(new EngineError('invalid-state', `cannot reach the serial console (${e.code ?? e.message}): is the machine running?`)));
      });
      sock.on('data', () => undefined);
      sock.on('error', () => undefined);
      sock.once('close', () => {
        if (this.sockets.get(uuid) === p) this.sockets.delete(uuid);
      });
      return sock;
    })();
    p.catch(() => this.sockets.get(uuid) === p && this.sockets.delete(uuid));
    this.sockets.set(uuid, p);
    return p;
  }

  close(): void {
    for (const p of this.sockets.values()) void p.then((s) => s.destroy(), () => undefined);
    this.sockets.clear();
  }
}
