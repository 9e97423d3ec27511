import type { QmpClient } from '../qmp/qmp-client.js';
import type { QmpLink } from './qmp-link.js';

type Data = Record<string, unknown>;

/** Presents the QMP client as the session's narrow QmpLink. */
export function qmpLinkFrom(client: QmpClient): QmpLink {
  return {
    execute: (command, args, opts) => client.execute(command, args, opts),
    expectEvent(name, opts) {
      const predicate = opts?.predicate;
      const expectation = client.expectEvent(name, {
        ...(opts?.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
        ...(predicate ? { predicate: (e) => predicate((e.data ?? {}) as Data) } : {}),
      });
      const p = expectation.then((e) => ({ event: e.event, data: (e.data ?? {}) as Data }));
      // A wait whose command failed is never awaited: keep its later rejection from being "unhandled".
      p.catch(() => undefined);
      return p;
    },
    onEvent: (listener) => client.on('*', (e) => listener({ event: e.event, data: (e.data ?? {}) as Data, timestamp: e.timestamp })),
    onDisconnected: (listener) => client.onDisconnected((info) => listener(info.reason)),
    close: () => client.close(),
  };
}
