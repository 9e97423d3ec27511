// Pure rules of the port-forward table: what a new row may hold before it goes to the engine.
import type { PortForward } from '../../../src-shared/vm-document/index.js';

export interface ForwardDraft {
  protocol: 'tcp' | 'udp';
  hostAddress: string;
  hostPort: string;
  guestPort: string;
}

export type ForwardIssues = Partial<Record<'hostAddress' | 'hostPort' | 'guestPort', string>>;

export const EMPTY_FORWARD: ForwardDraft = { protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: '', guestPort: '' };

export const protoLabel = (p: 'tcp' | 'udp') => p.toUpperCase();

function portIssue(text: string): string | undefined {
  if (text.trim() === '') return 'Required';
  if (!/^\d+$/.test(text.trim())) return 'A number from 1 to 65535';
  const n = Number(text);
  return n >= 1 && n <= 65535 ? undefined : 'Ports go from 1 to 65535';
}

function addressIssue(text: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
  if (!m || m.slice(1).some((o) => Number(o) > 255)) return 'An IPv4 address, e.g. 127.0.0.1 (this computer only) or 0.0.0.0 (every network)';
  return undefined;
}

/** Problems of a new row; the duplicate check matches the engine's (same protocol and host port). */
export function forwardIssues(draft: ForwardDraft, existing: readonly PortForward[]): ForwardIssues {
  const out: ForwardIssues = {};
  const host = portIssue(draft.hostPort);
  const guest = portIssue(draft.guestPort);
  const address = addressIssue(draft.hostAddress);
  if (address) out.hostAddress = address;
  if (host) out.hostPort = host;
  if (guest) out.guestPort = guest;
  if (!host) {
    const dup = existing.find((f) => f.protocol === draft.protocol && f.hostPort === Number(draft.hostPort));
    if (dup) out.hostPort = `${protoLabel(dup.protocol)} ${dup.hostPort} is already forwarded (to guest port ${dup.guestPort})`;
  }
  return out;
}

export function toForward(draft: ForwardDraft): PortForward {
  return { protocol: draft.protocol, hostAddress: draft.hostAddress.trim(), hostPort: Number(draft.hostPort), guestPort: Number(draft.guestPort) };
}
