import { EngineError, type EngineClient } from '../../src-shared/contract/index.js';

const ACTIONS = ['list', 'add', 'remove', 'rename', 'test'] as const;

/** `hangar connection list|add NAME URI|remove NAME|rename NAME NEW|test NAME`; returns the exit code. */
export async function connectionVerb(c: EngineClient, positionals: string[], v: Record<string, string | boolean | undefined>, out: (s: string) => void): Promise<number> {
  const [action, name, extra] = positionals as [string, string | undefined, string | undefined];
  if (!(ACTIONS as readonly string[]).includes(action)) throw new EngineError('invalid-args', `unknown connection action "${action}" (${ACTIONS.join(', ')})`);
  const need = (what: string, value: string | undefined): string => {
    if (value === undefined) throw new EngineError('invalid-args', `hangar connection ${action} needs ${what}`);
    return value;
  };
  switch (action) {
    case 'list': {
      const { connections } = await c.call('connection.list', {});
      if (v['json']) out(`${JSON.stringify(connections, null, 2)}\n`);
      else {
        out(`local  This computer (Hangar's engine)\n`);
        for (const k of connections) out(`${k.name}  ${k.uri}  ${k.state}${k.error ? `: ${k.error}` : ''}\n`);
      }
      return 0;
    }
    case 'add':
      await c.call('connection.add', { name: need('a NAME', name), uri: need('a URI (e.g. qemu:///system, qemu+ssh://user@host/system)', extra) });
      return 0;
    case 'remove':
      await c.call('connection.remove', { name: need('a NAME', name) });
      return 0;
    case 'rename':
      await c.call('connection.rename', { name: need('a NAME', name), newName: need('a NEW name', extra) });
      return 0;
    case 'test': {
      const r = await c.call('connection.test', { name: need('a NAME', name) });
      out(`${r.connection.name}: connected (${r.libvirtVersion})\n`);
      return 0;
    }
  }
  return 0;
}
