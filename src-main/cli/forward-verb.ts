import { EngineError, type EngineClient } from '../../src-shared/contract/index.js';
import type { PortForward } from '../../src-shared/vm-document/index.js';
import { parseForwardSpec, parsePort } from '../engine/network/forward-rules.js';

const ACTIONS = ['list', 'add', 'remove'] as const;

export function formatForwards(forwards: readonly PortForward[]): string {
  if (forwards.length === 0) return 'No port forwards.\n';
  return forwards.map((f) => `${f.protocol}  ${f.hostAddress}:${f.hostPort}  ->  guest ${f.guestPort}\n`).join('');
}

/** `hangar forward list|add|remove VM [tcp|udp:]HOSTPORT GUESTPORT`; returns the exit code. */
export async function forwardVerb(c: EngineClient, positionals: string[], v: Record<string, string | boolean | undefined>, out: (s: string) => void): Promise<number> {
  const [action, vm, hostSpec, guest] = positionals as [string, string | undefined, string | undefined, string | undefined];
  if (!(ACTIONS as readonly string[]).includes(action)) throw new EngineError('invalid-args', `unknown forward action "${action}" (${ACTIONS.join(', ')})`);
  if (!vm) throw new EngineError('invalid-args', `hangar forward ${action} needs a VM`);
  const json = v['json'] === true;
  switch (action) {
    case 'list': {
      if (hostSpec !== undefined) throw new EngineError('invalid-args', `unexpected argument "${hostSpec}"`);
      const r = await c.call('forward.list', { vm });
      out(json ? `${JSON.stringify(r.forwards, null, 2)}\n` : formatForwards(r.forwards));
      return 0;
    }
    case 'add': {
      if (hostSpec === undefined || guest === undefined) throw new EngineError('invalid-args', 'hangar forward add needs [tcp|udp:]HOSTPORT GUESTPORT, e.g. 8022 22');
      const spec = parseForwardSpec(hostSpec);
      const r = await c.call('forward.add', { vm, ...spec, guestPort: parsePort(guest, 'GUESTPORT') });
      out(`${r.forward.protocol} ${r.forward.hostAddress}:${r.forward.hostPort} -> guest ${r.forward.guestPort}${r.live ? ' (live)' : ''}\n`);
      return 0;
    }
    case 'remove': {
      if (hostSpec === undefined) throw new EngineError('invalid-args', 'hangar forward remove needs [tcp|udp:]HOSTPORT');
      if (guest !== undefined) throw new EngineError('invalid-args', `unexpected argument "${guest}"`);
      const spec = parseForwardSpec(hostSpec);
      await c.call('forward.remove', { vm, protocol: spec.protocol, hostPort: spec.hostPort });
      return 0;
    }
  }
  return 0;
}
