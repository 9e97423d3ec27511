import { EngineError } from '../../../src-shared/contract/index.js';
import { childrenNamed, firstChild, parseXml } from './xml-tree.js';

/** Where a running domain's VNC server listens on its host: a unix socket, or a TCP port reached on loopback. */
export type VncEndpoint = { kind: 'socket'; path: string } | { kind: 'tcp'; port: number; exposed: boolean };

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const ANY = new Set(['0.0.0.0', '::', '']);

/**
 * The VNC endpoint of a running domain, from its live XML (`virsh dumpxml`, untrusted for a foreign domain).
 * Deny by default: a socket must be an absolute path; a TCP listener must be on loopback, or on every address
 * (`exposed`: it is reached on loopback all the same, and Hangar opens nothing itself). Anything else is refused.
 */
export function vncEndpointOf(liveXml: string, domainName: string): VncEndpoint {
  const root = parseXml(liveXml).documentElement!;
  const devices = firstChild(root, 'devices');
  const g = (devices ? childrenNamed(devices, 'graphics') : []).find((x) => x.getAttribute('type') === 'vnc');
  if (!g) throw new EngineError('unsupported', `"${domainName}" has no VNC display${devices && childrenNamed(devices, 'graphics').length > 0 ? ' (only SPICE or another kind, which Hangar does not show)' : ''}`);
  const listen = firstChild(g, 'listen');
  // The XML library answers '' for an absent attribute.
  const socket = g.getAttribute('socket') || listen?.getAttribute('socket') || null;
  if (socket !== null || listen?.getAttribute('type') === 'socket') {
    if (!socket || !socket.startsWith('/') || /[\0-\x1f\x7f]/.test(socket)) throw new EngineError('unsupported', `"${domainName}"'s VNC socket is not an absolute path (is it running?)`);
    return { kind: 'socket', path: socket };
  }
  const port = Number(g.getAttribute('port') || '-1');
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new EngineError('invalid-state', `"${domainName}" has no VNC port yet (is it running?)`);
  const addr = (listen?.getAttribute('address') || g.getAttribute('listen') || '').replace(/^\[(.*)\]$/, '$1');
  if (LOOPBACK.has(addr)) return { kind: 'tcp', port, exposed: false };
  if (ANY.has(addr)) return { kind: 'tcp', port, exposed: true };
  throw new EngineError('unsupported', `"${domainName}"'s VNC listens on ${addr}:${port}, not on loopback or a unix socket: Hangar only reaches a display on the host itself (set <listen type='socket'/> or address='127.0.0.1')`);
}
